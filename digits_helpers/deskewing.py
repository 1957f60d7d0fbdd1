"""Deskewing, taught in chapter 02 (:ref:`sec-lr-deskew`): ``deskew`` shears each digit upright."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def deskew(X: np.ndarray) -> np.ndarray:
    """Deskewed copies of pixel rows ``X`` (n, 784), float32 in the 0-255 range."""
    images = X.reshape(-1, 28, 28).astype(np.float32)
    rows, cols = np.mgrid[:28, :28].astype(np.float32)
    out = np.empty_like(images)
    for i, image in enumerate(images):
        mass = image.sum() + 1e-6  # + 1e-6: a blank image stays blank
        r = (rows * image).sum() / mass  # the centre of mass: row r, column c
        c = (cols * image).sum() / mass
        var_r = ((rows - r) ** 2 * image).sum() / mass
        cov = ((rows - r) * (cols - c) * image).sum() / mass
        slant = cov / max(var_r, 1e-6)  # columns the ink moves per row
        # output pixel (i, j) reads the input at
        # (i + r - 14, j + slant (i - 14) + c - 14)
        matrix = np.array([[1, 0], [slant, 1]], dtype=np.float32)
        offset = [r - 14, c - 14 - 14 * slant]
        out[i] = ndimage.affine_transform(image, matrix, offset=offset, order=1,
                                          mode="grid-constant")
    return out.reshape(len(X), -1)
