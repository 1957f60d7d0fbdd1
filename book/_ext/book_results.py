"""Sphinx extension: the book's answer on its opening page.

The directive ``book-results`` stands for a table of each model family's final model as the
chapters recorded it in this build — test accuracy, validation accuracy, fit time — beside
the figures the source write-ups reported.  The chapters write their records while they
execute, after the opening page has been read, so the table is made when the pages are
*written*, once every notebook has run (``doctree-resolved``); and the page is read again
in every build, so that it never shows the records of an earlier one.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from digits_helpers.data import load_digits
from digits_helpers.evaluate import records
from digits_helpers.page import reference, wording
from digits_helpers.profiles import get_profile

# The families in the book's order (a family without a record is left out).
ORDER = ("logistic", "mlp", "cnn_lenet", "cnn_fast", "cnn_deep", "small_cnn", "ensemble")
HEADER = ("model", "test accuracy", "validation accuracy", "fit time", "source: Kaggle score", "source: time")


class results_placeholder(nodes.General, nodes.Element):
    """Where the table goes, once the records are complete."""


class BookResults(SphinxDirective):
    has_content = False

    def run(self):
        self.env.digits_results_docs = getattr(self.env, "digits_results_docs", set()) | {self.env.docname}
        return [results_placeholder()]


def percent(share: float | None) -> str:
    return "—" if share is None else wording.percent(share)


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def rows(recorded: dict) -> list[tuple[str, ...]]:
    """One row of text per recorded family, in the book's order."""
    out = []
    for model in [m for m in ORDER if m in recorded] + sorted(set(recorded) - set(ORDER)):
        record = recorded[model]
        source = reference.SOURCE_RESULTS.get(model, {})
        out.append((record.description, percent(record.test_accuracy), percent(record.val_accuracy),
                    duration(record.fit_seconds), percent(source.get("kaggle")), duration(source.get("seconds"))))
    return out


def table(body: list[tuple[str, ...]]) -> nodes.table:
    """A docutils table with :data:`HEADER` and ``body``."""
    group = nodes.tgroup(cols=len(HEADER))
    group += [nodes.colspec(colwidth=3 if i == 0 else 1) for i in range(len(HEADER))]

    def row(cells):
        line = nodes.row()
        for text in cells:
            entry = nodes.entry()
            entry += nodes.paragraph(text=text)
            line += entry
        return line

    head = nodes.thead()
    head += row(HEADER)
    rows_node = nodes.tbody()
    rows_node += [row(cells) for cells in body]
    group += [head, rows_node]
    out = nodes.table(classes=["book-results"])
    out += group
    return out


def fill(app, doctree, docname) -> None:
    """``doctree-resolved``: the records of this build, as a table (or a sentence if none)."""
    placeholders = list(doctree.findall(results_placeholder))
    if not placeholders:
        return
    profile = get_profile()
    source = load_digits(profile).source  # the records made on the data this build used
    recorded = records.usable_records(records.load_records(profile), source)
    for placeholder in placeholders:
        if recorded:
            where = nodes.paragraph(text=f"This build: {profile.describe()}; data: {source}.",
                                    classes=["book-results-profile"])
            placeholder.replace_self([table(rows(recorded)), where])
        else:
            placeholder.replace_self(nodes.paragraph(
                text="(No chapter has recorded a final model yet: build the book to fill this table.)"))


def read_again(app, env, added, changed, removed) -> list[str]:
    """``env-get-outdated``: the pages with the table, read again in every build."""
    return sorted(getattr(env, "digits_results_docs", set()) - set(removed))


def forget(app, env, docname) -> None:
    """``env-purge-doc``."""
    getattr(env, "digits_results_docs", set()).discard(docname)


def setup(app):
    app.add_node(results_placeholder)
    app.add_directive("book-results", BookResults)
    app.connect("env-get-outdated", read_again)
    app.connect("env-purge-doc", forget)
    app.connect("doctree-resolved", fill)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
