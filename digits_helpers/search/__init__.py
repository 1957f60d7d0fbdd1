"""Bayesian search with Optuna: studies stored in a database, resumable and shared by workers,
on Optuna's public API (a plain ``RDBStorage`` with heartbeats and a retry callback).

- :mod:`.storage` -- where studies live: ``$DIGITS_OPTUNA_STORAGE`` (e.g.
  ``postgresql://user:password@host/db`` for several machines), else the SQLite file
  ``.cache/optuna/studies.db``; :func:`rdb_storage` opens it with heartbeats that fail and
  requeue a dead worker's trial.  A database that exists is opened, never replaced.
- :mod:`.studies` -- create or reopen a study (TPE seeded per trial from the profile's seed,
  median pruner), and run it until it holds exactly ``n_trials`` finished trials, from one
  process or several.
- :mod:`.pruning` -- a Keras callback reporting each epoch to a trial.
- :mod:`.cli` -- the command line, ``python -m digits_helpers.search worker``, whose workers
  ride out a restart of the database server (``DatabaseUnreachable`` past ``--ride-out``).
- :mod:`.deep_cnn` -- the deeper network's search space and objective (chapter 07).
"""

from .cli import DatabaseUnreachable, find_objective, register_objective, worker
from .pruning import pruning_callback
from .storage import rdb_storage, storage_url
from .studies import FINISHED, SeededTPESampler, default_pruner, open_study, run_study

__all__ = ["FINISHED", "DatabaseUnreachable", "SeededTPESampler", "default_pruner", "find_objective", "open_study",
           "pruning_callback", "rdb_storage", "register_objective", "run_study", "storage_url", "worker"]
