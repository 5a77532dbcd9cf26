"""Parameter descriptions shared by the estimators' docstrings (written once).

Use as ``__doc__ = ... .format(**_shared_docs)`` or with
:func:`substitute`, in the manner of imbalanced-learn's ``Substitution``.
"""

import textwrap

_shared_docs = {
    "k": """k : int, default=8
        Size of the k-batches matched by exact optimal transport. ``k=1`` is
        ordinary mixup; larger ``k`` keeps mixed points closer to the data's
        clusters. Capped at half the points a k-mixup step sees (a
        mini-batch, the dataset, a class) so that a k-batch and its partner
        never share a point (:func:`skmixup.effective_k`).""",
    "alpha": """alpha : float, default=1.0
        Mixing weights are drawn as ``lambda ~ Beta(alpha, alpha)``, one per
        pair of k-batches. ``alpha=0`` disables mixing (plain empirical risk
        minimisation).""",
    "metric": """metric : {"euclidean", "sqeuclidean"}, default="euclidean"
        Ground cost of the optimal-transport matching: the Euclidean
        distance (1-Wasserstein matching, the package-wide default; the user
        guide says why) or its square (the paper's 2-Wasserstein matching).""",
    "random_state": """random_state : int, RandomState, Generator or None, default=None
        Controls the randomness of the k-mixup draws (shuffles, partner
        k-batches, mixing weights and picks), resolved once per fit by the
        package's one rule (:func:`skmixup._random.check_generator`): None
        draws from numpy's global state, an int seeds a new generator, a
        ``RandomState`` or ``Generator`` is drawn from. Pass an int for
        reproducible output. See :term:`Glossary <random_state>`.""",
    "label_weight": """label_weight : float, default=0.0
        Weight :math:`\\gamma \\ge 0` of the targets in the matching: two
        points cost :math:`\\|x - x'\\|^2 + \\gamma^2 \\|y - y'\\|^2`
        (under ``metric="euclidean"``, the square root of that), computed
        exactly by matching on the features with ``gamma * targets``
        appended. A large ``label_weight`` pairs points with equal (or the
        nearest) targets: with class labels it keeps mixing inside a class.
        ``0`` (the default) matches on the features alone, with the same
        pairs as before this parameter existed. No effect with ``k=1``
        (ordinary mixup matches nothing).
        {label_weight_targets}""",
    "kmixup_reference": """.. [1] K. Greenewald, A. Gu, M. Yurochkin, J. Solomon, E. Chien.
       "k-Mixup Regularization for Deep Learning via Optimal Transport".
       Transactions on Machine Learning Research, 2023.""",
    "two_readings": """The augmenters (:class:`~skmixup.KMixupAugmenter`,
    :class:`~skmixup.KMixupEstimator`) and the nets
    (:class:`~skmixup.KMixupClassifier`, :class:`~skmixup.KMixupRegressor`)
    read two parameters differently in the matching, for a reason each:

    - ``categorical_features``: the augmenters match on one-hot columns
      scaled so that a category mismatch costs one standard deviation of a
      numeric column, whatever the codes; the nets match each mini-batch on
      the tensor they train on, where a code counts as a number (codes 0
      and 2 are farther apart than 0 and 1). The nets match every batch on
      its device without building other features for it. To make their
      matching ignore the code values, one-hot encode the column and name
      its columns in ``onehot_groups``. Either way a mixed row takes its
      categories whole from one parent.
    - ``sample_weight``: the augmenters draw pairs from the exact
      optimal-transport plan between the weighted k-batches
      (:func:`ot.emd`), so the weights decide who is paired; the nets pair
      each mini-batch by the unweighted optimal permutation and weight the
      loss of a mixed row by ``lam * w_i + (1 - lam) * w_j``. A mini-batch's
      matching stays an exact permutation computed on the batch's device,
      where a weighted plan would be a linear program on the host at every
      training step.""",
}


#: How each caller reads the targets it matches on (``{label_weight_targets}``).
LABEL_WEIGHT_TARGETS = {
    "batch": "Targets whose rows are probability vectors (one-hot or soft "
    "labels: 2-d, entries in [0, 1], each row summing to 1) are used as they "
    "are; any other targets (regression) are standardised column by column "
    "over the batch.",
    "data": "Class labels are one-hot encoded; regression targets are "
    "standardised column by column over the data given to ``fit``.",
    "classifier": "Class labels are one-hot encoded (the mini-batch's one-hot rows).",
    "regressor": "The targets are standardised column by column over each mini-batch.",
}


def label_weight_doc(reader):
    """The ``label_weight`` paragraph for ``reader`` (a key of
    :data:`LABEL_WEIGHT_TARGETS`)."""
    text = textwrap.fill(
        LABEL_WEIGHT_TARGETS[reader], width=66, subsequent_indent=" " * 8
    )
    return _shared_docs["label_weight"].replace("{label_weight_targets}", text)


def substitute(**extra):
    """Decorator filling ``{k}``-style fields of a docstring from the shared texts."""
    params = {**_shared_docs, **extra}

    def decorate(obj):
        if obj.__doc__:
            obj.__doc__ = obj.__doc__.format(**params)
        return obj

    return decorate
