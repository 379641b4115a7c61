"""The shape of the package: layers point one way, no import cycle, no private name shared.

Reads every module's imports (function-level ones too) with :mod:`ast`, so a cycle hidden
behind an import inside a function fails here as well.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import targeting

ROOT = Path(targeting.__file__).resolve().parent
PKG = "targeting"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        mods[name] = path
    return mods


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, list[str]]]:
    """``(module imported, names taken from it)`` for every import of the package in ``path``."""
    is_pkg = path.name == "__init__.py"
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.split(".")[0] == PKG]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != PKG:
                continue
            names = [a.name for a in node.names]
            # "from . import x" imports the module x when there is one
            subs = [n for n in names if f"{target}.{n}" in MODULES]
            out += [(f"{target}.{n}", []) for n in subs]
            rest = [n for n in names if n not in subs]
            if rest:
                out.append((target, rest))
    return out


GRAPH = {m: {t for t, _ in _imports(m, p) if t in MODULES and t != m} for m, p in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _reaches(src: str, prefix: str) -> bool:
    return any(t == prefix or t.startswith(prefix + ".") for t in GRAPH[src])


@pytest.mark.parametrize("module", sorted(m for m in MODULES if not m.endswith("__main__")))
def test_every_module_imports(module):
    importlib.import_module(module)


def test_no_import_cycle():
    assert _cycles(GRAPH) == []


def test_a_package_within_itself_counts_as_a_cycle_here():
    # the checker itself: a two-module cycle is found
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]


def test_no_private_name_taken_from_another_module():
    taken = []
    for m, p in MODULES.items():
        for target, names in _imports(m, p):
            taken += [f"{m} <- {target}.{n}" for n in names if n.startswith("_") and n != "__version__"]
    assert taken == []


@pytest.mark.parametrize("bottom", ["targeting.config", "targeting.errors", "targeting.labels"])
def test_bottom_layer_imports_only_the_bottom(bottom):
    allowed = {"targeting.config", "targeting.errors", "targeting.labels"}
    assert GRAPH[bottom] <= allowed


def test_layers_point_one_way():
    lower = ("targeting.data", "targeting.scoring", "targeting.allocation", "targeting.output",
             "targeting.synth")
    upper = ("targeting.plan", "targeting.compare", "targeting.cli", "targeting.commands",
             "targeting.web")
    for m in MODULES:
        if m.startswith(lower):
            assert not any(_reaches(m, u) for u in upper), m
        if m.startswith("targeting.allocation"):
            assert not _reaches(m, "targeting.scoring"), m
        if m.startswith("targeting.scoring"):
            assert not _reaches(m, "targeting.allocation"), m
            assert not _reaches(m, "targeting.output"), m
        if m.startswith("targeting.data"):
            assert not any(_reaches(m, x) for x in ("targeting.scoring", "targeting.allocation",
                                                    "targeting.output")), m


def test_only_the_command_line_reaches_the_web_page():
    # the web page sits on top, beside the command line, which imports it only when `serve` runs
    assert [m for m in MODULES if _reaches(m, "targeting.web") and not m.startswith(("targeting.web",
                                                                                       "targeting.cli"))] == []


def test_only_the_command_line_imports_click():
    for m, p in MODULES.items():
        if m == "targeting.cli":
            continue
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "click" for a in node.names), m
            elif isinstance(node, ast.ImportFrom) and not node.level:
                assert (node.module or "").split(".")[0] != "click", m


def test_the_public_api_resolves():
    for name in targeting.__all__:
        assert getattr(targeting, name) is not None, name
    with pytest.raises(AttributeError):
        targeting.no_such_name  # noqa: B018


def test_every_package_is_installed():
    """pyproject.toml lists packages one by one: a new sub-package left out would be missing
    from a plain ``pip install .`` (and so from CI's quick start)."""
    import tomllib

    pyproject = ROOT.parent / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not a checkout: pyproject.toml is not beside the package")
    listed = set(tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    packages = {m for m, p in MODULES.items() if p.name == "__init__.py"}
    assert packages - listed == set()


def test_every_unsupported_reason_has_words():
    from targeting.allocation.diagnose import UNSUPPORTED_REASONS
    from targeting.labels import NOT_SUPPORTED

    assert set(UNSUPPORTED_REASONS) <= set(NOT_SUPPORTED)
