"""Optional test dependencies: where one is missing, the tests that use it skip.

A base install (``pip install -e .`` plus pytest and hypothesis) has none of
pandas, matplotlib, imbalanced-learn, pyarrow or Dask. Test modules import
them with :func:`optional_import`, which returns the module, or a stand-in
that skips the test using it (or, if used while the module is imported, the
whole module), naming what to install. ``tests/conftest.py`` skips the
doctests that import them.
"""

import importlib
import importlib.util
import re

import pytest

#: import name -> what to pip install
PIP_NAMES = {
    "pandas": "pandas",
    "matplotlib": "matplotlib",
    "imblearn": "imbalanced-learn",
    "dask": "dask[array,dataframe]",
    "distributed": "distributed",
    "pyarrow": "pyarrow",
}


def missing(*modules):
    """The pip names of those optional ``modules`` that are not installed."""
    return [
        PIP_NAMES[m]
        for m in modules
        if m in PIP_NAMES and importlib.util.find_spec(m) is None
    ]


class Missing:
    """Stands for an optional module that is not installed, or any attribute
    of it: calling it skips."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return Missing(f"{self._name}.{attr}")

    def __call__(self, *args, **kwargs):
        top = self._name.split(".")[0]
        pytest.skip(
            f"needs {PIP_NAMES.get(top, top)} ({self._name}), which is not installed",
            allow_module_level=True,
        )

    def __bool__(self):
        return False


def optional_import(name):
    """The module ``name``, or a :class:`Missing` stand-in (falsy) if its
    package is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if name.split(".")[0] not in PIP_NAMES:
            raise
        return Missing(name)


def decorator_or_skip(factory):
    """``factory`` (a decorator factory such as ``parametrize_with_checks``),
    or, if it is :class:`Missing`, a factory of skip marks with the reason."""
    if not isinstance(factory, Missing):
        return factory
    top = factory._name.split(".")[0]
    reason = f"needs {PIP_NAMES.get(top, top)}, which is not installed"
    return lambda *args, **kwargs: pytest.mark.skip(reason=reason)


def requires(*modules):
    """A skip mark for a test that needs the optional ``modules``."""
    absent = missing(*modules)
    return pytest.mark.skipif(
        bool(absent), reason=f"needs {', '.join(absent)}, which is not installed"
    )


_IMPORT = re.compile(
    r"^\s*(?:>>> |\.\.\. )?(?:import|from)\s+([A-Za-z_]\w*)", re.MULTILINE
)


def missing_imports(source):
    """The pip names of the optional packages that code ``source`` imports
    and that are not installed."""
    return missing(*dict.fromkeys(_IMPORT.findall(source)))


def skip_if_imports_missing(source):
    """Skip the calling test if code ``source`` imports a missing optional
    package (a README or user-guide snippet, a doctest)."""
    absent = missing_imports(source)
    if absent:
        pytest.skip(f"the code needs {', '.join(absent)}, which is not installed")
