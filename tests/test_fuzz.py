"""Fuzzing of the public API with hypothesis.

The contract checked for every call: it returns a correct result (finite where
the input is finite, a matching whose cost equals scipy's optimum, a mix that
lies on its segment) or raises ``ValueError``/``TypeError`` whose message names
the argument at fault, within a time bound, without changing its inputs.

Every call runs in a worker process (one per session, restarted after a
failure), so that a hang or a crash of compiled code fails the example instead
of blocking or killing the test session. Hypothesis generates a small spec
(shapes, dtype, seed, scale, which entries are NaN or infinite...); the worker
builds the inputs from it, makes the call and checks the contract, so a failing
example is reported as the spec that reproduces it (see :func:`build_array`).

What is fuzzed: the matching and mixing functions, the augmenter, the
estimator wrapper and the nets (numpy, lists, sparse, pandas frames with a
column of every dtype: bool, str and int categories, str, nullable Int64,
boolean and Float64, Arrow-backed strings), ``sampling_strategy``,
``mix_layer`` with custom modules implementing the manifold protocol,
:mod:`skmixup.robustness`, ``load_dataset`` on generated and degenerate
files, and the benchmark command lines (parsing only).

The number of examples is set by the hypothesis profile (``tests/conftest.py``):
the default ``ci`` profile runs more than 10,000 in this file, the same ones on
every machine. Random exploration: ``SKMIXUP_HYPOTHESIS_PROFILE=fuzz`` (the
seed is printed in the report header; ``SKMIXUP_FUZZ_SEED=N`` repeats a run),
with ``SKMIXUP_FUZZ_LOG``/``SKMIXUP_FUZZ_COLLECT`` (below) to list failures.
"""

import contextlib
import gzip
import importlib.util
import multiprocessing
import os
import re
import runpy
import tempfile
import traceback

import numpy as np
import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

WORKER = "__skmixup_fuzz_worker__"
#: Seconds one call may take before it counts as a hang. Calls take
#: milliseconds; the bound only has to separate "slow machine" from "never
#: returns", so it is generous.
CALL_TIMEOUT = float(os.environ.get("SKMIXUP_FUZZ_TIMEOUT", 120))
#: Starting the worker imports torch and compiles the numba kernels.
START_TIMEOUT = 900.0


def _n(weight):
    return max(1, round(weight * settings.default.max_examples))


#: Calls run in the worker are not shrunk: a shrinking pass would repeat a
#: hang (a minute each) dozens of times; the failing spec is small already.
NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


# ---------------------------------------------------------------------------
# Building inputs from specs (runs in the worker; pure functions of the spec)
# ---------------------------------------------------------------------------

NUMPY_REAL = [
    "float64", "float32", "float16", "longdouble", "int64", "int32", "int16",
    "int8", "uint64", "uint32", "uint16", "uint8", "bool",
]  # fmt: skip
NUMPY_OTHER = ["complex128", "complex64", "clongdouble", "object", "str", "bytes",
               "datetime64[s]", "timedelta64[s]"]  # fmt: skip
TORCH_REAL = [
    "float64", "float32", "float16", "bfloat16", "int64", "int32", "int16",
    "int8", "uint8", "bool",
]  # fmt: skip
TORCH_OTHER = ["complex128", "complex64", "uint16", "uint32", "uint64",
               "float8_e4m3fn", "float8_e5m2"]  # fmt: skip

#: Largest binary exponent of finite values generated for each float dtype
#: (values up to about 2**(max_exp - 1)) and the smallest normal one.
_EXP_RANGE = {
    "float64": (-1020, 1020),
    "longdouble": (-1020, 1020),
    "float32": (-124, 124),
    "bfloat16": (-124, 124),
    "float16": (-12, 13),
    "float8_e4m3fn": (-5, 6),
    "float8_e5m2": (-12, 13),
}


def _float_exp(dtype, exp):
    lo, hi = _EXP_RANGE.get(dtype, (-1020, 1020))
    return int(min(max(exp, lo), hi))


def build_array(spec):
    """A numpy array or torch tensor from its spec (a dict).

    Keys: ``lib`` ("numpy" or "torch"), ``dtype``, ``shape``, ``seed``,
    ``exp`` (values are about ``2**exp``), ``dist`` ("normal", "ties",
    "constant", "wide": magnitudes from 2**-exp to 2**exp), ``bad``
    (list of (flat index, "nan" | "inf" | "-inf")), ``layout`` ("c",
    "strided": a view of every other row of a larger array, "transposed"),
    ``grad`` (torch ``requires_grad``).
    """
    rng = np.random.default_rng(spec["seed"])
    shape = tuple(spec["shape"])
    dtype = spec["dtype"]
    rows = shape[0] if shape else 1
    full = (2 * rows,) + shape[1:] if spec["layout"] == "strided" and shape else shape
    size = int(np.prod(full, dtype=np.int64))
    dist = spec["dist"]
    if dist == "ties":
        base = rng.integers(0, 3, size).astype(np.float64)
    elif dist == "constant":
        base = np.full(size, 1.5)
    elif dist == "onehot":
        base = np.eye(shape[-1])[rng.integers(0, shape[-1], rows)].reshape(-1)
    elif dist == "wide":
        base = rng.standard_normal(size) * np.exp2(
            rng.uniform(-abs(spec["exp"]), abs(spec["exp"]), size).round()
        )
    else:
        base = rng.standard_normal(size)
    if dtype in _EXP_RANGE or dtype.startswith("complex") or dtype == "clongdouble":
        if dist != "wide":
            base = np.ldexp(
                base, _float_exp(dtype.replace("complex", "float"), spec["exp"])
            )
        values = base
    elif dtype == "bool":
        values = base > np.median(base) if size else base > 0
    else:
        values = base  # integers below
    values = values.reshape(full)
    for flat, kind in spec.get("bad", ()):
        if size and dtype not in ("bool",) and not dtype.startswith(("int", "uint")):
            values.reshape(-1)[flat % size] = {
                "nan": np.nan,
                "inf": np.inf,
                "-inf": -np.inf,
            }[kind]
    if spec["lib"] == "torch":
        arr = _torch_array(values, dtype, rng)
    else:
        arr = _numpy_array(values, dtype, rng)
    if spec["layout"] == "strided" and shape:
        arr = arr[::2]
    elif spec["layout"] == "transposed" and len(shape) == 2:
        arr = arr.T.copy().T if spec["lib"] == "numpy" else arr.T.contiguous().T
    if spec["lib"] == "torch" and spec.get("grad"):
        if arr.is_floating_point() or arr.is_complex():
            arr = arr.detach().requires_grad_(True)
    return arr


def _int_values(values, info, rng, wide):
    if wide:
        return rng.integers(info.min, info.max, values.shape, endpoint=True,
                            dtype=info.dtype)  # fmt: skip
    return np.clip(np.round(values * 10), info.min, info.max)


def _numpy_array(values, dtype, rng):
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        return _int_values(values, info, rng, values.size % 3 == 0).astype(dtype)
    if dtype.startswith("complex") or dtype == "clongdouble":
        return (values + 1j * values[::-1]).astype(dtype)
    if dtype == "object":
        return values.astype(object)
    if dtype == "str":
        return values.astype(str)
    if dtype == "bytes":
        return values.astype("S8")
    if dtype.startswith(("datetime64", "timedelta64")):
        return np.nan_to_num(values).astype(np.int64).astype(dtype)
    with np.errstate(over="ignore"):
        return values.astype(dtype)


def _torch_array(values, dtype, rng):
    import torch

    tdtype = getattr(torch, dtype)
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        ints = _int_values(values, info, rng, values.size % 3 == 0)
        if dtype in ("uint32", "uint64"):
            ints = np.clip(ints, 0, np.iinfo(np.int64).max)
        return torch.from_numpy(np.asarray(ints).astype(np.int64)).to(tdtype)
    if dtype.startswith("complex"):
        return torch.from_numpy(values + 1j * values[::-1]).to(tdtype)
    if dtype == "bool":
        return torch.from_numpy(np.asarray(values, dtype=bool))
    return torch.from_numpy(np.asarray(values, dtype=np.float64)).to(tdtype)


# ---------------------------------------------------------------------------
# Contract helpers (worker side)
# ---------------------------------------------------------------------------


def _is_torch(x):
    return type(x).__module__.startswith("torch")


def _snapshot(x):
    if _is_torch(x):
        return ("torch", x.detach().clone(), x.dtype, tuple(x.shape), x.stride(),
                x.requires_grad, x.grad is None)  # fmt: skip
    if isinstance(x, np.ndarray):
        return ("numpy", x.copy(), x.dtype, x.shape, x.strides, x.flags.writeable)
    return ("other", repr(x))


def _same(x, snap):
    if snap[0] == "torch":
        now = _snapshot(x)
        values_equal = now[1].dtype == snap[1].dtype and (
            now[1].equal(snap[1])
            if not (snap[1].is_floating_point() or snap[1].is_complex())
            else bool(((now[1] == snap[1]) | (now[1].isnan() & snap[1].isnan())).all())
        )
        return values_equal and now[2:] == snap[2:]
    if snap[0] == "numpy":
        if x.dtype != snap[2] or x.shape != snap[3] or x.strides != snap[4]:
            return False
        if x.dtype.kind in "fcmM":
            return np.array_equal(x, snap[1], equal_nan=True)
        if x.dtype.kind == "O":  # NaN objects compare unequal to themselves
            return all(a is b or a == b for a, b in zip(x.ravel(), snap[1].ravel()))
        return np.array_equal(x, snap[1])
    return repr(x) == snap[1]


@contextlib.contextmanager
def unchanged(**inputs):
    """Assert that the named inputs are not modified (values, dtype, layout,
    ``requires_grad`` and ``.grad`` of tensors)."""
    snaps = {name: _snapshot(x) for name, x in inputs.items()}
    yield
    for name, x in inputs.items():
        assert _same(x, snaps[name]), f"the call modified its input {name}"


def call(fn, *args, names, **kwargs):
    """``(result, None)``, or ``(None, exc)`` for a ValueError/TypeError whose
    message names one of ``names``. Any other exception propagates."""
    try:
        return fn(*args, **kwargs), None
    except (ValueError, TypeError) as exc:
        message = str(exc)
        named = [
            n for n in names if re.search(rf"(?<![\w]){re.escape(n)}(?![\w])", message)
        ]
        assert named, (
            f"{type(exc).__name__} names none of the arguments {names}: {message!r}"
        )
        return None, exc


