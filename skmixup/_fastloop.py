"""A faster training loop for skorch nets on in-memory data.

:class:`_FastLoopMixin` sits before skorch's ``NeuralNet`` in the bases of
the skmixup nets and changes three things, through skorch's public hooks:

* ``get_iterator``: when the data are plain arrays or tensors (what skorch
  wraps in :class:`skorch.dataset.Dataset`, possibly inside the
  :class:`torch.utils.data.Subset` that ``ValidSplit`` makes), the batches are
  sliced from tensors moved to the net's device once per call, instead of one
  ``Dataset.__getitem__`` per sample and a collate per batch. The batches are
  the ones skorch's ``DataLoader`` would give: the same rows, in the same
  order, with the same dtypes, drawn from the same torch generator (so a
  seeded fit gives the same result on either path). Anything else (custom
  datasets, ``iterator_train=...``, ``iterator_train__*`` options other than
  ``shuffle`` and ``batch_size``, dict or list inputs, pandas, sparse
  matrices) goes through skorch's own iterator unchanged.
* ``on_batch_end``: a training loss that is NaN or infinite stops the fit
  with a :class:`ValueError` that says what to do, instead of returning NaN
  predictions.
* ``get_params_for_optimizer``: Adam and AdamW use PyTorch's fused kernels
  on CPU and CUDA parameters unless ``optimizer__fused`` or
  ``optimizer__foreach`` is given.

skorch's training loop itself (``fit_loop``, ``run_single_epoch``,
``train_step``), its callbacks and its history are not replaced.
"""

import math

import numpy as np
import torch
from skorch.dataset import Dataset

__all__ = []

# The only iterator options the fast path reproduces; any other
# ``iterator_train__*`` / ``iterator_valid__*`` (sampler, drop_last,
# collate_fn, num_workers, generator, ...) keeps skorch's DataLoader.
_FAST_ITERATOR_OPTIONS = frozenset({"batch_size", "shuffle"})

# Optimizers whose fused implementation was checked to follow the default
# one (same updates up to float rounding).
_FUSED_OPTIMIZERS = (torch.optim.Adam, torch.optim.AdamW)
_OPTIMIZER_IMPLEMENTATION_KEYS = frozenset(
    {"fused", "foreach", "capturable", "differentiable"}
)


def _plain_tensor(data):
    """``data`` as a dense CPU or device tensor, or None when it is anything else.

    Accepts exactly what skorch's default collate turns into one tensor per
    batch with a numeric dtype: an ``ndarray`` (not a subclass such as
    ``np.matrix``) or a ``torch.Tensor`` that is dense and needs no gradient.
    A numpy array is wrapped without a copy when torch can share its memory.
    """
    if type(data) is np.ndarray:
        if data.ndim == 0 or data.dtype.kind not in "biufc":
            return None
        if not (
            data.flags.writeable
            and data.dtype.isnative
            and all(s >= 0 for s in data.strides)
        ):
            data = np.array(data, dtype=data.dtype.newbyteorder("="))
        try:
            return torch.from_numpy(data)
        except TypeError:  # a numeric dtype torch does not have
            return None
    if type(data) is torch.Tensor:
        if data.ndim == 0 or data.layout != torch.strided or data.requires_grad:
            return None
        return data
    return None


def _in_memory_data(dataset):
    """``(X, y, indices)`` of a plain skorch Dataset (or a Subset of one), else None.

    ``X`` and ``y`` are tensors (``y`` may be None) on their original device
    and ``indices`` the rows the dataset exposes (None: all of them).
    """
    indices = None
    if type(dataset) is torch.utils.data.Subset:
        indices = dataset.indices
        dataset = dataset.dataset
    # A subclass may override __getitem__ or transform: keep its own path.
    if type(dataset) is not Dataset:
        return None
    X = _plain_tensor(dataset.X)
    if X is None or len(X) != len(dataset):
        return None
    y = None
    if dataset.y is not None:
        y = _plain_tensor(dataset.y)
        if y is None or len(y) != len(X):
            return None
    if indices is not None:
        indices = torch.as_tensor(np.asarray(indices, dtype=np.int64))
        if indices.ndim != 1:
            return None
    return X, y, indices


