"""``python -m digits_helpers.search worker ...``: see :mod:`digits_helpers.search.worker`."""

from .worker import main

main()
