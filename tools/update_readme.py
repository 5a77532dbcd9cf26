"""Regenerate the parts of README.md that come from files or from running code.

Two kinds of generated text live in the README (and in ``docs/index.rst``;
regions also in ``docs/results.md``, the page of every benchmark result):

**Regions** copy a benchmark's output file, so that no figure is retyped::

    <!-- begin: docs/results/uci_quick/results.md -->
    ...replaced by the file's text...
    <!-- end -->

The begin marker names a file relative to the repository root, followed by
optional ``key=value`` options (quoted with shell rules when a value holds
spaces). A marker followed by a line break makes a block region; a marker
followed by text on the same line makes an inline region, for a figure inside
a sentence (``took <!-- begin: run.json key=wall_seconds format=.0f -->58<!-- end --> s``).
Adding a benchmark to the README is one line: its begin marker and
``<!-- end -->`` below it, then ``python tools/update_readme.py``.

Options for Markdown and text files (``results.md``):

``section=TITLE``
    only the lines under the Markdown heading ``TITLE`` (up to the next
    heading of the same or a higher level); the options below then apply
    to that part;
``table=N``
    only the N-th Markdown table of the file (1-based);
``text=only``
    only the lines outside tables (the summary lines a benchmark printed);
``match=REGEX``
    only the lines (outside tables) that match ``REGEX`` (``re.search``);
``bullets=yes``
    write each selected non-table line as a Markdown list item (a
    ``results.md`` holds one summary per line; Markdown would join them).

Options for CSV files (a Markdown table is made):

``where=COL:V1,V2``
    keep rows whose ``COL`` is one of the values (repeatable, all must hold);
``index=COL1,COL2``
    one table row per distinct value of these columns (default: every row);
``columns=SPEC1,SPEC2``
    the columns shown: a column name, or ``COL@KEY=VALUE`` for the value of
    ``COL`` in the row of the same index whose ``KEY`` is ``VALUE`` (to put,
    say, two metrics side by side);
``headers=H1,H2``
    the header texts (default: the column specs);
``digits=N``
    decimals of the numbers that are not integers (default 3).

Options for JSON files (inline figures):

``key=A.B``
    the value at that path of the JSON object;
``format=SPEC``
    a :func:`format` spec for it (``.0f``, ``.2f``).

**Printed outputs.** In a Python code block, a ``print(...)`` call followed
by a comment shows what it prints (``print(f"{score:.3f}")  # 0.974``).
``--outputs`` runs every Python block of the README and of ``docs/index.rst``
and writes what each such call printed into its comment, so the figures come
from a run. ``tests/test_readme.py`` runs the blocks again and compares.

Usage (from anywhere)::

    python tools/update_readme.py            # rewrite the regions
    python tools/update_readme.py --check    # exit 1 (with a diff) if out of date
    python tools/update_readme.py --outputs  # also re-run the code blocks
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import csv
import difflib
import io
import json
import re
import shlex
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
INDEX = ROOT / "docs" / "index.rst"
# every benchmark result; the README keeps the headline and links here
RESULTS = ROOT / "docs" / "results.md"
# The files whose code blocks this tool runs, and those whose regions it fills.
DOCUMENTS = (README, INDEX)
REGION_DOCUMENTS = (README, INDEX, RESULTS)

REGION = re.compile(
    r"<!-- begin: (?P<spec>.*?) -->(?P<body>.*?)<!-- end -->", flags=re.DOTALL
)
TABLE_LINE = re.compile(r"^\s*\|")


# ---------------------------------------------------------------------------
# regions


def _parse_spec(spec):
    """``"path key=value ..."`` -> (path, {key: [values]})."""
    try:
        tokens = shlex.split(spec)
    except ValueError as exc:
        raise ValueError(f"region {spec!r}: cannot split its options ({exc})") from None
    if not tokens:
        raise ValueError("a region's begin marker names no file")
    options = {}
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise ValueError(
                f"region {spec!r}: option {token!r} is not of the form key=value"
            )
        options.setdefault(key, []).append(value)
    return tokens[0], options


def _one(options, key, spec, default=None):
    values = options.pop(key, None)
    if values is None:
        return default
    if len(values) > 1:
        raise ValueError(f"region {spec!r}: option {key!r} is given twice")
    return values[0]


def _split_blocks(lines):
    """Lines -> list of (is_table, [lines]) runs."""
    blocks = []
    for line in lines:
        is_table = bool(TABLE_LINE.match(line))
        if blocks and blocks[-1][0] == is_table:
            blocks[-1][1].append(line)
        else:
            blocks.append((is_table, [line]))
    return blocks


def _section(lines, title, spec):
    """The lines under the heading ``title``, up to the next one of its level."""
    heading = re.compile(r"^(#+)\s+(.*?)\s*#*\s*$")
    for i, line in enumerate(lines):
        m = heading.match(line)
        if m and m.group(2) == title:
            level = len(m.group(1))
            for j in range(i + 1, len(lines)):
                n = heading.match(lines[j])
                if n and len(n.group(1)) <= level:
                    return lines[i + 1 : j]
            return lines[i + 1 :]
    titles = [m.group(2) for m in map(heading.match, lines) if m]
    raise ValueError(
        f"region {spec!r}: no heading {title!r} in the file (headings: "
        f"{', '.join(map(repr, titles)) or 'none'})"
    )


def _render_text(text, options, spec):
    section = _one(options, "section", spec)
    table = _one(options, "table", spec)
    only_text = _one(options, "text", spec)
    match = _one(options, "match", spec)
    bullets = _one(options, "bullets", spec, "no")
    if only_text not in (None, "only"):
        raise ValueError(f"region {spec!r}: text= accepts only 'only'")
    if bullets not in ("yes", "no"):
        raise ValueError(f"region {spec!r}: bullets= accepts 'yes' or 'no'")
    lines = text.strip("\n").splitlines()
    if section is not None:
        lines = _section(lines, section, spec)
    blocks = _split_blocks(lines)
    if table is not None:
        tables = [lines for is_table, lines in blocks if is_table]
        try:
            n = int(table)
            if n < 1:
                raise ValueError
            return "\n".join(tables[n - 1])
        except (ValueError, IndexError):
            raise ValueError(
                f"region {spec!r}: table={table} but the file holds "
                f"{len(tables)} table(s) (table=1..{len(tables)})"
            ) from None
    out = []
    pattern = re.compile(match) if match is not None else None
    for is_table, lines in blocks:
        if is_table:
            if only_text is None and pattern is None:
                out.extend(lines)
            continue
        for line in lines:
            if pattern is not None and not pattern.search(line):
                continue
            if bullets == "yes" and line.strip():
                line = f"- {line.strip()}"
            out.append(line)
    # Collapse the blank lines that the selection left behind.
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip("\n")
    if not text:
        raise ValueError(f"region {spec!r}: the selection is empty")
    return text


def _format_number(value, digits):
    try:
        number = float(value)
    except ValueError:
        return value
    if number.is_integer() and re.fullmatch(r"-?\d+", value.strip()):
        return value.strip()
    return f"{number:.{digits}f}"


def _render_csv(text, options, spec):
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ValueError(f"region {spec!r}: the CSV file has no rows")
    fields = list(rows[0])

    def check_column(name):
        if name not in fields:
            raise ValueError(
                f"region {spec!r}: no column {name!r} in the CSV file "
                f"(columns: {', '.join(fields)})"
            )

    for condition in options.pop("where", []):
        col, sep, values = condition.partition(":")
        if not sep:
            raise ValueError(f"region {spec!r}: where={condition} is not COL:V1,V2")
        check_column(col)
        keep = values.split(",")
        rows = [r for r in rows if r[col] in keep]
    index = _one(options, "index", spec)
    index = index.split(",") if index else None
    for col in index or ():
        check_column(col)
    columns = _one(options, "columns", spec)
    columns = columns.split(",") if columns else fields
    headers = _one(options, "headers", spec)
    headers = headers.split(",") if headers else columns
    if len(headers) != len(columns):
        raise ValueError(
            f"region {spec!r}: {len(headers)} headers for {len(columns)} columns"
        )
    digits = int(_one(options, "digits", spec, "3"))
    if not rows:
        raise ValueError(f"region {spec!r}: no row is left after where=")

    groups = {}
    for i, row in enumerate(rows):
        key = tuple(row[c] for c in index) if index else (i,)
        groups.setdefault(key, []).append(row)

    def cell(group, column):
        name, at, condition = column.partition("@")
        check_column(name)
        if not at:
            return group[0][name]
        key, sep, value = condition.partition("=")
        if not sep:
            raise ValueError(f"region {spec!r}: column {column!r} is not COL@KEY=VALUE")
        check_column(key)
        hits = [r for r in group if r[key] == value]
        if len(hits) != 1:
            raise ValueError(
                f"region {spec!r}: column {column!r} matches {len(hits)} rows of "
                f"the index group {tuple(group[0][c] for c in index or ())}"
            )
        return hits[0][name]

    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "---|" * len(headers),
    ]
    for group in groups.values():
        cells = [_format_number(cell(group, c), digits) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _render_json(text, options, spec):
    key = _one(options, "key", spec)
    if key is None:
        raise ValueError(f"region {spec!r}: a JSON region needs key=A.B")
    value = json.loads(text)
    for part in key.split("."):
        try:
            value = value[int(part)] if isinstance(value, list) else value[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise ValueError(f"region {spec!r}: no key {key!r} in the file") from None
    fmt = _one(options, "format", spec, "")
    return format(value, fmt)


def render_region(spec, root=ROOT):
    """The text that a region with this begin-marker ``spec`` must hold."""
    path, options = _parse_spec(spec)
    file = (root / path).resolve()
    if not file.is_file():
        raise FileNotFoundError(f"region {spec!r}: file {path} does not exist")
    text = file.read_text(encoding="utf-8")
    suffix = file.suffix.lower()
    if suffix == ".csv":
        out = _render_csv(text, options, spec)
    elif suffix == ".json":
        out = _render_json(text, options, spec)
    else:
        out = _render_text(text, options, spec)
    if options:
        raise ValueError(
            f"region {spec!r}: unknown option(s) {', '.join(sorted(options))} "
            f"for a {suffix or 'text'} file (see tools/update_readme.py)"
        )
    return out


def regions(text):
    """The begin-marker specs of a document, in order."""
    return [m["spec"] for m in REGION.finditer(text)]


def update_regions(text, root=ROOT):
    """``text`` with every region's body regenerated from its file."""
    starts = text.count("<!-- begin: ")
    if starts != len(REGION.findall(text)) or text.count("<!-- end -->") != starts:
        raise ValueError(
            f"{starts} '<!-- begin: ... -->' markers but "
            f"{text.count('<!-- end -->')} '<!-- end -->' markers: every region "
            "needs both, and regions cannot nest"
        )

    def replace(m):
        body = render_region(m["spec"], root)
        if m["body"].startswith("\n"):  # a block region
            body = f"\n\n{body}\n\n"
        elif "\n" in body:
            raise ValueError(
                f"region {m['spec']!r} is inline (text right after the marker) "
                "but its content spans several lines: start it on a new line"
            )
        return f"<!-- begin: {m['spec']} -->{body}<!-- end -->"

    return REGION.sub(replace, text)


