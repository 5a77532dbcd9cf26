"""skorch estimators trained with k-mixup, and the default tabular network.

:class:`KMixupClassifier` and :class:`KMixupRegressor` are skorch nets whose
only change to the training loop is one hook, ``train_step_single``: every
training batch goes through :func:`skmixup.kmixup_batch` (on the batch's own
device) before the forward pass. Validation and prediction batches are never
mixed. Around that hook the classes add what a scikit-learn user expects:
labels of any type, input validation, ``random_state``, and a default network
(:class:`TabularMLP`) built from the data, so no torch code is needed.
"""

import numbers
from contextlib import contextmanager

import numpy as np
import torch
from sklearn import get_config
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, check_random_state, validate_data
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.dataset import unpack_data
from skorch.utils import is_dataset, to_tensor
from torch import nn

from ._docstrings import substitute
from ._mixing import kmixup_batch

__all__ = ["KMixupClassifier", "KMixupRegressor", "TabularMLP"]


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

    See Also
    --------
    KMixupClassifier : Trains this network (or any module) with k-mixup.
    KMixupRegressor : Same for regression.

    Examples
    --------
    >>> import torch
    >>> from skmixup import TabularMLP
    >>> net = TabularMLP(n_features=4, n_outputs=3, hidden_units=8)
    >>> net(torch.zeros(5, 4)).shape
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
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise TypeError(
                    f"TabularMLP: {name} must be an int >= {low} (set it as "
                    f"module__{name} on a skmixup estimator); got {value!r}."
                )
            if value < low:
                raise ValueError(
                    f"TabularMLP: {name} must be an int >= {low} (set it as "
                    f"module__{name} on a skmixup estimator); got {value!r}."
                )
        if not isinstance(dropout, numbers.Real) or not 0 <= dropout < 1:
            raise ValueError(
                "TabularMLP: dropout must be a float in [0, 1) (set it as "
                f"module__dropout on a skmixup estimator); got {dropout!r}."
            )
        blocks = []
        width = int(n_features)
        for _ in range(int(n_layers)):
            blocks += [nn.Linear(width, int(hidden_units)), activation()]
            if dropout > 0:
                blocks.append(nn.Dropout(float(dropout)))
            width = int(hidden_units)
        blocks.append(nn.Linear(width, int(n_outputs)))
        self.layers = nn.Sequential(*blocks)

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