def _np64(x):
    """Values as float64 numpy (exact for every real dtype generated here)."""
    if _is_torch(x):
        x = x.detach()
        if x.dtype.is_floating_point and x.dtype.itemsize < 4:
            x = x.float()
        return x.double().cpu().numpy()
    x = np.asarray(x)
    return x.astype(np.float64)


def _is_real(x):
    """Real numbers the package must accept."""
    if _is_torch(x):
        return not x.is_complex() and not _is_exotic(x)
    return isinstance(x, np.ndarray) and x.dtype.kind in "biuf"


def _is_exotic(x):
    """Real dtypes that the package may accept or reject (with a clear error):
    torch's 8-bit floats and unsigned integers wider than 8 bits."""
    if not _is_torch(x):
        return False
    import torch

    return x.dtype in (torch.uint16, torch.uint32, torch.uint64,
                       torch.float8_e4m3fn, torch.float8_e5m2)  # fmt: skip


def _finite(x):
    return bool(np.isfinite(_np64(x)).all())


def _eps(x):
    """Machine epsilon of the precision the package matches ``x`` in."""
    if _is_torch(x):
        return (
            2.0**-52
            if x.dtype.is_floating_point is False or x.dtype.itemsize == 8
            else 2.0**-23
        )
    if x.dtype.kind in "biu" or x.dtype.itemsize >= 8:
        return 2.0**-52
    return 2.0**-23


def _out_eps(x):
    """Relative rounding of values stored in ``x``'s dtype."""
    if _is_torch(x):
        import torch

        return {torch.float16: 2.0**-10, torch.bfloat16: 2.0**-7,
                torch.float32: 2.0**-23}.get(x.dtype, 2.0**-52)  # fmt: skip
    return {2: 2.0**-10, 4: 2.0**-23}.get(np.dtype(x.dtype).itemsize, 2.0**-52)


def _tiny(x):
    if _is_torch(x):
        import torch

        return (
            float(torch.finfo(x.dtype).smallest_normal)
            if x.dtype.is_floating_point
            else 0.0
        )
    return float(np.finfo(x.dtype).smallest_normal) if x.dtype.kind == "f" else 0.0


def _costs(A, B, metric):
    """True cost blocks (float64, by direct differences) of ``A``/``B`` blocks
    (..., k, d), each block pair rescaled by one power of two (which scales
    every cost of the block by the same factor, keeping the optimum)."""
    amax = np.maximum(np.abs(A).max((-2, -1)), np.abs(B).max((-2, -1)))
    exp = np.frexp(np.where(amax > 0, amax, 1.0))[1]
    s = np.ldexp(1.0, -exp)[..., None, None]
    A, B = A * s, B * s
    sq = ((A[..., :, None, :] - B[..., None, :, :]) ** 2).sum(-1)
    return sq if metric == "sqeuclidean" else np.sqrt(sq)


def assert_optimal(A, B, perm, metric, eps):
    """Each block's matching ``perm`` costs what scipy's optimum costs, within
    the rounding of costs computed in precision ``eps``."""
    from scipy.optimize import linear_sum_assignment

    k, d = A.shape[-2:]
    A = A.reshape(-1, k, d)
    B = B.reshape(-1, k, d)
    perm = np.asarray(perm).reshape(-1, k)
    cost = _costs(A, B, metric)
    for b in range(len(cost)):
        assert sorted(perm[b].tolist()) == list(range(k)), (
            f"block {b}: {perm[b]} is no permutation"
        )
        rows, cols = linear_sum_assignment(cost[b])
        best = cost[b][rows, cols].sum()
        got = cost[b][np.arange(k), perm[b]].sum()
        # Costs are computed from data scaled into [-1, 1]: entries of the
        # squared distances carry an error of about (d + 4) * eps * R**2
        # (R <= 2 * sqrt(d)), their square roots about sqrt of that.
        delta = 16 * (d + 4) * eps * 4 * d
        tol = k * (delta if metric == "sqeuclidean" else 2 * np.sqrt(delta))
        assert got <= best + tol, (
            f"block {b}: matching cost {got!r} exceeds the optimum {best!r} "
            f"(tolerance {tol:.3g}); perm {perm[b].tolist()}, optimal {cols.tolist()}"
        )


def _kind_of(x):
    return "torch" if _is_torch(x) else type(x).__name__


# ---------------------------------------------------------------------------
# The cases (worker side): build, call, check. Each returns an outcome label.
# ---------------------------------------------------------------------------


def case_match_batches(spec):
    from skmixup import match_batches

    A, B = build_array(spec["A"]), build_array(spec["B"])
    kwargs = spec["kwargs"]
    with unchanged(A=A, B=B):
        perm, exc = call(
            match_batches, A, B, names=("A", "B", "metric", "solver"), **kwargs
        )
    valid = (
        _is_real(A) and _is_real(B) and tuple(A.shape) == tuple(B.shape)
        and A.ndim >= 2 and min(A.shape) > 0 and _kind_of(A) == _kind_of(B)
        and kwargs.get("metric", "euclidean") in ("euclidean", "sqeuclidean")
        and kwargs.get("solver", "auto") in ("auto", "jv", "scipy", "brute")
        and not (kwargs.get("solver") == "brute" and A.shape[-2] > 8)
    )  # fmt: skip
    if exc is not None:
        assert not (valid and _finite(A) and _finite(B)), f"valid input raised {exc!r}"
        return "error"
    assert valid or _is_exotic(A) or _is_exotic(B), "invalid input accepted"
    assert _finite(A) and _finite(B), (
        "non-finite input accepted (must raise ValueError)"
    )
    assert _kind_of(perm) == _kind_of(A), f"{_kind_of(A)} input gave {_kind_of(perm)}"
    assert tuple(perm.shape) == tuple(A.shape[:-1]), f"perm shape {tuple(perm.shape)}"
    perm = _np64(perm).astype(np.int64)
    eps = max(_eps(A), _eps(B))
    assert_optimal(_np64(A), _np64(B), perm, kwargs.get("metric", "euclidean"), eps)
    return "ok"


def _features(X, match_on):
    F = _np64(match_on if match_on is not None else X)
    return F.reshape(len(F), -1)


