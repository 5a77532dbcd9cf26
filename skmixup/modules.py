"""The default torch networks of the skorch estimators.

:class:`TabularMLP` (tables, ``X`` of shape ``(n, d)``) and :class:`ConvNet`
(images, ``X`` of shape ``(n, H, W)`` or ``(n, C, H, W)``) are the modules
that :class:`~skmixup.KMixupClassifier` and :class:`~skmixup.KMixupRegressor`
build from the data when ``module=None``.

Both take part in manifold k-mixup through a small protocol that any torch
module can implement:

``mix_points`` : int
    Number of hidden places where a batch may be mixed, numbered
    ``1..mix_points``; place ``0`` is always the input.
``forward_head(X, point)``
    The representation at place ``point`` (``point=0`` returns ``X``).
``forward_tail(H, point)``
    The rest of the network from place ``point``.

so that ``forward(X) == forward_tail(forward_head(X, p), p)`` for every
``p`` in ``0..mix_points``. A net trained with ``mix_layer=p`` computes
``H = forward_head(X, p)``, matches and mixes the rows of ``H`` with
k-mixup, then calls ``forward_tail`` on the mixed batch.
"""

import numbers

from torch import nn

__all__ = ["TabularMLP"]


def _check_point(module, point):
    """Return ``point`` as an int in ``0..module.mix_points`` or raise."""
    name = type(module).__name__
    if isinstance(point, bool) or not isinstance(point, numbers.Integral):
        raise TypeError(
            f"{name}: point must be an int in 0..{module.mix_points} (0 is the "
            f"input, p >= 1 the output of hidden block p); got {point!r}."
        )
    if not 0 <= point <= module.mix_points:
        raise ValueError(
            f"{name}: point must be in 0..{module.mix_points} (0 is the input, "
            f"p >= 1 the output of hidden block p; this network has "
            f"{module.mix_points} hidden places); got {point!r}."
        )
    return int(point)


def _check_int(owner, name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{owner}: {name} must be an int >= {low} (set it as "
            f"module__{name} on a skmixup estimator); got {value!r}."
        )
    if value < low:
        raise ValueError(
            f"{owner}: {name} must be an int >= {low} (set it as "
            f"module__{name} on a skmixup estimator); got {value!r}."
        )


def _check_dropout(owner, dropout):
    if (
        isinstance(dropout, bool)
        or not isinstance(dropout, numbers.Real)
        or not 0 <= dropout < 1
    ):
        raise ValueError(
            f"{owner}: dropout must be a float in [0, 1) (set it as "
            f"module__dropout on a skmixup estimator); got {dropout!r}."
        )


class TabularMLP(nn.Module):
    """Multilayer perceptron for tabular data: the default network.

    ``n_layers`` blocks of ``Linear -> activation -> Dropout`` of
    ``hidden_units`` units each, followed by a linear output layer. It returns
    logits (classification) or raw values (regression).

    :class:`KMixupClassifier` and :class:`KMixupRegressor` build it at fit
    time when ``module=None``, setting ``n_features`` and ``n_outputs`` from
    the data; its other parameters are tuned through the estimator as
    ``module__hidden_units``, ``module__n_layers``, ``module__dropout`` and
    ``module__activation``.

    It implements the manifold-mixing protocol of :mod:`skmixup.modules`:
    place ``p`` (``1 <= p <= n_layers``) is the output of hidden block ``p``
    (after its activation and dropout).

    Parameters
    ----------
    n_features : int
        Number of input features.
    n_outputs : int
        Number of outputs (classes for a classifier, targets for a
        regressor).
    hidden_units : int, default=256
        Width of every hidden layer.
    n_layers : int, default=2
        Number of hidden layers; ``0`` gives a linear model.
    dropout : float, default=0.0
        Dropout probability after every hidden layer, in ``[0, 1)``.
    activation : type of torch.nn.Module, default=torch.nn.ReLU
        Activation class, instantiated without arguments for every hidden
        layer.

    Attributes
    ----------
    layers : torch.nn.Sequential
        The network.
    mix_points : int
        Number of hidden places where a batch may be mixed (``n_layers``).

    See Also
    --------
    KMixupClassifier : Trains this network (or any module) with k-mixup.
    KMixupRegressor : Same for regression.

    Examples
    --------
    >>> import torch
    >>> from skmixup.modules import TabularMLP
    >>> net = TabularMLP(n_features=4, n_outputs=3, hidden_units=8)
    >>> net(torch.zeros(5, 4)).shape
    torch.Size([5, 3])

    The representation after the first hidden block, and the rest of the
    network from there:

    >>> net.mix_points
    2
    >>> H = net.forward_head(torch.zeros(5, 4), 1)
    >>> H.shape
    torch.Size([5, 8])
    >>> net.forward_tail(H, 1).shape
    torch.Size([5, 3])
    """

    def __init__(
        self,
        n_features,
        n_outputs,
        hidden_units=256,
        n_layers=2,
        dropout=0.0,
        activation=nn.ReLU,
    ):
        super().__init__()
        for name, value, low in (
            ("n_features", n_features, 1),
            ("n_outputs", n_outputs, 1),
            ("hidden_units", hidden_units, 1),
            ("n_layers", n_layers, 0),
        ):
            _check_int("TabularMLP", name, value, low)
        _check_dropout("TabularMLP", dropout)
        blocks = []
        # index in `layers` where each place starts: place p is the input of
        # layers[_ends[p]:]
        ends = [0]
        width = int(n_features)
        for _ in range(int(n_layers)):
            blocks += [nn.Linear(width, int(hidden_units)), activation()]
            if dropout > 0:
                blocks.append(nn.Dropout(float(dropout)))
            width = int(hidden_units)
            ends.append(len(blocks))
        blocks.append(nn.Linear(width, int(n_outputs)))
        self.layers = nn.Sequential(*blocks)
        self._ends = ends
        self.mix_points = int(n_layers)

    def forward(self, X):
        """Map a batch of shape (n_samples, n_features) to (n_samples, n_outputs).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)

        Returns
        -------
        out : torch.Tensor of shape (n_samples, n_outputs)
        """
        return self.layers(X)

    def forward_head(self, X, point):
        """The representation of ``X`` at place ``point``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, n_features)
        point : int
            ``0`` (the input, returned unchanged) to ``mix_points`` (the
            output of the last hidden block).

        Returns
        -------
        H : torch.Tensor of shape (n_samples, n_features) or (n_samples, hidden_units)
        """
        point = _check_point(self, point)
        return self.layers[: self._ends[point]](X)

    def forward_tail(self, H, point):
        """The rest of the network from place ``point``.

        Parameters
        ----------
        H : torch.Tensor
            A representation at place ``point``, as returned (and possibly
            mixed) from :meth:`forward_head`.
        point : int
            ``0`` to ``mix_points``.

        Returns
        -------
        out : torch.Tensor of shape (n_samples, n_outputs)
        """
        point = _check_point(self, point)
        return self.layers[self._ends[point] :](H)
