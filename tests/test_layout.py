"""The package's layout stays as docs/architecture.md draws it: layers, one door to the database,
settings in one place, markup out of Python. Read from the source with ``ast``, not by importing."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "simulator"
LAYERS = ("core", "loading", "studio", "results", "ui", "hub")


def _module_name(file: Path) -> str:
    parts = list(file.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(f): f for f in sorted(PACKAGE.rglob("*.py"))}


def _imports(file: Path, known: set[str] = frozenset()) -> set[str]:
    """Every module of the lab a file imports, at the top, inside functions and under TYPE_CHECKING alike."""
    name = _module_name(file)
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            submodules = {f"{module}.{a.name}" for a in node.names} & known
            found.update(submodules or {module})  # `from . import settings` imports the module, not the package
    return {m for m in found if m == "simulator" or m.startswith("simulator.")}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: {m for m in _imports(file, known) if m in known and m != name} for name, file in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, as the modules along it, or None. A package's own __init__ is left out:
    importing ``simulator.core.x`` runs ``simulator/__init__.py``, which imports everything."""
    graph = {m: {d for d in deps if d not in ("simulator",)} for m, deps in graph.items() if m != "simulator"}
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return stack[stack.index(d) :] + [d]
            if d not in state and (found := visit(d)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_the_import_graph_has_no_cycle():
    assert _cycle(_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"simulator.a": {"simulator.b"}, "simulator.b": {"simulator.a"}}) == [
        "simulator.a",
        "simulator.b",
        "simulator.a",
    ]


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("core", ("loading", "studio", "results", "ui", "hub")),
        ("loading", ("studio", "results", "ui", "hub")),
        ("studio", ("results", "ui", "hub")),
        ("results", ("studio", "ui", "hub")),
        ("ui", ("hub",)),  # hub, the top layer, may import every other layer
    ],
)
def test_layers_import_only_downwards(layer, forbidden):
    bad = {
        (name, dep)
        for name, deps in _graph().items()
        if name.startswith(f"simulator.{layer}.") or name == f"simulator.{layer}"
        for dep in deps
        if any(dep == f"simulator.{f}" or dep.startswith(f"simulator.{f}.") for f in forbidden)
    }
    assert not bad


def test_every_layer_is_a_package():
    for layer in LAYERS:
        assert (PACKAGE / layer / "__init__.py").is_file(), layer


def _files_importing(pattern: str) -> set[str]:
    found = set()
    for file in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            if any(re.fullmatch(pattern, n) for n in names):
                found.add(file.relative_to(ROOT).as_posix())
    return found


# The results store: one module, or a package of its own (tables, migrations …).
STORE = ("simulator/results/store.py", "simulator/results/store/")
# SQL in a string: a statement's keywords as SQL writes them (capitals), not English prose.
_SQL = re.compile(
    r"\bSELECT\b[^;]*?\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b"
    r"|\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX|VIEW)\b|\bPRAGMA\s+\w+|\bBEGIN\s+(IMMEDIATE|EXCLUSIVE)\b"
)
# pandas' doors to a database.
_SQL_CALLS = frozenset({"read_sql", "read_sql_query", "read_sql_table", "to_sql"})


def _in_store(file: str) -> bool:
    return file == STORE[0] or file.startswith(STORE[1])


def test_only_the_store_speaks_to_the_database():
    users = _files_importing(r"sqlalchemy(\..*)?|sqlite3|psycopg2?(\..*)?|pymysql(\..*)?")
    assert users and all(_in_store(f) for f in users), sorted(users)


def test_no_sql_outside_the_store():
    offenders = []
    for file in PACKAGE.rglob("*.py"):
        name = file.relative_to(ROOT).as_posix()
        if _in_store(name):
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            sql = isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(node.value)
            call = isinstance(node, ast.Attribute) and node.attr in _SQL_CALLS
            if sql or call:
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders


def test_the_sql_detector_sees_sql():
    for sql in ("SELECT id, trainee FROM sessions", "INSERT INTO meta VALUES (?, ?)", "PRAGMA journal_mode=WAL",
                "UPDATE sessions SET status = 'abandoned'", "ALTER TABLE turns ADD COLUMN breach TEXT"):  # fmt: skip
        assert _SQL.search(sql), sql
    assert not _SQL.search("select the sessions from one team; update the team, then delete from the list")


def test_only_settings_reads_the_environment():
    readers = set()
    for file in PACKAGE.rglob("*.py"):
        text = file.read_text(encoding="utf-8")
        if re.search(r"\bos\.(environ|getenv)\b|\bgetenv\(|from os import[^\n]*\b(environ|getenv)\b", text):
            readers.add(file.relative_to(ROOT).as_posix())
    assert readers == {"simulator/settings.py"}


_CSS = re.compile(r"[.#]?[a-z][\w-]*\s*\{[^{}]*\b[a-z-]+\s*:\s*[^;{}]+;", re.I)


def test_no_python_string_in_the_ui_holds_css():
    offenders = []
    for file in (PACKAGE / "ui").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _CSS.search(node.value):
                offenders.append(f"{file.relative_to(ROOT)}:{node.lineno}")
    assert not offenders


def test_the_css_detector_sees_css():
    assert _CSS.search(".rp-card { border: 1px solid #ccc; }")
    assert not _CSS.search("the {name} is {value}")


def test_the_css_files_ship_in_the_wheel(tmp_path):
    css = sorted(p.relative_to(ROOT).as_posix() for p in (PACKAGE / "ui").rglob("*.css"))
    assert css, "the ui keeps its styles in .css files"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert set(css) <= shipped, set(css) - shipped
    assert "simulator/results/assessment.yaml" in shipped
