"""The drawing page in a real browser: the page's own forward pass agrees with the Python
networks, strokes drawn with pointer events give a prediction, and the page needs nothing
from outside the site (it works offline and from file://)."""

from __future__ import annotations

import base64
import json
import time

import numpy as np
import pytest
from test_site import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serve

PAGE = "notebooks/13_draw.html"
N_IMAGES = 300  # digits fed through the page's input path


def keras_network(exported: dict):
    """The exported network rebuilt in Keras from its configuration, with the page's weights."""
    import keras

    import digits_helpers.augmentation  # noqa: F401  (registers RandomAffine, which the configuration names)

    net = keras.models.model_from_json(exported["config"])
    weights = [np.frombuffer(base64.b64decode(w["data"]), "<f4").reshape(w["shape"])
               for layer in exported["layers"] for w in layer["weights"]]
    net.set_weights(weights)
    return net


@pytest.fixture(scope="module")
def browser_page(smoke_book):
    from playwright.sync_api import sync_playwright

    html = smoke_book.html
    assert (html / PAGE).exists(), "the smoke build made no drawing page:\n" + smoke_book.log()
    outside, failed, errors = [], [], []
    with serve(html) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 1000})

        def route(request_route):
            url = request_route.request.url
            if url.startswith((base, "data:", "blob:", "file:")):  # the local server, or the disk
                request_route.continue_()
            else:
                outside.append(url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
        start = time.perf_counter()
        page.goto(base + PAGE, wait_until="load")
        page.wait_for_selector("#digits-draw[data-ready='true']", state="attached", timeout=60_000)
        page.evaluate("() => window.digitsDraw.classifyPixels(new Uint8Array(784))")
        first_prediction = time.perf_counter() - start
        yield {"page": page, "context": context, "base": base, "outside": outside, "failed": failed,
               "errors": errors, "first_prediction_seconds": first_prediction, "html": html}
        browser.close()


@needs_chromium
def test_page_agrees_with_the_python_networks(browser_page, capsys):
    from digits_helpers.data import embedded

    page = browser_page["page"]
    payload = json.loads(page.evaluate("() => document.getElementById('digits-draw-data').textContent"))
    X, _, _ = embedded.embedded_train_test()
    images = X[-N_IMAGES:]
    in_page = page.evaluate("images => images.map(p => window.digitsDraw.classifyPixels(Uint8Array.from(p)))",
                            images.tolist())
    report = {}
    for exported in payload["networks"]:
        centre = exported["centre"]
        scaled = images.astype(np.float32) / np.float32(255) - (np.float32(0.5) if centre else np.float32(0))
        inputs = scaled.reshape(-1, 28, 28, 1)
        python = keras_network(exported).predict(inputs, verbose=0)
        browser = np.array([p[exported["name"]] for p in in_page])
        assert (browser.argmax(1) == python.argmax(1)).all(), exported["name"]
        difference = float(np.abs(browser - python).max())
        assert difference <= 1e-4, (exported["name"], difference)
        same = int((browser.argmax(1) == python.argmax(1)).sum())
        report[exported["name"]] = {"images": len(images), "same_class": same,
                                    "largest_probability_difference": difference}
    html = browser_page["html"]
    report["page_bytes"] = (html / PAGE).stat().st_size
    from digits_helpers.page import draw

    report["script_bytes"] = draw.SCRIPT.stat().st_size
    report["first_prediction_seconds"] = round(browser_page["first_prediction_seconds"], 2)
    with capsys.disabled():
        print("\ndrawing page:", json.dumps(report))


@needs_chromium
def test_strokes_drawn_with_the_pointer_give_a_prediction(browser_page):
    page = browser_page["page"]
    page.click(".digits-draw-clear")
    box = page.locator("canvas.digits-draw-pad").bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.15
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 21):  # a stroke down the middle: a "1"
        page.mouse.move(x0, y0 + step * box["height"] * 0.035)
    page.mouse.up()
    predictions = json.loads(page.get_attribute("#digits-draw", "data-predictions"))
    assert set(predictions) == {"small_cnn", "cnn_deep"}
    for probabilities in predictions.values():
        assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 1e-4
    assert "draw a digit" not in page.inner_text(".digits-draw-panel .digits-draw-guess")
    page.click(".digits-draw-hard")
    assert "A validation digit labelled" in page.inner_text(".digits-draw-status")


@needs_chromium
def test_page_needs_nothing_from_outside(browser_page):
    assert not browser_page["outside"], browser_page["outside"]
    assert not browser_page["failed"], browser_page["failed"]
    assert not browser_page["errors"], browser_page["errors"]


