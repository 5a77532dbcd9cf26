"""Sphinx configuration of the skmixup documentation.

Build locally with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(the examples of the gallery are executed during the build). Neither the
build nor the built site needs a network: there is no intersphinx mapping, so
no inventory is fetched, and MathJax is copied into ``_static/mathjax`` by the
``sphinx-mathjax-offline`` extension instead of being loaded from a CDN
(``tests/test_docs.py`` checks both on a built site).
"""

import os
import re
import sys
import warnings
from datetime import date

# The docs build the package of this checkout even when it is not installed.
sys.path.insert(0, os.path.abspath(".."))

import skmixup

# -- Project information -----------------------------------------------------

project = "skmixup"
author = "The skmixup developers"
copyright = f"{date.today().year}, {author}"
release = skmixup.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # Ships MathJax 3 with the site (sets mathjax_path to _static/mathjax/...),
    # so the math renders offline.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
# Gallery scripts are rendered by sphinx-gallery; Sphinx must not read the
# generated .py/.ipynb/.zip files or the per-example .rst sources twice.
source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
default_role = "literal"
# Unresolvable cross-references (for example to scikit-learn or skorch, whose
# inventories are not fetched) stay plain text instead of failing the build.
nitpicky = False

# -- autodoc / autosummary / numpydoc ---------------------------------------

autosummary_generate = True
autosummary_imported_members = False
autodoc_typehints = "none"

# The class template lists the methods; numpydoc must not add a second,
# toctree-less table of members.
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
# Names written in ``Parameters``/``Returns`` type fields are linked when they
# resolve and left as text otherwise (nitpicky is off).
numpydoc_xref_param_type = False
# Every documented object must have a docstring (checked at build time; the
# stricter checks are left to review, as some skorch hooks document only
# what they change).
numpydoc_validation_checks = {"GL08"}

# -- matplotlib plot directive (the user guide's figure, drawn at build time) --

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"savefig.bbox": "tight"}

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Execute every example whose name starts with plot_ (all of them).
    "filename_pattern": "/plot_",
    "ignore_pattern": r"__init__\.py",
    # A failing example fails the build instead of producing a broken page.
    "abort_on_example_error": True,
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" mini-galleries on the API pages.
    "doc_module": ("skmixup",),
    "backreferences_dir": "generated/backreferences",
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
}

# Examples print nothing of interest on stderr; silence Matplotlib's headless
# backend notice and the like so that the build log stays readable.
warnings.filterwarnings(
    "ignore",
    category=UserWarning,
    message="Matplotlib is currently using agg",
)
os.environ.setdefault("MPLBACKEND", "Agg")

# -- HTML output -------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmixup {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "header_links_before_dropdown": 6,
}
html_sidebars = {"install": [], "benchmarks": [], "glossary": []}
html_show_sourcelink = True


# -- Docstring fix-ups -------------------------------------------------------

_SHAPE_NAME = re.compile(r"\((\w+_)(,\)|\))")


def _escape_shape_names(app, what, name, obj, options, lines):
    """Quote fitted-attribute names in shape tuples, such as ``(n_features_in_,)``.

    In reStructuredText a word ending with ``_`` is a hyperlink reference, so
    the scikit-learn idiom ``ndarray of shape (n_features_in_,)`` in a
    docstring would fail the build with "Unknown target name".
    """
    lines[:] = [_SHAPE_NAME.sub(r"(``\1``\2", line) for line in lines]


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document the methods skmixup writes, not those of its base classes.

    The class pages list inherited members so that a method written in a
    skmixup mixin shows up, but the methods scikit-learn and skorch provide
    (``get_params``, ``set_fit_request``, ``initialize_callbacks``...) are
    documented by those projects, and their docstrings refer to labels of
    their own documentation. Properties are described in the Attributes
    section of the class docstring already.
    """
    # ``what`` is the parent's type for autodoc, the member's for autosummary.
    if what == "module" or skip:
        return None
    if isinstance(obj, property):
        return True
    module = getattr(obj, "__module__", None) or ""
    return None if module.split(".")[0] == "skmixup" else True


def setup(app):
    app.connect("autodoc-process-docstring", _escape_shape_names)
    app.connect("autodoc-skip-member", _skip_foreign_members)
