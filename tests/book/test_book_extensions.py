"""The book's own Sphinx extensions (book/_ext/): the profile-aware execution cache."""

from types import SimpleNamespace


def test_execution_cache_is_dropped_when_the_package_or_the_data_change(tmp_path, monkeypatch):
    """The book's execution cache matches notebooks by their cells only: digits_profile stamps
    it with the package's behaviour and the data files, and empties it when they change."""
    import digits_profile as book_profile

    from digits_helpers import data, paths

    cache = tmp_path / ".jupyter_cache-smoke"
    assert not book_profile.renew_if_outgrown(cache, "a")  # a new cache: nothing to drop
    (cache / "global.db").write_text("executed notebooks")
    assert not book_profile.renew_if_outgrown(cache, "a")
    assert (cache / "global.db").exists()
    assert book_profile.renew_if_outgrown(cache, "b")
    assert not (cache / "global.db").exists() and (cache / book_profile.STAMP_NAME).read_text().strip() == "b"

    data.ensure_csvs(tmp_path / "data")  # the CSVs from the embedded digits, in a folder of their own
    monkeypatch.setenv(paths.DATA_DIR_ENV, str(tmp_path / "data"))
    before = book_profile.sources_stamp()
    assert book_profile.sources_stamp() == before
    test_csv = tmp_path / "data" / "test.csv"
    test_csv.write_text(test_csv.read_text().replace("\n0,", "\n1,", 1))  # a reader's own file
    assert book_profile.sources_stamp() != before

    # the build's hook: the stamp also goes into a config value that makes Sphinx read every page again
    app, config = SimpleNamespace(outdir=str(tmp_path / "_build" / "html")), SimpleNamespace(nb_execution_mode="cache")
    book_profile.use_profile_cache(app, config)
    assert config.digits_sources_stamp == book_profile.sources_stamp()
    mark = tmp_path / "_build" / f".jupyter_cache-{config.digits_profile}" / book_profile.STAMP_NAME
    assert mark.read_text().strip() == config.digits_sources_stamp


def test_the_results_table_lists_the_recorded_families_in_book_order():
    """book_results: one row per recorded family, the book's order, the source's figures beside."""
    import book_results

    def record(description, test, val, seconds):
        return SimpleNamespace(description=description, test_accuracy=test, val_accuracy=val,
                               fit_seconds=seconds)

    rows = book_results.rows({"mlp": record("MLP", 0.9828, 0.98, 18.1),
                              "logistic": record("Logistic", 0.9494, None, 7.25),
                              "cnn_deep": record("Deep", None, 0.9964, 726.0)})
    assert [r[0] for r in rows] == ["Logistic", "MLP", "Deep"]
    assert rows[0] == ("Logistic", "94.94 %", "—", "7.2 s", "92.10 %", "61.5 s")
    assert rows[2][1:4] == ("—", "99.64 %", "12.1 min")  # test labels hidden; minutes past two
    table = book_results.table(rows)
    assert len(list(table.findall(lambda n: n.tagname == "row"))) == 4  # the header and three


def test_the_opening_page_shows_this_builds_results(smoke_book):
    """The smoke build's opening page carries the table of the records its chapters wrote."""
    assert smoke_book.result.returncode == 0, smoke_book.log
    html = (smoke_book.html / "intro.html").read_text(encoding="utf-8")
    table = html[html.index("book-results"):]
    table = table[:table.index("</table>")]
    for family in ("Logistic regression", "MLP", "LeNet-like CNN", "Deeper CNN", "Small CNN", "Ensemble"):
        assert family in table, f"{family} missing from the opening page's results"
    assert "No chapter has recorded" not in html
