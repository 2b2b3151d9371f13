"""The package's shape: serve and ui never reach into build or the training stack, and no import circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "skinscan_ui"
TRAINING_STACK = {"keras", "tensorflow", "sklearn", "tf_keras_vis", "jax", "matplotlib", "skimage"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (a local import is still an arrow)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            # `from skinscan_ui.serve import images` imports the module skinscan_ui.serve.images
            found.update(f"{node.module}.{a.name}" for a in node.names if node.module.startswith("skinscan_ui"))
    return found


GRAPH = {module_name(p): imports(p) for p in sorted(PACKAGE.rglob("*.py"))}
MODULES = set(GRAPH)


def side(module: str) -> str:
    return module.split(".")[1] if module.count(".") >= 1 else ""


@pytest.mark.parametrize("module", sorted(m for m in MODULES if side(m) in ("serve", "ui")))
def test_serve_and_ui_never_import_the_build_side_or_the_training_stack(module):
    wrong = sorted(i for i in GRAPH[module] if i.startswith("skinscan_ui.build") or i.split(".")[0] in TRAINING_STACK)
    assert not wrong, f"{module} imports {wrong}: the app would need the build side to answer a photo"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if side(m) in ("serve", "build")))
def test_only_the_ui_imports_streamlit(module):
    wrong = sorted(i for i in GRAPH[module] if i.startswith("skinscan_ui.ui") or i.split(".")[0] == "streamlit")
    assert not wrong, f"{module} imports {wrong}"


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle (as one path through it), by depth-first search over the package's modules."""
    edges = {m: sorted(d for d in deps if d in graph and d != m) for m, deps in graph.items()}
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in edges[m]:
            if state.get(d) == 1:
                found.append(stack[stack.index(d) :] + [d])
            elif d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)
    return found


def test_the_package_has_no_import_circle():
    packages = {m for m in MODULES if (PACKAGE.parent / m.replace(".", "/") / "__init__.py").is_file()}
    graph = {m: deps for m, deps in GRAPH.items() if m not in packages}
    assert cycles(graph) == []


def test_the_circle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
