"""What the drawing page needs from the book's networks: their layers and trained weights as
JSON for the page's own forward pass (``draw.js``), and hard validation digits.

The page runs the networks in the reader's browser with no library and no request outside
the site: :func:`export_network` writes each layer's kind, settings and weights (float32,
base64), which the page's script (``draw.js`` beside this module, written into the page by
:func:`widget`) evaluates exactly as Keras does at inference (dropout off, batch
normalisation with its moving statistics).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import numpy as np

# the layers the page's forward pass knows, and the settings it reads of each
LAYERS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "MaxPooling2D": ("pool_size", "strides", "padding"),
    "BatchNormalization": ("epsilon", "center", "scale"),
    "Dense": ("units", "activation"),
    "Flatten": (),
    "Dropout": (),
}
# augmentation layers: active in training only, so the page's forward pass leaves them out
TRAINING_ONLY = ("RandomAffine", "RandomRotation", "RandomZoom", "RandomTranslation")


def _array(a: np.ndarray) -> dict[str, Any]:
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def export_network(net: Any, name: str, label: str, centre: bool = True, temperature: float = 1.0,
                   threshold: float = 0.0) -> dict[str, Any]:
    """A Keras ``Sequential`` as the page's JSON: its layers (kind, settings, weights; the
    augmentation layers, which pass images through unchanged at inference, left out), its
    Keras configuration (``config``, to rebuild it in Python with ``model_from_json``),
    whether its inputs are centred (``x/255 - 0.5``, else ``x/255``), and the temperature
    and confidence threshold chapter 11 fitted for it: the page shows
    ``softmax(log p / temperature)`` and answers "not sure" below the threshold."""
    if not temperature > 0 or not 0 <= threshold <= 1:
        raise ValueError(f"{name}: temperature {temperature} must be > 0 and threshold {threshold} in [0, 1]")
    layers = []
    for layer in net.layers:
        kind = type(layer).__name__
        if kind in TRAINING_ONLY:
            continue
        if kind not in LAYERS:
            raise ValueError(f"layer {layer.name!r} is a {kind}; the page knows {sorted(LAYERS)}")
        config = layer.get_config()
        entry = {"type": kind, **{key: config[key] for key in LAYERS[kind]}}
        entry["weights"] = [_array(w) for w in layer.get_weights()]
        layers.append(entry)
    return {"name": name, "label": label, "centre": bool(centre), "input_shape": list(net.input_shape[1:]),
            "layers": layers, "config": net.to_json(), "temperature": float(temperature),
            "threshold": float(threshold)}


def hard_digits(X_val: np.ndarray, y_val: np.ndarray, val_proba: np.ndarray, n: int = 24) -> list[dict[str, Any]]:
    """The validation digits a network found hardest: the ones it got wrong, then the least
    confident, ``n`` at most, each with its label and the network's guess."""
    predicted = val_proba.argmax(1)
    confidence = val_proba.max(1)
    wrong = predicted != y_val
    order = np.lexsort((confidence, ~wrong))  # wrong first, each group by rising confidence
    return [{"pixels": base64.b64encode(np.asarray(X_val[i], np.uint8).tobytes()).decode("ascii"),
             "label": int(y_val[i]), "guess": int(predicted[i]), "confidence": float(confidence[i])}
            for i in order[:n]]


def page_data(networks: list[dict[str, Any]], hard: list[dict[str, Any]], note: str) -> str:
    """The page's data as the HTML of a ``<script type="application/json">`` element."""
    payload = json.dumps({"networks": networks, "hard": hard, "note": note}, separators=(",", ":"))
    safe = payload.replace("</", "<\\/")  # no "</script>" inside the element
    return '<script type="application/json" id="digits-draw-data">' + safe + "</script>"


SCRIPT = Path(__file__).with_name("draw.js")

# The page's controls and figures, styled for light and dark themes; draw.js gives them life.
CONTROLS = """
<style>
#digits-draw { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; margin: 1rem 0; }
#digits-draw .digits-draw-pad { width: 280px; height: 280px; background: #000; touch-action: none;
  border: 1px solid #888; cursor: crosshair; }
#digits-draw .digits-draw-seen { width: 84px; height: 84px; image-rendering: pixelated; background: #000;
  border: 1px solid #888; }
#digits-draw .digits-draw-panel { min-width: 14rem; }
#digits-draw .digits-draw-guess { font-weight: bold; margin: 0 0 .3rem; }
#digits-draw .digits-draw-row { display: flex; align-items: center; gap: .4rem; font-family: monospace; }
#digits-draw .digits-draw-track { flex: 1; height: .8rem; background: rgba(128, 128, 128, .2); }
#digits-draw .digits-draw-bar { height: 100%; width: 0; background: #4c72b0; transition: width .1s; }
#digits-draw .digits-draw-bar.best { background: #dd8452; }
#digits-draw button { margin: .3rem .3rem 0 0; }
#digits-draw .digits-draw-status { max-width: 280px; font-size: .9rem; }
</style>
<div id="digits-draw">
  <div>
    <canvas class="digits-draw-pad" width="280" height="280"
            aria-label="Drawing area: draw a digit here"></canvas><br>
    <button type="button" class="digits-draw-clear">clear</button>
    <button type="button" class="digits-draw-hard">show me a hard digit</button>
    <p class="digits-draw-status" aria-live="polite"></p>
  </div>
  <div>
    <p>What the networks see</p>
    <canvas class="digits-draw-seen" width="28" height="28"
            aria-label="The 28 by 28 image the networks receive"></canvas>
  </div>
  <div class="digits-draw-panels"></div>
</div>
"""


def widget() -> str:
    """The page's controls and its script, inline: the page needs no other file."""
    return CONTROLS + "<script>\n" + SCRIPT.read_text(encoding="utf-8") + "</script>\n"
