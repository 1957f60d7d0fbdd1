"""The built book in a browser: pages, figures, links, navigation, search and page buttons.

The session's smoke build (``smoke_book`` in tests/conftest.py) is served from 127.0.0.1 and
opened with Debian's Chromium (``/usr/bin/chromium``) through Playwright. Every request to a
host other than the local server is blocked and recorded, so the test never depends on the
network. The site needs nothing from outside: its mathematics is typeset by a copy of MathJax
served from the site (``sphinx-mathjax-offline``), so a reader without a network, or a
local build opened from disk, sees it too. Any outside request fails the test.

Screenshots of every page go to the test's tmp folder and to ``_build/screenshots/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import parse_qs, quote, unquote, urldefrag, urlsplit
from urllib.request import urlopen

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"
# outside resources the site may request: none (MathJax is served from the site)
EXTERNAL_ALLOWED: tuple[str, ...] = ()
SCREENSHOTS = ROOT / "_build" / "screenshots"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not IN_CI,
    reason=f"{CHROMIUM} is absent (Debian: apt-get install chromium; .ci/run installs it); "
    "under CI=true this test runs and fails instead",
)


def toc_pages() -> list[str]:
    """Every page of _toc.yml, root first, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return pages


def shot_name(page: str) -> str:
    return page.replace("/", "__") + ".png"


class _Ids(HTMLParser):
    """The ids and a-names of an HTML page: what a #fragment may point at."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "id" or (tag == "a" and name == "name")):
                self.ids.add(value)


class _Hrefs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve(folder: Path):
    """A local HTTP server for `folder` on a free port of 127.0.0.1; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class PageVisit:
    url: str
    final_url: str = ""
    h1: str = ""
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    sidebar: list[str] = field(default_factory=list)
    text: str = ""
    math: int = 0  # formulas MathJax typeset on the page
    raw_math: int = 0  # TeX left untypeset (\( ... \) or $$ in the text)
    screenshot: Path | None = None
    scrolling: list[str] = field(default_factory=list)  # code blocks wider than their box


@dataclass
class Crawl:
    base: str
    visits: dict[str, PageVisit]
    blocked: list[str]  # outside requests, all aborted
    local_failures: list[str]  # local requests that failed or answered >= 400
    link_problems: list[str]
    nav_walk: list[tuple[str, str, str]]  # (page aimed at, URL reached, its h1)
    search: dict[str, tuple[str, list[str]]]  # page -> (word, pages found)


# text of the article without code, outputs, math and the toggles' labels ("Show code cell
# content"): what a reader searches for
# Sphinx writes each formula as a .math element; MathJax puts an mjx-container in it
_MATH = """() => {
  const formulas = [...document.querySelectorAll("article .math")];
  const done = formulas.filter(e => e.querySelector("mjx-container")).length;
  return [done, formulas.length - done];
}"""

_ARTICLE_TEXT = """() => {
  const article = document.querySelector("article.bd-article") || document.querySelector("main");
  const copy = article.cloneNode(true);
  copy.querySelectorAll("pre, .highlight, .cell_output, .math, script, style, .headerlink, summary")
      .forEach(e => e.remove());
  return copy.textContent;
}"""

_IMAGES = """async () => {
  const images = Array.from(document.images);
  await Promise.all(images.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })));
  return images.map(i => ({src: i.currentSrc || i.src, alt: i.alt, width: i.naturalWidth,
                           height: i.naturalHeight, figure: !!i.closest("article")}));
}"""


# code blocks (inputs, outputs, shown source) that scroll sideways: their first line
_SCROLLING = """() => [...document.querySelectorAll("article pre")]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => (e.textContent.split("\\n").find(line => line.trim()) || "").slice(0, 60))"""


def _page_path(url: str) -> str:
    """The site page a URL shows, without query and fragment: "notebooks/01_data"."""
    path = urlsplit(url).path.lstrip("/")
    return path.removesuffix(".html")


