"""The one setup cell every notebook starts with, and the command that writes it into them.

    python scripts/setup_cell.py          # rewrite the first code cell of notebooks/*.md
    python scripts/setup_cell.py --check  # exit 1 when a notebook's setup cell differs

In Google Colab the cell fetches the book's code and data (a shallow clone) and installs the
one package Colab lacks; elsewhere it does nothing (``pip install -r requirements.txt`` has
done the set-up).  The cell is removed from the built pages.  Run ``jupytext --sync
notebooks/*.md`` after rewriting.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP = '''```{code-cell} ipython3
:tags: [remove-cell]

# In Google Colab, fetch the book's code and data first (elsewhere this does nothing).
import sys

if "google.colab" in sys.modules:
    REPO = "https://github.com/digits-book/digits-book"
    !test -d book || git clone -q --depth 1 {REPO} book
    %pip install -q myst-nb
    sys.path.insert(0, "book")
```'''
FIRST_CELL = re.compile(r"```\{code-cell\}[^\n]*\n.*?\n```", flags=re.S)


def with_setup(text: str) -> str:
    """``text`` (a MyST notebook) with its first code cell replaced by :data:`SETUP`."""
    return FIRST_CELL.sub(lambda _: SETUP, text, count=1)


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md")):
        text = path.read_text(encoding="utf-8")
        if with_setup(text) != text:
            stale.append(path.name)
            if not check:
                path.write_text(with_setup(text), encoding="utf-8")
    if check and stale:
        print(f"setup cell differs in {', '.join(stale)}: run python scripts/setup_cell.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
