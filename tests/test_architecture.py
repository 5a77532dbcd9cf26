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


# --- the shape of the code, held from now on (issue: "one algorithm, one
# rulebook") ---------------------------------------------------------------

#: The math modules: written once against the array backend (skmixup._backend).
MATH = ("_matching.py", "_mixing.py", "_resample.py")

#: Array-library branches the math may keep, each justified where it stands.
MAX_ARRAY_BRANCHES = 3

#: Longest function body, in code lines (docstring, blanks and comments out).
MAX_FUNCTION_LINES = 80


def _array_branches(path):
    """Places where a math module asks which array library it holds: torch
    imports or names, ``is_torch``-style predicates, ``isinstance`` tests
    against an array type."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
            if any(n.split(".")[0] == "torch" for n in names):
                found.append(node.lineno)
        elif isinstance(node, ast.Name) and node.id == "torch":
            found.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "id", getattr(func, "attr", ""))
            if name in ("is_torch", "is_numpy", "is_tensor"):
                found.append(node.lineno)
            elif name == "isinstance" and len(node.args) == 2:
                text = ast.unparse(node.args[1])
                if "Tensor" in text or "ndarray" in text:
                    found.append(node.lineno)
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Is | ast.IsNot | ast.Eq | ast.NotEq) for op in node.ops
        ):
            # type(x) is np.ndarray, type(x) == torch.Tensor, ...
            text = ast.unparse(node)
            if "type(" in text and ("Tensor" in text or "ndarray" in text):
                found.append(node.lineno)
    return sorted(set(found))


def test_array_branch_detector_sees_every_form(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import numpy as np\n"
        "def f(x, y):\n"
        "    if isinstance(x, np.ndarray):\n"  # 3
        "        return 1\n"
        "    if type(y) is not np.ndarray:\n"  # 5
        "        return 2\n"
        "    import torch\n"  # 7
        "    return type(x) == torch.Tensor\n"  # 8
        "def g(x):\n"
        "    return type(x) is dict or isinstance(x, list)\n",
        encoding="utf-8",
    )
    assert _array_branches(source) == [3, 5, 7, 8]


def test_math_is_written_once_against_the_backend():
    branches = {
        name: _array_branches(PACKAGE / name)
        for name in MATH
        if (PACKAGE / name).exists()
    }
    total = sum(len(v) for v in branches.values())
    assert total <= MAX_ARRAY_BRANCHES, (
        f"{total} array-library branches in the math modules (at most "
        f"{MAX_ARRAY_BRANCHES}); move the difference into skmixup/_backend.py: "
        f"{branches}"
    )


def _code_lines(lines, node):
    """Code lines of a function, its docstring and nested functions left out."""
    skip = set()
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        skip |= set(range(body[0].lineno, body[0].end_lineno + 1))
    for inner in ast.walk(node):
        if inner is not node and isinstance(
            inner, ast.FunctionDef | ast.AsyncFunctionDef
        ):
            skip |= set(range(inner.lineno, inner.end_lineno + 1))
    count = 0
    for i in range(node.lineno, node.end_lineno + 1):
        text = lines[i - 1].strip()
        if i not in skip and text and not text.startswith("#"):
            count += 1
    return count


def test_no_function_over_the_length_limit():
    long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = _code_lines(lines, node)
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(PACKAGE)}:{node.name} ({n})")
    assert not long, f"functions over {MAX_FUNCTION_LINES} code lines: {long}"


def test_library_never_imports_the_benchmarks():
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith("skmixup.benchmarks"):
            continue
        bench = {t for t in targets if t.startswith("skmixup.benchmarks")}
        assert not bench, f"{name} imports {sorted(bench)}"


def test_each_shared_parameter_is_constrained_once():
    """A constraint for a shared parameter (a key of skmixup._params.SPEC) is
    written only in _params.py: elsewhere a ``_parameter_constraints`` entry
    for it must come from ``constraints(...)``/``SPEC`` (or list constraint
    objects that _params defines, by name), never a new list of forms."""
    from skmixup._params import SPEC

    copies = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_params.py" or "benchmarks" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values):
                if (
                    isinstance(key, ast.Constant)
                    and key.value in SPEC
                    and isinstance(value, ast.List)
                    and not all(isinstance(e, ast.Name) for e in value.elts)
                ):
                    copies.append(
                        f"{path.relative_to(PACKAGE)}:{key.lineno} {key.value}"
                    )
    assert not copies, f"constraints written again outside _params.py: {copies}"


def test_every_metric_reaches_every_layer():
    """The metric table is the only list of metrics: the parameter spec takes
    its names from it, and every entry has a code the compiled kernel knows."""
    from skmixup import _jv
    from skmixup._metrics import METRICS
    from skmixup._params import SPEC

    (options,) = SPEC["metric"]
    assert set(options.options) == set(METRICS)
    known = getattr(_jv, "METRIC_CODES", None)
    if known is not None:
        assert {m.code for m in METRICS.values()} <= set(known)


def _file_lines(paths):
    """Non-empty lines of the given Python files."""
    return sum(
        sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        for path in paths
    )


def test_benchmarks_stay_within_sixty_percent_of_the_library():
    """The benchmark code had grown as large as the library (issue #20): it is
    held to at most 60% of the library's non-empty code lines."""
    benchmarks = list((PACKAGE / "benchmarks").rglob("*.py"))
    library = [
        path
        for path in PACKAGE.rglob("*.py")
        if "benchmarks" not in path.relative_to(PACKAGE).parts
    ]
    bench, lib = _file_lines(benchmarks), _file_lines(library)
    assert bench <= 0.6 * lib, (
        f"skmixup/benchmarks has {bench} non-empty lines, {bench / lib:.1%} of the "
        f"library's {lib}; the limit is 60%: share the code with the benchmarks' "
        "helpers (_common, _runner, _stats) instead of writing it again"
    )