def _check_links(base: str, visits: dict[str, PageVisit]) -> list[str]:
    """Every same-host link answers 200 and its #fragment exists on the target page."""
    problems, bodies = [], {}
    host = urlsplit(base).netloc
    for name, visit in visits.items():
        for link in sorted(set(visit.links)):
            parts = urlsplit(link)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                continue
            target, fragment = urldefrag(link)
            if target not in bodies:
                try:
                    with urlopen(target, timeout=30) as response:
                        bodies[target] = (response.status, response.read())
                except HTTPError as error:
                    bodies[target] = (error.code, b"")
            status, body = bodies[target]
            if status != 200:
                problems.append(f"{name}: {link} answers HTTP {status}")
                continue
            if fragment and urlsplit(target).path.endswith((".html", "/")):
                ids = _Ids()
                ids.feed(body.decode("utf-8", "replace"))
                if unquote(fragment) not in ids.ids:
                    problems.append(f"{name}: {link} has no #{unquote(fragment)} on its page")
    return problems


def _search_words(texts: dict[str, str]) -> dict[str, str]:
    """For each page, a word of its prose that no other page uses, even in another form
    (the search stems words: "trained" finds "training"), or failing that its rarest,
    preferring the page's most frequent one."""
    lowered = {page: text.lower() for page, text in texts.items()}
    chosen = {}
    for page, text in lowered.items():
        words = Counter(re.findall(r"\b[a-z]{7,}\b", text))
        if not words:
            continue
        stem = {w: w[: max(5, len(w) - 3)] for w in words}
        pages_using = {w: sum(stem[w] in other for other in lowered.values()) for w in words}
        chosen[page] = min(words, key=lambda w: (pages_using[w], -words[w], w))
    return chosen


