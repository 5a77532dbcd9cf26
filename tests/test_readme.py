"""The README and the docs' front page: their code runs, their figures are generated.

* Every Python block of README.md and docs/index.rst runs as written, with
  warnings turned into errors, and each ``print(...)  # shown`` comment
  matches what the call prints now (numbers within a stated tolerance).
* Every region of the README (``<!-- begin: FILE ... -->``) holds what
  ``tools/update_readme.py`` generates from FILE, and every benchmark
  summary ``docs/results/*/results.md`` appears in a region.
* The tool itself: selections, inline regions and its errors.
"""

import importlib.util
import re
import runpy
import sys
import warnings
from pathlib import Path

import pytest
from _optional import skip_if_imports_missing

ROOT = Path(__file__).resolve().parents[1]


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "update_readme", ROOT / "tools" / "update_readme.py"
    )
    module = importlib.util.module_from_spec(spec)
    # dataclasses look the module up in sys.modules while the class is made.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


tool = _load_tool()

BLOCKS = [block for doc in tool.DOCUMENTS for block in tool.python_blocks(doc)]

# Warnings a snippet may raise without failing, each with its reason. Only
# deprecations inside third-party code that the snippet cannot avoid belong
# here; none is needed today.
IGNORED_WARNINGS = ()

# The printed figures are cross-validated accuracies (mean of 5 folds of
# ~114 points on breast cancer): a different CPU, BLAS or thread count may
# flip a handful of predictions, which moves the mean by ~0.002 per point.
# 0.01 allows about five such flips and still catches a changed model.
ABS_TOL = 0.01
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _same_output(shown, printed):
    """Same text, and the same numbers within ABS_TOL."""
    if NUMBER.sub("#", shown) != NUMBER.sub("#", printed):
        return False
    pairs = zip(NUMBER.findall(shown), NUMBER.findall(printed))
    return all(abs(float(a) - float(b)) <= ABS_TOL for a, b in pairs)


# ---------------------------------------------------------------------------
# the code blocks


def test_blocks_found():
    # The parametrized test below would pass vacuously without blocks.
    names = {block.path.name for block in BLOCKS}
    assert names == {"README.md", "index.rst"}, names
    shown = sum(len(tool.shown_outputs(block.source)) for block in BLOCKS)
    assert shown >= 4, "the README and index show fewer printed results than expected"


@pytest.mark.parametrize("block", BLOCKS, ids=lambda block: block.name)
def test_code_block_runs_and_prints_what_it_shows(block, monkeypatch, tmp_path):
    skip_if_imports_missing(block.source)
    # A scratch folder, so that anything the snippet writes lands there.
    monkeypatch.chdir(tmp_path)
    printed, _ = tool.run_block(block, ignore_warnings=IGNORED_WARNINGS)
    for (first, last), shown in tool.shown_outputs(block.source).items():
        text = "\n".join(
            t for line in range(first, last + 1) for t in printed.get(line, [])
        )
        assert _same_output(shown, text), (
            f"{block.name}: the print call on block line {first} shows "
            f"{shown!r} but printed {text!r} (tolerance {ABS_TOL} on numbers). "
            "If the change is intended, run `python tools/update_readme.py --outputs`."
        )


GUIDE_BLOCKS = tool.python_blocks(ROOT / "docs" / "user_guide.rst")
# Blocks of the user guide that are not run, each with its reason.
GUIDE_NOT_RUN = {
    "da.random.random((20_000_000": "builds 20 million rows, too large for a test",
}


@pytest.fixture(scope="module")
def guide_data():
    """The names the user guide's snippets use without defining them.

    The guide's snippets continue a session in which the reader has split
    their data: here breast cancer, split as train_test_split does by default.
    """
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y, random_state=0
    )
    return {"X_train": X_train, "X_test": X_test, "y_train": y_train, "y_test": y_test}


def test_guide_blocks_found():
    assert len(GUIDE_BLOCKS) >= 4
    for marker in GUIDE_NOT_RUN:
        assert any(marker in block.source for block in GUIDE_BLOCKS), marker


@pytest.mark.parametrize("block", GUIDE_BLOCKS, ids=lambda block: block.name)
def test_user_guide_block_runs(block, guide_data, monkeypatch, tmp_path):
    for marker, reason in GUIDE_NOT_RUN.items():
        if marker in block.source:
            pytest.skip(reason)
    skip_if_imports_missing(block.source)
    monkeypatch.chdir(tmp_path)
    tool.run_block(block, ignore_warnings=IGNORED_WARNINGS, namespace=guide_data)


def test_run_block_turns_warnings_into_errors(tmp_path):
    block = tool.CodeBlock(
        tmp_path / "x.md", 1, "import warnings\nwarnings.warn('stale', UserWarning)"
    )
    with pytest.raises(UserWarning, match="stale"):
        tool.run_block(block)


def test_same_output_tolerance():
    assert _same_output("0.970", "0.975")
    assert not _same_output("0.970", "0.985")
    assert not _same_output("accuracy 0.970", "log-loss 0.970")


