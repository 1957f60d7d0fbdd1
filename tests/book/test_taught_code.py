"""The book teaches the libraries, not its own package: every function or class of
``digits_helpers`` that a visible cell calls (directly, or as a method of an object it
returned) is either *given* (named in ``digits_helpers.GIVEN``) or *taught*: a shown cell of
that page or an earlier one defines it with the same statements as the package (docstrings,
comments and layout aside), as d2l's ``#@save`` helpers are.  And the other way round:
each helper of a taught module (``digits_helpers.TAUGHT``) is written on the page that
teaches it, statement for statement, short enough to read there."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import pytest

import digits_helpers

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "digits_helpers"
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
REMOVED = {"remove-cell", "remove-input"}
COLLAPSED = {"hide-input", "hide-cell"}
MAX_GIVEN, MAX_TAUGHT_LINES = 12, 40
# The chapters rewritten to the rule so far; the Keras and Optuna chapters (05-09, 12) follow.
RULED = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13")


def statements(node: ast.AST) -> str:
    """A definition's statements: docstrings dropped, comments and layout gone."""
    node = ast.parse(ast.unparse(node)).body[0]
    for n in ast.walk(node):
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and n.body and \
                isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant) and \
                isinstance(n.body[0].value.value, str):
            n.body = n.body[1:] or [ast.Pass()]
    return ast.unparse(node)


def package_index() -> tuple[dict[str, str], dict[str, str]]:
    """(every top-level definition's dotted name -> statements, re-exported name -> origin)."""
    defs, alias = {}, {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = ".".join(parts[:-1])
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                defs[f"{module}.{node.name}"] = statements(node)
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                origin = f"{base}.{node.module}" if node.module else base
                for a in node.names:
                    alias[f"{module}.{a.asname or a.name}"] = f"{origin}.{a.name}"
    return defs, alias


def canonical(name: str, alias: dict[str, str]) -> str:
    """``name`` with every re-export followed to where it is defined."""
    for _ in range(10):
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            head = ".".join(parts[:i])
            if head in alias:
                name = alias[head] + name[len(head):]
                break
        else:
            return name
    return name


def code_cells(md: Path) -> list[tuple[set[str], ast.Module]]:
    """(tags, syntax tree) of each code cell of a chapter, IPython magics and shell lines dropped."""
    out = []
    for cell in jupytext.read(md).cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines()
                           if not line.lstrip().startswith(("%", "!")))
        out.append((set(cell.metadata.get("tags", [])), ast.parse(source)))
    return out


def origin(node: ast.AST, names: dict[str, str]) -> str | None:
    """The dotted origin of an expression (``digits_helpers.x.f``, ``sklearn...``), or None."""
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.Attribute):
        base = origin(node.value, names)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, ast.Call):
        return origin(node.func, names)
    if isinstance(node, ast.Subscript):
        return origin(node.value, names)
    return None


def package_calls(cells: list[tuple[set[str], ast.Module]]):
    """Yield (dotted origin, visible) of each call into the package, and record shown definitions."""
    names: dict[str, str] = {}
    for tags, tree in cells:
        visible = not tags & REMOVED
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    names[(a.asname or a.name).split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    names[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                value = origin(node.value, names) if isinstance(node.value, ast.Call | ast.Name
                                                                 | ast.Attribute) else None
                for target in node.targets:
                    for t in ast.walk(target):
                        if isinstance(t, ast.Name):
                            if value:
                                names[t.id] = value
                            else:
                                names.pop(t.id, None)
            if isinstance(node, ast.Call) and (where := origin(node.func, names)):
                if where.split(".")[0] == "digits_helpers":
                    yield where, visible
            elif isinstance(node, ast.FunctionDef):  # a decorator applies a function too
                for decorator in node.decorator_list:
                    where = origin(decorator, names)
                    if where and where.split(".")[0] == "digits_helpers":
                        yield where, visible


def shown_definitions(cells: list[tuple[set[str], ast.Module]]) -> list[ast.AST]:
    return [node for tags, tree in cells if not tags & (REMOVED | COLLAPSED)
            for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]


DEFS, ALIAS = package_index()
GIVEN = {canonical(g, ALIAS) for g in digits_helpers.GIVEN}


def test_given_names_at_most_twelve_functions_or_classes():
    assert len(digits_helpers.GIVEN) <= MAX_GIVEN
    assert GIVEN <= set(DEFS), f"GIVEN names what is not a function or class: {GIVEN - set(DEFS)}"


def test_each_given_name_is_explained_where_a_page_first_uses_it():
    for name in GIVEN:
        users = [md for md in CHAPTERS
                 if any(canonical(w, ALIAS) == name for w, visible in package_calls(code_cells(md)) if visible)]
        if not users:
            continue
        prose = "\n".join(c.source for c in jupytext.read(users[0]).cells if c.cell_type == "markdown")
        short = name.rsplit(".", 1)[1]
        assert f"`{short}`" in prose, f"{users[0].name} uses the given {short} and never says what it does"


@pytest.mark.parametrize("md", [md for md in CHAPTERS if md.name[:2] in RULED], ids=lambda p: p.name)
def test_visible_code_calls_only_given_or_taught_package_code(md):
    taught = {statements(node) for earlier in CHAPTERS[: CHAPTERS.index(md) + 1]
              for node in shown_definitions(code_cells(earlier))}
    untaught = []
    for where, visible in package_calls(code_cells(md)):
        name = canonical(where, ALIAS)
        if not visible or any(name == g or name.startswith(g + ".") for g in GIVEN):
            continue
        parts = name.split(".")
        owner = next((".".join(parts[:i]) for i in range(len(parts), 0, -1) if ".".join(parts[:i]) in DEFS),
                     None)
        if owner is None or DEFS[owner] not in taught:
            untaught.append(owner or name)
    assert not untaught, f"{md.name} calls package code no shown cell wrote: {sorted(set(untaught))}"


@pytest.mark.parametrize("module", sorted(digits_helpers.TAUGHT), ids=str)
def test_each_taught_helper_is_written_on_its_page_as_in_the_package(module):
    page = ROOT / "notebooks" / f"{digits_helpers.TAUGHT[module]}.md"
    shown = {node.name: node for node in shown_definitions(code_cells(page))}
    tree = ast.parse((PACKAGE / f"{module.removeprefix('digits_helpers.').replace('.', '/')}.py").read_text())
    helpers = [node for node in tree.body if isinstance(node, ast.FunctionDef | ast.ClassDef)]
    assert helpers, f"{module} holds no helper"
    for node in helpers:
        assert node.name in shown, f"{page.name} shows no cell defining {module}.{node.name}"
        assert statements(shown[node.name]) == statements(node), (
            f"{module}.{node.name} differs from the cell of {page.name} that teaches it")
        size = shown[node.name].end_lineno - shown[node.name].lineno + 1
        assert size <= MAX_TAUGHT_LINES, f"{node.name} takes {size} lines on {page.name}"


def test_the_rule_catches_an_untaught_call(tmp_path):
    md = tmp_path / "99_x.md"
    md.write_text("```{code-cell} ipython3\nfrom digits_helpers.data import loading\n"
                  "loading.subsample(X, y, 100, 0)\n```\n")
    calls = [canonical(w, ALIAS) for w, visible in package_calls(code_cells(md)) if visible]
    assert calls == ["digits_helpers.data.loading.subsample"]
    assert calls[0] not in GIVEN and DEFS[calls[0]] not in {
        statements(n) for n in shown_definitions(code_cells(ROOT / "notebooks" / "01_data.md"))}