class _TensorBatches:
    """Mini-batches sliced from tensors on the device, as skorch's DataLoader yields them.

    Every batch is a list ``[X_batch, y_batch]`` (what the default collate
    makes of skorch's ``(X, y)`` samples); with ``y=None`` the target is a
    ``(batch, 1)`` float tensor of zeros, as with skorch's Dataset.

    Each pass draws from torch's default CPU generator exactly as
    :class:`torch.utils.data.DataLoader` does with a ``RandomSampler`` (one
    draw for the loader's base seed, one to seed the permutation), so that
    seeded fits take the same batches on either path and leave torch's
    generator in the same state.

    Parameters
    ----------
    X, y : torch.Tensor
        The rows, already on the device (``y`` may be None).
    batch_size : int
    shuffle : bool
        A fresh permutation of the rows at every pass.
    copy_batches : bool
        Copy unshuffled batches (slices are views of ``X``), so that a module
        changing its input in place cannot change the caller's data.
    """

    def __init__(self, X, y, *, batch_size, shuffle, copy_batches):
        self.X = X
        self.y = y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.copy_batches = copy_batches

    def __len__(self):
        return -(-len(self.X) // self.batch_size)

    def _permutation(self):
        seed = int(torch.empty((), dtype=torch.int64).random_().item())
        generator = torch.Generator()
        generator.manual_seed(seed)
        perm = torch.randperm(len(self.X), generator=generator)
        if self.X.device.type == "cuda":
            return perm.pin_memory().to(self.X.device, non_blocking=True)
        return perm.to(self.X.device)

    def __iter__(self):
        # DataLoader's base seed for its workers: drawn (and unused) so that
        # torch's generator advances as on skorch's path.
        torch.empty((), dtype=torch.int64).random_()
        X, y, n, size = self.X, self.y, len(self.X), self.batch_size
        perm = self._permutation() if self.shuffle else None
        dummy = None
        if y is None:
            dummy = torch.zeros((min(size, n), 1), device=X.device)
        for start in range(0, n, size):
            stop = min(start + size, n)
            if perm is not None:
                rows = perm[start:stop]
                Xb = X.index_select(0, rows)
                yb = None if y is None else y.index_select(0, rows)
            else:
                Xb = X[start:stop]
                yb = None if y is None else y[start:stop]
                if self.copy_batches:
                    Xb = Xb.clone()
                    yb = None if yb is None else yb.clone()
            yield [Xb, dummy[: stop - start] if yb is None else yb]


class _FastLoopMixin:
    """Fast batches for in-memory data, a stop on a diverging loss, fused Adam.

    Placed before skorch's ``NeuralNet`` (or ``NeuralNetClassifier`` /
    ``NeuralNetRegressor``) in a net's bases; see the module docstring.
    """

    def get_iterator(self, dataset, training=False):
        """Batches of ``dataset``: sliced from device tensors when the data are in memory.

        Parameters
        ----------
        dataset : torch Dataset
            Usually a :class:`skorch.dataset.Dataset` (or a ``Subset`` of
            one, from ``train_split``).
        training : bool, default=False
            Whether to use the ``iterator_train`` or the ``iterator_valid``
            options.

        Returns
        -------
        iterator : iterable of batches
            The fast batches, or skorch's iterator when the data or the
            iterator options are not plain.
        """
        batches = self._fast_batches(dataset, training)
        if batches is None:
            return super().get_iterator(dataset, training=training)
        return batches

    def _fast_batches(self, dataset, training):
        prefix = "iterator_train" if training else "iterator_valid"
        iterator = self.iterator_train if training else self.iterator_valid
        if iterator is not torch.utils.data.DataLoader:
            return None
        kwargs = self.get_params_for(prefix)
        if not _FAST_ITERATOR_OPTIONS.issuperset(kwargs):
            return None
        shuffle = kwargs.get("shuffle", False)
        batch_size = kwargs.get("batch_size", self.batch_size)
        if batch_size == -1:
            batch_size = len(dataset)
        if (
            not isinstance(shuffle, bool)
            or isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            return None  # skorch's DataLoader reports the error
        data = _in_memory_data(dataset)
        if data is None or len(dataset) == 0:
            return None
        X, y, indices = data
        device = torch.device(self.device or "cpu")
        shared = indices is None
        if indices is not None:
            X = X[indices.to(X.device)]
            y = None if y is None else y[indices.to(y.device)]
        X_dev = X.to(device)
        y_dev = None if y is None else y.to(device)
        shared = shared and (
            X_dev.data_ptr() == X.data_ptr()
            or (y is not None and y_dev.data_ptr() == y.data_ptr())
        )
        return _TensorBatches(
            X_dev,
            y_dev,
            batch_size=int(batch_size),
            shuffle=shuffle,
            copy_batches=shared,
        )

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """Stop the fit with a clear error when the training loss is NaN or infinite.

        The loss is read from the history, where skorch has just recorded
        it, so the check adds no device synchronisation.

        Parameters
        ----------
        net : skorch.NeuralNet
            This net.
        batch : object, default=None
            The batch.
        training : bool, default=False
            Whether it was a training batch.
        **kwargs : dict
            The step's outputs (``loss``, ``y_pred``).

        Raises
        ------
        ValueError
            When the training loss is not finite.
        """
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if not training:
            return
        epoch = self.history[-1]
        loss = epoch["batches"][-1].get("train_loss") if epoch["batches"] else None
        if loss is None or math.isfinite(loss):
            return
        raise ValueError(
            f"{type(self).__name__}: the training loss became {loss} at epoch "
            f"{len(self.history)} (batch {len(epoch['batches'])}); the network "
            "diverged. Standardise the inputs X (for example "
            "make_pipeline(StandardScaler(), net)), scale the targets y of a "
            "regression (for example with TransformedTargetRegressor), or "
            f"lower the learning rate lr (got lr={self.lr!r})."
        )

    def get_params_for_optimizer(self, prefix, named_parameters):
        """skorch's optimizer arguments, with the fused Adam/AdamW kernels by default.

        When the optimizer is :class:`torch.optim.Adam` or
        :class:`torch.optim.AdamW`, every parameter is a floating-point
        tensor on the CPU or a CUDA device, and none of ``fused``,
        ``foreach``, ``capturable`` or ``differentiable`` was set (as
        ``optimizer__fused=...``), ``fused=True`` is added: one kernel per
        step for all the parameters instead of several small operations per
        parameter. Pass ``optimizer__fused=False`` for PyTorch's default.

        Parameters
        ----------
        prefix : str
            The optimizer's name (``"optimizer"``).
        named_parameters : iterable of (str, torch.nn.Parameter)
            The parameters to optimize.

        Returns
        -------
        args : tuple
            The parameter groups.
        kwargs : dict
            The optimizer's keyword arguments.
        """
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        optimizer = getattr(self, prefix, None)
        if optimizer not in _FUSED_OPTIMIZERS or (
            _OPTIMIZER_IMPLEMENTATION_KEYS & kwargs.keys()
        ):
            return args, kwargs
        params = [p for group in args[0] for p in group["params"]]
        if params and all(
            p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in params
        ):
            kwargs["fused"] = True
        return args, kwargs
