"""``python -m digits_helpers.search worker ...``: see :mod:`digits_helpers.search.cli`."""

from .cli import main

main()