def check_draw(draw, n, k_req, F, metric, eps):
    """A KMixupDraw: partners are other rows; each k-batch is matched to its
    partner rows optimally; lambda in [0, 1], shared by a k-batch."""
    partner = np.asarray(draw.partner)
    lam = np.asarray(draw.lam, dtype=np.float64)
    group = np.asarray(draw.group)
    assert partner.shape == (n,) and lam.shape == (n,) and group.shape == (n,)
    assert ((partner >= 0) & (partner < n)).all(), "partner out of range"
    assert ((lam >= 0) & (lam <= 1)).all(), f"lambda outside [0, 1]: {lam}"
    assert draw.k == max(1, min(k_req, n // 2)), f"k={draw.k} for k={k_req}, n={n}"
    if n >= 2:
        assert (partner != np.arange(n)).all(), "a point is paired with itself"
    for g in np.unique(group):
        rows = np.flatnonzero(group == g)
        assert len(rows) <= draw.k, f"k-batch {g} has {len(rows)} > k rows"
        assert np.ptp(lam[rows]) == 0, f"k-batch {g} has several lambdas"
        mates = partner[rows]
        assert len(set(mates.tolist())) == len(rows), f"k-batch {g}: repeated partner"
        if len(rows) > 1 and F is not None:
            rank = np.argsort(np.argsort(mates))  # position of each partner
            assert_optimal(
                F[rows][None], F[np.sort(mates)][None], rank[None], metric, eps
            )


def _assert_on_segment(out, X, partner, lam, what, lam_eps=0.0):
    """``out[i] = lam[i] * X[i] + (1 - lam[i]) * X[partner[i]]`` within the
    rounding of ``out``'s dtype and of ``lam`` (``lam_eps``: the weights are
    applied in the precision of the mixed features, so targets mixed with the
    features of a float16 batch carry lambda's float16 rounding)."""
    o, x = _np64(out).reshape(len(lam), -1), _np64(X).reshape(len(lam), -1)
    xp = x[partner]
    lam = np.asarray(lam, dtype=np.float64)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):
        ref = lam * x + (1 - lam) * xp
    bound = np.maximum(np.abs(x), np.abs(xp))
    tol = 4 * max(_out_eps(out), lam_eps) * bound + 4 * _tiny(out)
    bad = ~(np.abs(o - ref) <= tol)
    assert not bad.any(), (
        f"{what} mix off its segment at {np.argwhere(bad)[:3].tolist()}: got "
        f"{o[bad][:3]}, expected {ref[bad][:3]}"
    )


def case_kmixup_batch(spec):
    from skmixup import kmixup_batch

    X = build_array(spec["X"])
    Y = build_array(spec["Y"]) if spec.get("Y") else None
    match_on = build_array(spec["match_on"]) if spec.get("match_on") else None
    kwargs = dict(spec["kwargs"])
    inputs = {"X": X, **({"Y": Y} if Y is not None else {}),
              **({"match_on": match_on} if match_on is not None else {})}  # fmt: skip
    names = ("X", "Y", "match_on", "k", "alpha", "metric", "random_state", "discrete")
    with unchanged(**inputs):
        res, exc = call(kmixup_batch, X, Y, names=names, match_on=match_on,
                        return_info=True, **kwargs)  # fmt: skip
    n = X.shape[0] if X.ndim else 0
    arrays = [a for a in (X, Y, match_on) if a is not None]
    valid = (
        all(_is_real(a) for a in arrays) and X.ndim >= 2 and n >= 2
        and all(a.shape[0] == n for a in arrays)
        and (match_on is None or match_on.ndim == 2)
        and (Y is None or Y.ndim in (1, 2))
        and len({_kind_of(a) for a in arrays}) == 1
        and _valid_k_alpha(kwargs)
    )  # fmt: skip
    finite = valid and all(_finite(a) for a in arrays)
    if exc is not None:
        assert not finite, f"valid input raised {exc!r}"
        return "error"
    assert valid or n < 2 or any(map(_is_exotic, arrays)), "invalid input accepted"
    assert all(_finite(a) for a in arrays), (
        "non-finite input accepted (must raise ValueError)"
    )
    X_mix, Y_mix, draw = res
    assert _kind_of(X_mix) == _kind_of(X) and tuple(X_mix.shape) == tuple(X.shape)
    if n < 2:
        return "ok"
    assert _finite(X_mix), "finite input gave a non-finite mix"
    if kwargs.get("alpha", 1.0) == 0:
        assert np.array_equal(_np64(X_mix), _np64(X)), "alpha=0 changed X"
        return "ok"
    if _is_float(X):
        assert X_mix.dtype == X.dtype, f"dtype {X.dtype} became {X_mix.dtype}"
    else:
        assert _is_float(X_mix), f"integer input {X.dtype} mixed into {X_mix.dtype}"
    F = _features(X, match_on)
    eps = _eps(match_on if match_on is not None else X)
    check_draw(draw, n, kwargs.get("k", 8), F, kwargs.get("metric", "euclidean"), eps)
    _assert_on_segment(X_mix, X, draw.partner, draw.lam, "X")
    if Y is not None:
        assert Y_mix is not None and tuple(Y_mix.shape) == tuple(Y.shape)
        assert _finite(Y_mix), "finite Y gave a non-finite mix"
        _assert_on_segment(Y_mix, Y, draw.partner, draw.lam, "Y", _out_eps(X_mix))
        if spec["Y"].get("onehot"):
            sums = _np64(Y_mix).sum(axis=1)
            np.testing.assert_allclose(sums, 1.0, atol=16 * _out_eps(Y_mix))
    return "ok"


def _is_float(x):
    if _is_torch(x):
        return x.dtype.is_floating_point
    return x.dtype.kind == "f"


def _valid_k_alpha(kwargs):
    import numbers

    k, alpha = kwargs.get("k", 8), kwargs.get("alpha", 1.0)
    rs = kwargs.get("random_state")
    return (
        isinstance(k, numbers.Integral) and not isinstance(k, bool) and k >= 1
        and isinstance(alpha, numbers.Real) and not isinstance(alpha, bool)
        and np.isfinite(alpha) and alpha >= 0
        and kwargs.get("metric", "euclidean") in ("euclidean", "sqeuclidean")
        and (rs is None or (isinstance(rs, numbers.Integral) and not isinstance(rs, bool) and rs >= 0))
    )  # fmt: skip


def case_kmixup_pairs(spec):
    from skmixup import kmixup_pairs

    F = build_array(spec["match_on"])
    kwargs = dict(spec["kwargs"])
    with unchanged(match_on=F):
        draw, exc = call(kmixup_pairs, F, names=("match_on", "k", "alpha", "metric",
                                                  "random_state"), **kwargs)  # fmt: skip
    n = F.shape[0] if F.ndim else 0
    valid = (
        _is_real(F)
        and F.ndim >= 2
        and n >= 2
        and F.shape[1] >= 1
        and _valid_k_alpha(kwargs)
    )
    if exc is not None:
        assert not (valid and _finite(F)), f"valid input raised {exc!r}"
        return "error"
    assert valid or n < 2 or _is_exotic(F), "invalid input accepted"
    assert _finite(F), "non-finite input accepted (must raise ValueError)"
    if n >= 2 and kwargs.get("alpha", 1.0) != 0:
        check_draw(draw, n, kwargs.get("k", 8), _features(F, None),
                   kwargs.get("metric", "euclidean"), _eps(F))  # fmt: skip
    return "ok"


def case_scale(spec):
    """Data multiplied by 2**e gives the same pairs (or a clear error)."""
    from skmixup import kmixup_pairs, match_batches

    X = build_array(spec["X"])
    e = spec["e"]
    kind = spec["fn"]
    if _is_torch(X):
        Xs = X * 2.0**e
        exact = bool((Xs / 2.0**e).eq(X).all()) and bool(Xs.isfinite().all())
    else:
        with np.errstate(over="ignore", under="ignore"):
            Xs = np.ldexp(X, e).astype(X.dtype)
            exact = np.array_equal(np.ldexp(Xs, -e), X) and np.isfinite(Xs).all()
    if not exact:
        return "not representable"
    metric = spec["metric"]
    if kind == "match_batches":
        k = X.shape[-2] // 2
        A, B = X[..., :k, :], X[..., k : 2 * k, :]
        As, Bs = Xs[..., :k, :], Xs[..., k : 2 * k, :]
        p0, e0 = call(match_batches, A, B, names=("A", "B"), metric=metric)
        p1, e1 = call(match_batches, As, Bs, names=("A", "B"), metric=metric)
        if e0 is None and e1 is None:
            assert np.array_equal(_np64(p0), _np64(p1)), (
                f"pairs change under scaling by 2**{e}"
            )
        return "ok" if e0 is None and e1 is None else "error"
    d0, e0 = call(kmixup_pairs, X, names=("match_on",), k=spec["k"], metric=metric,
                  random_state=spec["seed"])  # fmt: skip
    d1, e1 = call(kmixup_pairs, Xs, names=("match_on",), k=spec["k"], metric=metric,
                  random_state=spec["seed"])  # fmt: skip
    assert e0 is None, f"finite data raised {e0!r}"
    if e1 is not None:
        return "error"
    assert np.array_equal(d0.partner, d1.partner), (
        f"pairs change under scaling by 2**{e}"
    )
    assert np.array_equal(d0.lam, d1.lam)
    return "ok"


def _table(spec, rng):
    """Training data of the estimator cases: numpy, list, pandas with mixed
    column types, sparse, strings; with NaN/inf and scales from the spec."""
    n, d = spec["n"], spec["d"]
    X = build_array({"lib": "numpy", "dtype": spec["dtype"], "shape": (n, d), "seed": spec["seed"],
                     "exp": spec["exp"], "dist": spec["dist"], "bad": spec["bad"],
                     "layout": spec["layout"]})  # fmt: skip
    form = spec["form"]
    if form == "list":
        return X.tolist()
    if form == "sparse":
        import scipy.sparse as sp

        if X.dtype == np.float16:
            X = X.astype(np.float32)  # scipy.sparse has no float16
        return sp.csr_matrix(X) if X.dtype.kind in "biuf" else X
    if form == "pandas":
        import pandas as pd

        frame = pd.DataFrame(X, columns=[f"c{j}" for j in range(d)])
        column = _extra_column(spec["mixed"], rng, n)
        if column is not None:
            frame[spec["mixed"]] = column
        return frame
    return X


#: Extra column of a pandas X: every column dtype a user's frame may hold.
MIXED = ["none", "category", "category_int", "string", "string_dtype", "arrow_string",
         "nullable", "nullable_na", "boolean", "float_nullable", "bool"]  # fmt: skip


def _extra_column(kind, rng, n):
    """A column of the given kind (None for "none"); pandas is imported by the
    caller. Arrow-backed strings fall back to Python strings without pyarrow."""
    import pandas as pd

    if kind == "category":  # str categories
        return pd.Categorical(rng.choice(["a", "b", "c"], n))
    if kind == "category_int":
        return pd.Categorical(rng.integers(0, 3, n))
    if kind == "string":  # pandas' default str dtype
        return rng.choice(["u", "v"], n)
    if kind == "string_dtype":
        return pd.array(rng.choice(["u", "v"], n), dtype="string[python]")
    if kind == "arrow_string":
        try:
            return pd.array(rng.choice(["u", "v"], n), dtype="string[pyarrow]")
        except ImportError:
            return pd.array(rng.choice(["u", "v"], n), dtype="string[python]")
    if kind == "nullable":
        return pd.array(rng.integers(0, 5, n), dtype="Int64")
    if kind == "nullable_na":
        values = pd.array(rng.integers(0, 5, n), dtype="Int64")
        values[0] = pd.NA
        return values
    if kind == "boolean":
        return pd.array(rng.random(n) < 0.5, dtype="boolean")
    if kind == "float_nullable":
        return pd.array(rng.standard_normal(n), dtype="Float64")
    if kind == "bool":
        return rng.random(n) < 0.5
    return None


def _labels(spec, rng, n):
    kind = spec["y"]
    if kind == "int":
        y = rng.integers(0, spec["n_classes"], n)
        y[: spec["n_classes"]] = np.arange(min(n, spec["n_classes"]))
        return y
    if kind == "str":
        return np.array(["neg", "pos", "mid"])[
            _labels({**spec, "y": "int"}, rng, n) % 3
        ]
    if kind == "onehot":
        return np.eye(spec["n_classes"])[_labels({**spec, "y": "int"}, rng, n)]
    if kind == "nan":
        y = rng.standard_normal(n)
        y[0] = np.nan
        return y
    if kind == "category":  # a pandas categorical Series of str labels
        import pandas as pd

        return pd.Series(_labels({**spec, "y": "str"}, rng, n), dtype="category")
    return rng.standard_normal(n) * 2.0 ** _float_exp("float64", spec["exp"])


def _has_nonfinite(X):
    if hasattr(X, "select_dtypes"):
        num = X.select_dtypes(["number", "bool"]).to_numpy(
            dtype=np.float64, na_value=np.nan
        )
        return not np.isfinite(num).all()
    if hasattr(X, "toarray"):
        return not np.isfinite(X.data).all()
    arr = np.asarray(X)
    return arr.dtype.kind in "fc" and not np.isfinite(arr).all()


def _numeric(X):
    if hasattr(X, "toarray"):
        return X.toarray().astype(np.float64)
    if hasattr(X, "select_dtypes"):
        return X.select_dtypes(["number", "bool"]).to_numpy(dtype=np.float64)
    return np.asarray(X, dtype=np.float64)


def _coarsest_eps(X):
    """Relative rounding of the least precise float column of ``X``."""
    if hasattr(X, "columns"):
        dtypes = list(X.dtypes)
    else:
        dtypes = [getattr(X, "dtype", None) or np.asarray(X).dtype]
    sizes = [np.dtype(d).itemsize for d in dtypes if np.dtype(d).kind == "f"]
    return {2: 2.0**-10, 4: 2.0**-23}.get(min(sizes, default=8), 2.0**-52)


def _in_range(out, X, what, eps=2.0**-52):
    """Each column of a mix lies within the range of that column of the data
    (mixes are convex combinations), within a rounding of ``eps``."""
    out = np.asarray(out, dtype=np.float64).reshape(len(out), -1)
    X = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    lo, hi = X.min(axis=0), X.max(axis=0)
    tol = 4 * eps * np.maximum(np.abs(lo), np.abs(hi)) + 1e-300
    assert (out >= lo - tol).all() and (out <= hi + tol).all(), (
        f"{what} outside the data's range"
    )


AUG_NAMES = ("X", "y", "k", "alpha", "n_synthetic", "keep_original", "target", "metric",
             "match_on", "random_state", "sampling_strategy", "categorical_features",
             "sample_weight")  # fmt: skip


def case_augmenter(spec):
    from skmixup import KMixupAugmenter

    rng = np.random.default_rng(spec["seed"])
    X = _table(spec, rng)
    y = _labels(spec, rng, spec["n"])
    params = dict(spec["params"])
    inputs = {"X": np.asarray(X) if spec["form"] != "sparse" else X.copy(), "y": y}
    frame_before = X.copy() if hasattr(X, "copy") and spec["form"] == "pandas" else None
    with unchanged(y=y):
        res, exc = call(KMixupAugmenter(**params).fit_resample, X, y, names=AUG_NAMES)
    if frame_before is not None:
        assert X.equals(frame_before), "fit_resample modified the DataFrame X"
    elif spec["form"] == "numpy":
        assert _same(X, _snapshot(inputs["X"])), "fit_resample modified X"
    numeric = spec["dtype"] in ("float64", "float32", "float16", "int64", "bool")
    moderate = abs(spec["exp"]) <= 60 and spec["dist"] != "wide"
    expect_ok = (
        numeric and not _has_nonfinite(X) and spec["y"] in ("int", "str", "onehot")
        and params.get("target", "hard") in ("hard", "soft") and spec["n"] >= 4
        and spec["mixed"] in ("none", "bool") and spec["form"] in ("numpy", "pandas", "list")
        and moderate and not spec.get("bad_param")
    )  # fmt: skip
    if exc is not None:
        assert not expect_ok, f"valid input raised {exc!r}"
        return "error"
    assert not _has_nonfinite(X), "non-finite X accepted"
    X_res, y_res = res
    assert len(X_res) == len(y_res)
    assert np.shape(X_res)[1] == np.shape(X)[1], (
        f"X_res has {np.shape(X_res)} columns, X {np.shape(X)}"
    )
    if spec["dtype"] not in ("float64", "float32", "float16", "int64", "bool"):
        return "ok"  # strings or objects accepted: nothing numeric to check
    Xn, Xr = _numeric(X), _numeric(X_res)
    assert np.isfinite(Xr).all(), "finite X gave non-finite X_res"
    if Xn.shape[1] == Xr.shape[1]:
        _in_range(Xr, Xn, "X_res", _coarsest_eps(X_res))
        if (
            params.get("keep_original", True)
            and params.get("sampling_strategy") is None
        ):
            np.testing.assert_array_equal(Xr[: len(Xn)], Xn.astype(Xr.dtype))
    target = params.get("target", "hard")
    yr = np.asarray(y_res)
    if target == "hard":
        y_arr = np.asarray(y)
        seen = {tuple(np.atleast_1d(v).tolist()) for v in y_arr}
        got = {tuple(np.atleast_1d(v).tolist()) for v in yr}
        assert got <= seen, f"hard labels outside the classes: {got - seen}"
    elif target == "soft":
        yr = yr.astype(np.float64)
        assert ((yr >= 0) & (yr <= 1 + 1e-12)).all()
        np.testing.assert_allclose(yr.sum(axis=1), 1.0, atol=1e-9)
    else:
        _in_range(yr, np.asarray(y, dtype=np.float64), "y_res")
    return "ok"


def case_augmenter_scale(spec):
    """X * 2**e resampled equals 2**e * (X resampled), same random_state."""
    from skmixup import KMixupAugmenter

    rng = np.random.default_rng(spec["seed"])
    X = rng.standard_normal((spec["n"], spec["d"])) * 2.0 ** spec["exp"]
    y = rng.integers(0, 2, spec["n"])
    y[:2] = [0, 1]
    e = spec["e"]
    with np.errstate(over="ignore", under="ignore"):
        Xs = np.ldexp(X, e)
    if not (np.isfinite(Xs).all() and np.array_equal(np.ldexp(Xs, -e), X)):
        return "not representable"
    aug = KMixupAugmenter(**spec["params"], random_state=spec["seed"])
    r0, e0 = call(aug.fit_resample, X, y, names=AUG_NAMES)
    r1, e1 = call(aug.fit_resample, Xs, y, names=AUG_NAMES)
    if e0 is not None or e1 is not None:
        return "error"
    with np.errstate(over="ignore", under="ignore"):
        back = np.ldexp(r1[0], -e)
    tiny = np.ldexp(1.0, -1022 + max(0, -e))
    ok = np.abs(back - r0[0]) <= 4 * 2.0**-52 * np.abs(r0[0]) + tiny
    assert ok.all(), f"X_res changes beyond rounding under scaling by 2**{e}"
    np.testing.assert_array_equal(r0[1], r1[1])
    return "ok"


def case_estimator(spec):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    from skmixup import KMixupEstimator

    rng = np.random.default_rng(spec["seed"])
    X = _table(spec, rng)
    y = _labels(spec, rng, spec["n"])
    inner = {
        "tree_c": DecisionTreeClassifier(random_state=0),
        "tree_r": DecisionTreeRegressor(random_state=0),
        "logreg": LogisticRegression(max_iter=200),
        "ridge": Ridge(),
    }[spec["inner"]]
    est = KMixupEstimator(inner, **spec["params"])
    names = AUG_NAMES + ("estimator",)
    if _y_is_the_fault(spec, regressor=spec["inner"] in ("tree_r", "ridge")):
        names = ("y",)
    with unchanged(y=y):
        fitted, exc = call(est.fit, X, y, names=names)
    if exc is not None:
        return "error"
    assert not _has_nonfinite(X), "non-finite X accepted"
    pred, exc = call(est.predict, X, names=("X",))
    assert exc is None, f"predict on the training data raised {exc!r}"
    assert len(pred) == spec["n"]
    if np.asarray(pred).dtype.kind == "f":
        assert np.isfinite(pred).all(), "finite X gave non-finite predictions"
    if hasattr(est, "predict_proba"):
        proba = est.predict_proba(X)
        assert np.isfinite(proba).all(), "non-finite probabilities"
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    return "ok"


def _clean_X(spec):
    """X of the spec holds only moderate finite numbers (and bools)."""
    return (
        spec["dtype"] in ("float64", "float32", "int64") and not spec["bad"]
        and spec["mixed"] in ("none", "bool", "boolean", "nullable", "float_nullable")
        and spec["form"] in ("numpy", "pandas", "list")
        and abs(spec["exp"]) <= 60 and spec["dist"] != "wide" and spec["n"] >= 4
    )  # fmt: skip


def _y_is_the_fault(spec, regressor):
    """Text labels for a regressor with a clean X: the error must name y (not
    X, not nothing)."""
    return regressor and spec["y"] in ("str", "category") and _clean_X(spec)


def case_net(spec):
    from skmixup import KMixupClassifier, KMixupRegressor

    rng = np.random.default_rng(spec["seed"])
    X = _table(spec, rng)
    y = _labels(spec, rng, spec["n"])
    kind = spec.get("cls") or (
        "classifier" if spec["y"] in ("int", "str") else "regressor"
    )
    cls = KMixupClassifier if kind == "classifier" else KMixupRegressor
    net = cls(max_epochs=spec["epochs"], batch_size=spec["batch_size"], random_state=0,
              **spec["params"])  # fmt: skip
    names = AUG_NAMES + ("batch_size", "module", "max_epochs")
    if _y_is_the_fault(spec, regressor=cls is KMixupRegressor):
        names = ("y",)
    with unchanged(y=y):
        _, exc = call(net.fit, X, y, names=names)
    if exc is not None:
        return "error"
    assert not _has_nonfinite(X), "non-finite X accepted"
    pred, exc = call(net.predict, X, names=("X",))
    if exc is not None:
        return "error in predict"
    assert len(pred) == spec["n"]
    if np.asarray(pred).dtype.kind == "f":
        assert np.isfinite(pred).all(), "finite X gave non-finite predictions"
    if cls is KMixupClassifier:
        proba = net.predict_proba(X)
        assert np.isfinite(proba).all(), "non-finite probabilities"
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    return "ok"


def _csv_text(spec, rng):
    n, d = spec["n"], spec["d"]
    cells = []
    for j in range(d):
        kind = spec["columns"][j % len(spec["columns"])]
        if kind == "float":
            # written as text: 1e320 is beyond float64 (parses as inf)
            col = [f"{v:.6f}e{spec['exp']}" for v in rng.standard_normal(n)]
        elif kind == "int":
            col = [str(int(v)) for v in rng.integers(-5, 5, n)]
        elif kind == "str":
            col = [str(v) for v in rng.choice(["a", "b", "c d", ""], n)]
        elif kind == "missing":
            col = [str(v) for v in rng.choice(["1.5", "?", "NA", "2"], n)]
        else:  # quoted and unicode
            col = [str(v) for v in rng.choice(['"x,y"', "é", "ünï", "1e400"], n)]
        cells.append(col)
    rows = [",".join(r) for r in zip(*cells)]
    header = ",".join(f"col{j}" for j in range(d))
    return "\n".join(([header] if spec["header_row"] else []) + rows) + "\n"


#: Degenerate CSV files that load_dataset must refuse with a clear error (or,
#: for the last ones, load correctly).
DEGENERATE = {
    "empty": "",
    "blank_lines": "\n \n\n",
    "bom_only": "\ufeff",
    "header_only": "a,b,label\n",
    "header_only_no_newline": "a,b,label",
    "header_one_row": "a,b,label\n1,2,x\n",
    "one_numeric_row": "1,2,3\n",
    "one_column": "label\n1\n2\n3\n",
    "commas_only": ",,\n,,\n",
    "inf_target": "a,y\n1,2.5\n2,inf\n3,1.5\n",
    "huge_target": "a,y\n1,2.5\n2,1e400\n3,1.5\n",
    "text_and_numbers_target": "a,y\n1,2.5\n2,x\n3,1.5\n",
    "two_rows": "a,y\n1,0\n2,1\n",
}


def case_load_dataset(spec):
    from skmixup.datasets import load_dataset

    rng = np.random.default_rng(spec["seed"])
    kwargs = dict(spec["kwargs"])
    with tempfile.TemporaryDirectory() as tmp:
        if spec["source"] == "name":
            target = spec["name"]
        else:
            target = os.path.join(tmp, spec["filename"])
            if spec["source"] == "bytes":
                data = rng.bytes(spec["n"] * 7)
            elif spec["source"] == "degenerate":
                data = DEGENERATE[spec["degenerate"]].encode()
            else:
                data = _csv_text(spec, rng).encode()
            if spec["gzip"] == "yes":
                data = gzip.compress(data)
            elif spec["gzip"] == "truncated":
                data = gzip.compress(data)[: max(1, len(data) // 2)]
            with open(target, "wb") as fh:
                fh.write(data)
        base = os.path.basename(target)
        try:
            bunch, exc = call(load_dataset, target,
                              names=("name_or_path", "target", "header", "as_frame", base),
                              **kwargs)  # fmt: skip
        except FileNotFoundError as err:
            assert base in str(err), f"FileNotFoundError does not name the file: {err}"
            return "error"
    if exc is not None:
        return "error"
    data = np.asarray(bunch.data, dtype=np.float64)
    assert data.ndim == 2 and len(bunch.target) == len(data), "inconsistent shapes"
    assert len(data) >= 2, f"a dataset of {len(data)} sample(s) was loaded"
    target = np.asarray(bunch.target)
    if target.dtype.kind == "f":
        assert np.isfinite(target).all(), "non-finite target loaded"
    if bunch.task == "classification":
        header = {str(c) for c in getattr(bunch, "feature_names", [])}
        assert not (set(map(str, target)) & {"label", "target"} - header), (
            "a header field was loaded as a label"
        )
    assert np.isfinite(data).all(), "non-finite features loaded"
    assert len(bunch.feature_names) == data.shape[1]
    return "ok"


def _strategy(spec):
    """A sampling_strategy value from its spec (callables are built here, in
    the worker, as specs must be picklable)."""
    kind, value = spec["strategy"]
    if kind == "callable_dict":
        return lambda y: {c: value for c in np.unique(y)}
    if kind == "callable_list":
        return lambda y: [value for _ in np.unique(y)]
    if kind == "dict":
        return dict(value)
    return value


def case_sampling_strategy(spec):
    """KMixupAugmenter(sampling_strategy=...): each class gets exactly the
    integer number of synthetic points ``sampling_strategy_`` says, mixed
    inside the class, after the original rows."""
    from skmixup import KMixupAugmenter

    rng = np.random.default_rng(spec["seed"])
    counts = spec["counts"]
    y = np.repeat(np.arange(len(counts)), counts)
    rng.shuffle(y)
    X = rng.standard_normal((len(y), spec["d"]))
    aug = KMixupAugmenter(k=spec["k"], sampling_strategy=_strategy(spec),
                          random_state=spec["seed"])  # fmt: skip
    with unchanged(X=X, y=y):
        res, exc = call(aug.fit_resample, X, y, names=("sampling_strategy", "y", "k"))
    if exc is not None:
        return "error"
    X_res, y_res = res
    if spec["strategy"][1] is None:  # plain augmentation: no strategy to check
        assert len(y_res) > len(y) and not hasattr(aug, "sampling_strategy_")
        return "ok"
    made = aug.sampling_strategy_
    assert all(isinstance(v, (int, np.integer)) and v >= 0 for v in made.values()), (
        f"sampling_strategy_ holds non-integer or negative counts: {made}"
    )
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    for c in np.unique(y):
        got = int((y_res[len(y) :] == c).sum())
        assert got == made.get(c, 0), (
            f"class {c}: {got} synthetic points, sampling_strategy_ says {made.get(c, 0)}"
        )
    # synthetic points of a class are mixes of two points of that class
    pairs = np.asarray(aug.pairs_)
    assert (y[pairs[:, 0]] == y_res[len(y) :]).all()
    assert (y[pairs[:, 1]] == y_res[len(y) :]).all()
    return "ok"


def _protocol_module(defect):
    """A small MLP with the manifold-mixing protocol of skmixup.modules, and
    one defect (or none)."""
    import torch
    from torch import nn

    class ProtocolNet(nn.Module):
        def __init__(self, n_features=3, n_outputs=2, hidden=6):
            super().__init__()
            self.blocks = nn.ModuleList(
                [nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU()),
                 nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU())]
            )  # fmt: skip
            self.out = nn.Linear(hidden, n_outputs)
            self.mix_points = {"mix_points_str": "2", "mix_points_float": 1.5,
                               "mix_points_negative": -1,
                               "mix_points_none": None}.get(defect, 2)  # fmt: skip

        def forward_head(self, X, point):
            for block in self.blocks[:point]:
                X = block(X)
            if defect == "head_drops_row" and point > 0:
                X = X[:-1]
            if defect == "head_widens" and point > 0:
                X = torch.cat([X, X], dim=1)
            return X

        def forward_tail(self, H, point):
            for block in self.blocks[point:]:
                H = block(H)
            return self.out(H)

        def forward(self, X):
            return self.forward_tail(self.forward_head(X, 0), 0)

    return ProtocolNet


MIX_NAMES = ("mix_layer", "module", "mix_points", "forward_head", "forward_tail",
             "X", "y", "k")  # fmt: skip


def case_mix_layer(spec):
    """KMixupClassifier with a custom module implementing the protocol."""
    from skmixup import KMixupClassifier

    rng = np.random.default_rng(spec["seed"])
    n, d = spec["n"], spec["d"]
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = np.arange(n) % 2
    net = KMixupClassifier(
        module=_protocol_module(spec["defect"]), module__n_features=d,
        module__n_outputs=2, mix_layer=spec["mix_layer"], k=spec["k"],
        max_epochs=spec["epochs"], batch_size=spec["batch_size"], random_state=0,
    )  # fmt: skip
    names = MIX_NAMES
    if spec["defect"] != "none":  # the module is at fault: the error says so
        names = ("module", "mix_layer", "mix_points", "forward_head", "forward_tail")
    with unchanged(X=X, y=y):
        _, exc = call(net.fit, X, y, names=names)
    layers = spec["mix_layer"]
    points = layers if isinstance(layers, (list, tuple)) else [layers]
    valid = (
        spec["defect"] == "none" and len(points) > 0
        and all(isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 2
                for p in points)
    )  # fmt: skip
    if exc is not None:
        assert not valid, f"valid input raised {exc!r}"
        return "error"
    # a defective head or tail is only reached when a hidden place is drawn:
    # with 0 among the places, every batch may have been mixed at the input
    drawn_maybe_input = spec["defect"].startswith("head") and 0 in points
    assert valid or drawn_maybe_input or all(p == 0 for p in points), (
        f"the defect {spec['defect']!r} with mix_layer={layers!r} was accepted"
    )
    proba = net.predict_proba(X)
    assert proba.shape == (n, 2) and np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    return "ok"


ROBUST_NAMES = ("estimator", "X", "y", "sigmas", "epsilons", "n_repeats",
                "random_state", "clip", "batch_size")  # fmt: skip


def _robust_input(kind, X, y, rng):
    if kind == "features":
        return X[:, :-1], y
    if kind == "strings":
        return X.astype(str), y
    if kind == "nan":
        X = X.copy()
        X[0, 0] = np.nan
        return X, y
    if kind == "one_row":
        return X[0], y[:1]
    if kind == "empty":
        return X[:0], y[:0]
    if kind == "y_short":
        return X, y[:-1]
    if kind == "y_unknown":
        return X, np.where(y == 0, 7, y)
    if kind == "y_2d":
        return X, y[:, None]
    if kind == "list":
        return X.tolist(), y.tolist()
    if kind == "frame":
        import pandas as pd

        return pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]), y
    return X, y


