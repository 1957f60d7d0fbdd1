"""Helpers shared by the digits-book notebooks: data, profiles, fitting, tuning, plots."""

from .config import Profile, get_profile
from .data import Digits, load_digits, scale, split

__all__ = ["Digits", "Profile", "get_profile", "load_digits", "scale", "split"]
__version__ = "0.1.0"
