"""The benchmarks' measurements, kept: each run's JSON saved in ``benchmarks/results/`` and
``benchmarks/RESULTS.md`` written from all of them.

    python benchmarks/results.py        # write RESULTS.md again from the saved JSON

``bench_models.py`` and ``bench_book.py`` call :func:`save` with every report they print
(``--no-save`` leaves the folder alone), then :func:`write_results`.  Every report carries
the machine it was measured on (:func:`machine`): the date, the CPU and its kind, the cores
the process could use, the GPU if any, and the precision networks train in there.  Nothing
in RESULTS.md is typed: edit this file's tables, not the Markdown.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
RESULTS_MD = HERE / "RESULTS.md"
CPU_KINDS = ("amx_bf16", "avx512_bf16", "avx512f", "avx2")  # the flags that change training speed


def cpu() -> tuple[str, list[str]]:
    """The CPU's model name and which of :data:`CPU_KINDS` it has (Linux; ``"unknown"`` elsewhere)."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown", []
    name = re.search(r"^model name\s*:\s*(.+)$", info, re.M)
    flags = set(re.search(r"^flags\s*:\s*(.+)$", info, re.M).group(1).split()) if "flags" in info else set()
    return (name.group(1).strip() if name else "unknown"), [f for f in CPU_KINDS if f in flags]


def gpu() -> str | None:
    """The first GPU's name, as ``nvidia-smi`` gives it, or ``None``."""
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return out.splitlines()[0].strip() if out.strip() else None


def commit() -> str:
    """The repository's commit, ``+`` when its working tree differs from it beyond the saved
    results (``"unknown"`` outside git)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":(exclude)benchmarks/RESULTS.md", ":(exclude)benchmarks/results"],
                               cwd=HERE.parent, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+" if dirty else "")


def machine() -> dict:
    """Where and when a benchmark ran: the date, the commit, the CPU, the cores this process
    may use (:func:`digits_helpers.cores.available_cores`) of the machine's, the GPU, and the
    precision chapter 06 chooses here (mixed bfloat16 on a GPU or a CPU with AMX or
    AVX-512 BF16)."""
    from digits_helpers.cores import available_cores

    name, kinds = cpu()
    native = gpu() is not None or bool({"amx_bf16", "avx512_bf16"} & set(kinds))
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpu": name,
            "cpu_features": kinds, "cores": available_cores(), "machine_cpus": os.cpu_count(),
            "gpu": gpu(), "auto_precision": "mixed_bfloat16" if native else "float32",
            "python": platform.python_version(), "commit": commit()}


def save(kind: str, label: str, report: dict) -> Path:
    """Keep ``report`` as ``results/<date>_<kind>_<label>.json`` (a new file; none is replaced)."""
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path, n = RESULTS / f"{stamp}_{kind}_{label}.json", 1
    while path.exists():
        n += 1
        path = RESULTS / f"{stamp}_{kind}_{label}-{n}.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    return path


def _reports(kind: str) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(RESULTS.glob(f"*_{kind}_*.json"))]


def _where(m: dict) -> str:
    kinds = "/".join(m.get("cpu_features") or []) or "-"
    device = f", {m['gpu']}" if m.get("gpu") else ""
    return (f"{m.get('cpu', '?')} ({kinds}), {m.get('cores', '?')} of {m.get('machine_cpus', '?')} "
            f"cores{device}; commit {m.get('commit', '?')}")


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f}"


def _percent(accuracy: float | None) -> str:
    from digits_helpers.page.wording import percent

    return "-" if accuracy is None else percent(accuracy)


def models_table(reports: list[dict]) -> list[str]:
    rows = ["| date | model | test accuracy | fit (min) | rows | epochs | precision | source's recipe "
            "(min, accuracy) | machine |", "|---|---|---|---|---|---|---|---|---|"]
    for r in reports:
        m, seed = r["machine"], r.get("seed_reference")
        precision = (r.get("recipe") or {}).get("precision", "-") if isinstance(r.get("recipe"), dict) else "-"
        source = f"{seed['name']}: {_minutes(seed['fit_seconds'])}, {_percent(seed['test_accuracy'])}" if seed else "-"
        rows.append(f"| {m['date']} | `{r['model']}` | {_percent(r['test_accuracy'])} | "
                    f"{_minutes(r['fit_seconds'])} | {r['n_train']:,} | {r.get('n_iter') or '-'} | {precision} | "
                    f"{source} | {_where(m)} |")
    return rows


def book_tables(reports: list[dict]) -> list[str]:
    rows = ["| date | profile | what | first build (min) | rebuild, nothing changed (s) | "
            "rebuild, every notebook again (min) | fits trained (first build, rebuild) | machine |",
            "|---|---|---|---|---|---|---|---|"]
    for r in reports:
        what = f"chapter `{r['chapter']}` alone" if r.get("chapter") else ("cold" if r.get("cold") else "warm")
        fits = sum(len(c["fits"]) for c in r.get("chapters", {}).values())
        if "reexecuted" in r:
            fits = f"{fits}, {sum(len(c['fits']) for c in r['reexecuted'].values())}"
        rows.append(f"| {r['machine']['date']} | {r['profile']} | {what} | {_minutes(r['first_build_seconds'])} | "
                    f"{r.get('rebuild_unchanged_seconds', '-')} | {_minutes(r.get('rebuild_reexecute_seconds'))} | "
                    f"{fits} | {_where(r['machine'])} |")
    latest = next((r for r in reversed(reports) if r.get("chapters") and not r.get("chapter")), None)
    if latest:
        rows += ["", f"Chapter by chapter, the latest whole build ({latest['machine']['date']}, "
                 f"{latest['profile']} profile, {'cold' if latest.get('cold') else 'warm'}):", "",
                 "| chapter | executed (min) | fits trained | their training (min) | trained twice |",
                 "|---|---|---|---|---|"]
        for name, c in latest["chapters"].items():
            twice = ", ".join(c.get("trained_twice", [])) or "-"
            rows.append(f"| {name} | {_minutes(c['seconds'])} | {len(c['fits'])} | "
                        f"{_minutes(sum(f['seconds'] for f in c['fits']))} | {twice} |")
    return rows


def write_results() -> Path:
    """Write RESULTS.md from every saved report, oldest first."""
    lines = ["# Benchmark results", "",
             "Written by `python benchmarks/results.py` from the JSON reports in `benchmarks/results/`, which",
             "`benchmarks/bench_models.py` and `benchmarks/bench_book.py` save as they run (oldest first; the",
             "commands are in the README). Do not edit by hand.", "",
             "## Final recipes, trained on all 42,000 labelled rows, scored on the 28,000 test images", ""]
    models = _reports("models")
    lines += models_table(models) if models else ["No run saved yet."]
    lines += ["", "## The book built, and single chapters executed", ""]
    books = _reports("book")
    lines += book_tables(books) if books else ["No run saved yet."]
    RESULTS_MD.write_text("\n".join(lines) + "\n")
    return RESULTS_MD


if __name__ == "__main__":
    print(write_results())
