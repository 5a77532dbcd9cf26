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
    "metric": """metric : {"sqeuclidean", "euclidean"}, default="sqeuclidean"
        Ground cost of the optimal-transport matching.""",
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