@needs_chromium
def test_page_works_offline_and_from_disk(browser_page):
    context, page = browser_page["context"], browser_page["page"]
    context.set_offline(True)
    try:
        page.click(".digits-draw-clear")
        page.click(".digits-draw-hard")
        assert json.loads(page.get_attribute("#digits-draw", "data-predictions"))
    finally:
        context.set_offline(False)
    disk = context.new_page()
    disk.goto((browser_page["html"] / PAGE).resolve().as_uri(), wait_until="load")
    disk.wait_for_selector("#digits-draw[data-ready='true']", state="attached", timeout=60_000)
    disk.click(".digits-draw-hard")
    assert json.loads(disk.get_attribute("#digits-draw", "data-predictions"))
    disk.close()


def calibrated_answers(payload: dict, pixels: np.ndarray) -> dict[str, tuple[np.ndarray, object]]:
    """Keras' probabilities for ``pixels`` (n, 784) at each network's temperature, and its
    answers: the digit where the calibrated confidence reaches the threshold, else "not sure"."""
    out = {}
    for exported in payload["networks"]:
        scaled = pixels.astype(np.float32) / np.float32(255) - (np.float32(0.5) if exported["centre"] else 0)
        p = keras_network(exported).predict(scaled.reshape(-1, 28, 28, 1), verbose=0).astype(np.float64)
        logits = np.log(np.clip(p, 1e-12, 1)) / exported["temperature"]
        q = np.exp(logits - logits.max(axis=1, keepdims=True))
        q /= q.sum(axis=1, keepdims=True)
        answers = [int(row.argmax()) if row.max() >= exported["threshold"] else "not sure" for row in q]
        out[exported["name"]] = (q, answers)
    return out


def draw_strokes(page, strokes) -> list[int]:
    """Draw ``strokes`` (lists of points, as shares of the square's side) with the mouse;
    return the 28x28 pixels the page made of the drawing."""
    page.click(".digits-draw-clear")
    box = page.locator("canvas.digits-draw-pad").bounding_box()
    for stroke in strokes:
        (x, y), *rest = stroke
        page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"])
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=4)
        page.mouse.up()
    return page.evaluate(
        "() => Array.from(window.digitsDraw.preprocess(document.querySelector('canvas.digits-draw-pad')))")


@needs_chromium
def test_page_answers_at_the_threshold_and_says_not_sure_below_it(browser_page):
    from digits_helpers.data import embedded

    page = browser_page["page"]
    payload = json.loads(page.evaluate("() => document.getElementById('digits-draw-data').textContent"))
    for exported in payload["networks"]:  # chapter 11 ran before the page: its calibration is there
        assert exported["temperature"] > 0 and 0 < exported["threshold"] <= 1, exported["name"]

    page.click(".digits-draw-clear")  # an empty square: no answer at all
    page.evaluate("() => window.digitsDraw.update()")
    assert page.get_attribute("#digits-draw", "data-answers") == ""
    assert "Nothing drawn" in page.inner_text(".digits-draw-status")

    X, _, _ = embedded.embedded_train_test()
    images = X[-N_IMAGES:]
    expected = calibrated_answers(payload, images)
    surest = int(np.argmax(np.min([q.max(axis=1) for q, _ in expected.values()], axis=0)))
    page.evaluate("p => window.digitsDraw.classifyPixels(Uint8Array.from(p))", images[surest].tolist())
    answers = json.loads(page.get_attribute("#digits-draw", "data-answers"))
    for name, (_, said) in expected.items():  # a clear digit: answered when Keras clears the threshold
        assert answers[name] == said[surest], name

    one = [[(0.5, 0.15), (0.5, 0.85)]]
    scribble = [[(0.2, 0.3), (0.8, 0.35), (0.25, 0.6), (0.75, 0.7), (0.3, 0.2), (0.6, 0.9)]]
    for strokes in (one, scribble):
        pixels = np.array([draw_strokes(page, strokes)], dtype=np.uint8)
        answers = json.loads(page.get_attribute("#digits-draw", "data-answers"))
        calibrated = json.loads(page.get_attribute("#digits-draw", "data-calibrated"))
        for name, (q, said) in calibrated_answers(payload, pixels).items():
            assert np.abs(np.array(calibrated[name]) - q[0]).max() <= 1e-4, name
            assert answers[name] == said[0], (name, answers[name], said[0])
            panel = page.locator(f".digits-draw-panel[data-network='{name}'] .digits-draw-guess").inner_text()
            assert ("not sure" in panel) == (said[0] == "not sure"), panel