def case_robustness(spec):
    """noise_accuracy and fgsm_accuracy: a curve of accuracies in [0, 1] whose
    level 0 is the clean score, or an error naming the argument."""
    from sklearn.linear_model import LogisticRegression

    from skmixup import KMixupClassifier
    from skmixup.robustness import fgsm_accuracy, noise_accuracy

    rng = np.random.default_rng(spec["seed"])
    n, d = spec["n"], spec["d"]
    X = rng.standard_normal((n, d))
    y = np.arange(n) % 2
    if spec["estimator"] == "logreg":
        est = LogisticRegression().fit(X, y)
    elif spec["estimator"] == "unfitted":
        est = KMixupClassifier(max_epochs=1)
    else:
        est = KMixupClassifier(k=2, max_epochs=1, module__hidden_units=4,
                               random_state=0).fit(X, y)  # fmt: skip
    Xc, yc = _robust_input(spec["input"], X, y, rng)
    kwargs = dict(spec["kwargs"])
    fn = noise_accuracy if spec["fn"] == "noise" else fgsm_accuracy
    levels = {"sigmas" if fn is noise_accuracy else "epsilons": spec["levels"]}
    # NotFittedError is a ValueError: its message must name estimator too
    curve, exc = call(fn, est, Xc, yc, names=ROBUST_NAMES, **levels, **kwargs)
    if exc is not None:
        return "error"
    acc = np.asarray(curve.accuracies)
    assert ((acc >= 0) & (acc <= 1)).all(), f"accuracies outside [0, 1]: {acc}"
    level_values = np.atleast_1d(np.asarray(spec["levels"], dtype=np.float64))
    assert acc.shape[0] == len(level_values)
    for i in np.flatnonzero(level_values == 0):
        assert (acc[i] == est.score(np.asarray(Xc, dtype=np.float64), yc)).all(), (
            "level 0 is not the clean accuracy"
        )
    return "ok"


