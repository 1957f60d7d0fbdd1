"""Helpers shared by the digits-book notebooks.

A page calls two kinds of package code, nothing else:

**Given** (:data:`GIVEN`): what the book does not teach, so a reader may take it as given.

======================  ===================================================================
``load_digits``         the labelled and test digits of this run (the embedded MNIST, or
                        Kaggle's CSV files), checked as they are read
``cached``              the fit cache: ``@cached`` on a training function stores its result
``run_info``            the banner naming the profile, data and cores a page ran with
``set_style``           one look for every figure and table
``check_submission``    checks a submission file (and scores it on the embedded data)
``held_out_labels``     the embedded test set's labels, to score finished models (chapter 11)
``load_results``        the final model each model chapter saved, for the later chapters
``search.storage_url``  the database of the Optuna studies (a SQLite file in the cache, or
                        ``$DIGITS_OPTUNA_STORAGE``)
======================  ===================================================================

**Taught**: a helper written in a shown cell of the page that teaches it, kept here with
the same statements so later pages can import it (a test checks page and package agree):

======================  ===================================================================
``gallery``             ``show_digits``: a grid of digits (chapter 01)
``deskewing``           ``deskew``: shear each digit upright (chapter 02)
``sweeps``              ``validation_sweep``, ``one_se_choice``, ``plot_sweep``,
                        ``fit_timed``: sweeps on the validation rows and the
                        one-standard-error rule (chapter 02)
``submissions``         ``save_submission``: predicted test labels as Kaggle's CSV, named by
                        their hash (chapter 02)
``epochs``              ``train_by_epoch``, ``epoch_sweep``: ``partial_fit`` one epoch at
                        a time, scored on the validation rows (chapter 03)
``keras_training``      ``to_images``, ``train_network``: pixel rows as images, and one
                        seeded, cached Keras training (chapter 04)
``augmentation``        ``RandomAffine``: a layer that turns, zooms and shifts each training
                        image in one resampling (chapter 04)
``one_cycle``           ``one_cycle``: a warm-up then cosine learning rate, Keras'
                        ``CosineDecay`` (chapter 05)
``lenet``               ``lenet``, ``CompoundingDecay``, ``multiply_adds``: the LeNet-like
                        network with its settings as arguments, the source's compounding
                        decay as a schedule, multiply-adds per layer (chapter 05)
``fast_and_deep``       ``lean_lenet``, ``deep_cnn``: the fast recipe's network and the
                        deeper network of conv-conv-pool blocks (chapter 06)
``small_cnn``           ``strided_cnn``: two stride-2 convolutions, no pooling (chapter 08)
``test_time``           ``VIEWS``, ``view_probabilities``: a network's probabilities for four
                        fixed rotated or zoomed views of the images as well (chapter 09)
======================  ===================================================================

Behind them sits the infrastructure a page's visible code does not call: ``paths``,
``profiles``, ``fingerprints``, ``cores``, ``progress``, the data's formats and checks
(``data``), the records and submissions (``evaluate``), the pages' wording, banner and
drawing page (``page``), and the search's workers for several machines (``search``,
``python -m digits_helpers.search worker``).  Importing the package changes nothing
process-wide and does not import TensorFlow.
"""

from .data import Digits, load_digits, split
from .evaluate.records import load_results
from .evaluate.submission import check_submission, held_out_labels
from .fit_cache import cached
from .page.display import run_info
from .page.plotting import set_style
from .profiles import Profile, get_profile

GIVEN = (
    "digits_helpers.load_digits",
    "digits_helpers.cached",
    "digits_helpers.run_info",
    "digits_helpers.set_style",
    "digits_helpers.check_submission",
    "digits_helpers.held_out_labels",
    "digits_helpers.load_results",
    "digits_helpers.search.storage_url",
)
# the taught modules and the page that writes each (tests/book/test_taught_code.py checks them)
TAUGHT = {
    "digits_helpers.gallery": "01_data",
    "digits_helpers.deskewing": "02_logistic_regression",
    "digits_helpers.sweeps": "02_logistic_regression",
    "digits_helpers.submissions": "02_logistic_regression",
    "digits_helpers.epochs": "03_mlp",
    "digits_helpers.keras_training": "04_first_cnn",
    "digits_helpers.augmentation": "04_first_cnn",
    "digits_helpers.one_cycle": "05_cnn_tuning",
    "digits_helpers.lenet": "05_cnn_tuning",
    "digits_helpers.fast_and_deep": "06_cnn_fast_deep",
    "digits_helpers.small_cnn": "08_small_cnn",
    "digits_helpers.test_time": "09_ensemble",
}

__all__ = ["GIVEN", "TAUGHT", "Digits", "Profile", "cached", "check_submission", "get_profile",
           "held_out_labels", "load_digits", "load_results", "run_info", "set_style", "split"]
__version__ = "0.1.0"
