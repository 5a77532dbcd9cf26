"""The package's layers point one way: no import cycles among its modules."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "skmixup"


def _imports(path):
    """Package modules imported by ``path`` (relative imports, any depth)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module.rsplit(".", 1)[0] if path.name != "__init__.py" else module
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("skmixup"):
                found.add(target)
                for alias in node.names:
                    found.add(f"{target}.{alias.name}")
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("skmixup")}
    return found


def _graph():
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        modules[name] = path
    return {
        name: {m for m in _imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def test_graph_is_found():
    graph = _graph()
    assert "skmixup._mixing" in graph["skmixup.augment"]
    assert "skmixup._matching" in graph["skmixup._mixing"]


def test_no_import_cycles():
    graph = _graph()
    # The package's __init__ re-exports lazily; it is the top, not a layer.
    graph = {k: v - {"skmixup"} for k, v in graph.items()}
    state = {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycle = stack[stack.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_core_does_not_import_estimators():
    graph = _graph()
    core = ("skmixup._matching", "skmixup._mixing", "skmixup._jv", "skmixup._resample")
    for name in core:
        assert not graph[name] & {"skmixup.augment", "skmixup.neural", "skmixup._dask"}
