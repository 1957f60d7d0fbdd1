"""Ensembles: averaging, greedy selection on validation, shared errors, the candidates' recipes and rows."""

import numpy as np
import pytest

from digits_helpers.data import features
from digits_helpers.evaluate import ensemble
from digits_helpers.models import members, recipes
from digits_helpers.profiles import PROFILES
from digits_helpers.training import Split


def one_hot(labels, n_classes=3, confidence=0.8):
    out = np.full((len(labels), n_classes), (1 - confidence) / (n_classes - 1))
    out[np.arange(len(labels)), labels] = confidence
    return out


def test_average_is_the_mean_and_checks_shapes():
    a, b = np.array([[0.9, 0.1]]), np.array([[0.3, 0.7]])
    np.testing.assert_allclose(ensemble.average([a, b]), [[0.6, 0.4]])
    with pytest.raises(ValueError, match="at least one"):
        ensemble.average([])
    with pytest.raises(ValueError, match="differ in shape"):
        ensemble.average([a, np.ones((2, 2)) / 2])


def test_forward_selection_adds_the_complementary_candidate():
    y = np.array([0, 1, 2, 0, 1, 2])
    good = one_hot([0, 1, 2, 0, 1, 1])  # one error, on the last row
    twin = good.copy()  # the same errors: adds nothing
    fixer = one_hot([0, 1, 2, 0, 1, 2])
    fixer[3] = [0.3, 0.4, 0.3]  # a different error, unsure,
    fixer[5] = [0.0, 0.0, 1.0]  # and sure where good is wrong
    weak = one_hot([1, 1, 1, 1, 1, 1])
    selection = ensemble.forward_selection({"weak": weak, "twin": twin, "good": good, "fixer": fixer}, y,
                                           max_size=3)
    # fixer, good and twin are equally accurate alone; fixer has the lowest log loss; then
    # twin and good tie on everything and the earlier candidate wins
    assert selection.order[:2] == ["fixer", "twin"]
    assert len(set(selection.order)) == len(selection.order) == 3  # no member twice
    assert list(selection.curve["size"]) == [1, 2, 3]
    best = selection.curve["val_accuracy"].max()
    assert selection.size == int(selection.curve.loc[selection.curve["val_accuracy"] == best, "size"].min())
    assert selection.members == selection.order[:selection.size]
    assert selection.curve["val_accuracy"].iloc[1] == 1.0 and selection.size == 2


def test_forward_selection_rejects_bad_input():
    y = np.array([0, 1])
    with pytest.raises(ValueError, match="max_size"):
        ensemble.forward_selection({"a": one_hot([0, 1])}, y, max_size=0)
    with pytest.raises(ValueError, match="no candidates"):
        ensemble.forward_selection({}, y)
    with pytest.raises(ValueError, match="candidate 'b'"):
        ensemble.forward_selection({"a": one_hot([0, 1]), "b": one_hot([0, 1, 2])}, y)
    with pytest.raises(ValueError, match="candidate 'b'"):  # another number of classes
        ensemble.forward_selection({"a": one_hot([0, 1]), "b": one_hot([0, 1], n_classes=4)}, y)


def test_candidates_derive_their_seeds_from_the_profile():
    smoke, full = PROFILES["smoke"], PROFILES["full"]
    starts = []
    for name in members.CANDIDATES:
        family, params = members.member_params(name, smoke)
        starts.append((family, params.get("seed", smoke.seed), members.CANDIDATES[name].inputs,
                       members.CANDIDATES[name].rows))
    assert len(set(starts)) == len(starts)  # no two candidates start alike
    # offset 0 is a chapter's own fit (same cache key), epochs cut by the profile: the final
    # recipes of chapters 05 and 09, and chapter 04's reference, the source's recipe
    for name, family in (("fast", "cnn_fast"), ("small", "small_cnn")):
        assert members.member_params(name, full) == (family, recipes.FINAL[family])
        assert members.member_params(name, smoke) == (family, recipes.final_params(family, smoke))
    assert members.member_params("lenet", full) == ("cnn_lenet", recipes.SOURCE_LENET)
    assert members.member_params("lenet", smoke) == ("cnn_lenet", recipes.cut_epochs(recipes.SOURCE_LENET, smoke))
    assert members.member_params("deep", full) == ("cnn_deep", recipes.DEEP_ONE_CYCLE)
    assert members.member_params("deep", smoke) == ("cnn_deep", recipes.deep_one_cycle_params(smoke))
    family, params = members.member_params("deep_bagged", smoke)
    assert params == {**members.DEEP_MEMBER, "epochs": smoke.epochs(members.DEEP_MEMBER["epochs"]),
                      "seed": smoke.seed + 2}
    assert set(members.FINAL_ENSEMBLE) <= set(members.CANDIDATES)
    assert 1 <= len(members.FINAL_ENSEMBLE) <= 5
    with pytest.raises(ValueError, match="not an ensemble candidate"):
        members.member_params("nope", full)
    with pytest.raises(ValueError, match="inputs="):
        members.Member("cnn_deep", {}, "x", inputs="blurred")
    with pytest.raises(ValueError, match="rows="):
        members.Member("cnn_deep", {}, "x", rows=0)


def test_member_split_gives_each_candidate_its_rows_and_inputs():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(50, 784)).astype(np.uint8)
    X[:, :100] = 0
    y = rng.integers(0, 10, size=50)
    split = Split(X[:40], y[:40], X[40:], y[40:])
    smoke = PROFILES["smoke"]
    plain = ensemble.member_split("deep", split, smoke)
    assert plain.fingerprint == split.fingerprint  # the same rows, as given: the chapters' cache key
    bagged = ensemble.member_split("deep_bagged", split, smoke)
    rows = members.member_rows("deep_bagged", 40, smoke)
    assert len(rows) == round(members.BAG_SHARE * 40) and len(set(rows)) == len(rows)
    np.testing.assert_array_equal(bagged.X_fit, X[:40][rows])
    np.testing.assert_array_equal(bagged.y_fit, y[:40][rows])
    np.testing.assert_array_equal(bagged.X_val, X[40:])  # validation rows are all kept
    np.testing.assert_array_equal(rows, members.member_rows("deep_bagged", 40, smoke))  # seeded
    deskewed = ensemble.member_split("deep_deskewed", split, smoke)
    np.testing.assert_allclose(deskewed.X_fit, features.deskew(X[:40]))
    np.testing.assert_allclose(deskewed.X_val, features.deskew(X[40:]))


def test_shared_errors_and_the_oracle():
    y = np.array([0, 1, 2, 0])
    a = one_hot([0, 1, 1, 1])  # wrong on rows 2, 3
    b = one_hot([0, 0, 1, 0])  # wrong on rows 1, 2
    c = one_hot([0, 1, 2, 0])  # right everywhere
    table = ensemble.shared_errors({"a": a, "b": b, "c": c}, y)
    assert table.loc["a", "a"] == 2 and table.loc["b", "b"] == 2 and table.loc["c", "c"] == 0
    assert table.loc["a", "b"] == table.loc["b", "a"] == 1  # row 2
    assert table.loc["a", "c"] == 0
    assert ensemble.oracle_accuracy([a, b], y) == 0.75  # row 2 wrong for both
    assert ensemble.oracle_accuracy([a, b, c], y) == 1.0
