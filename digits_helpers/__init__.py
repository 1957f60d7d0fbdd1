"""Helpers shared by the digits-book notebooks, grouped by what a chapter does.

======================  ===================================================================
``paths``               every folder and ``DIGITS_*`` variable; atomic writes
``profiles``            ``full`` / ``smoke``: rows, grids, epochs, the seed
``progress``            progress bars
``fingerprints``        what cache keys are made of (arrays, code behaviour, versions)
``data``                embedded MNIST, Kaggle's CSVs, loading and splits, features
``models``              scikit-learn pipelines, Keras networks, augmentation, schedules,
                        Keras recipes, the families and recorded final recipes
``training``            Split/FitResult, the fit cache, scikit-learn and Keras fitting,
                        the TensorFlow runtime, tuning one parameter at a time
``search``              Optuna studies in a database, workers, the deeper network's space
``evaluate``            confusions, model choice, comparison, ensembles, submissions, records
``page``                what pages display: run info, tables, plots, wording, the final refit
======================  ===================================================================

Importing the package (or any module but the Keras builders) does not import TensorFlow.
The book's Sphinx extensions live with the book, in ``book/_ext/``.
"""

from .data import Digits, load_digits, scale, split
from .profiles import Profile, get_profile

__all__ = ["Digits", "Profile", "get_profile", "load_digits", "scale", "split"]
__version__ = "0.1.0"
