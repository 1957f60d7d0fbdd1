"""The GitHub workflows parse and do what the README says: publish the book, run the tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def readme_command(ends_with: str) -> str:
    """The README's one-line command (in a ```bash block) that ends with `ends_with`."""
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    found = [line for line in lines if line.endswith(ends_with)]
    assert len(found) == 1, f"README.md has {len(found)} commands ending with {ends_with!r}"
    return found[0]


def load(name: str) -> dict:
    workflow = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(workflow, dict) and workflow.get("jobs"), f"{name} has no jobs"
    # YAML 1.1 (PyYAML) reads the key `on` as True
    workflow["on"] = workflow.pop(True, workflow.get("on"))
    return workflow


def steps(job: dict) -> list[dict]:
    return job.get("steps", [])


def uses(job: dict, action: str) -> list[dict]:
    return [s for s in steps(job) if str(s.get("uses", "")).split("@")[0] == action]


@pytest.mark.parametrize("name", ["book.yml", "tests.yml"])
def test_workflow_parses(name):
    workflow = load(name)
    for job_name, job in workflow["jobs"].items():
        assert job.get("runs-on"), f"{name}: job {job_name} has no runs-on"
        assert steps(job), f"{name}: job {job_name} has no steps"
        for step in steps(job):
            assert ("uses" in step) != ("run" in step), f"{name}: {job_name} step {step} needs uses or run"
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[\w.-]+", step["uses"]), f"unpinned action {step['uses']}"


def test_book_workflow_builds_and_publishes():
    workflow = load("book.yml")
    assert "main" in workflow["on"]["push"]["branches"]
    permissions = workflow["permissions"]
    assert permissions["pages"] == "write" and permissions["id-token"] == "write"
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]

    setup = uses(build, "actions/setup-python")
    assert setup and str(setup[0]["with"]["python-version"]) == "3.11"
    commands = [str(s.get("run", "")).strip() for s in steps(build)]
    assert "pip install -r requirements.txt" in commands
    # the README's build command, after its install part
    build_command = readme_command("jupyter-book build book").split("&&")[-1].strip()
    assert build_command in commands, f"book.yml does not run {build_command!r}"
    build_at = commands.index(build_command)

    cached = [(i, s) for i, s in enumerate(steps(build)) if str(s.get("uses", "")).startswith("actions/cache")]
    assert cached, "book.yml caches nothing"
    for _, step in cached:
        paths = {p.strip().rstrip("/") for p in step["with"]["path"].splitlines() if p.strip()}
        assert paths == {"_build/.jupyter_cache-full", ".cache"}, paths
    assert cached[0][0] < build_at, "the caches must be restored before the build"
    assert any(s["uses"].startswith(("actions/cache@", "actions/cache/save@")) for _, s in cached), "never saved"

    # a weekly clean build beside the cached ones: the restore step is skipped when scheduled
    assert workflow["on"]["schedule"] and workflow["on"]["schedule"][0]["cron"]
    assert cached[0][1].get("if") == "github.event_name != 'schedule'"
    # the execution reports of a failed build are kept
    reports = [s for s in uses(build, "actions/upload-artifact") if s.get("if") == "failure()"]
    assert reports and reports[0]["with"]["path"].rstrip("/") == "_build/html/reports", reports

    upload = uses(build, "actions/upload-pages-artifact")
    assert upload and upload[0]["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build" and uses(deploy, "actions/deploy-pages")
    assert deploy["environment"]["name"] == "github-pages"


def test_tests_workflow_runs_the_readme_command():
    workflow = load("tests.yml")
    assert "push" in workflow["on"] and "pull_request" in workflow["on"]
    (job,) = workflow["jobs"].values()
    command = readme_command("python -m pytest")
    commands = [str(s.get("run", "")) for s in steps(job)]
    assert command in commands, f"tests.yml does not run the README's test command:\n{command}"
    chromium = next((i for i, c in enumerate(commands) if "apt-get install" in c and "chromium" in c), None)
    assert chromium is not None, "tests.yml does not install chromium with apt"
    assert chromium < commands.index(command), "chromium must be installed before the tests run"
    postgres = next((i for i, c in enumerate(commands) if ".ci/postgres.sh" in c and "DIGITS_TEST_POSTGRES" in c), None)
    assert postgres is not None and postgres < commands.index(command), "tests.yml starts no PostgreSQL server"


def test_ci_script_runs_the_readme_command():
    script = (ROOT / ".ci" / "run").read_text().splitlines()
    command = readme_command("python -m pytest")
    assert script[-1] == command, ".ci/run must end with the README's test command"
    assert any("apt-get install" in line and "chromium" in line for line in script)
    start = next(i for i, line in enumerate(script) if ".ci/postgres.sh" in line and "DIGITS_TEST_POSTGRES" in line)
    assert "export DIGITS_TEST_POSTGRES" in script[start + 1], "the tests must see the server's URL"