# ---------------------------------------------------------------------------
# code blocks and their printed outputs


@dataclass
class CodeBlock:
    """A Python code block of a document: its source and where it starts."""

    path: Path
    line: int  # 1-based line of the block's first code line in the document
    source: str
    indent: str = ""

    @property
    def name(self):
        return f"{self.path.name}:{self.line}"


def python_blocks(path):
    """The Python code blocks of a Markdown or reStructuredText file."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    blocks = []
    if Path(path).suffix == ".md":
        i = 0
        while i < len(lines):
            if re.fullmatch(r"```\s*python\s*", lines[i]):
                start = i + 1
                end = start
                while lines[end].strip() != "```":
                    end += 1
                blocks.append(CodeBlock(path, start + 1, "\n".join(lines[start:end])))
                i = end
            i += 1
        return blocks
    directive = re.compile(r"^(\s*)\.\. (code-block|code|sourcecode):: python\s*$")
    i = 0
    while i < len(lines):
        m = directive.match(lines[i])
        i += 1
        if not m:
            continue
        base = len(m.group(1))
        # Skip the directive's options and the blank line after them.
        while i < len(lines) and re.match(r"^\s+:\w[\w-]*:", lines[i]):
            i += 1
        body = []
        first = None
        while i < len(lines):
            line = lines[i]
            if line.strip() and len(line) - len(line.lstrip()) <= base:
                break
            if line.strip() and first is None:
                first = i
            if first is not None:
                body.append(line)
            i += 1
        while body and not body[-1].strip():
            body.pop()
        indent = min(len(x) - len(x.lstrip()) for x in body if x.strip())
        source = "\n".join(x[indent:] for x in body)
        blocks.append(CodeBlock(path, first + 1, source, " " * indent))
    return blocks


def shown_outputs(source):
    """``{(first_line, last_line): shown}`` of the print calls with a comment.

    Line numbers are 1-based within the block; ``shown`` is the comment's
    text after ``# ``.
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    shown = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "print"
        ):
            last = lines[node.end_lineno - 1]
            tail = last[node.end_col_offset :]
            m = re.match(r"\s*#\s?(.*)$", tail)
            if m:
                shown[(node.lineno, node.end_lineno)] = m.group(1).strip()
    return shown


