"""The gallery examples run from start to end, as scripts, on a headless backend.

sphinx-gallery executes the same scripts when the documentation is built;
running them here catches a broken example without building the docs. As for
the README's code (tests/test_readme.py), warnings are errors: an example
shows what we recommend, and a recommended setup does not warn.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _optional import missing

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
# A guard against a hung example, not a timing check: each example is written
# to run in well under a minute on a laptop CPU (see docs/install.rst).
HANG_TIMEOUT_S = 300

# Runs an example as __main__ with every warning turned into an error, except
# the few listed here, each with its reason (none today: add one only for a
# deprecation inside a third-party package that the example cannot avoid).
RUNNER = """
import runpy, sys, warnings
warnings.simplefilter("error")
# Matplotlib's Agg backend cannot show figures; examples end with plt.show()
# for sphinx-gallery and interactive users.
warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def test_examples_found():
    # The parametrized test below would pass vacuously on an empty folder.
    assert len(EXAMPLES) >= 5, [p.name for p in EXAMPLES]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_has_gallery_header(path):
    # sphinx-gallery takes the page title from the module docstring: a title
    # line underlined (and optionally overlined) with "=".
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, f"{path.name} has no module docstring"
    lines = [line.strip() for line in docstring.splitlines() if line.strip()]
    rules = [i for i, line in enumerate(lines) if set(line) == {"="}]
    assert rules, f"{path.name}: the docstring has no '=' underlined title"
    title_index = rules[0] + 1 if rules[0] == 0 else rules[0] - 1
    title = lines[title_index]
    assert len(lines[rules[0]]) >= len(title), f"{path.name}: title rule too short"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, tmp_path):
    absent = missing(*_imported_modules(path))
    if absent:  # a base install: the example needs an optional package
        pytest.skip(f"{path.name} needs {', '.join(absent)}, which is not installed")
    env = {
        **os.environ,
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join(
            [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
    }
    # Run in a scratch folder so that anything an example writes lands there.
    completed = subprocess.run(
        [sys.executable, "-c", RUNNER, str(path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT_S,
    )
    assert completed.returncode == 0, (
        f"{path.name} failed with exit code {completed.returncode}:\n"
        f"{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}"
    )
    assert completed.stdout.strip(), f"{path.name} printed nothing"


def _imported_modules(path):
    """Top-level names of the modules an example imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return sorted(names)
