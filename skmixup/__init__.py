"""skmixup: k-mixup regularisation (mixup matched by optimal transport) for scikit-learn.

The math lives in :mod:`skmixup._matching` (exact k x k optimal transport) and
:mod:`skmixup._mixing` (the k-mixup step); the estimators are thin layers over
it. The skorch estimators import torch, so they are loaded on first use.
"""

from importlib import import_module

from ._cmixup import cmixup_pairs
from ._matching import match_batches, pairwise_cost
from ._mixing import KMixupDraw, apply_draw, effective_k, kmixup_batch, kmixup_pairs

__version__ = "0.1.0"

# name -> submodule, imported on first attribute access (keeps `import skmixup`
# light: torch and skorch load only when a neural estimator is used).
_LAZY = {
    "KMixupAugmenter": "augment",
    "KMixupEstimator": "augment",
    "KMixupClassifier": "neural",
    "KMixupRegressor": "neural",
    "TabularMLP": "modules",
    "ConvNet": "modules",
    "KMixUp": "transforms",
    "dask_backend": "_dask",
    "datasets": None,
    "toydata": None,
}

__all__ = [
    "KMixupDraw",
    "apply_draw",
    "cmixup_pairs",
    "effective_k",
    "kmixup_batch",
    "kmixup_pairs",
    "match_batches",
    "pairwise_cost",
    "__version__",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        module = _LAZY[name]
        if module is None:
            return import_module(f".{name}", __name__)
        return getattr(import_module(f".{module}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
