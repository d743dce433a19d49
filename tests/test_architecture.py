"""The house plan, checked: imports point views/api -> services -> models and sync -> services,
never in a cycle, and never from inside a function to get round either rule.

The graph is read from the source with `ast`, so it sees every import whether or not it runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("tracker", "sync")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (ours)
    line: int
    in_function: bool
    type_only: bool  # under `if TYPE_CHECKING:`, never executed


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def our_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of a dotted name that is one of our modules."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(source: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]

    def visit(node: ast.AST, in_function: bool, type_only: bool) -> Iterator[Import]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from visit(child, True, type_only)
            elif isinstance(child, ast.If) and _is_type_checking(child):
                yield from visit(child, in_function, True)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                yield from targets(child, in_function, type_only)
            else:
                yield from visit(child, in_function, type_only)

    def targets(
        node: ast.Import | ast.ImportFrom, in_function: bool, type_only: bool
    ) -> Iterator[Import]:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # `from pkg import module` imports pkg.module; `from module import name` imports module.
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != source:
                yield Import(source, target, node.lineno, in_function, type_only)

    tree = ast.parse(path.read_text(encoding="utf-8"))
    yield from visit(tree, False, False)


@pytest.fixture(scope="module")
def graph() -> list[Import]:
    modules = our_modules()
    return [edge for name, path in modules.items() for edge in imports_of(name, path, modules)]


def _in(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


# Each rule: modules it applies to, and the modules of ours they may not import.
FORBIDDEN: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "models hold data and import nothing else of ours",
        ("tracker.models",),
        (
            "tracker.services",
            "tracker.views",
            "tracker.api",
            "tracker.cli",
            "sync",
            "tracker.db",
            "tracker.permissions",
            "tracker.config",
            "tracker.errors",
            "tracker.auth",
        ),
    ),
    (
        "services hold the rules and never reach up to the web, the CLI or Jira I/O",
        ("tracker.services",),
        ("tracker.views", "tracker.api", "tracker.cli", "sync", "tracker.auth", "tracker.security"),
    ),
    (
        "views and the API reach Jira only through the port in tracker.services.ports",
        ("tracker.views", "tracker.api"),
        ("sync", "tracker.cli"),
    ),
    (
        "sync calls services, never the web or the CLI",
        ("sync",),
        ("tracker.views", "tracker.api", "tracker.cli", "tracker.auth", "tracker.security"),
    ),
]


def violations(edges: list[Import]) -> list[str]:
    found = []
    for rule, sources, banned in FORBIDDEN:
        for edge in edges:
            if _in(edge.source, *sources) and _in(edge.target, *banned):
                found.append(f"{edge.source}:{edge.line} imports {edge.target} ({rule})")
    # The app package root is the composition root: only entry points may import it.
    for edge in edges:
        if edge.target == "tracker" and not _in(edge.source, "tracker.cli"):
            found.append(f"{edge.source}:{edge.line} imports the app factory (only the CLI may)")
    return found


def hidden_imports(edges: list[Import]) -> list[str]:
    return [
        f"{edge.source}:{edge.line} imports {edge.target} inside a function"
        for edge in edges
        if edge.in_function
    ]


def cycles(edges: list[Import]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), runtime imports only."""
    adjacency: dict[str, set[str]] = {}
    for edge in edges:
        if not edge.type_only:
            adjacency.setdefault(edge.source, set()).add(edge.target)
            adjacency.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(adjacency[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(adjacency):
        if node not in index:
            connect(node)
    return components


def test_imports_follow_the_arrows(graph: list[Import]) -> None:
    assert violations(graph) == []


def test_no_import_hides_inside_a_function(graph: list[Import]) -> None:
    assert hidden_imports(graph) == []


def test_no_import_cycles(graph: list[Import]) -> None:
    assert cycles(graph) == []


# The checker itself must catch what the restructuring removed; each case is a violation the
# issue found in the old tree.
@pytest.mark.parametrize(
    ("source", "code", "expect"),
    [
        (
            "tracker.views.jira",
            "from sync.push.worker import start_worker_thread",
            "views and the API",
        ),
        (
            "tracker.api.planning",
            "from sync.mapping.payload import description_for",
            "views and the API",
        ),
        (
            "tracker.services.suggestions.decisions",
            "from tracker.views import jira",
            "services hold",
        ),
        ("tracker.models.stories", "from tracker.services import stories", "models hold"),
        ("sync.push.engine", "from tracker import create_app", "app factory"),
    ],
)
def test_checker_flags_wrong_arrows(source: str, code: str, expect: str, tmp_path: Path) -> None:
    modules = our_modules()
    path = tmp_path / "probe.py"
    path.write_text(code + "\n")
    edges = list(imports_of(source, path, modules))
    assert any(expect in problem for problem in violations(edges))


def test_checker_flags_hidden_imports_and_cycles(tmp_path: Path) -> None:
    modules = our_modules()
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text("from sync.jira.connect import connect\n")
    b.write_text("def build():\n    from sync.jira.client import JiraClient\n")
    edges = [
        *imports_of("sync.jira.client", a, modules),
        *imports_of("sync.jira.connect", b, modules),
    ]
    assert hidden_imports(edges) == [
        "sync.jira.connect:2 imports sync.jira.client inside a function"
    ]
    assert cycles(edges) == [["sync.jira.client", "sync.jira.connect"]]


def test_no_module_grows_past_the_house_limit() -> None:
    # House style: split before 400 lines. Prose data and migrations are not code to split.
    long = {
        name: lines
        for name, path in our_modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert long == {}
