"""Tests and notebook runs (nbmake) always use the small smoke profile."""

import os

os.environ["DIGITS_PROFILE"] = "smoke"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DIGITS_NO_PROGRESS", "1")
