"""Ensembles: averaging, greedy selection on validation, the candidates' recipes."""

import numpy as np
import pytest

from digits_helpers.evaluate import ensemble
from digits_helpers.models import recipes
from digits_helpers.profiles import PROFILES


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
    for name in recipes.ENSEMBLE_CANDIDATES:
        family, params = recipes.member_params(name, smoke)
        starts.append((family, params.get("seed", smoke.seed)))
    assert len(set(starts)) == len(starts)  # no two candidates of one family start alike
    # offset 0 is the chapters' final recipe itself (same cache key), epochs cut by the profile
    for family in ("cnn_lenet", "cnn_fast"):
        name = family.removeprefix("cnn_")
        assert recipes.member_params(name, full) == (family, recipes.FINAL[family])
        assert recipes.member_params(name, smoke) == (family, recipes.final_params(family, smoke))
    assert recipes.member_params("deep", full) == ("cnn_deep", recipes.DEEP_ONE_CYCLE)
    family, params = recipes.member_params("deep_seed1", smoke)
    assert params == {**recipes.DEEP_ONE_CYCLE, "epochs": smoke.epochs(recipes.DEEP_MAX_EPOCHS), "seed": smoke.seed + 1}
    assert set(recipes.FINAL_ENSEMBLE) <= set(recipes.ENSEMBLE_CANDIDATES)
    assert len(recipes.FINAL_ENSEMBLE) <= 5
    with pytest.raises(ValueError, match="not an ensemble candidate"):
        recipes.member_params("nope", full)
