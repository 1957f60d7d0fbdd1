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