@pytest.fixture(scope="module")
def crawl(smoke_book, tmp_path_factory) -> Crawl:
    """Browse the smoke build: every toc page (and the index), the sidebar, the search."""
    assert CHROMIUM.exists(), f"CI=true but {CHROMIUM} is missing: .ci/run installs Debian's chromium"
    from playwright.sync_api import sync_playwright

    html = smoke_book.html
    assert (html / "index.html").exists(), "the smoke build made no site:\n" + smoke_book.log()
    shots = tmp_path_factory.mktemp("screenshots")
    pages = toc_pages()
    visits: dict[str, PageVisit] = {}
    blocked, local_failures = [], []
    current: list[PageVisit] = []  # the visit the browser's events belong to

    with serve(html) as base, sync_playwright() as pw:
        host = urlsplit(base).netloc
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

        def route(request_route):
            url = request_route.request.url
            if urlsplit(url).netloc == host or url.startswith(("data:", "blob:")):
                request_route.continue_()
            else:
                blocked.append(url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()

        def on_console(message):
            if message.type == "error" and current:
                if message.location.get("url") in blocked:
                    return  # the failed load of an outside resource that was blocked on purpose
                current[-1].console_errors.append(f"{message.text} ({message.location.get('url')})")

        def on_response(response):
            if urlsplit(response.url).netloc == host and response.status >= 400:
                local_failures.append(f"{response.url}: HTTP {response.status}")

        def on_failed(request):
            if urlsplit(request.url).netloc == host:
                local_failures.append(f"{request.url}: {request.failure}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: current and current[-1].page_errors.append(str(error)))
        page.on("response", on_response)
        page.on("requestfailed", on_failed)

        root = f"{base}{pages[0]}.html"

        def visit(name: str, url: str, shot: str, lands_on: str | None = None) -> PageVisit:
            record = PageVisit(url)
            visits[name] = record
            current.append(record)
            page.goto(url, wait_until="load")
            if lands_on:  # a redirect: wait for the page it leads to
                page.wait_for_url(lands_on)
                page.wait_for_load_state("load")
            page.wait_for_load_state("networkidle")
            record.final_url = page.url
            record.h1 = page.locator("h1").first.inner_text() if page.locator("h1").count() else ""
            record.images = page.evaluate(_IMAGES)
            record.links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            record.sidebar = page.eval_on_selector_all("nav.bd-docs-nav a[href]", "links => links.map(a => a.href)")
            page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
            record.math, record.raw_math = page.evaluate(_MATH)
            record.text = page.evaluate(_ARTICLE_TEXT)
            record.scrolling = page.evaluate(_SCROLLING)
            record.screenshot = shots / shot
            page.screenshot(path=str(record.screenshot), full_page=True)
            return record

        # the index (a redirect to the root page), then every page of the toc
        visit("index", base + "index.html", "index.png", lands_on=root)
        for name in pages:
            visit(name, f"{base}{name}.html", shot_name(name))

        # from page to page through the sidebar only: each chapter, then back to the root
        nav_walk = []
        current.append(PageVisit(base + "index.html"))  # its errors count as the walk's
        walk_errors = current[-1]
        page.goto(base + "index.html", wait_until="load")
        page.wait_for_url(root)
        page.wait_for_load_state("load")
        for name in pages[1:] + pages[:1]:
            target = f"{base}{name}.html"
            links = page.locator("nav.bd-docs-nav a.reference.internal")
            hrefs = links.evaluate_all("links => links.map(a => a.href)")
            index = next((i for i, h in enumerate(hrefs) if urldefrag(h)[0] == target), None)
            if index is None:
                nav_walk.append((name, "", "no sidebar link on " + _page_path(page.url)))
                continue
            links.nth(index).click()
            page.wait_for_url(lambda url, target=target: urldefrag(url)[0] == target)
            page.wait_for_load_state("load")
            nav_walk.append((name, urldefrag(page.url)[0], page.locator("h1").first.inner_text()))

        # the search page finds each page by a word of its prose
        words = _search_words({name: visits[name].text for name in pages})
        search = {}
        for name, word in words.items():
            record = visit(f"search:{name}", f"{base}search.html?q={quote(word)}", f"search__{shot_name(name)}")
            page.wait_for_function(
                "() => (document.querySelector('#search-results .search-summary') || {}).innerText",
                timeout=30_000,
            )
            found = page.eval_on_selector_all("#search-results ul.search li a", "links => links.map(a => a.href)")
            search[name] = (word, sorted({_page_path(urldefrag(h)[0].split("?")[0]) for h in found}))
            page.screenshot(path=str(record.screenshot), full_page=True)
        current.clear()
        browser.close()
        visits["index"].console_errors += [f"sidebar walk: {e}" for e in walk_errors.console_errors]
        visits["index"].page_errors += [f"sidebar walk: {e}" for e in walk_errors.page_errors]

        link_problems = _check_links(base, visits)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    for png in shots.glob("*.png"):
        shutil.copy2(png, SCREENSHOTS / png.name)
    crawled = Crawl(base, visits, blocked, local_failures, link_problems, nav_walk, search)
    (SCREENSHOTS / "summary.json").write_text(json.dumps(_summary(crawled), indent=1))
    return crawled


def _summary(crawled: Crawl) -> dict:
    """What a person looking at the screenshots wants to know, page by page."""
    return {
        "pages": {
            name: {
                "url": v.final_url.removeprefix(crawled.base), "title": v.h1.strip(),
                "images": len(v.images), "figures": sum(i["figure"] for i in v.images),
                "images_not_loaded": [i["src"] for i in v.images if i["width"] <= 0],
                "console_errors": v.console_errors, "page_errors": v.page_errors,
                "screenshot": v.screenshot.name if v.screenshot else None,
            }
            for name, v in crawled.visits.items()
        },
        "outside_requests_blocked": sorted(set(crawled.blocked)),
        "local_failures": crawled.local_failures,
        "link_problems": crawled.link_problems,
        "sidebar_walk": [
            {"page": n, "reached": r.removeprefix(crawled.base), "title": t} for n, r, t in crawled.nav_walk
        ],
        "search": {name: {"word": w, "found": f} for name, (w, f) in crawled.search.items()},
    }


@needs_chromium
def test_pages_open_without_errors(crawl):
    assert {"index", *toc_pages()} <= set(crawl.visits)
    assert crawl.visits["index"].final_url == f"{crawl.base}{toc_pages()[0]}.html", "index.html leads elsewhere"
    problems = [f"{name}: console: {e}" for name, v in crawl.visits.items() for e in v.console_errors]
    problems += [f"{name}: uncaught: {e}" for name, v in crawl.visits.items() for e in v.page_errors]
    problems += [f"local resource: {failure}" for failure in crawl.local_failures]
    assert not problems, "\n".join(problems)


@needs_chromium
def test_no_code_block_scrolls_sideways_at_1280_px(crawl):
    """Every code cell, output and shown source fits its box in a 1280-px-wide window."""
    wide = {name: visit.scrolling for name, visit in crawl.visits.items() if visit.scrolling}
    assert not wide, f"code blocks that scroll sideways: {wide}"


def test_mathematics_is_typeset_from_the_site(crawl):
    typeset = {name: v.math for name, v in crawl.visits.items() if v.math}
    assert typeset, "no page shows typeset mathematics (MathJax did not run)"
    untypeset = {name: v.raw_math for name, v in crawl.visits.items() if v.raw_math}
    assert not untypeset, f"pages show raw TeX: {untypeset}"


@needs_chromium
def test_only_expected_outside_resources(crawl):
    unexpected = sorted({url for url in crawl.blocked if not url.startswith(EXTERNAL_ALLOWED)})
    assert not unexpected, "the site loads resources from outside (closed network here):\n" + "\n".join(unexpected)


@needs_chromium
def test_every_image_loads(crawl):
    broken = [
        f"{name}: {image['src']} ({image['alt']!r})"
        for name, visit in crawl.visits.items() for image in visit.images if image["width"] <= 0
    ]
    assert not broken, "images that did not load:\n" + "\n".join(broken)
    figures = {name: sum(i["figure"] for i in crawl.visits[name].images) for name in toc_pages()}
    notebook_figures = sum(n for name, n in figures.items() if name.startswith("notebooks/"))
    assert notebook_figures > 0, f"no figures in the notebook chapters: {figures}"


@needs_chromium
def test_internal_links_resolve(crawl):
    assert not crawl.link_problems, "\n".join(crawl.link_problems)


@needs_chromium
def test_sidebar_reaches_every_chapter(crawl):
    pages = toc_pages()
    for name, visit in crawl.visits.items():
        if name.startswith("search:"):
            continue
        listed = {_page_path(urldefrag(h)[0]) for h in visit.sidebar}
        missing = [p for p in pages if p not in listed]
        assert not missing, f"the sidebar of {name} does not list {missing}"
    for name, reached, h1 in crawl.nav_walk:
        assert reached == f"{crawl.base}{name}.html", f"clicking {name} in the sidebar reached {reached!r}: {h1}"
        assert h1.strip(), f"{name}, reached through the sidebar, has no title"
    assert sorted(n for n, _, _ in crawl.nav_walk) == sorted(pages)


@needs_chromium
def test_search_finds_each_chapter(crawl):
    pages = toc_pages()
    notebooks = [p for p in pages if p.startswith("notebooks/")]
    assert set(notebooks) <= set(crawl.search), f"no word to search for on {set(notebooks) - set(crawl.search)}"
    for name, (word, found) in crawl.search.items():
        assert name in found, f"search.html?q={word} (a word of {name}) finds {found}, not {name}"


@needs_chromium
def test_screenshots_are_saved(crawl):
    for visit in crawl.visits.values():
        assert visit.screenshot.stat().st_size > 10_000, f"{visit.screenshot} is (nearly) empty"
        assert (SCREENSHOTS / visit.screenshot.name).exists()


# --- the page buttons: download, repository, issues, edit, Binder, Colab (static HTML) ----


def _repo_config() -> tuple[str, str, str, dict]:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo["branch"], repo["path_to_book"].strip("/"), config["launch_buttons"]


def _real_file(path: str) -> bool:
    """`path` is a file of the repository reached without following any link."""
    full = ROOT / path
    return full.is_file() and full.resolve() == ROOT.resolve() / path


def test_pages_have_their_buttons(smoke_book):
    repo_url, branch, book, launch = _repo_config()
    org_repo = urlsplit(repo_url).path.strip("/")
    for name in toc_pages():
        page = smoke_book.html / f"{name}.html"
        assert page.exists(), smoke_book.log()
        parser = _Hrefs()
        parser.feed(page.read_text())
        hrefs = parser.hrefs
        source = (ROOT / book / f"{name}.md").resolve().relative_to(ROOT.resolve()).as_posix()
        assert _real_file(source), source
        assert repo_url in hrefs, f"{name}: no repository button"
        assert any(h.startswith(f"{repo_url}/issues/new") for h in hrefs), f"{name}: no issues button"
        edits = [h for h in hrefs if h.startswith(f"{repo_url}/edit/")]
        assert edits == [f"{repo_url}/edit/{branch}/{source}"], f"{name}: edit links {edits}"
        up = "../" * name.count("/")
        assert f"{up}_sources/{name}.md" in hrefs, f"{name}: no download of its source"
        assert (smoke_book.html / "_sources" / f"{name}.md").is_file()
        if not name.startswith("notebooks/"):
            continue
        # notebook pages: the executed .ipynb to download, and both launchers open the twin
        assert f"{up}_sources/{name}.ipynb" in hrefs, f"{name}: no download of the .ipynb"
        assert (smoke_book.html / "_sources" / f"{name}.ipynb").is_file()
        twin = source.removesuffix(".md") + ".ipynb"
        assert _real_file(twin), twin
        colab = [h for h in hrefs if h.startswith(launch["colab_url"])]
        assert colab == [f"{launch['colab_url']}/github/{org_repo}/blob/{branch}/{twin}"], f"{name}: {colab}"
        binder = [h for h in hrefs if h.startswith(launch["binderhub_url"])]
        assert len(binder) == 1 and binder[0].startswith(f"{launch['binderhub_url']}/v2/gh/{org_repo}/{branch}?")
        urlpath = parse_qs(urlsplit(binder[0]).query)["urlpath"][0]
        ui = {"classic": "tree", "jupyterlab": "lab/tree"}[launch.get("notebook_interface", "classic")]
        assert urlpath == f"{ui}/{twin}", f"{name}: Binder opens {urlpath}"


def test_launch_links_name_real_paths(tmp_path):
    """book/_ext/launch_links.py maps a page read through a link to its real path."""
    from launch_links import repository_paths, rewrite_url

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "notebooks").symlink_to("../notebooks")
    for suffix in (".md", ".ipynb"):
        (tmp_path / "notebooks" / f"01_x{suffix}").write_text("")
    (tmp_path / "book" / "intro.md").write_text("")
    mapping = repository_paths(tmp_path / "book", "book", tmp_path / "book" / "notebooks" / "01_x.md")
    assert mapping == {
        "book/notebooks/01_x.md": "notebooks/01_x.md",
        "book/notebooks/01_x.ipynb": "notebooks/01_x.ipynb",
    }
    url = "https://colab.research.google.com/github/o/r/blob/main/book/notebooks/01_x.ipynb"
    assert rewrite_url(url, mapping) == "https://colab.research.google.com/github/o/r/blob/main/notebooks/01_x.ipynb"
    assert repository_paths(tmp_path / "book", "book", tmp_path / "book" / "intro.md") == {}
