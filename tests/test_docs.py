"""The built documentation renders its math without a network connection.

MathJax must come with the site (``sphinx-mathjax-offline`` copies it into
``_static/mathjax``), not from a CDN. The checks on the HTML need a built
site: build it first, as continuous integration does::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

(``SKMIXUP_DOCS_HTML`` points the tests at another build folder). Without a
build they are skipped. When a Chromium binary is found, the user guide is
also opened in headless Chromium with name resolution switched off (and, where
the system allows it, in a network namespace without interfaces), and the
rendered DOM must hold MathJax output and no raw LaTeX delimiters.
"""

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("SKMIXUP_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
OFFLINE_EXTENSION = "sphinx-mathjax-offline"

needs_build = pytest.mark.skipif(
    not (BUILD / "index.html").is_file(),
    reason=f"no built documentation in {BUILD} (build it with "
    "`python -m sphinx -W --keep-going -b html docs docs/_build/html`)",
)

SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", flags=re.IGNORECASE)
# Sphinx wraps every formula in an element of class "math".
MATH_NODE = re.compile(r"<(?:div|span)\b[^>]*\bclass=\"math\b", flags=re.IGNORECASE)


def _pages_with_math():
    pages = {}
    for page in sorted(BUILD.rglob("*.html")):
        text = page.read_text(encoding="utf-8", errors="replace")
        if MATH_NODE.search(text):
            pages[page] = text
    return pages


def test_conf_ships_mathjax():
    # Checked without a build: the extension is enabled and importable.
    conf = (ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert f'"{OFFLINE_EXTENSION}"' in conf
    assert not re.search(r"^\s*mathjax_path\s*=", conf, flags=re.MULTILINE), (
        "mathjax_path is set by the offline extension; a CDN URL would override it"
    )
    pytest.importorskip(OFFLINE_EXTENSION, reason="the docs extra is not installed")


@needs_build
def test_math_pages_load_a_local_mathjax_that_exists():
    pages = _pages_with_math()
    assert BUILD / "user_guide.html" in pages, "the user guide has no math?"
    for page, text in pages.items():
        scripts = [src for src in SCRIPT.findall(text) if "mathjax" in src.lower()]
        assert scripts, f"{page.relative_to(BUILD)} has math but loads no MathJax"
        for src in scripts:
            url = urlparse(src)
            assert not url.scheme and not src.startswith("//"), (
                f"{page.relative_to(BUILD)} loads MathJax from {src}: it needs a "
                f"network; enable {OFFLINE_EXTENSION} in docs/conf.py"
            )
            target = (page.parent / url.path).resolve()
            assert target.is_file(), (
                f"{page.relative_to(BUILD)} loads {src}, missing from the build"
            )
    # MathJax 3 fetches its output fonts next to the script.
    assert list((BUILD / "_static" / "mathjax").rglob("*.woff"))


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _offline_prefix():
    """``unshare`` into a namespace without network, where the system allows it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    for prefix in ([unshare, "-n"], [unshare, "-rn"]):
        try:
            ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if ok.returncode == 0:
            return prefix
    return []


def _visible_text(dom):
    dom = re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.DOTALL | re.I)
    # MathJax keeps the TeX source in assistive <mjx-assistive-mml>/<annotation>
    # nodes only as MathML, never as \[ ... \]; drop tags, keep text.
    return html.unescape(re.sub(r"<[^>]+>", " ", dom))


@needs_build
@pytest.mark.skipif(_chromium() is None, reason="no Chromium binary")
def test_user_guide_math_renders_offline_in_chromium():
    page = BUILD / "user_guide.html"
    source = page.read_text(encoding="utf-8")
    n_math = len(MATH_NODE.findall(source))
    assert n_math > 0
    with tempfile.TemporaryDirectory() as profile:
        command = [
            *_offline_prefix(),
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            # Every host name fails to resolve: a CDN script could not load.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={profile}",
            # Let MathJax typeset before the DOM is dumped (virtual time, not
            # a wall-clock wait).
            "--virtual-time-budget=20000",
            "--dump-dom",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    rendered = dom.count("<mjx-container")
    assert rendered >= n_math, (
        f"MathJax rendered {rendered} of the {n_math} formulas of the user guide"
    )
    text = _visible_text(dom)
    for delimiter in ("\\[", "\\(", "\\begin{"):
        assert delimiter not in text, f"raw LaTeX {delimiter!r} left in the page"
