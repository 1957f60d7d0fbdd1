"""Preprocessing that turns raw uint8 pixel rows into model inputs.

``deskew`` straightens slanted handwriting: it measures each image's slant from its
second moments and shears the image so that its main axis is vertical, centring the ink's
centre of mass.  Linear models and fully connected networks, which see pixels and not
shapes, gain the most from it.  All functions take and return ``(n, 784)`` rows so they fit
in a scikit-learn ``Pipeline`` through ``FunctionTransformer``.
"""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import FunctionTransformer

SIDE = 28


def scale(X: np.ndarray, centre: bool = False) -> np.ndarray:
    """Pixels 0-255 to float32 in [0, 1] (or [-0.5, 0.5] with ``centre``)."""
    out = X.astype(np.float32) / np.float32(255)
    return out - np.float32(0.5) if centre else out


def to_unit(X: np.ndarray) -> np.ndarray:
    """Pixels 0-255 to float32, centred: ``x / 255 - 0.5`` (the source study's scaling)."""
    return scale(X, centre=True)


def to_01(X: np.ndarray) -> np.ndarray:
    """Pixels 0-255 to float32 in [0, 1]."""
    return scale(X)


def to_unit64(X: np.ndarray) -> np.ndarray:
    """Like :func:`to_unit` in float64, as the source study fed scikit-learn."""
    return np.asarray(X, dtype=np.float64) / 255 - 0.5


def _shift(signals: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Resample each ``signals[i]`` along its axis 1 at ``j + shift[i]`` (linear, 0 outside).

    Signals sharing the same whole part of their shift are moved together with one slice,
    which keeps this a handful of contiguous copies instead of a per-pixel gather.
    """
    s = signals.shape[1]
    base = np.floor(shift).astype(np.intp)
    frac = (shift - base).astype(np.float32).reshape((-1,) + (1,) * (signals.ndim - 1))
    width = s + 2
    pad = [(0, 0)] * signals.ndim
    pad[1] = (width, width + 1)
    padded = np.pad(signals, pad)
    low = np.empty_like(signals)
    high = np.empty_like(signals)
    for b in np.unique(np.clip(base, -width, width)):
        rows = np.flatnonzero(np.clip(base, -width, width) == b)
        low[rows] = padded[rows, width + b:width + b + s]
        high[rows] = padded[rows, width + b + 1:width + b + 1 + s]
    return low * (1 - frac) + high * frac


def deskew(X: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Deskewed copies of pixel rows ``X`` (n, 784), as float32 in the input's 0-255 range.

    Each image is moved so that its centre of mass is the image centre and sheared
    horizontally by ``alpha = cov(row, col) / var(row)``: output pixel ``(r, c)`` reads the
    input at ``(r + cr - 14, c + alpha (r - 14) + cc - 14)``, by bilinear interpolation
    done as two one-dimensional passes.
    """
    X = np.asarray(X)
    grid_r, grid_c = np.mgrid[:SIDE, :SIDE].astype(np.float32)
    centre = SIDE / 2
    out = np.empty(X.shape, dtype=np.float32)
    for start in range(0, len(X), chunk):
        images = X[start:start + chunk].reshape(-1, SIDE, SIDE).astype(np.float32)
        mass = images.sum(axis=(1, 2)) + 1e-6
        cr = (images * grid_r).sum(axis=(1, 2)) / mass
        cc = (images * grid_c).sum(axis=(1, 2)) / mass
        dr = grid_r - cr[:, None, None]
        dc = grid_c - cc[:, None, None]
        var_r = (images * dr**2).sum(axis=(1, 2)) / mass
        cov = (images * dr * dc).sum(axis=(1, 2)) / mass
        alpha = cov / np.maximum(var_r, 1e-6)
        # pass 1: move every image vertically so its centre of mass is on the centre row
        moved = _shift(images, cr - centre)
        # pass 2: shift each row horizontally by the shear at that row, and centre
        row_shift = alpha[:, None] * (np.arange(SIDE) - centre)[None, :] + (cc - centre)[:, None]
        sheared = _shift(moved.reshape(-1, SIDE), row_shift.ravel())
        out[start:start + chunk] = sheared.reshape(len(images), -1)
    return out


def deskew_01(X: np.ndarray) -> np.ndarray:
    """Deskew, then scale to [0, 1] as float32."""
    return deskew(X) / np.float32(255)


def deskew_unit(X: np.ndarray) -> np.ndarray:
    """Deskew, then scale like :func:`to_unit`."""
    return to_unit(deskew(X))


def scaler() -> FunctionTransformer:
    """Pipeline step: ``x / 255 - 0.5`` as float32."""
    return FunctionTransformer(to_unit)


def deskewer() -> FunctionTransformer:
    """Pipeline step: deskew, then ``x / 255 - 0.5`` as float32."""
    return FunctionTransformer(deskew_unit)