def run_block(block, *, ignore_warnings=(), namespace=None):
    """Execute a block with warnings as errors; its printed lines by line.

    Returns ``{line: [printed text, ...]}`` (1-based lines within the block;
    a print call spanning several lines is recorded at the line Python
    reports for the call) and the full printed text. ``ignore_warnings`` is a
    sequence of ``(category, module_regex)`` pairs passed to
    :func:`warnings.filterwarnings`; ``namespace`` holds names the block may
    use without defining them (a harness's data).
    """
    printed = {}
    stdout = io.StringIO()
    filename = f"<{block.name}>"

    def recording_print(*args, sep=" ", end="\n", file=None, flush=False):
        if file is not None and file not in (sys.stdout, stdout):
            print(*args, sep=sep, end=end, file=file, flush=flush)
            return
        text = sep.join(str(a) for a in args) + end
        frame = sys._getframe(1)
        if frame.f_code.co_filename == filename:
            printed.setdefault(frame.f_lineno, []).append(text.rstrip("\n"))
        stdout.write(text)

    code = compile(block.source, filename, "exec")
    namespace = {**(namespace or {}), "__name__": "__main__", "print": recording_print}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for category, module in ignore_warnings:
            warnings.filterwarnings("ignore", category=category, module=module)
        with contextlib.redirect_stdout(stdout):
            exec(code, namespace)
    return printed, stdout.getvalue()


