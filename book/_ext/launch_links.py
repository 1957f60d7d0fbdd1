"""Sphinx extension: repository, edit and launch links name real files, not links.

`jupyter-book build book` reads the chapters through the link ``book/notebooks ->
../notebooks``, so sphinx-book-theme (``repository.path_to_book: book``) builds URLs such as
``.../blob/main/book/notebooks/01_data.ipynb``. GitHub, its edit page and Colab do not follow
links inside a repository: those URLs are dead. Once the theme has made a page's header
buttons, this rewrites the path of the page's source, and of its ``.ipynb`` twin (what the
Binder and Colab buttons open), to the file's real path in the repository
(``notebooks/01_data.ipynb``). Pages that are not reached through a link are left alone.

It also drops the second copy of an inline script that Sphinx 7.4 writes twice on every
page (see ``_drop_repeated_scripts``), which otherwise raises a JavaScript error on load.
"""

from __future__ import annotations

from pathlib import Path

# after sphinx-book-theme's header buttons (priority 501)
_PRIORITY = 502


def repository_paths(srcdir: Path, path_to_docs: str, source: Path) -> dict[str, str]:
    """Map the repository path the theme shows for ``source`` (and its ``.ipynb`` twin) to
    its real path, for each of the two that exists and differs; an empty dict otherwise.

    ``srcdir`` is the book's folder, at ``path_to_docs`` under the repository's root.
    """
    srcdir = Path(srcdir).absolute()
    book = Path(path_to_docs.strip("/"))
    root = srcdir
    for _ in book.parts:
        root = root.parent
    root = root.resolve()
    mapping = {}
    for path in dict.fromkeys([Path(source), Path(source).with_suffix(".ipynb")]):
        if not path.exists():
            continue
        try:
            shown = (book / path.absolute().relative_to(srcdir)).as_posix()
            real = path.resolve().relative_to(root).as_posix()
        except ValueError:  # outside the book or outside the repository: nothing to name
            continue
        if shown != real:
            mapping[shown] = real
    return mapping


def rewrite_url(url: str, mapping: dict[str, str]) -> str:
    for shown, real in mapping.items():
        url = url.replace(f"/{shown}", f"/{real}")
    return url


def _rewrite_buttons(buttons: list, mapping: dict[str, str]) -> None:
    for button in buttons:
        if isinstance(button.get("url"), str):
            button["url"] = rewrite_url(button["url"], mapping)
        _rewrite_buttons(button.get("buttons", []), mapping)


def _use_real_paths(app, pagename, templatename, context, doctree) -> None:
    if not context.get("page_source_suffix") or pagename not in app.env.all_docs:
        return
    path_to_docs = app.config.html_theme_options.get("path_to_docs") or ""
    mapping = repository_paths(Path(app.srcdir), path_to_docs, Path(app.env.doc2path(pagename)))
    if not mapping:
        return
    _rewrite_buttons(context.get("header_buttons", []), mapping)
    edit_url = context.get("get_edit_provider_and_url")
    if callable(edit_url):  # the theme's "edit this page" link, wherever a template uses it

        def get_edit_provider_and_url():
            provider, url = edit_url()
            return provider, rewrite_url(url, mapping)

        context["get_edit_provider_and_url"] = get_edit_provider_and_url


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    return (getattr(script, "filename", script) or "", tuple(sorted(attributes.items())))


def _drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    """Write each script of a page once.

    Sphinx 7.4 (Jupyter Book 1 requires Sphinx < 8) adds an inline script registered after the
    builder started twice, once named ``None`` and once ``''``, so the two copies do not
    compare equal. sphinx-thebe registers ``const THEBE_JS_URL = ...`` that way, and its
    second copy throws "Identifier 'THEBE_JS_URL' has already been declared" on every page.
    ``script_files`` is the builder's own list, restored after each page, so this runs per page.
    """
    scripts = context.get("script_files")
    if not isinstance(scripts, list):
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _use_real_paths, priority=_PRIORITY)
    # late, after extensions have added their page-specific scripts (MathJax: 500)
    app.connect("html-page-context", _drop_repeated_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
