"""Writing a submission, taught in chapter 02 (:ref:`chap-logistic`): ``save_submission``
writes predicted test labels as the CSV file Kaggle scores."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def save_submission(labels, name, folder):
    """Write predicted test labels as a Kaggle submission in ``folder``, named after the
    model and a hash of the labels, so another model never overwrites it; its path."""
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(labels.tobytes()).hexdigest()[:8]  # names the predictions
    path = folder / f"{name}-{digest}.csv"
    pd.DataFrame({"ImageId": np.arange(1, len(labels) + 1), "Label": labels}).to_csv(
        path, index=False)
    return path
