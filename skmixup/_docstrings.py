"""Parameter descriptions shared by the estimators' docstrings (written once).

Use as ``__doc__ = ... .format(**_shared_docs)`` or with
:func:`substitute`, in the manner of imbalanced-learn's ``Substitution``.
"""

_shared_docs = {
    "k": """k : int, default=8
        Size of the k-batches matched by exact optimal transport. ``k=1`` is
        ordinary mixup; larger ``k`` keeps mixed points closer to the data's
        clusters. Capped at half the batch so that a k-batch and its partner
        never share a point.""",
    "alpha": """alpha : float, default=1.0
        Mixing weights are drawn as ``lambda ~ Beta(alpha, alpha)``, one per
        pair of k-batches. ``alpha=0`` disables mixing (plain empirical risk
        minimisation).""",
    "metric": """metric : {"euclidean", "sqeuclidean"}, default="euclidean"
        Ground cost of the optimal-transport matching. The default, the
        plain Euclidean distance (1-Wasserstein matching), crossed class
        boundaries far less than the squared distance of the paper in the
        toy study (8 clusters, k=16: 40% vs 55% cross-class pairs, 36% being
        unavoidable; ``python -m skmixup.benchmarks toy``).""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        Controls the randomness of the k-mixup draws (shuffles, partner
        k-batches and mixing weights). Pass an int for reproducible output
        across multiple function calls. See :term:`Glossary <random_state>`.""",
}


def substitute(**extra):
    """Decorator filling ``{k}``-style fields of a docstring from the shared texts."""
    params = {**_shared_docs, **extra}

    def decorate(obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__.format(**params)
        return obj

    return decorate