def case_cli(spec):
    """Benchmark command lines, parsed only: the options come back as valid
    values, or the parser exits 2 with one error line naming the option."""
    import io
    from contextlib import redirect_stderr

    from skmixup.benchmarks.__main__ import build_parser

    argv = [spec["command"]]
    for option, value in spec["options"]:
        argv += [option, value]
    err = io.StringIO()
    try:
        with redirect_stderr(err):
            args = build_parser().parse_args(argv)
    except SystemExit as exit:
        assert exit.code == 2, f"exit code {exit.code}"
        lines = [line for line in err.getvalue().splitlines() if "error:" in line]
        assert len(lines) == 1, err.getvalue()
        assert any(option in lines[0] for option, _ in spec["options"]), lines[0]
        return "error"
    checks = {
        "n_jobs": lambda v: v is None or v >= 1 or v == -1,
        "outer_splits": lambda v: v is None or v >= 2,
        "inner_splits": lambda v: v is None or v >= 2,
        "outer_repeats": lambda v: v is None or v >= 1,
        "seed": lambda v: 0 <= v < 2**31,
        "ks": lambda v: v is None or all(k >= 2 for k in v),
        "alphas": lambda v: v is None or all(np.isfinite(a) and a >= 0 for a in v),
        "max_train": lambda v: v is None or v >= 1,
        "steps": lambda v: v is None or v >= 1,
        "batch_size": lambda v: v is None or v >= 1,
    }
    for name, ok in checks.items():
        if hasattr(args, name):
            assert ok(getattr(args, name)), f"--{name} accepted {getattr(args, name)!r}"
    return "ok"


