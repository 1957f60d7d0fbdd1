"""The benchmarks keep what they measure: reports saved as JSON, RESULTS.md written from
them, and a book's fits listed per chapter with any fit trained twice named."""

import json
import sys
from importlib import import_module
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))
bench_book = import_module("bench_book")  # the scripts, by name: benchmarks/ is no package
results = import_module("results")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "RESULTS", tmp_path / "results")
    monkeypatch.setattr(results, "RESULTS_MD", tmp_path / "RESULTS.md")
    return tmp_path


def fit(model, key, seconds, t):
    return {"time": t, "model": model, "rows": 2000, "epochs": 2, "seconds": seconds, "runs_on": "cpu, 2 threads",
            "key": key}


def test_a_fit_trained_twice_is_named():
    report = bench_book.chapter_report(12.0, [fit("mlp", "a", 3.0, 1), fit("cnn", "b", 5.0, 2),
                                              fit("cnn", "b", 5.0, 3)])
    assert report["trained_twice"] == ["cnn"] and len(report["fits"]) == 3
    assert set(report["fits"][0]) == {"model", "rows", "epochs", "seconds", "runs_on"}


def test_fit_log_lines_are_read_in_time_order(tmp_path):
    log = tmp_path / "fits.jsonl"
    log.write_text("\n".join(json.dumps(f) for f in (fit("b", "2", 1.0, 20.0), fit("a", "1", 1.0, 10.0))) + "\n")
    assert [f["model"] for f in bench_book.trained(log)] == ["a", "b"]
    assert bench_book.trained(tmp_path / "none.jsonl") == []


def test_reports_are_kept_and_written_as_tables(folder):
    machine = {**results.machine(), "date": "2026-12-02 19:00 UTC"}
    assert machine["cores"] >= 1 and machine["auto_precision"] in {"float32", "mixed_bfloat16"}
    model = {"model": "logistic", "fit_seconds": 120.0, "test_accuracy": 0.9234, "n_train": 42000, "n_iter": 30,
             "recipe": {"C": 0.1}, "machine": machine}
    first = results.save("models", "logistic", model)
    again = results.save("models", "logistic", model)
    assert first != again and json.loads(first.read_text()) == model  # none replaced
    chapter = {"profile": "full", "cold": True, "chapter": "08_small_cnn", "first_build_seconds": 231.0,
               "chapters": {"08_small_cnn": bench_book.chapter_report(231.0, [fit("small_cnn", "k", 12.6, 1)])},
               "machine": machine}
    results.save("book", "full-08_small_cnn", chapter)
    text = results.write_results().read_text()
    assert "| 2026-12-02 19:00 UTC | `logistic` | 92.34 % | 2.0 | 42,000 | 30 |" in text
    assert "| 2026-12-02 19:00 UTC | full | chapter `08_small_cnn` alone | 3.9 |" in text
    assert "Do not edit by hand" in text
