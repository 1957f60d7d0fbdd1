"""Check that the recorded final recipes are what the last full-profile build chose, and print JSON.

    python benchmarks/check_recipes.py                  # the records in results/full/
    python benchmarks/check_recipes.py --results DIR    # another build's records (DIR/full/)

``recipes.FINAL`` is what the benchmarks train; the chapters choose their settings on the
validation split and record them (``results/full/<model>.json``, ``params``).  For every
family with both, this compares each setting ``recipes.FINAL`` names with the recorded one
and prints ``{"model": {"matches": ..., "differs": {"setting": [recorded, FINAL]}}}``; a
family without a record is listed under ``"not recorded"``.  Exit status 1 when a setting
differs: update the recipe in the same commit as the change that moved the choice.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def compare(recorded: dict, final: dict) -> dict:
    """The settings of ``final`` whose recorded value differs, as ``[recorded, final]``."""
    return {key: [recorded.get(key), value] for key, value in final.items() if recorded.get(key) != value}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, help="the records' folder (default: the book's results/)")
    args = parser.parse_args()
    if args.results:
        os.environ["DIGITS_RESULTS_DIR"] = str(args.results)
    from digits_helpers.evaluate import records
    from digits_helpers.models import recipes
    from digits_helpers.profiles import PROFILES

    found = records.load_records(PROFILES["full"])
    report: dict = {"records": str(records.results_dir(PROFILES["full"])), "not recorded": []}
    for model, params in recipes.FINAL.items():
        if model not in found:
            report["not recorded"].append(model)
            continue
        differs = compare(found[model].params, records.jsonable_params(params))
        report[model] = {"matches": not differs, "differs": differs}
    print(json.dumps(report, indent=1))
    return 1 if any(isinstance(v, dict) and v["differs"] for v in report.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