def _resolve_device(device):
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class _KMixupNetMixin:
    """What the k-mixup classifier and regressor share (placed before skorch's class)."""

    _parameter_constraints = {
        "k": [Interval(numbers.Integral, 1, None, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "metric": [StrOptions({"euclidean", "sqeuclidean"})],
        "random_state": ["random_state"],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_epochs": [Interval(numbers.Integral, 0, None, closed="left")],
        "batch_size": [
            Interval(numbers.Integral, 1, None, closed="left"),
            Options(numbers.Integral, {-1}),
        ],
        "device": [str, torch.device, None],
    }

    # --- parameters and randomness -------------------------------------------

    def _check_kmixup_params(self):
        if get_config()["skip_parameter_validation"]:
            return
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=type(self).__name__,
        )
        if isinstance(self.device, str) and self.device != "auto":
            try:
                torch.device(self.device)
            except RuntimeError as exc:
                raise ValueError(
                    f"device must be 'auto', None or a torch device such as 'cpu' "
                    f"or 'cuda:0'; got {self.device!r}."
                ) from exc

    def _next_torch_seed(self):
        """A torch seed drawn from the fit's generator; None leaves torch alone."""
        seed = int(self._rng_.integers(2**63 - 1))
        return None if self.random_state is None else seed

    @contextmanager
    def _torch_seeded(self, seed):
        """Seed torch's CPU (and CUDA device) generators, restoring them after.

        Module initialisation, dropout and the shuffling of the training
        batches all draw from torch's global generators; forking them keeps a
        seeded fit reproducible without changing the caller's torch state.
        """
        if seed is None:
            yield
            return
        device = torch.device(_resolve_device(self.device) or "cpu")
        cuda_index = None
        if device.type == "cuda" and torch.cuda.is_available():
            cuda_index = (
                device.index
                if device.index is not None
                else torch.cuda.current_device()
            )
        devices = [] if cuda_index is None else [cuda_index]
        with torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.random.default_generator.manual_seed(seed)
            if cuda_index is not None:
                with torch.cuda.device(cuda_index):
                    torch.cuda.manual_seed(seed)
            yield

    @contextmanager
    def _concrete_device(self):
        """Let skorch see the resolved device while it works, then restore "auto".

        skorch reads ``self.device`` wherever it moves tensors and modules;
        the parameter keeps the value the user gave (``"auto"``), so that
        ``get_params``, ``clone`` and pickling across machines see it unchanged.
        """
        requested = vars(self).get("device")
        if not (isinstance(requested, str) and requested == "auto"):
            yield
            return
        vars(self)["device"] = _resolve_device(requested)
        try:
            yield
        finally:
            vars(self)["device"] = requested

    # --- skorch hooks --------------------------------------------------------

    def initialize(self):
        """Initialize the module, criterion, optimizer and callbacks.

        The random generator of the k-mixup draws is created here from
        ``random_state``, and torch is seeded from it while the module is
        built (when ``random_state`` is not None). :meth:`fit` calls this
        (unless ``warm_start=True`` and the net is already initialized).

        Returns
        -------
        self : object
            The initialized net.
        """
        self._check_kmixup_params()
        seeds = check_random_state(self.random_state).randint(
            np.iinfo(np.int32).max, size=4
        )
        self._rng_ = np.random.default_rng(seeds)
        self.device_ = _resolve_device(self.device)
        with self._concrete_device(), self._torch_seeded(self._next_torch_seed()):
            super().initialize()
        return self

    def initialize_module(self):
        """Build the module; with ``module=None``, a :class:`TabularMLP` sized from the data.

        Returns
        -------
        self : object
        """
        kwargs = self.get_params_for("module")
        module = self.module
        if module is None or module is TabularMLP:
            if not hasattr(self, "n_features_in_"):
                raise ValueError(
                    f"{type(self).__name__}(module=None) builds a TabularMLP from "
                    "the training data: call fit(X, y) rather than initialize(), "
                    "or pass a torch module as module=."
                )
            kwargs = {
                **kwargs,
                "n_features": self.n_features_in_,
                "n_outputs": self._n_module_outputs(),
            }
            module = TabularMLP
        self.module_ = self.initialized_instance(module, kwargs)
        return self

    def train_step_single(self, batch, **fit_params):
        """One forward/backward pass on a training batch mixed by k-mixup.

        This is the only change to skorch's training loop: the batch (inputs
        and targets) is replaced by :func:`skmixup.kmixup_batch` on the batch's
        device before the forward pass. Validation and prediction batches do
        not go through this method and are never mixed.

        Parameters
        ----------
        batch : tuple of (X, y)
            A batch from the training iterator.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        step : dict
            ``{"loss": loss, "y_pred": y_pred}``, where ``y_pred`` is the
            module's output on the *mixed* batch.
        """
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        Xi, yi = self._mix_batch(Xi, yi)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def _mix_batch(self, Xi, yi):
        if self.alpha == 0:
            return Xi, yi
        if not isinstance(Xi, torch.Tensor) or not isinstance(yi, torch.Tensor):
            raise TypeError(
                f"{type(self).__name__} mixes batches made of one 2-d input tensor "
                f"and one target tensor; the training iterator yielded X of type "
                f"{type(Xi).__name__} and y of type {type(yi).__name__}. Use "
                "alpha=0 or a dataset that yields (tensor, tensor) pairs."
            )
        device = _resolve_device(self.device)
        Xi = to_tensor(Xi, device=device)
        Y = self._targets_for_mixing(to_tensor(yi, device=device), Xi.dtype)
        return kmixup_batch(
            Xi,
            Y,
            k=self.k,
            alpha=self.alpha,
            metric=self.metric,
            random_state=self._rng_,
        )

    def infer(self, x, **fit_params):
        """Forward a batch through the module, on the resolved device.

        Parameters
        ----------
        x : torch.Tensor or array-like
            A batch of inputs.
        **fit_params : dict
            Passed to the module's ``forward``.

        Returns
        -------
        y_infer : torch.Tensor
        """
        with self._concrete_device():
            return super().infer(x, **fit_params)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """The criterion on a batch (soft or mixed targets while training).

        Parameters
        ----------
        y_pred : torch.Tensor
            Output of the module.
        y_true : torch.Tensor
            Targets: mixed during training, as given otherwise.
        X : object, default=None
            The batch's inputs (unused).
        training : bool, default=False
            Whether the batch is a training batch.

        Returns
        -------
        loss : torch.Tensor
        """
        with self._concrete_device():
            return super().get_loss(y_pred, y_true, X=X, training=training)

    def forward_iter(self, X, training=False, device="cpu"):
        """Yield the module's outputs batch by batch (see skorch's NeuralNet).

        Parameters
        ----------
        X : array-like or torch Dataset
        training : bool, default=False
        device : str, default="cpu"
            Where the outputs are stored.

        Yields
        ------
        yp : torch.Tensor
        """
        with self._concrete_device():
            yield from super().forward_iter(X, training=training, device=device)

    def set_params(self, **kwargs):
        """Set parameters; module, criterion and optimizer are re-initialized as in skorch.

        Parameters
        ----------
        **kwargs : dict
            Parameters, ``module__...``-style ones included.

        Returns
        -------
        self : object
        """
        if "device" in kwargs:
            super().set_params(device=kwargs.pop("device"))
        with self._concrete_device():
            return super().set_params(**kwargs)

    def load_params(self, *args, **kwargs):
        """Load saved parameters (see skorch's ``NeuralNet.load_params``).

        Parameters
        ----------
        *args, **kwargs
            Passed to skorch.

        Returns
        -------
        None
        """
        with self._concrete_device():
            return super().load_params(*args, **kwargs)

    def __setstate__(self, state):
        requested = state.get("device")
        if isinstance(requested, str) and requested == "auto":
            # Load onto the device "auto" means on *this* machine.
            state = {**state, "device": _resolve_device("auto")}
            super().__setstate__(state)
            vars(self)["device"] = "auto"
            self.device_ = state["device"]
            return
        super().__setstate__(state)

    # --- scikit-learn side ----------------------------------------------------

    def fit(self, X, y, **fit_params):
        """Fit the network with k-mixup on every training batch.

        The net is (re-)initialized unless ``warm_start=True`` and it was
        already initialized, then trained for ``max_epochs`` epochs.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; cast to float32.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_kmixup_params()
        reset = not (self.warm_start and self.initialized_)
        X, y = self._validate_training_data(X, y, reset=reset)
        if reset:
            self.initialize()
        return self._train(X, y, "fit", **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-initializing.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        classes : array-like of shape (n_classes,), default=None
            Classifier only: all the labels, on the first call, when a call's
            ``y`` may not hold them all.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._check_kmixup_params()
        first = not self.initialized_
        X, y = self._validate_training_data(X, y, reset=first, classes=classes)
        if first:
            self.initialize()
        return self._train(X, y, "partial_fit", **fit_params)

    def _train(self, X, y, routing, **fit_params):
        with self._concrete_device(), self._torch_seeded(self._next_torch_seed()):
            super().partial_fit(X, y, _routing_method=routing, **fit_params)
        return self

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_" as a parameter, its
        # internal `_params_to_validate` bookkeeping set included; __init__
        # rebuilds that set from the keyword arguments, so it is no parameter.
        return [k for k in super()._get_param_names() if k != "_params_to_validate"]

    def _validate_X_predict(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=np.float32, reset=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.target_tags.required = True
        return tags


_SKORCH_PARAMS = """criterion : type of torch.nn.Module, default={criterion}
        Loss. {criterion_note}
    optimizer : type of torch.optim.Optimizer, default=torch.optim.AdamW
        AdamW (Adam with decoupled weight decay, ``optimizer__weight_decay``
        defaults to 0.01) trains small tabular networks well without tuning.
    lr : float, default=1e-3
        Learning rate (Adam's usual value).
    max_epochs : int, default=100
        Number of passes over the training data per call to :meth:`fit`.
        With ``batch_size=64`` a data set of a few hundred rows gets about a
        thousand optimizer steps, enough for the default network; mixup
        needs more epochs than plain training to fit the data.
    batch_size : int, default=64
        Mini-batch size (``-1``: the whole training set). k-mixup matches
        k-batches inside a mini-batch, so ``k`` is capped at
        ``batch_size // 2``; 64 leaves room for ``k=8`` k-batches (or
        ``k=32``) while giving small data sets several steps per epoch.
    train_split : callable or None, default=None
        skorch's internal validation split (for example
        ``skorch.dataset.ValidSplit(0.2)``, needed by ``EarlyStopping``).
        None trains on all the data, as scikit-learn estimators do; model
        selection is left to cross-validation.
    verbose : int, default=0
        skorch's per-epoch table is printed for ``verbose > 0``. Silent by
        default so that ``GridSearchCV`` and ``cross_val_score`` stay quiet.
    device : str, torch.device or None, default="auto"
        ``"auto"`` trains on CUDA when ``torch.cuda.is_available()`` and on
        the CPU otherwise (resolved when the net is initialized and again
        when it is unpickled). Any torch device string is accepted. The
        mixing of a batch runs on this device.
    iterator_train__shuffle : bool, default=True
        Reshuffle the training data at every epoch (skorch's default is
        False). k-mixup then draws its k-batches from fresh batches.
    **kwargs
        Any other skorch parameter (``callbacks``, ``warm_start``,
        ``module__...``, ``optimizer__...``, ``iterator_train__...``, ...)."""


@substitute(
    skorch_params=_SKORCH_PARAMS.format(
        criterion="torch.nn.CrossEntropyLoss",
        criterion_note=(
            "It must accept class-probability targets (the mixed one-hot "
            "labels), as ``CrossEntropyLoss`` does; the module returns logits."
        ),
    )
)
class KMixupClassifier(_KMixupNetMixin, NeuralNetClassifier):
    """Neural network classifier trained with k-mixup (skorch).

    A :class:`skorch.NeuralNetClassifier` whose training batches are mixed by
    k-mixup: each batch is cut into k-batches of ``k`` points, each k-batch is
    matched by exact optimal transport to a partner k-batch of the same batch,
    and inputs and one-hot labels are mixed with a weight
    ``lambda ~ Beta(alpha, alpha)``. The network is trained on the mixed
    soft labels with cross-entropy. ``alpha=0`` is plain training (ERM),
    ``k=1`` ordinary mixup. Validation and prediction batches are not mixed.

    With ``module=None`` (the default) a :class:`TabularMLP` is built from the
    data (number of features and classes), so the estimator works like any
    scikit-learn classifier; standardise the features first
    (``make_pipeline(StandardScaler(), KMixupClassifier())``).

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        Network returning one logit per class. None (or the class
        :class:`TabularMLP`) builds a :class:`TabularMLP` at fit time with
        ``n_features`` and ``n_outputs`` taken from the data; tune it with
        ``module__hidden_units``, ``module__n_layers`` and
        ``module__dropout``.
    {k}
    {alpha}
    {metric}
    random_state : int, RandomState instance or None, default=None
        Seeds the k-mixup draws and torch (module initialisation, dropout,
        batch shuffling) for a fit, so that two fits with the same int give
        identical predictions (on the CPU; on a GPU as far as PyTorch's
        kernels are deterministic). Torch's global generators are restored
        afterwards. With None, the k-mixup draws come from numpy's global
        generator and torch uses its own global generator (as plain skorch).
    classes : array-like of shape (n_classes,) or None, default=None
        All the class labels, in the order of the columns of
        :meth:`predict_proba`. None: the sorted labels found in ``y``.
    {skorch_params}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, in the order of the columns of :meth:`predict_proba`.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    device_ : str or torch.device
        The device the net was trained on (``device`` resolved).
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.History
        Per-epoch and per-batch training record (losses on the mixed
        batches).

    See Also
    --------
    KMixupRegressor : The same for regression.
    TabularMLP : The default network.
    skmixup.kmixup_batch : The mixing step applied to every training batch.
    skmixup.KMixupAugmenter : k-mixup as data augmentation for any estimator.

    Notes
    -----
    ``predict`` returns the original labels (any type); the network and
    skorch's callbacks see them encoded as ``0 .. n_classes - 1`` (the
    positions in ``classes_``). Called on a skorch/torch ``Dataset`` (what
    scoring callbacks pass), ``predict`` returns encoded labels, comparable
    with the dataset's targets.

    References
    ----------
    .. [1] K. Greenewald, A. Gu, M. Yurochkin, J. Solomon, E. Chien,
       "k-Mixup Regularization for Deep Learning via Optimal Transport",
       Transactions on Machine Learning Research, 2023.
    .. [2] H. Zhang, M. Cisse, Y. N. Dauphin, D. Lopez-Paz, "mixup: Beyond
       Empirical Risk Minimization", ICLR 2018.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmixup import KMixupClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     KMixupClassifier(k=8, max_epochs=30, lr=1e-2, module__hidden_units=32, random_state=0),
    ... )
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    def __init__(
        self,
        module=None,
        *,
        k=8,
        alpha=1.0,
        metric="euclidean",
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=100,
        batch_size=64,
        train_split=None,
        verbose=0,
        device="auto",
        iterator_train__shuffle=True,
        classes=None,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            device=device,
            classes=classes,
            **kwargs,
        )
        self.k = k
        self.alpha = alpha
        self.metric = metric
        self.random_state = random_state
        self.iterator_train__shuffle = iterator_train__shuffle

    @property
    def classes_(self):
        """Class labels, in the order of the columns of ``predict_proba``."""
        try:
            return self._classes_
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute 'classes_' before fit."
            ) from None

    def check_data(self, X, y):
        # The labels were validated and encoded by fit/partial_fit; skorch's
        # own check would overwrite classes_ with the encoded labels.
        if y is None and not is_dataset(X):
            raise ValueError(f"{type(self).__name__} needs y to fit.")

    def _check_kmixup_params(self):
        super()._check_kmixup_params()
        criterion = self.criterion
        is_nll = isinstance(criterion, torch.nn.NLLLoss) or (
            isinstance(criterion, type) and issubclass(criterion, torch.nn.NLLLoss)
        )
        if is_nll and self.alpha > 0:
            raise ValueError(
                "criterion=NLLLoss cannot take the soft labels that k-mixup "
                "produces; use criterion=torch.nn.CrossEntropyLoss with a module "
                "returning logits (or alpha=0)."
            )

    def _n_module_outputs(self):
        return len(self.classes_)

    def _targets_for_mixing(self, y, dtype):
        return nn.functional.one_hot(y.long(), len(self.classes_)).to(dtype)

    def _validate_training_data(self, X, y, reset, classes=None):
        name = type(self).__name__
        X, y = validate_data(self, X, y, dtype=np.float32, reset=reset)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{name} needs class labels in y; got a target of type "
                f"{y_type!r}. For continuous targets use KMixupRegressor."
            )
        if reset:
            if classes is None:
                classes = self.classes
            if classes is None:
                labels = np.unique(y)
            else:
                labels = np.asarray(classes)
                if labels.ndim != 1 or len(np.unique(labels)) != len(labels):
                    raise ValueError(
                        f"classes must be a 1-d list of distinct labels; got {classes!r}."
                    )
            if len(labels) < 2:
                raise ValueError(
                    f"{name} needs at least 2 classes in y; got 1 class: "
                    f"{labels.tolist()!r}."
                )
            self._classes_ = labels
        return X, _encode(y, self.classes_)

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's output).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples (a skorch/torch Dataset is passed to skorch unchanged).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes), float64
            Columns in the order of ``classes_``.
        """
        if is_dataset(X):
            return super().predict_proba(X)
        X = self._validate_X_predict(X)
        # The float32 softmax sums to 1 only up to ~1e-7; renormalise in
        # float64 so that scikit-learn's metrics accept the rows.
        proba = super().predict_proba(X).astype(np.float64)
        proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def predict(self, X):
        """Predicted class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_`` (encoded labels for a Dataset input).
        """
        idx = self.predict_proba(X).argmax(axis=1)
        return idx if is_dataset(X) else self.classes_[idx]


@substitute(
    skorch_params=_SKORCH_PARAMS.format(
        criterion="torch.nn.MSELoss",
        criterion_note="Computed on the mixed targets while training.",
    )
)
class KMixupRegressor(_KMixupNetMixin, NeuralNetRegressor):
    """Neural network regressor trained with k-mixup (skorch).

    A :class:`skorch.NeuralNetRegressor` whose training batches are mixed by
    k-mixup: k-batches of ``k`` points are matched by exact optimal transport
    to partner k-batches of the same batch, and inputs and targets are mixed
    with a weight ``lambda ~ Beta(alpha, alpha)``; the loss (MSE) is taken on
    the mixed targets. ``alpha=0`` is plain training, ``k=1`` ordinary mixup.
    Validation and prediction batches are not mixed.

    With ``module=None`` a :class:`TabularMLP` is built from the data. The
    network sees the targets as they are: standardise large-scale targets
    (for example with :class:`~sklearn.compose.TransformedTargetRegressor`).

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        Network returning one value per target. None builds a
        :class:`TabularMLP` at fit time.
    {k}
    {alpha}
    {metric}
    random_state : int, RandomState instance or None, default=None
        Seeds the k-mixup draws and torch (module initialisation, dropout,
        batch shuffling) for a fit; see :class:`KMixupClassifier`.
    {skorch_params}

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` had string column names.
    n_outputs_ : int
        Number of targets.
    device_ : str or torch.device
        The device the net was trained on.
    module_ : torch.nn.Module
        The trained network.
    history_ : skorch.History
        Training record.

    See Also
    --------
    KMixupClassifier : The same for classification.
    TabularMLP : The default network.
    skmixup.kmixup_batch : The mixing step.

    References
    ----------
    .. [1] K. Greenewald, A. Gu, M. Yurochkin, J. Solomon, E. Chien,
       "k-Mixup Regularization for Deep Learning via Optimal Transport",
       Transactions on Machine Learning Research, 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from skmixup import KMixupRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 3))
    >>> y = X @ np.array([1.0, -2.0, 0.5])
    >>> reg = KMixupRegressor(
    ...     k=4, max_epochs=20, lr=1e-2, module__hidden_units=32, random_state=0
    ... )
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        module=None,
        *,
        k=8,
        alpha=1.0,
        metric="euclidean",
        random_state=None,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.AdamW,
        lr=1e-3,
        max_epochs=100,
        batch_size=64,
        train_split=None,
        verbose=0,
        device="auto",
        iterator_train__shuffle=True,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.k = k
        self.alpha = alpha
        self.metric = metric
        self.random_state = random_state
        self.iterator_train__shuffle = iterator_train__shuffle

    # A regressor has no probabilities; skorch's NeuralNet defines
    # predict_proba as the raw output, which would make scikit-learn (and
    # duck-typing meta-estimators) take the regressor for a classifier.
    predict_proba = available_if(lambda self: False)(NeuralNetRegressor.predict_proba)

    def _n_module_outputs(self):
        return self.n_outputs_

    def _targets_for_mixing(self, y, dtype):
        return y.to(dtype)

    def _validate_training_data(self, X, y, reset, classes=None):
        X, y = validate_data(
            self, X, y, dtype=np.float32, y_numeric=True, multi_output=True, reset=reset
        )
        y = np.asarray(y, dtype=np.float32)
        y_1d = y.ndim == 1
        y = y.reshape(len(y), -1)
        if reset:
            self.n_outputs_ = y.shape[1]
            self._y_1d_ = y_1d
        elif y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {y.shape[1]} targets, but {type(self).__name__} was "
                f"fitted with {self.n_outputs_}."
            )
        return X, y

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples (a skorch/torch Dataset is passed to skorch unchanged).

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            1-d when the net was fitted on a 1-d ``y``.
        """
        if not is_dataset(X):
            X = self._validate_X_predict(X)
        y_pred = NeuralNetRegressor.predict_proba(self, X)
        if is_dataset(X):
            return y_pred
        y_pred = y_pred.astype(np.float64)
        return y_pred.ravel() if self._y_1d_ else y_pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _encode(y, classes):
    """Positions of the labels ``y`` in ``classes`` (vectorised, any label type)."""
    order = np.argsort(classes, kind="stable")
    pos = np.searchsorted(classes, y, sorter=order)
    pos = np.clip(pos, 0, len(classes) - 1)
    idx = order[pos]
    unknown = classes[idx] != y
    if np.any(unknown):
        raise ValueError(
            f"y contains labels not in classes_ {classes.tolist()!r}: "
            f"{np.unique(y[unknown]).tolist()!r}. Pass every label with "
            "classes=... (first call to partial_fit) or refit."
        )
    return idx.astype(np.int64)