def outputs_by_call(block, printed):
    """``{(first, last): printed text}`` for each print call with a comment."""
    result = {}
    for (first, last), _ in shown_outputs(block.source).items():
        texts = [t for line in range(first, last + 1) for t in printed.get(line, [])]
        result[(first, last)] = "\n".join(texts)
    return result


def update_outputs(path, *, ignore_warnings=()):
    """Run the Python blocks of ``path``; write what each print call printed."""
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for block in python_blocks(path):
        printed, _ = run_block(block, ignore_warnings=ignore_warnings)
        for (first, last), text in outputs_by_call(block, printed).items():
            if "\n" in text or not text:
                raise ValueError(
                    f"{block.name}: the print call at block line {first} printed "
                    f"{text!r}; a comment can show exactly one printed line"
                )
            i = block.line - 1 + last - 1
            line = lines[i]
            newline = "\n" if line.endswith("\n") else ""
            lines[i] = re.sub(r"#.*$", f"# {text}", line.rstrip("\n")) + newline
    path.write_text("".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------
# command line


def _diff(old, new, name):
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"{name} (now)",
            f"{name} (generated)",
        )
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 with a diff if a region is out of date",
    )
    parser.add_argument(
        "--outputs",
        action="store_true",
        help="also run the Python code blocks and rewrite their output comments",
    )
    args = parser.parse_args(argv)
    if args.check and args.outputs:
        parser.error("--check and --outputs do not go together")
    stale = []
    for path in REGION_DOCUMENTS:
        if args.outputs and path in DOCUMENTS:
            update_outputs(path)
        old = path.read_text(encoding="utf-8")
        new = update_regions(old)
        if new == old:
            continue
        name = path.relative_to(ROOT).as_posix()
        if args.check:
            stale.append(name)
            sys.stdout.write(_diff(old, new, name))
        else:
            path.write_text(new, encoding="utf-8")
            print(f"updated {name}")
    if stale:
        print(
            f"\n{', '.join(stale)} out of date with the files its regions copy: "
            "run `python tools/update_readme.py`"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
