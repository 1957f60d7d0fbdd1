"""Numbers in words for the prose: percentages, ordinals, lists, plurals, ranks, ratios and time changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th', 23 -> '23rd'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def and_join(items: Iterable[Any]) -> str:
    """``["a"] -> "a"``, ``["a", "b", "c"] -> "a, b and c"``."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def percent(share: float, decimals: int = 2) -> str:
    """``percent(0.99224) -> "99.22 %"``: a share as the book writes percentages."""
    return f"{100 * share:.{decimals}f} %"


def points(difference: float, decimals: int = 2, signed: bool = False) -> str:
    """``points(0.0012) -> "0.12"``: a difference of two shares in percentage points
    (``signed``: ``"+0.12"``, ``"-0.05"``)."""
    return f"{100 * difference:{'+' if signed else ''}.{decimals}f}"


def plural(n: int, word: str) -> str:
    """``plural(1, "error") -> "1 error"``, ``plural(3, "error") -> "3 errors"``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def named_list(noun: str, items: Iterable[Any]) -> str:
    """``named_list("digit", [8]) -> "digit 8"``, ``[8, 9] -> "digits 8 and 9"``."""
    items = list(items)
    return f"{noun}{'s' if len(items) > 1 else ''} {and_join(items)}"


def rank_phrase(rank: int | None, n_tied: int, noun: str) -> str:
    """How a competition rank reads: ``"the most frequent pair"``, ``"the 3rd most frequent
    pair"``, ``"tied 2nd most frequent pair (with 1 other)"``; ``None``: never seen."""
    if rank is None:
        return f"not among the {noun}s seen at all"
    place = "the" if rank == 1 else f"the {ordinal(rank)}"
    if n_tied <= 1:
        return f"{place} most frequent {noun}"
    others = n_tied - 1
    return f"{place} most frequent {noun}, tied with {others} other{'s' if others > 1 else ''}"


def time_change(before: float, after: float, what: str = "the epoch", resolution: float = 0.05) -> str:
    """How going from ``before`` to ``after`` seconds reads: ``"saves 13 % of the epoch"``,
    ``"adds 8 % to the epoch"``, or, for a change within ``resolution`` (a share of ``before``;
    short timings on a shared machine vary that much), ``"changes the epoch by less than this
    timing resolves (+2 %)"``."""
    change = after / before - 1
    if change <= -resolution:
        return f"saves {-100 * change:.0f} % of {what}"
    if change >= resolution:
        return f"adds {100 * change:.0f} % to {what}"
    return f"changes {what} by less than this timing resolves ({100 * change:+.0f} %)"


def as_long_as(ratio: float, resolution: float = 0.05) -> str:
    """A ratio of two times as a phrase that reads before "the other's": ``"about as long
    as"`` (within ``resolution``), ``"half as long as"``, ``"twice as long as"``,
    ``"1.3 times as long as"``, ``"62 % of the time of"`` or ``"under 1 % of the time of"``."""
    if abs(ratio - 1) < resolution:
        return "about as long as"
    if abs(ratio - 0.5) < resolution / 2:
        return "half as long as"
    if abs(ratio - 2) < 2 * resolution:
        return "twice as long as"
    if ratio > 1:
        return f"{ratio:.1f} times as long as"
    return "under 1 % of the time of" if ratio < 0.01 else f"{100 * ratio:.0f} % of the time of"


def times(ratio: float) -> str:
    """A ratio of two amounts: ``"the same"``, ``"twice"``, ``"5.4 times"``, ``"half"``,
    ``"0.3 times"``."""
    if abs(ratio - 1) < 0.005:
        return "the same"
    if abs(ratio - 2) < 0.05:
        return "twice"
    if abs(ratio - 0.5) < 0.02:
        return "half"
    return f"{ratio:.1f} times"


def seconds(value: float) -> str:
    """Seconds as the prose writes them: ``"8.3"``, or two decimals below a second (``"0.04"``)."""
    return f"{value:.1f}" if value >= 1 else f"{value:.2f}"


def faster(before: float, after: float, resolution: float = 0.05) -> str:
    """How a time of ``after`` compares with ``before``: ``"2.3 times faster than"``,
    ``"1.4 times slower than"``, or ``"about as fast as"`` within ``resolution``."""
    ratio = before / after
    if ratio >= 1 + resolution:
        return f"{ratio:.1f} times faster than"
    return f"{1 / ratio:.1f} times slower than" if ratio <= 1 - resolution else "about as fast as"
