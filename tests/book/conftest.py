"""The book's tests import its Sphinx extensions from book/_ext/, as the build does."""

import sys
from pathlib import Path

EXTENSIONS = Path(__file__).resolve().parents[2] / "book" / "_ext"
if str(EXTENSIONS) not in sys.path:
    sys.path.insert(0, str(EXTENSIONS))