CASES = {
    "match_batches": case_match_batches,
    "kmixup_batch": case_kmixup_batch,
    "kmixup_pairs": case_kmixup_pairs,
    "scale": case_scale,
    "augmenter": case_augmenter,
    "augmenter_scale": case_augmenter_scale,
    "estimator": case_estimator,
    "net": case_net,
    "load_dataset": case_load_dataset,
    "sampling_strategy": case_sampling_strategy,
    "mix_layer": case_mix_layer,
    "robustness": case_robustness,
    "cli": case_cli,
}


def _serve(conn):
    """The worker's loop: (case, spec) in, (status, detail) out."""
    import warnings

    warnings.simplefilter("ignore")
    threads = int(os.environ.get("SKMIXUP_TORCH_THREADS") or 1)
    import torch

    torch.set_num_threads(threads)
    from skmixup import kmixup_batch, match_batches

    # Compile the kernels now, outside the per-call time bound: every dtype
    # the matching specialises on, fused (few features) and BLAS paths, both
    # metrics, numpy and torch.

    rng = np.random.default_rng(0)
    for dtype in (np.float64, np.float32):
        for d in (3, 200):
            for k in (2, 8, 20):
                for metric in ("euclidean", "sqeuclidean"):
                    X = rng.standard_normal((4 * k, d)).astype(dtype)
                    kmixup_batch(X, k=k, metric=metric, random_state=0)
                    kmixup_batch(
                        torch.from_numpy(X), k=k, metric=metric, random_state=0
                    )
                    match_batches(X[:k], X[k : 2 * k], metric=metric)
    conn.send(("ready", ""))
    while True:
        try:
            case, spec = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", CASES[case](spec)))
        except AssertionError:
            conn.send(("fail", traceback.format_exc(limit=-3)))
        except BaseException as exc:  # noqa: BLE001 - any other error breaks the contract
            conn.send(("fail", f"{type(exc).__name__} (not ValueError/TypeError):\n"
                       + traceback.format_exc(limit=-6)))  # fmt: skip


# ---------------------------------------------------------------------------
# Parent side: the worker process
# ---------------------------------------------------------------------------


class Worker:
    """A persistent worker process; a call that does not answer within
    ``CALL_TIMEOUT`` seconds is a hang, a worker that dies is a crash."""

    def __init__(self):
        self.proc = None
        self.conn = None

    def _start(self):
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=runpy.run_path,
            args=(__file__,),
            kwargs={"init_globals": {"_CONN": child}, "run_name": WORKER},
            daemon=True,
        )
        self.proc.start()
        child.close()
        self.conn = parent
        status, detail = self._receive(START_TIMEOUT, "starting the fuzz worker")
        assert status == "ready", detail

    def _receive(self, timeout, what):
        if self.conn.poll(timeout):
            try:
                return self.conn.recv()
            except (EOFError, OSError):
                pass
            self.proc.join(10)
            code = self.proc.exitcode
            self.proc = None
            raise AssertionError(f"the process crashed ({_exit(code)}) while {what}")
        self.stop()
        raise AssertionError(f"no answer within {timeout:.0f} s (a hang) while {what}")

    def run(self, case, spec):
        if self.proc is None or not self.proc.is_alive():
            self._start()
        self.conn.send((case, spec))
        try:
            status, detail = self._receive(CALL_TIMEOUT, f"running {case} on {spec!r}")
        except AssertionError as exc:
            status, detail = "fail", str(exc)
        if status != "ok":
            _log_failure(case, spec, detail)
            if not COLLECT:
                raise AssertionError(
                    f"{case} broke the contract on {spec!r}:\n{detail}"
                )
        return detail

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.join(10)
            self.proc = None


#: Exploration mode: ``SKMIXUP_FUZZ_LOG=path`` appends every failure (case,
#: spec, message) to a file as JSON lines; with ``SKMIXUP_FUZZ_COLLECT=1`` the
#: tests then go on instead of failing, to list many distinct failures at once.
FUZZ_LOG = os.environ.get("SKMIXUP_FUZZ_LOG")
COLLECT = bool(FUZZ_LOG) and os.environ.get("SKMIXUP_FUZZ_COLLECT") == "1"


def _log_failure(case, spec, detail):
    if FUZZ_LOG:
        import json

        with open(FUZZ_LOG, "a") as fh:
            fh.write(
                json.dumps({"case": case, "spec": repr(spec), "detail": detail}) + "\n"
            )


def _exit(code):
    if code is not None and code < 0:
        import signal

        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


@pytest.fixture(scope="module")
def worker():
    w = Worker()
    yield w
    w.stop()


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

BAD = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["nan", "inf", "-inf"])),
               max_size=2)  # fmt: skip


@st.composite
def array_specs(draw, shape, *, lib=None, real_only=False):
    lib = lib or draw(st.sampled_from(["numpy", "torch"]))
    real = NUMPY_REAL if lib == "numpy" else TORCH_REAL
    other = NUMPY_OTHER if lib == "numpy" else TORCH_OTHER
    dtypes = real if real_only else real + other
    dtype = draw(st.sampled_from(real[:3]) | st.sampled_from(dtypes))
    return {
        "lib": lib,
        "dtype": dtype,
        "shape": tuple(shape),
        "seed": draw(st.integers(0, 2**16)),
        "exp": draw(st.sampled_from([0, 0, 3, -3]) | st.integers(-1020, 1020)),
        "dist": draw(st.sampled_from(["normal", "normal", "ties", "constant", "wide"])),
        "bad": draw(st.just([]) | BAD),
        "layout": draw(st.sampled_from(["c", "c", "strided", "transposed"])),
        "grad": lib == "torch" and draw(st.booleans()),
    }


def _bad_value():
    return st.sampled_from([0, -1, 2.5, "8", None, True, np.nan, np.inf, [3]])


@st.composite
def match_specs(draw):
    lead = draw(
        st.sampled_from([(), (1,), (3,), (2, 2)])
        | st.lists(st.integers(0, 3), max_size=2)
    )
    k = draw(st.integers(1, 9) | st.sampled_from([0, 12, 17]))
    d = draw(st.integers(1, 6) | st.sampled_from([0, 130]))
    shape = tuple(lead) + (k, d)
    A = draw(array_specs(shape))
    B = dict(A, seed=A["seed"] + 1, bad=draw(st.just([]) | BAD))
    if draw(st.integers(0, 9)) == 0:
        B = draw(array_specs(draw(st.sampled_from([shape, (k + 1, d), (k,)]))))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["metric"] = draw(
            st.sampled_from(["euclidean", "sqeuclidean"]) | _bad_value()
        )
    if draw(st.booleans()):
        kwargs["solver"] = draw(
            st.sampled_from(["auto", "jv", "scipy", "brute"]) | _bad_value()
        )
    return {"A": A, "B": B, "kwargs": kwargs}


def _k_alpha_kwargs(draw):
    kwargs = {"k": draw(st.integers(1, 10) | st.sampled_from([1, 64, 200]))}
    if draw(st.integers(0, 9)) == 0:
        kwargs["k"] = draw(_bad_value())
    kwargs["alpha"] = draw(st.sampled_from([1.0, 0.2, 0.0, 4.0]))
    if draw(st.integers(0, 9)) == 0:
        kwargs["alpha"] = draw(_bad_value() | st.just(-1.0))
    kwargs["metric"] = draw(st.sampled_from(["euclidean", "sqeuclidean"]))
    kwargs["random_state"] = draw(st.integers(0, 2**31 - 1) | st.just(None))
    if draw(st.integers(0, 19)) == 0:
        kwargs["random_state"] = draw(st.sampled_from(["seed", 1.5, -1]))
    return kwargs


@st.composite
def batch_specs(draw):
    n = draw(st.integers(2, 40) | st.sampled_from([0, 1, 130]))
    trailing = draw(st.sampled_from([(3,), (1,), (5,), (2, 3), (1, 4, 4), (), (140,)]))
    lib = draw(st.sampled_from(["numpy", "torch"]))
    X = draw(array_specs((n,) + trailing, lib=lib))
    spec = {"X": X, "kwargs": _k_alpha_kwargs(draw)}
    y_kind = draw(st.sampled_from([None, "onehot", "regression", "labels"]))
    if y_kind is not None:
        m = draw(st.integers(2, 4))
        if y_kind == "onehot":
            Y = {"lib": lib, "dtype": draw(st.sampled_from(["float32", "float64"])),
                 "shape": (n, m), "seed": 0, "exp": 0, "dist": "onehot", "bad": [],
                 "layout": "c", "onehot": True}  # fmt: skip
        else:
            shape = (n,) if y_kind == "labels" else (n, draw(st.integers(1, 3)))
            Y = draw(array_specs(shape, lib=lib, real_only=True))
        spec["Y"] = Y
    if draw(st.integers(0, 3)) == 0:
        spec["match_on"] = draw(array_specs((n, draw(st.integers(1, 4))), lib=lib))
    return spec


@st.composite
def table_specs(draw, *, nets=False):
    n = draw(st.integers(4, 24) | st.sampled_from([1, 2, 3]))
    spec = {
        "n": n,
        "d": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 2**16)),
        "dtype": draw(
            st.sampled_from(
                [
                    "float64",
                    "float64",
                    "float32",
                    "int64",
                    "bool",
                    "str",
                    "object",
                    "complex128",
                    "float16",
                ]
            )
        ),  # fmt: skip
        "exp": draw(st.sampled_from([0, 0, 5, -5]) | st.integers(-1000, 1000)),
        "dist": draw(st.sampled_from(["normal", "normal", "ties", "constant", "wide"])),
        "bad": draw(st.just([]) | BAD),
        "layout": "c",
        "form": draw(st.sampled_from(["numpy", "numpy", "pandas", "list", "sparse"])),
        "mixed": draw(st.sampled_from(["none", "none", *MIXED[1:]])),
        "y": draw(
            st.sampled_from(["int", "int", "str", "onehot", "continuous", "nan"])
        ),
        "n_classes": draw(st.integers(2, 3)),
    }
    return spec


