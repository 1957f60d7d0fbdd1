"""Keras builders, augmentation, learning-rate schedules and Keras fits (tiny, fast fits)."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digits_helpers import data, training
from digits_helpers.data import embedded
from digits_helpers.models import schedules
from digits_helpers.profiles import PROFILES
from digits_helpers.training import KerasRecipe, Split, Tuner, cache, runtime, tuning

SMOKE = PROFILES["smoke"]
ROOT = Path(__file__).resolve().parents[2]
TINY = {"builder": "lenet", "filters": 4, "dense_units": 16, "epochs": 2, "batch_size": 32}


pytestmark = pytest.mark.usefixtures("private_cache")  # every test fits into a cache of its own


@pytest.fixture(scope="module")
def tiny_split():
    X, y, _ = embedded.embedded_train_test()
    X_fit, X_val, y_fit, y_val = data.split(X[:300], y[:300], seed=0)
    return Split(X_fit, y_fit, X_val, y_val)


@pytest.fixture(scope="module")
def networks():
    from digits_helpers.models import networks

    return networks


@pytest.fixture(scope="module")
def augmentation():
    from digits_helpers.models import augmentation

    return augmentation


# --------------------------------------------------------------------------- schedules
def test_compound_schedule_is_the_source_s_compounding_decay():
    lr = 1e-3
    for e in range(25):  # what LearningRateScheduler(lambda e, lr: lr * 0.95 ** e) does, epoch by epoch
        lr *= 0.95**e
        assert schedules.compound(e, 1e-3, 0.95) == pytest.approx(lr)
        assert schedules.compound(e, 1e-3, 0.95) == pytest.approx(1e-3 * 0.95 ** (e * (e + 1) / 2))
    assert schedules.compound(12, 1.0, 0.95) == pytest.approx(0.02, abs=0.002)  # 2 % of lr0 by epoch 12
    assert schedules.compound(15, 1.0, 0.95) == pytest.approx(0.002, abs=0.0002)
    assert schedules.compound(3.7, 1.0, 0.95) == schedules.compound(3, 1.0, 0.95)  # changes at whole epochs


def test_other_schedules():
    for e in range(25):
        assert schedules.exponential(e, 1e-3, 0.95) == pytest.approx(1e-3 * 0.95**e)
    cosine = schedules.schedule("warmup_cosine", 1.0, epochs=10, warmup=0.1)
    assert cosine(0) == 0 and cosine(0.5) == pytest.approx(0.5) and cosine(1) == pytest.approx(1)
    assert cosine(5.5) == pytest.approx(0.5) and cosine(10) == pytest.approx(0, abs=1e-12)
    cycle = schedules.schedule("one_cycle", 1.0, epochs=10, warmup=0.3)
    assert cycle(0) == pytest.approx(1 / 25) and cycle(3) == pytest.approx(1)
    assert cycle(10) == pytest.approx(1 / 25e4)
    rates = [cycle(t / 10) for t in range(101)]
    assert np.all(np.diff(rates[:31]) > 0) and np.all(np.diff(rates[30:]) < 0)
    assert schedules.schedule(None, 0.1)(7) == 0.1
    with pytest.raises(ValueError, match="schedule"):
        schedules.schedule("cosine", 0.1)


# --------------------------------------------------------------------------- recipes and keys
def test_recipe_from_flat_validation_and_rates():
    recipe = KerasRecipe.from_flat(builder="lenet", filters=32, dropouts=[0.1, 0.2, 0.3], epochs=13,
                                   schedule="compound", decay=0.95)
    assert recipe.params == {"dropouts": (0.1, 0.2, 0.3), "filters": 32} and recipe.epochs == 13
    assert KerasRecipe.from_flat(**recipe.flat()) == recipe and len({recipe, recipe}) == 1
    assert recipe.rate()[12] == pytest.approx(1e-3 * 0.95**78)
    assert len(recipe.rate(steps_per_epoch=4)) == 52
    for bad in ({"schedule": "cosine"}, {"optimizer": "adagrad"}, {"epochs": 0},
                {"schedule": "exponential", "reduce_lr_on_plateau": 3}, {"precision": "float16"}):
        with pytest.raises(ValueError):
            KerasRecipe(**bad)


def test_keras_key_covers_recipe_models_and_versions(tiny_split, tmp_path, monkeypatch):
    recipe = KerasRecipe.from_flat(**TINY)
    key = training.fit_key(recipe, tiny_split, SMOKE)
    assert training.fit_key(KerasRecipe.from_flat(**TINY), tiny_split, SMOKE) == key
    assert training.fit_key(KerasRecipe.from_flat(**{**TINY, "filters": 8}), tiny_split, SMOKE) != key
    assert training.fit_key(KerasRecipe.from_flat(**TINY, seed=1), tiny_split, SMOKE) != key
    monkeypatch.setattr(cache, "library_versions", lambda *packages: "9.9")
    assert training.fit_key(recipe, tiny_split, SMOKE) != key  # another TensorFlow or Keras


def test_importing_the_helpers_does_not_load_tensorflow():
    code = ("import sys, importlib, pkgutil, digits_helpers; [importlib.import_module(m.name) for m in"
            " pkgutil.walk_packages(digits_helpers.__path__, 'digits_helpers.') if not m.name.endswith("
            "('__main__', '.networks', '.augmentation', '.keras_training', '.one_cycle'))];"
            " assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# --------------------------------------------------------------------------- builders
def test_lenet_layers_and_parameters(networks):
    net = networks.lenet(batch_norm=True)  # the source's final network
    assert [type(layer).__name__ for layer in net.layers] == [
        "Conv2D", "BatchNormalization", "MaxPooling2D", "Dropout",
        "Conv2D", "BatchNormalization", "MaxPooling2D", "Dropout",
        "Flatten", "Dense", "BatchNormalization", "Dropout", "Dense"]
    assert net.count_params() == 410_250 and net.output_shape == (None, 10)
    assert [layer.rate for layer in net.layers if type(layer).__name__ == "Dropout"] == [0.2, 0.2, 0.3]
    plain = networks.lenet()
    assert len(plain.layers) == 10 and plain.count_params() == 409_034
    # kernel 5, 8/16 filters, 128 units: 208 + 3,216 + 784*128+128 + 1,290
    assert networks.lenet(filters=8, kernel_size=5, dense_units=128).count_params() == 105_194


def test_multiply_adds_count_conv_and_dense_work(networks):
    # conv 28*28*16*9*1 + conv 14*14*32*9*16 + dense 1,568*256 + dense 256*10
    assert networks.multiply_adds(networks.lenet(batch_norm=True)) == 112_896 + 903_168 + 401_408 + 2_560
    assert networks.multiply_adds(networks.lenet(filters=32)) > 3 * networks.multiply_adds(networks.lenet())


def test_small_strides_instead_of_pooling(networks):
    net = networks.small()
    assert [type(layer).__name__ for layer in net.layers] == ["Conv2D", "Conv2D", "Flatten", "Dense", "Dropout",
                                                              "Dense"]
    assert net.layers[0].output.shape == (None, 13, 13, 16) and net.layers[1].output.shape == (None, 6, 6, 32)
    assert net.count_params() == 160 + 4_640 + 295_168 + 2_570
    # conv 13*13*16*9 + conv 6*6*32*9*16 + dense 1,152*256 + dense 256*10
    assert networks.multiply_adds(net) == 24_336 + 165_888 + 294_912 + 2_560
    # more arithmetic than the small LeNet-like network it is compared with in its chapter
    assert networks.multiply_adds(net) > networks.multiply_adds(networks.lenet(filters=8, dense_units=64))


def test_deep_layers_and_parameters(networks):
    net = networks.deep()
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Conv2D", "Conv2D", "MaxPooling2D", "Dropout"] * 3 + ["Flatten", "Dense", "Dropout", "Dense"]
    assert net.count_params() == 1_340_650
    assert net.layers[-4].output.shape == (None, 4 * 4 * 128)
    with pytest.raises(ValueError, match="dropout rates"):
        networks.deep(filters=(32, 64), dropouts=(0.1, 0.1))


def test_augmentation_fills_with_background_and_only_trains(networks, augmentation):
    import keras

    empty = np.full((8, 28, 28, 1), -0.5, np.float32)  # blank images, scaled x/255 - 0.5
    moved = augmentation.augmentation(background=-0.5)(empty, training=True)
    assert np.allclose(keras.ops.convert_to_numpy(moved), -0.5)
    grey = keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", seed=0)(empty, training=True)
    assert keras.ops.convert_to_numpy(grey).max() > -0.4  # Keras' constant fill, 0: grey borders

    X, _, _ = embedded.embedded_train_test()
    digits = training.network_inputs(X[:8], centre=True)
    augment = augmentation.augmentation(background=-0.5)
    assert np.array_equal(keras.ops.convert_to_numpy(augment(digits, training=False)), digits)
    assert not np.allclose(keras.ops.convert_to_numpy(augment(digits, training=True)), digits)
    net = networks.lenet(dropouts=(0, 0, 0), augment=augment)  # only the augmentation is random
    assert net.count_params() == networks.lenet().count_params()
    inference = net.predict(digits, verbose=0)
    assert np.array_equal(net.predict(digits, verbose=0), inference)
    assert not np.allclose(keras.ops.convert_to_numpy(net(digits, training=True)), inference)


def test_lenet_batch_norm_flags_and_momentum(networks):
    net = networks.lenet(batch_norm=(False, True, True), bn_momentum=0.9)
    norms = [layer for layer in net.layers if type(layer).__name__ == "BatchNormalization"]
    assert len(norms) == 2 and all(n.momentum == 0.9 for n in norms)
    assert type(net.layers[1]).__name__ == "MaxPooling2D"  # none after the first conv
    assert networks.deep(batch_norm=True).count_params() > networks.deep().count_params()


def test_batch_norm_after_pooling_normalises_a_quarter_of_the_values(networks):
    def kinds(net):
        return [type(layer).__name__ for layer in net.layers]

    lenet = networks.lenet(batch_norm=True, bn_after_pool=True)
    assert kinds(lenet)[:8] == ["Conv2D", "MaxPooling2D", "BatchNormalization", "Dropout"] * 2
    # the same weights as normalising before pooling: only the place changes
    assert lenet.count_params() == networks.lenet(batch_norm=True).count_params()
    assert lenet.layers[2].input.shape == (None, 14, 14, 16)  # not 28 x 28
    assert kinds(networks.lenet(bn_after_pool=True)) == kinds(networks.lenet())  # no normalisation: no change

    deep = networks.deep(batch_norm=True, bn_after_pool=True)
    block = ["Conv2D", "Conv2D", "MaxPooling2D", "BatchNormalization", "Dropout"]
    assert kinds(deep) == block * 3 + ["Flatten", "Dense", "BatchNormalization", "Dropout", "Dense"]
    assert deep.count_params() < networks.deep(batch_norm=True).count_params()  # one normalisation per block


def test_affine_matrices_compose_rotation_zoom_and_shift(augmentation):
    identity = augmentation.affine_matrices(np.zeros((1, 4), np.float32), 10, 0.1, 0.1)
    assert np.allclose(identity, [[1, 0, 0, 0, 1, 0, 0, 0]], atol=1e-6)
    shift = augmentation.affine_matrices(np.array([[0, 0, 1, -1]], np.float32), 10, 0.1, 0.1)
    assert np.allclose(shift, [[1, 0, -2.8, 0, 1, 2.8, 0, 0]], atol=1e-5)  # 10 % of 28 pixels
    turn = np.asarray(augmentation.affine_matrices(np.array([[1, 0, 0, 0]], np.float32), 90, 0, 0))[0]
    # a quarter turn about the centre (13.5, 13.5) maps corner (0, 0) to (27, 0)
    assert np.allclose([turn[0] * 0 + turn[1] * 0 + turn[2], turn[3] * 0 + turn[4] * 0 + turn[5]], [27, 0],
                       atol=1e-4)


def test_random_affine_is_seeded_fills_with_background_and_moves_digits(augmentation):
    X, _, _ = embedded.embedded_train_test()
    digits = training.network_inputs(X[:16], centre=True)
    first = np.asarray(augmentation.random_affine(digits, [1, 2], background=-0.5))
    assert np.array_equal(first, np.asarray(augmentation.random_affine(digits, [1, 2], background=-0.5)))
    assert not np.allclose(first, np.asarray(augmentation.random_affine(digits, [1, 3], background=-0.5)))
    assert not np.allclose(first, digits) and first.min() >= -0.5 - 1e-6 and first.max() <= 0.5 + 1e-6
    empty = np.full((4, 28, 28, 1), -0.5, np.float32)
    assert np.allclose(np.asarray(augmentation.random_affine(empty, [0, 0], 30, 0.3, 0.3, background=-0.5)), -0.5)
    still = augmentation.random_affine(digits, [5, 5], 0, 0, 0, background=-0.5)
    assert np.allclose(np.asarray(still), digits, atol=1e-5)


def test_per_epoch_schedule_replays_a_table():
    recipe = KerasRecipe(schedule="per_epoch", epoch_rates=(1e-3, 1e-3, 3e-4), epochs=4)
    assert recipe.rate() == pytest.approx([1e-3, 1e-3, 3e-4, 3e-4])  # the last rate holds on
    assert recipe.rate(2)[4:6] == pytest.approx([3e-4, 3e-4])
    with pytest.raises(ValueError, match="epoch_rates"):
        KerasRecipe(schedule="per_epoch")
    with pytest.raises(ValueError, match="epoch_rates"):
        KerasRecipe(epoch_rates=(1e-3,))
    with pytest.raises(ValueError, match="augment_impl"):
        KerasRecipe(augment_impl="generator")
    with pytest.raises(ValueError, match="steps_per_execution"):
        KerasRecipe(steps_per_execution=0)


def test_final_cnn_recipes_build_and_count():
    from digits_helpers.evaluate import comparison
    from digits_helpers.models import recipes

    for name in ("cnn_lenet", "cnn_fast", "cnn_deep", "small_cnn"):
        recipe = recipes.make_model(name, **recipes.FINAL[name])
        assert isinstance(recipe, KerasRecipe) and recipe.flat()["builder"] == recipe.builder
        assert recipes.make_model(name, **recipe.flat()) == recipe  # flat() round-trips
    assert recipes.cut_epochs(recipes.SOURCE_LENET, SMOKE)["epochs"] == SMOKE.epochs(25) == 2
    assert recipes.final_params("cnn_lenet", PROFILES["full"]) == recipes.FINAL["cnn_lenet"]
    assert recipes.final_params("logistic", SMOKE) == recipes.FINAL["logistic"]  # no epochs to cut
    lenet = recipes.SOURCE_LENET
    assert comparison.n_parameters("cnn_lenet", lenet) == 410_250  # the source's network
    as_json = {k: (list(v) if isinstance(v, tuple) else v) for k, v in lenet.items()}
    assert recipes.make_model("cnn_lenet", **as_json) == recipes.make_model("cnn_lenet", **lenet)  # a record's lists


def test_keras_fits_side_by_side_keep_order_and_cache(tiny_split, private_cache, monkeypatch):
    monkeypatch.setattr(tuning, "gpu_available", lambda: False)  # workers even on a GPU machine
    jobs = [(KerasRecipe.from_flat(**{**TINY, "epochs": epochs}), tiny_split, "cnn") for epochs in (2, 1)]
    first = tuning.run_fits(jobs, SMOKE, keras_side_by_side=True)
    assert [fit.n_iter for fit in first] == [2, 1] and not any(fit.from_cache for fit in first)
    again = tuning.run_fits(jobs, SMOKE, keras_side_by_side=True)
    assert all(fit.from_cache for fit in again)
    assert [fit.key for fit in again] == [fit.key for fit in first]
    tf, _ = training.import_tensorflow()
    threads = tf.config.threading.get_intra_op_parallelism_threads()
    lone = tuning.run_fits([(KerasRecipe.from_flat(**{**TINY, "epochs": 3}), tiny_split, "cnn"), *jobs], SMOKE,
                           keras_side_by_side=True)  # one uncached job among cached ones
    assert [fit.n_iter for fit in lone] == [3, 2, 1] and [fit.from_cache for fit in lone] == [False, True, True]
    assert tf.config.threading.get_intra_op_parallelism_threads() == threads  # it ran in a worker, not here


def test_side_by_side_fits_predict_and_find_auto_precision_fits_in_the_cache(tiny_split, monkeypatch):
    monkeypatch.setattr(tuning, "gpu_available", lambda: False)
    monkeypatch.setattr(tuning, "available_cores", lambda: 2)  # two fits, one thread each
    X_test = embedded.embedded_train_test()[2][:50]
    jobs = [(KerasRecipe.from_flat(**{**TINY, "epochs": 1, "seed": seed, "precision": "auto"}), tiny_split, "cnn")
            for seed in (0, 1)]
    first = tuning.run_fits(jobs, SMOKE, keras_side_by_side=True, predict={"test": X_test})
    assert [fit.predictions["test"].shape for fit in first] == [(50, 10)] * 2
    assert first[0].params["precision"] in ("float32", "mixed_bfloat16")  # resolved, not "auto"

    def no_workers(*args, **kwargs):
        raise AssertionError("every fit is cached: run_fits must not start workers")

    monkeypatch.setattr(tuning, "Parallel", no_workers)
    again = tuning.run_fits(jobs, SMOKE, keras_side_by_side=True, predict={"test": X_test})
    assert all(fit.from_cache for fit in again) and [f.key for f in again] == [f.key for f in first]
    np.testing.assert_array_equal(again[1].predictions["test"], first[1].predictions["test"])
    # the key a lookup for a one-thread fit finds (a lone fit on more threads is another fit)
    looked_up = training.cached_fit(jobs[1][0], tiny_split, "cnn", {"test": X_test}, SMOKE, threads=1)
    assert looked_up is not None and looked_up.key == first[1].key


def test_limit_cpu_threads_sets_tensorflow_once():
    code = ("from digits_helpers.training import runtime; runtime.limit_cpu_threads(1);"
            " tf, _ = runtime.import_tensorflow();"
            " tf.constant(1.0) + 1; runtime.limit_cpu_threads(1);"
            " assert tf.config.threading.get_intra_op_parallelism_threads() == 1")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=120)


def test_garbage_collection_is_restored_after_a_fit(tiny_split):
    import gc

    assert gc.isenabled()
    training.fit_keras(KerasRecipe.from_flat(**{**TINY, "epochs": 1}), tiny_split, "cnn", profile=SMOKE,
                      use_cache=False)
    assert gc.isenabled() and gc.get_freeze_count() == 0


# --------------------------------------------------------------------------- fitting
def test_fit_keras_curves_cache_and_determinism(tiny_split, private_cache, tmp_path, monkeypatch):
    X, _, _ = embedded.embedded_train_test()
    test = X[300:350]
    recipe = KerasRecipe.from_flat(**TINY, augment=True, schedule="compound", decay=0.5)
    first = training.fit_keras(recipe, tiny_split, "cnn", predict={"test": test}, profile=SMOKE)
    assert not first.from_cache and first.n_iter == 2 and (first.n_train, first.n_val) == (240, 60)
    for name in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"):
        assert len(first.curves[name]) == 2, name
    assert first.curves["lr"] == pytest.approx([1e-3, 0.5e-3])
    assert 0 < first.curves["seconds"][0] < first.curves["seconds"][1] <= first.fit_seconds
    assert first.val_accuracy == pytest.approx(first.curves["val_accuracy"][-1], abs=1e-6)
    assert first.val_proba.shape == (60, 10) and np.allclose(first.val_proba.sum(1), 1, atol=1e-4)
    assert first.predictions["test"].shape == (50, 10) and 0 <= first.train_accuracy <= 1
    assert first.params["filters"] == 4 and first.params["schedule"] == "compound"

    again = training.fit(recipe, tiny_split, "cnn", predict={"test": test}, profile=SMOKE)
    assert again.from_cache and again.key == first.key and again.fit_seconds == first.fit_seconds
    assert len(list((private_cache / "fits" / "cnn").glob("*.joblib"))) == 1

    monkeypatch.setenv("DIGITS_CACHE_DIR", str(tmp_path / "other"))
    second = training.fit_keras(recipe, tiny_split, "cnn", predict={"test": test}, profile=SMOKE)
    assert not second.from_cache and np.array_equal(second.val_proba, first.val_proba)
    assert second.curves["loss"] == first.curves["loss"]
    # the trained network comes back from the cache: rebuilt, it predicts what the fit predicted
    net = training.trained_network(again)
    rebuilt = net.predict(training.network_inputs(test, recipe.centre), verbose=0)
    np.testing.assert_allclose(rebuilt, first.predictions["test"], atol=1e-5)
    with pytest.raises(ValueError, match="has no trained weights"):
        training.trained_network(dataclasses.replace(first, weights=None))
    layers = training.fit_keras(KerasRecipe.from_flat(**TINY, augment=True, augment_impl="layers",
                                                     steps_per_execution=1), tiny_split, "cnn", profile=SMOKE)
    assert layers.key != first.key and not np.array_equal(layers.val_proba, first.val_proba)


def test_mixed_precision_keeps_float32_probabilities_and_restores_the_policy(tiny_split, monkeypatch):
    import keras

    one_epoch = {**TINY, "epochs": 1}
    mixed = training.fit_keras(KerasRecipe.from_flat(**one_epoch, precision="mixed_bfloat16"), tiny_split, "cnn",
                              profile=SMOKE)
    assert keras.mixed_precision.global_policy().name == "float32"  # later networks are not affected
    assert mixed.params["precision"] == "mixed_bfloat16" and mixed.val_proba.dtype == np.float32
    assert np.allclose(mixed.val_proba.sum(1), 1, atol=1e-5)  # the softmax ran in float32
    plain = training.fit_keras(KerasRecipe.from_flat(**one_epoch), tiny_split, "cnn", profile=SMOKE)
    assert plain.key != mixed.key and not np.array_equal(plain.val_proba, mixed.val_proba)

    # "auto" is resolved before the cache key: the key and params name the precision used
    for native, used in ((True, mixed), (False, plain)):
        monkeypatch.setattr(runtime, "native_bfloat16", lambda native=native: native)
        auto = training.fit_keras(KerasRecipe.from_flat(**one_epoch, precision="auto"), tiny_split, "cnn",
                                 profile=SMOKE)
        assert auto.from_cache and auto.key == used.key and auto.params["precision"] == used.params["precision"]


def test_fit_keras_without_validation(tiny_split):
    recipe = KerasRecipe.from_flat(**TINY, centre=False, label_smoothing=0.1, early_stopping=1,
                                   reduce_lr_on_plateau=1)
    result = training.fit_keras(recipe, Split(tiny_split.X_fit, tiny_split.y_fit), "cnn", profile=SMOKE)
    assert result.val_accuracy is None and result.val_proba is None and result.n_val == 0
    assert result.n_iter == 2 and "val_accuracy" not in result.curves  # callbacks need validation rows
    assert result.curves["lr"] == pytest.approx([1e-3, 1e-3])
    with pytest.raises(ValueError, match="already scaled"):
        training.fit_keras(recipe, Split(tiny_split.X_fit / 255, tiny_split.y_fit), "cnn", profile=SMOKE)


def test_tuner_sweeps_a_keras_recipe(tiny_split):
    tuner = Tuner(KerasRecipe.from_flat, {**TINY, "epochs": 1}, tiny_split, "cnn", profile=SMOKE, n_jobs=2)
    table = tuner.sweep("filters", [2, 4, 8])
    assert list(table["value"]) == [2, 8]  # smoke: two values, both ends
    assert table["chosen"].sum() == 1 and tuner.params["filters"] == tuner.best("filters")
    assert not table["from_cache"].any() and (table["fit_seconds"] > 0).all()
    assert Tuner(KerasRecipe.from_flat, {**TINY, "epochs": 1}, tiny_split, "cnn",
                 profile=SMOKE).sweep("filters", [2, 8])["from_cache"].all()


# --------------------------------------------------------------------------- fit identity
def test_a_keras_fit_key_names_its_device_and_threads(tiny_split):
    recipe = KerasRecipe.from_flat(**TINY)
    one, two = (cache.predict_key(recipe, tiny_split, SMOKE, {}, runtime.runs_on(n)) for n in (1, 2))
    assert one != two and runtime.runs_on(3) == (
        "gpu" if runtime.gpu_available() else "cpu, 3 threads")


def test_side_by_side_fits_keep_their_threads_cold_or_warm(tiny_split, monkeypatch):
    """The plan follows the job list, not the cache: a group of two trained cold, then one of
    them read back warm in the same group, has the same key, thread count and numbers."""
    monkeypatch.setattr(tuning, "available_cores", lambda: 2)
    jobs = [(KerasRecipe.from_flat(**{**TINY, "epochs": 1, "filters": f}), tiny_split, "cnn")
            for f in (4, 6)]
    cold = tuning.run_fits(jobs, SMOKE, keras_side_by_side=True)
    expected = "gpu" if runtime.gpu_available() else "cpu, 1 threads"
    assert [fit.runs_on for fit in cold] == [expected] * 2 and not any(f.from_cache for f in cold)
    (cache.entry_path("cnn", cold[1].key)).unlink()  # one neighbour cached, one not
    warm = tuning.run_fits(jobs, SMOKE, keras_side_by_side=True)
    assert warm[0].from_cache and not warm[1].from_cache
    assert [f.key for f in warm] == [f.key for f in cold]
    np.testing.assert_array_equal(warm[1].val_proba, cold[1].val_proba)