def test_update_outputs_writes_what_was_printed(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "text\n\n```python\nx = 21\nprint(\n    x * 2,\n)  # old\nprint(x)\n```\n",
        encoding="utf-8",
    )
    tool.update_outputs(doc)
    assert doc.read_text(encoding="utf-8") == (
        "text\n\n```python\nx = 21\nprint(\n    x * 2,\n)  # 42\nprint(x)\n```\n"
    )


def test_rst_blocks_are_found_with_their_lines(tmp_path):
    doc = tmp_path / "doc.rst"
    doc.write_text(
        "Title\n\n.. code-block:: python\n   :caption: c\n\n   a = 1\n\n"
        "   print(a)  # 1\n\nafter\n",
        encoding="utf-8",
    )
    (block,) = tool.python_blocks(doc)
    assert block.line == 6
    assert block.source == "a = 1\n\nprint(a)  # 1"
    assert tool.shown_outputs(block.source) == {(3, 3): "1"}


# ---------------------------------------------------------------------------
# the commands the README cites

COMMAND = re.compile(r"python -m (skmixup[\w.]*)((?: +[-\w.:/,=]+)*)")


def _cited_commands():
    """``{(module, subcommand or None): {--flags}}`` of the README's commands."""
    commands = {}
    text = tool.README.read_text(encoding="utf-8")
    for m in COMMAND.finditer(text):
        tokens = m.group(2).split()
        sub = None
        if (
            m.group(1) == "skmixup.benchmarks"
            and tokens
            and not tokens[0].startswith("-")
        ):
            sub = tokens[0]
        flags = {
            t.split("=")[0] for t in tokens if t.startswith("--") and t != "--help"
        }
        commands.setdefault((m.group(1), sub), set()).update(flags)
    return commands


CITED = _cited_commands()


def test_commands_found():
    assert ("skmixup.benchmarks", "uci") in CITED, sorted(CITED)


@pytest.mark.parametrize("module, sub", sorted(CITED, key=str), ids=str)
def test_cited_command_exists_with_its_options(module, sub, monkeypatch, capsys):
    # `python -m MODULE [SUB] --help` run in this process (runpy is what
    # `python -m` uses): it checks the names the README gives (module,
    # benchmark, options) without the cost of a run or of a new interpreter.
    monkeypatch.setattr(sys, "argv", [module, *([sub] if sub else []), "--help"])
    with warnings.catch_warnings():
        # runpy warns when the module was imported before (by another test).
        warnings.filterwarnings("ignore", "found in sys.modules", RuntimeWarning)
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_module(module, run_name="__main__", alter_sys=True)
    assert exit_info.value.code in (0, None)
    help_text = capsys.readouterr().out
    missing = sorted(f for f in CITED[(module, sub)] if f not in help_text)
    assert not missing, (
        f"README.md cites `python -m {module} {sub or ''}` with {missing}, "
        "which its --help does not list"
    )


# ---------------------------------------------------------------------------
# the generated regions


def test_readme_is_up_to_date_with_the_results_files():
    for doc in tool.REGION_DOCUMENTS:
        text = doc.read_text(encoding="utf-8")
        assert tool.update_regions(text) == text, (
            f"{doc.relative_to(ROOT)} differs from the files its regions copy: "
            "run `python tools/update_readme.py` (`--check` shows the diff)"
        )


def test_every_benchmark_summary_is_in_the_readme():
    used = {
        tool._parse_spec(spec)[0]
        for doc in (tool.README, tool.RESULTS)
        for spec in tool.regions(doc.read_text(encoding="utf-8"))
    }
    summaries = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "docs" / "results").glob("*/results.md")
    )
    missing = [p for p in summaries if p not in used]
    assert not missing, (
        f"{missing} not shown in README.md or docs/results.md: add a region "
        "`<!-- begin: PATH -->` / `<!-- end -->` for each, then run "
        "`python tools/update_readme.py`"
    )


@pytest.fixture
def results(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "results.md").write_text(
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nfirst summary\nsecond summary\n\n"
        "| c |\n|---|\n| 3 |\n",
        encoding="utf-8",
    )
    (tmp_path / "r" / "t.csv").write_text(
        "name,metric,k,value\nx,m1,1,0.12345\nx,m2,1,0.5\ny,m1,1,1.0\ny,m2,1,2\n",
        encoding="utf-8",
    )
    (tmp_path / "r" / "run.json").write_text(
        '{"wall_seconds": 57.6, "config": {"ks": [4, 16]}}', encoding="utf-8"
    )
    return tmp_path


def test_region_whole_file_and_selections(results):
    whole = tool.render_region("r/results.md", results)
    assert whole.startswith("| a | b |") and whole.endswith("| 3 |")
    assert tool.render_region("r/results.md table=2", results) == "| c |\n|---|\n| 3 |"
    assert tool.render_region("r/results.md text=only bullets=yes", results) == (
        "- first summary\n- second summary"
    )
    assert tool.render_region("r/results.md match=^second", results) == (
        "second summary"
    )