@st.composite
def augmenter_specs(draw):
    spec = draw(table_specs())
    params = {"random_state": draw(st.integers(0, 100)), "k": draw(st.integers(1, 10))}
    if draw(st.booleans()):
        params["alpha"] = draw(st.sampled_from([0.0, 0.5, 2.0]))
    if draw(st.booleans()):
        params["n_synthetic"] = draw(st.sampled_from([0.5, 1.0, 2.0, 3]))
    if draw(st.booleans()):
        params["keep_original"] = False
    params["target"] = (
        "continuous" if spec["y"] in ("continuous", "nan")
        else draw(st.sampled_from(["hard", "soft"]))
    )  # fmt: skip
    if draw(st.booleans()):
        params["match_on"] = draw(st.sampled_from(["raw", "standardized"]))
    if draw(st.integers(0, 9)) == 0:
        params[
            draw(st.sampled_from(["k", "alpha", "n_synthetic", "metric", "target"]))
        ] = draw(_bad_value())
        spec["bad_param"] = True
    spec["params"] = params
    return spec


# ---------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------


HAVE_PANDAS = importlib.util.find_spec("pandas") is not None
HAVE_IMBLEARN = importlib.util.find_spec("imblearn") is not None


def _needs_pandas(spec):
    return (
        spec.get("form") == "pandas" or spec.get("y") == "category"
        or spec.get("input") == "frame" or spec.get("kwargs", {}).get("as_frame")
    )  # fmt: skip


def _run(worker, count_example, case, spec):
    if _needs_pandas(spec) and not HAVE_PANDAS:
        return  # an example that cannot run without pandas (an optional extra)
    count_example(f"test_fuzz.py::{case}")
    worker.run(case, spec)


@settings(max_examples=_n(3.5), phases=NO_SHRINK)
@given(spec=match_specs())
def test_match_batches(worker, count_example, spec):
    _run(worker, count_example, "match_batches", spec)


@settings(max_examples=_n(3.0), phases=NO_SHRINK)
@given(spec=batch_specs())
def test_kmixup_batch(worker, count_example, spec):
    _run(worker, count_example, "kmixup_batch", spec)


@st.composite
def pairs_specs(draw):
    n = draw(st.integers(2, 40) | st.sampled_from([0, 1]))
    shape = draw(st.sampled_from([(n, 2), (n, 5), (n, 130), (n,), (n, 2, 2)]))
    return {"match_on": draw(array_specs(shape)), "kwargs": _k_alpha_kwargs(draw)}


@settings(max_examples=_n(1.5), phases=NO_SHRINK)
@given(spec=pairs_specs())
def test_kmixup_pairs(worker, count_example, spec):
    _run(worker, count_example, "kmixup_pairs", spec)


@st.composite
def scale_specs(draw):
    fn = draw(st.sampled_from(["match_batches", "kmixup_pairs"]))
    k = draw(st.integers(2, 9))
    if fn == "match_batches":
        shape = (draw(st.integers(1, 4)), 2 * k, draw(st.integers(1, 5)))
    else:
        shape = (draw(st.integers(4, 40)), draw(st.sampled_from([1, 2, 5, 130])))
    lib = draw(st.sampled_from(["numpy", "torch"]))
    X = draw(array_specs(shape, lib=lib, real_only=True))
    X["bad"] = []
    X["dtype"] = draw(st.sampled_from(["float64", "float32"]))
    X["exp"] = draw(st.integers(-20, 20))
    low, high = (-1074, 1023) if X["dtype"] == "float64" else (-149, 127)
    return {"fn": fn, "X": X, "e": draw(st.integers(low, high)), "k": k,
            "seed": draw(st.integers(0, 1000)),
            "metric": draw(st.sampled_from(["euclidean", "sqeuclidean"]))}  # fmt: skip


@settings(max_examples=_n(1.0), phases=NO_SHRINK)
@given(spec=scale_specs())
def test_scale_safe_pairs(worker, count_example, spec):
    _run(worker, count_example, "scale", spec)


@settings(max_examples=_n(0.4))
@given(spec=st.integers(-3, 40) | st.sampled_from([True, 2.0, "4", None, np.int64(5), 2**70]),
       n=st.integers(-3, 100) | st.sampled_from([False, 3.5, "10", np.int32(7), 2**70]))  # fmt: skip
