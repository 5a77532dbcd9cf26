"""k-mixup as a PyTorch batch transform, in the shape of torchvision's ``MixUp``.

:class:`KMixUp` is called on a batch, ``x, y = kmixup(x, y)``, inside any
training loop or in a ``DataLoader``'s ``collate_fn`` after
``default_collate``, as :class:`torchvision.transforms.v2.MixUp` is. It is a
thin layer over the one per-batch k-mixup step of :mod:`skmixup._mixing`:
the same seed gives the same pairs as :func:`skmixup.kmixup_batch`.
"""

import numpy as np
import torch

from ._mixing import _step, identity_draw, with_targets
from ._params import check_int, check_params
from ._random import check_generator

__all__ = ["KMixUp"]

#: Seeds drawn from a torch generator for the host-side numpy generator.
_SEED_BOUND = 2**63 - 1


class KMixUp(torch.nn.Module):
    r"""k-mixup of a batch of tensors: ``x, y = KMixUp(...)(x, y)``.

    The batch is cut into random k-batches of ``k`` points, each matched to
    a disjoint partner k-batch by exact optimal transport, and each matched
    pair is mixed with one :math:`\lambda \sim \mathrm{Beta}(\alpha,
    \alpha)` per pair of k-batches (:func:`skmixup.kmixup_batch`):

    .. math::

        \tilde x_i = \lambda x_i + (1 - \lambda) x_{\sigma(i)}, \qquad
        \tilde y_i = \lambda y_i + (1 - \lambda) y_{\sigma(i)}.

    Used as torchvision's :class:`~torchvision.transforms.v2.MixUp` is: on a
    batch after ``default_collate`` (in a ``DataLoader``'s ``collate_fn``)
    or inside a training loop. ``k=1`` is mixup; train with a loss that
    takes class probabilities (``torch.nn.CrossEntropyLoss`` does).

    Parameters
    ----------
    k : int, default=16
        Size of the k-batches, capped at half the batch
        (:func:`skmixup.effective_k`).
    alpha : float, default=1.0
        Parameter of the Beta distribution of :math:`\lambda`; ``0`` returns
        the batch unmixed (with one-hot targets).
    num_classes : int or None, default=None
        Number of classes, for integer labels (one-hot encoded); may be None
        when the labels are already one-hot or soft (as in torchvision).
    label_weight : float, default=0.0
        Weight :math:`\gamma` of the targets in the matching cost
        :math:`\|x - x'\|^2 + \gamma^2 \|y - y'\|^2` (one-hot or soft
        targets as they are; other float targets standardised over the
        batch). A large value keeps pairs inside a class; ``0`` matches on
        ``x`` alone.
    metric : {"euclidean", "sqeuclidean"}, default="euclidean"
        Ground cost of the matching.
    random_state : None, int, numpy RandomState or Generator, or torch.Generator, default=None
        Source of the shuffles, partners and weights. torchvision's
        transforms draw from torch's global generator, and so does
        ``None`` here (so ``torch.manual_seed`` and the ``DataLoader``'s
        per-worker seeding apply). A ``torch.Generator`` is drawn from
        instead, one seed per call. An int or a numpy generator follows the
        package's rule (:func:`skmixup._random.check_generator`): an int
        seeds one numpy generator at the first call, and successive calls
        continue its stream, so a new ``KMixUp(random_state=0)`` replays the
        same sequence of draws.

    See Also
    --------
    skmixup.kmixup_batch : The same step as a function (numpy or torch).
    skmixup.KMixupClassifier : k-mixup inside a skorch net's training loop.

    Notes
    -----
    All randomness is drawn on the host; the matching and the mixing run on
    the batch's device. With ``num_workers > 0`` and an int
    ``random_state``, every worker holds a copy of the same generator: use
    ``None`` (torch seeds each worker differently) or mix in the main
    process.

    References
    ----------
    .. [1] K. Greenewald, A. Gu, M. Yurochkin, J. Solomon, E. Chien.
       "k-Mixup Regularization for Deep Learning via Optimal Transport".
       Transactions on Machine Learning Research, 2023.

    Examples
    --------
    >>> import torch
    >>> from skmixup import KMixUp
    >>> kmixup = KMixUp(k=4, num_classes=10, random_state=0)
    >>> x, y = torch.randn(32, 3, 8, 8), torch.randint(0, 10, (32,))
    >>> x_mix, y_mix = kmixup(x, y)
    >>> x_mix.shape, y_mix.shape
    (torch.Size([32, 3, 8, 8]), torch.Size([32, 10]))
    >>> bool(torch.allclose(y_mix.sum(dim=1), torch.ones(32)))
    True
    """

    def __init__(
        self,
        k=16,
        alpha=1.0,
        num_classes=None,
        label_weight=0.0,
        metric="euclidean",
        random_state=None,
    ):
        super().__init__()
        check_params(
            "KMixUp", k=k, alpha=alpha, label_weight=label_weight, metric=metric
        )
        if not isinstance(random_state, torch.Generator):
            check_params("KMixUp", random_state=random_state)
        if num_classes is not None:
            num_classes = check_int(num_classes, "num_classes", 1)
        self.k, self.alpha, self.metric = int(k), float(alpha), metric
        self.num_classes = num_classes
        self.label_weight = float(label_weight)
        self.random_state = random_state
        self._rng = None

    def extra_repr(self):
        """The parameters shown in the module's ``repr`` (torch's hook)."""
        return (
            f"k={self.k}, alpha={self.alpha}, num_classes={self.num_classes}, "
            f"label_weight={self.label_weight}, metric={self.metric!r}"
        )

    def _generator(self):
        """The numpy generator of this call (see ``random_state``)."""
        source = self.random_state
        if source is None or isinstance(source, torch.Generator):
            device = "cpu" if source is None else source.device
            seed = torch.randint(_SEED_BOUND, (), generator=source, device=device)
            seed = seed.item()
            return np.random.default_rng(seed)
        if self._rng is None:
            self._rng = check_generator(source)
        return self._rng

    def _targets(self, x, y):
        """``y`` as float targets of shape (n, ...) on ``x``'s device."""
        if not isinstance(y, torch.Tensor):
            raise TypeError(
                f"y must be a torch.Tensor of labels or targets; got {type(y).__name__}."
            )
        if y.ndim == 0 or y.shape[0] != x.shape[0]:
            raise ValueError(
                f"y must have one row per sample of x ({x.shape[0]}); got shape "
                f"{tuple(y.shape)}."
            )
        if y.device != x.device:
            raise ValueError(f"y must be on x's device ({x.device}); got {y.device}.")
        if y.is_floating_point():
            if self.num_classes is not None and y.shape[1:] != (self.num_classes,):
                raise ValueError(
                    f"y of soft targets must have shape (n, num_classes="
                    f"{self.num_classes}); got {tuple(y.shape)}."
                )
            return y.to(x.dtype)
        if y.ndim != 1 or y.dtype == torch.bool or y.is_complex():
            raise TypeError(
                "y must be integer class labels of shape (n,) or float targets "
                f"of shape (n, C); got dtype {y.dtype} and shape {tuple(y.shape)}."
            )
        if self.num_classes is None:
            raise ValueError(
                "num_classes is None, and y holds integer labels: pass "
                "num_classes to one-hot encode them (or pass one-hot targets)."
            )
        if y.numel() and (y.min() < 0 or y.max() >= self.num_classes):
            raise ValueError(
                f"y holds labels outside [0, num_classes={self.num_classes}): "
                f"min {int(y.min())}, max {int(y.max())}."
            )
        return torch.nn.functional.one_hot(y, self.num_classes).to(x.dtype)

    def forward(self, x, y, *, return_info=False):
        """Mix a batch.

        Parameters
        ----------
        x : torch.Tensor of shape (n, ...)
            Floating-point inputs, any trailing shape, on any device.
        y : torch.Tensor of shape (n,) or (n, C)
            Integer class labels (one-hot encoded with ``num_classes``), or
            float targets (one-hot, soft or continuous) used as they are.
        return_info : bool, default=False
            Also return the :class:`~skmixup.KMixupDraw` of the step.

        Returns
        -------
        x_mix : torch.Tensor, shape, dtype and device of ``x``
        y_mix : torch.Tensor of shape (n, C) (or ``y``'s shape), ``x``'s dtype
        info : KMixupDraw
            Only with ``return_info=True``.
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor; got {type(x).__name__}.")
        if x.ndim < 2 or not x.is_floating_point():
            raise TypeError(
                "x must be a floating-point tensor of shape (n, ...); got dtype "
                f"{x.dtype} and shape {tuple(x.shape)}. Convert images with "
                "x.float() (or torchvision's ToDtype) first."
            )
        Y = self._targets(x, y)
        match_on = with_targets(x, Y, self.label_weight)
        match_on = None if match_on is x else match_on
        rng = self._generator()
        x_mix, y_mix, _, record = _step(
            x, Y, None, self.k, self.alpha, self.metric, rng, None, match_on
        )
        if not return_info:
            return x_mix, y_mix
        n = x.shape[0]
        return (
            x_mix,
            y_mix,
            (identity_draw(n, self.k) if record is None else record.to_record()),
        )