def test_region_section(results):
    (results / "r" / "s.md").write_text(
        "# A\n\n| a |\n|---|\n| 1 |\n\nsum A\n\n## A.1\n\nsub\n\n"
        "# B\n\n| b |\n|---|\n| 2 |\n\nsum B\n",
        encoding="utf-8",
    )
    assert tool.render_region("r/s.md section=B table=1", results) == (
        "| b |\n|---|\n| 2 |"
    )
    assert tool.render_region("r/s.md section=A text=only", results) == (
        "sum A\n\n## A.1\n\nsub"
    )
    assert tool.render_region("r/s.md section=A.1", results) == "sub"
    with pytest.raises(ValueError, match="no heading 'C'.*'A', 'A.1', 'B'"):
        tool.render_region("r/s.md section=C", results)


def test_region_from_csv(results):
    spec = (
        "r/t.csv index=name columns=name,value@metric=m1,value@metric=m2 "
        "'headers=data,first metric,second metric' digits=2"
    )
    assert tool.render_region(spec, results) == (
        "| data | first metric | second metric |\n|---|---|---|\n"
        "| x | 0.12 | 0.50 |\n| y | 1.00 | 2 |"
    )
    assert tool.render_region("r/t.csv where=name:y where=metric:m2", results) == (
        "| name | metric | k | value |\n|---|---|---|---|\n| y | m2 | 1 | 2 |"
    )


def test_inline_and_block_regions(results):
    text = (
        "took <!-- begin: r/run.json key=wall_seconds format=.0f -->old<!-- end --> s, "
        "k = <!-- begin: r/run.json key=config.ks.1 -->?<!-- end -->\n\n"
        "<!-- begin: r/results.md table=1 -->\nstale\n<!-- end -->\n"
    )
    new = tool.update_regions(text, results)
    assert new == (
        "took <!-- begin: r/run.json key=wall_seconds format=.0f -->58<!-- end --> s, "
        "k = <!-- begin: r/run.json key=config.ks.1 -->16<!-- end -->\n\n"
        "<!-- begin: r/results.md table=1 -->\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<!-- end -->\n"
    )
    assert tool.update_regions(new, results) == new


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ("r/missing.md", FileNotFoundError, "does not exist"),
        ("r/results.md table=3", ValueError, r"holds 2 table\(s\)"),
        ("r/results.md colour=red", ValueError, "unknown option"),
        ("r/results.md table", ValueError, "key=value"),
        ("r/t.csv columns=nope", ValueError, "no column 'nope'"),
        ("r/t.csv where=name:z", ValueError, "no row is left"),
        ("r/t.csv index=k columns=value@metric=m1", ValueError, "matches 2 rows"),
        ("r/run.json key=nope", ValueError, "no key 'nope'"),
        ("r/run.json", ValueError, "needs key="),
    ],
)
def test_region_errors_name_the_problem(results, spec, error, match):
    with pytest.raises(error, match=match):
        tool.render_region(spec, results)


def test_unbalanced_markers_are_refused(results):
    with pytest.raises(ValueError, match="needs both"):
        tool.update_regions("<!-- begin: r/results.md -->\nno end\n", results)
    with pytest.raises(ValueError, match="inline"):
        tool.update_regions("a <!-- begin: r/results.md -->x<!-- end -->", results)


def test_check_mode_reports_a_stale_readme(tmp_path, monkeypatch, capsys):
    (tmp_path / "f.md").write_text("fresh\n", encoding="utf-8")
    doc = tmp_path / "README.md"
    doc.write_text("<!-- begin: f.md -->\nstale\n<!-- end -->\n", encoding="utf-8")
    monkeypatch.setattr(tool, "ROOT", tmp_path)
    monkeypatch.setattr(tool, "DOCUMENTS", (doc,))
    monkeypatch.setattr(tool, "REGION_DOCUMENTS", (doc,))
    # render_region's default root was bound at import: pass through update_regions.
    monkeypatch.setattr(
        tool, "update_regions", lambda text, f=tool.update_regions: f(text, tmp_path)
    )
    assert tool.main(["--check"]) == 1
    assert "run `python tools/update_readme.py`" in capsys.readouterr().out
    assert "stale" in doc.read_text(encoding="utf-8")
    assert tool.main([]) == 0
    assert tool.main(["--check"]) == 0
    assert "fresh" in doc.read_text(encoding="utf-8")


def test_readme_is_short_and_links_every_result_section():
    readme = tool.README.read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 250
    sections = re.findall(
        r"^## (.+)$", tool.RESULTS.read_text(encoding="utf-8"), flags=re.M
    )
    assert len(sections) >= 5
    missing = [s for s in sections if f"[{s}](docs/results.md#" not in readme]
    assert not missing, f"README.md links no section {missing} of docs/results.md"