def test_effective_k(count_example, spec, n):
    # pure arithmetic: runs in this process
    from skmixup import effective_k

    count_example("test_fuzz.py::effective_k")
    valid = all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (spec, n)
    ) and spec >= 1 and n >= 0  # fmt: skip
    got, exc = call(effective_k, spec, n, names=("k", "n_samples"))
    if exc is None:
        assert valid, f"effective_k({spec!r}, {n!r}) accepted invalid input: {got!r}"
        assert got == max(1, min(int(spec), int(n) // 2)) and type(got) is int
    else:
        assert not valid, f"effective_k({spec!r}, {n!r}) raised {exc!r}"


@settings(max_examples=_n(0.6), phases=NO_SHRINK)
@given(spec=augmenter_specs())
def test_augmenter_fit_resample(worker, count_example, spec):
    _run(worker, count_example, "augmenter", spec)


@st.composite
def augmenter_scale_specs(draw):
    return {
        "n": draw(st.integers(4, 30)),
        "d": draw(st.integers(1, 4)),
        "seed": draw(st.integers(0, 1000)),
        "exp": draw(st.integers(-60, 60)),
        "e": draw(st.integers(-1074, 1023)),
        "params": {
            "k": draw(st.integers(1, 8)),
            "match_on": draw(st.sampled_from(["raw", "standardized"])),
            "metric": draw(st.sampled_from(["euclidean", "sqeuclidean"])),
        },  # fmt: skip
    }


@settings(max_examples=_n(0.2), phases=NO_SHRINK)
@given(spec=augmenter_scale_specs())
def test_augmenter_scale_safe(worker, count_example, spec):
    _run(worker, count_example, "augmenter_scale", spec)


@st.composite
def estimator_specs(draw):
    spec = draw(table_specs())
    spec["inner"] = (
        draw(st.sampled_from(["tree_c", "logreg"])) if spec["y"] in ("int", "str", "onehot")
        else draw(st.sampled_from(["tree_r", "ridge"]))
    )  # fmt: skip
    if spec["y"] == "str" and draw(st.integers(0, 4)) == 0:
        spec["inner"] = "ridge"  # text labels for a regressor: the error names y
    if spec["inner"] in ("logreg", "ridge"):
        spec["exp"] = max(-30, min(30, spec["exp"]))  # the inner model's own range
        spec["dist"] = "normal" if spec["dist"] == "wide" else spec["dist"]
    spec["params"] = {"k": draw(st.integers(1, 8)), "random_state": 0}
    return spec


@settings(max_examples=_n(0.5), phases=NO_SHRINK)
@given(spec=estimator_specs())
def test_estimator_fit_predict(worker, count_example, spec):
    _run(worker, count_example, "estimator", spec)


@st.composite
def net_specs(draw):
    spec = draw(table_specs())
    spec["n"] = min(spec["n"], 16)
    spec["y"] = draw(st.sampled_from(["int", "str", "continuous", "category"]))
    spec["cls"] = draw(st.sampled_from([None, None, "classifier", "regressor"]))
    spec["epochs"] = draw(st.integers(1, 3))
    spec["batch_size"] = draw(st.sampled_from([4, 8, 16, -1]))
    spec["params"] = {"k": draw(st.integers(1, 4))}
    return spec


@settings(max_examples=_n(0.1), phases=NO_SHRINK)
@given(spec=net_specs())
def test_nets_fit_predict(worker, count_example, spec):
    _run(worker, count_example, "net", spec)


@st.composite
def dataset_specs(draw):
    source = draw(st.sampled_from(["name", "csv", "csv", "bytes", "degenerate"]))
    spec = {
        "source": source,
        "seed": draw(st.integers(0, 2**16)),
        "n": draw(st.integers(0, 12)),
        "d": draw(st.integers(1, 4)),
        "exp": draw(st.sampled_from([0, 3, 300, 320, -320])),
        "columns": draw(
            st.lists(
                st.sampled_from(["float", "int", "str", "missing", "odd"]),
                min_size=1,
                max_size=3,
            )
        ),  # fmt: skip
        "header_row": draw(st.booleans()),
        "gzip": draw(st.sampled_from(["no", "no", "yes", "truncated"])),
        "filename": draw(
            st.sampled_from(["data.csv", "data.csv.gz", "weird name.txt"])
        ),
        "name": draw(
            st.sampled_from(
                ["iris", "wine", "heart", "bupa", "IRIS", "nope", "", "../x", "banana "]
            )
        ),  # fmt: skip
        "degenerate": draw(st.sampled_from(sorted(DEGENERATE))),
        "kwargs": {},
    }
    if draw(st.booleans()):
        spec["kwargs"]["target"] = draw(
            st.sampled_from([0, -1, "col0", "missing", 7, 1.5])
        )
    if draw(st.booleans()):
        spec["kwargs"]["header"] = draw(st.sampled_from(["infer", True, False, "yes"]))
    if draw(st.booleans()):
        spec["kwargs"]["as_frame"] = True
    return spec


@settings(max_examples=_n(0.5), phases=NO_SHRINK)
@given(spec=dataset_specs())
def test_load_dataset(worker, count_example, spec):
    _run(worker, count_example, "load_dataset", spec)


# ---------------------------------------------------------------------------
# Features added since the first fuzzing round: sampling_strategy, mix_layer
# with custom modules, the robustness functions, the benchmark command lines,
# pandas frames of every column dtype against every estimator. Known bugs of
# the issue that added them are fixed examples (@example), so that every
# profile runs them.

STRATEGY_STRINGS = ["auto", "minority", "not minority", "not majority", "all",
                    "majority", "bogus", ""]  # fmt: skip


@st.composite
def strategy_specs(draw):
    n_classes = draw(st.integers(2, 3))
    counts = draw(st.lists(st.integers(2, 12), min_size=n_classes, max_size=n_classes))
    kind = draw(st.sampled_from(["str", "float", "dict", "callable_dict",
                                 "callable_list", "none", "bad"]))  # fmt: skip
    if kind == "str":
        value = draw(st.sampled_from(STRATEGY_STRINGS))
    elif kind == "float":
        value = draw(st.sampled_from([0.5, 1.0, 0.0, 1.5, -0.5, np.nan]))
    elif kind in ("dict", "callable_dict"):
        target = max(counts) + draw(st.integers(-3, 6))
        value = {c: target for c in range(n_classes)} if kind == "callable_dict" else [
            (c, draw(st.sampled_from([target, target + 0.5, -1, 0])))
            for c in draw(st.lists(st.integers(0, n_classes), max_size=3, unique=True))
        ]  # fmt: skip
        value = target if kind == "callable_dict" else value
    elif kind == "callable_list":
        value = max(counts)
    elif kind == "none":
        value = None
    else:
        value = draw(st.sampled_from([[0, 1], (0.5,), True, 3, {"a": 1}]))
    if kind == "none":
        kind = "str"
    return {"seed": draw(st.integers(0, 1000)), "counts": counts,
            "d": draw(st.integers(1, 3)), "k": draw(st.integers(1, 4)),
            "strategy": (kind, value)}  # fmt: skip


# the issue's reproductions: a callable returning a list (AttributeError
# from imbalanced-learn) and a dict with a non-integer count (accepted)
@example(spec={"seed": 0, "counts": [10, 4], "d": 2, "k": 2,
               "strategy": ("callable_list", 10)})  # fmt: skip
@example(spec={"seed": 0, "counts": [10, 4], "d": 2, "k": 2,
               "strategy": ("dict", [(1, 10.5)])})  # fmt: skip
@pytest.mark.skipif(
    not HAVE_IMBLEARN, reason="sampling_strategy needs imbalanced-learn"
)
@settings(max_examples=_n(0.3), phases=NO_SHRINK)
@given(spec=strategy_specs())
def test_sampling_strategy(worker, count_example, spec):
    _run(worker, count_example, "sampling_strategy", spec)


@st.composite
def mix_layer_specs(draw):
    return {
        "seed": draw(st.integers(0, 1000)),
        "n": draw(st.integers(4, 16)),
        "d": draw(st.integers(1, 4)),
        "k": draw(st.integers(1, 4)),
        "epochs": draw(st.integers(1, 2)),
        "batch_size": draw(st.sampled_from([4, 8, -1])),
        "defect": draw(
            st.sampled_from(
                [
                    "none",
                    "none",
                    "none",
                    "mix_points_str",
                    "mix_points_float",
                    "mix_points_negative",
                    "mix_points_none",
                    "head_drops_row",
                    "head_widens",
                ]
            )
        ),  # fmt: skip
        "mix_layer": draw(
            st.sampled_from([0, 1, 2, (0, 1), [1, 2], (0, 1, 2)])
            | st.sampled_from([3, -1, "1", 1.0, (), None, True, (1, "2")])
        ),
    }


# the issue's reproductions: a str mix_points, a forward_head that drops a
# row, a forward_head whose width forward_tail does not take
@example(spec={"seed": 0, "n": 8, "d": 3, "k": 2, "epochs": 1, "batch_size": -1,
               "defect": "mix_points_str", "mix_layer": 1})  # fmt: skip
@example(spec={"seed": 0, "n": 8, "d": 3, "k": 2, "epochs": 1, "batch_size": -1,
               "defect": "head_drops_row", "mix_layer": 1})  # fmt: skip
@example(spec={"seed": 0, "n": 8, "d": 3, "k": 2, "epochs": 1, "batch_size": -1,
               "defect": "head_widens", "mix_layer": 1})  # fmt: skip
@settings(max_examples=_n(0.1), phases=NO_SHRINK)
@given(spec=mix_layer_specs())
def test_mix_layer_custom_module(worker, count_example, spec):
    _run(worker, count_example, "mix_layer", spec)


@st.composite
def robustness_specs(draw):
    fn = draw(st.sampled_from(["noise", "fgsm"]))
    kwargs = {}
    if fn == "noise":
        if draw(st.booleans()):
            kwargs["n_repeats"] = draw(st.sampled_from([1, 2, 0, -1, 1.5, "2"]))
        kwargs["random_state"] = draw(st.sampled_from([0, 1, None, -1, "x"]))
    else:
        if draw(st.booleans()):
            kwargs["clip"] = draw(st.sampled_from([(-3, 3), (0, 1), (1, 0), 0.5,
                                                   ("a", 1), None]))  # fmt: skip
        if draw(st.booleans()):
            kwargs["batch_size"] = draw(st.sampled_from([1, 3, 256, 0, 2.5, True]))
    return {
        "fn": fn,
        "seed": draw(st.integers(0, 1000)),
        "n": draw(st.integers(4, 12)),
        "d": draw(st.integers(2, 4)),
        "estimator": draw(st.sampled_from(["net", "net", "net", "logreg", "unfitted"])),
        "input": draw(
            st.sampled_from(
                [
                    "clean",
                    "clean",
                    "features",
                    "strings",
                    "nan",
                    "one_row",
                    "empty",
                    "y_short",
                    "y_unknown",
                    "y_2d",
                    "list",
                    "frame",
                ]
            )
        ),  # fmt: skip
        "levels": draw(
            st.sampled_from([[0.0, 0.5], [0.0], 0.1, [0.2, 0.0, 1.0]])
            | st.sampled_from([[], [-0.1], [np.nan], [np.inf], "a", [[0.1]], None])
        ),
        "kwargs": kwargs,
    }


# the issue's reproduction: the wrong number of features reached the module
# first ("mat1 and mat2 shapes cannot be multiplied")
@example(spec={"fn": "fgsm", "seed": 0, "n": 8, "d": 3, "estimator": "net",
               "input": "features", "levels": [0.0, 0.1], "kwargs": {}})  # fmt: skip
@settings(max_examples=_n(0.1), phases=NO_SHRINK)
@given(spec=robustness_specs())
def test_robustness(worker, count_example, spec):
    _run(worker, count_example, "robustness", spec)


CLI_VALUES = {
    "--n-jobs": ["1", "2", "-1", "0", "-5", "x", "1.5"],
    "--outer-splits": ["2", "3", "1", "0", "-1", "two"],
    "--inner-splits": ["2", "5", "1", "0"],
    "--outer-repeats": ["1", "3", "0"],
    "--seed": ["0", "7", "-1", str(2**31), "1e3"],
    "--max-train": ["10", "0", "-2"],
    "--ks": ["2", "4,16", "1", "0,4", "a", "", ",", "2.5"],
    "--alphas": ["0.2", "0,1", "-1", "nan", "inf", "x"],
    "--steps": ["1", "0"],
    "--batch-size": ["8", "0", "-1"],
}
#: the options of each command among CLI_VALUES
CLI_OPTIONS = {
    "uci": list(CLI_VALUES),
    "images": list(CLI_VALUES),
    "imbalanced": [
        o for o in CLI_VALUES if o not in ("--alphas", "--steps", "--batch-size")
    ],  # fmt: skip
}


@st.composite
def cli_specs(draw):
    command = draw(st.sampled_from(sorted(CLI_OPTIONS)))
    options = draw(st.lists(st.sampled_from(CLI_OPTIONS[command]), min_size=1,
                            max_size=3, unique=True))  # fmt: skip
    return {
        "command": command,
        "options": [(o, draw(st.sampled_from(CLI_VALUES[o]))) for o in options],
    }


@settings(max_examples=_n(0.3))
@given(spec=cli_specs())
def test_benchmark_command_lines(count_example, spec):
    # parsing only, in this process (no benchmark runs)
    count_example("test_fuzz.py::cli")
    case_cli(spec)


FRAME_ESTIMATORS = ["augmenter", "estimator", "classifier", "regressor"]


@pytest.mark.skipif(not HAVE_PANDAS, reason="needs pandas")
@pytest.mark.parametrize("mixed", MIXED)
@pytest.mark.parametrize("estimator", FRAME_ESTIMATORS)
@settings(max_examples=_n(0.003), phases=NO_SHRINK)
@given(seed=st.integers(0, 1000), n=st.integers(6, 12), d=st.integers(1, 3),
       dtype=st.sampled_from(["float64", "float32", "bool"]))  # fmt: skip
def test_frames_of_every_column_dtype(worker, count_example, estimator, mixed, seed,
                                      n, d, dtype):  # fmt: skip
    # a pandas X with float (or bool) columns and one column of each dtype
    spec = {"n": n, "d": d, "seed": seed, "dtype": dtype, "exp": 0,
            "dist": "normal", "bad": [], "layout": "c", "form": "pandas",
            "mixed": mixed, "n_classes": 2,
            "y": "continuous" if estimator == "regressor" else "str"}  # fmt: skip
    if estimator == "augmenter":
        spec["params"] = {"k": 2, "random_state": 0, "target": "hard"}
        case = "augmenter"
    elif estimator == "estimator":
        spec.update(inner="logreg", params={"k": 2, "random_state": 0})
        case = "estimator"
    else:
        spec.update(epochs=1, batch_size=-1, params={"k": 2}, cls=estimator)
        case = "net"
    _run(worker, count_example, case, spec)


# the issue's reproductions: a str-category column for a classifier ("Cannot
# cast str dtype to float64", naming no argument); text labels and a
# categorical y for a regressor (the error must name y)
_ISSUE_TABLE = {"n": 9, "d": 4, "seed": 5928, "dtype": "bool", "exp": 0,
                "dist": "normal", "bad": [], "layout": "c", "form": "pandas",
                "n_classes": 3, "epochs": 2, "batch_size": -1,
                "params": {"k": 3}}  # fmt: skip


@pytest.mark.parametrize(
    "spec",
    [
        {**_ISSUE_TABLE, "mixed": "category", "y": "str", "cls": "classifier"},
        {**_ISSUE_TABLE, "dtype": "float64", "mixed": "none", "y": "str",
         "cls": "regressor"},
        {**_ISSUE_TABLE, "dtype": "float64", "mixed": "none", "y": "category",
         "cls": "regressor"},
    ],
    ids=["category_column", "str_y_regressor", "category_y_regressor"],
)  # fmt: skip
@pytest.mark.skipif(not HAVE_PANDAS, reason="needs pandas")
def test_nets_issue_examples(worker, count_example, spec):
    _run(worker, count_example, "net", spec)


@pytest.mark.skipif(not HAVE_PANDAS, reason="needs pandas")
def test_ridge_with_text_labels_names_y(worker, count_example):
    spec = {**_ISSUE_TABLE, "dtype": "float64", "mixed": "none", "y": "str",
            "inner": "ridge", "params": {"k": 2, "random_state": 0}}  # fmt: skip
    _run(worker, count_example, "estimator", spec)


if __name__ == WORKER:
    _serve(globals()["_CONN"])
