"""The core's contract: bounded on bad data, scale-safe, one random_state
rule, any tensor shape, categorical columns, class rebalancing.

Every input that once hung or crashed the interpreter runs in a subprocess
with a time limit, so that a regression fails the test instead of hanging
(or killing) the suite.
"""

import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from _optional import optional_import, requires
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from skmixup import (
    KMixupAugmenter,
    KMixupEstimator,
    effective_k,
    kmixup_batch,
    kmixup_pairs,
    match_batches,
)
from skmixup._jv import _lsap_square_batch

pd = optional_import("pandas")

HANG_LIMIT_S = 120  # a guard against a hang, not a timing check


def run_isolated(code):
    """Run ``code`` in a fresh interpreter; return (returncode, output)."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=HANG_LIMIT_S,
    )
    return proc.returncode, proc.stdout + proc.stderr


# Each snippet prints OK when the call raised the documented ValueError (or,
# for finite data, returned a finite result).
ONCE_HUNG_OR_CRASHED = {
    "inf_in_wide_float64": """
        import numpy as np
        from skmixup import kmixup_batch
        X = np.random.default_rng(0).normal(size=(64, 200)); X[5, 7] = np.inf
        try:
            kmixup_batch(X, k=8)
        except ValueError as e:
            assert "X must be finite" in str(e); print("OK")
    """,
    "nan_in_wide_float64": """
        import numpy as np
        from skmixup import kmixup_batch
        X = np.random.default_rng(0).normal(size=(64, 200)); X[5, 7] = np.nan
        try:
            kmixup_batch(X, k=8, check_input=False)
        except ValueError as e:
            assert "X must be finite" in str(e); print("OK")
    """,
    "nan_in_wide_tensor": """
        import torch
        from skmixup import kmixup_batch
        X = torch.randn(64, 200); X[3, 3] = float("nan")
        try:
            kmixup_batch(X, k=8, check_input=False)
        except ValueError as e:
            assert "must be finite" in str(e); print("OK")
    """,
    "raw_matching_of_1e200": """
        import numpy as np
        from skmixup import KMixupAugmenter
        X = np.random.default_rng(0).normal(size=(40, 3)); X[0, 0] = 1e200
        y = np.arange(40) % 2
        X_res, _ = KMixupAugmenter(k=8, match_on="raw", random_state=0).fit_resample(X, y)
        assert np.isfinite(X_res).all(); print("OK")
    """,
    "requires_grad_nan_k8": """
        import torch
        from skmixup import kmixup_batch
        X = torch.randn(20, 3, requires_grad=True)
        with torch.no_grad():
            X[4, 1] = float("nan")
        for check in (True, False):
            try:
                kmixup_batch(X, k=8, check_input=check)
            except ValueError as e:
                assert "must be finite" in str(e)
        print("OK")
    """,
    "requires_grad_nan_k5": """
        import torch
        from skmixup import kmixup_batch
        X = torch.randn(20, 3, requires_grad=True)
        with torch.no_grad():
            X[4, 1] = float("nan")
        try:
            kmixup_batch(X, k=5, check_input=False)
        except ValueError as e:
            assert "must be finite" in str(e); print("OK")
    """,
    "requires_grad_float32_1e20": """
        import torch
        from skmixup import kmixup_batch
        X = (torch.randn(20, 3) * 1e20).requires_grad_()
        out, _ = kmixup_batch(X, k=8, random_state=0)
        assert torch.isfinite(out).all() and out.requires_grad; print("OK")
    """,
}


@pytest.mark.parametrize("name", sorted(ONCE_HUNG_OR_CRASHED))
def test_once_hung_or_crashed_now_bounded(name):
    code, out = run_isolated(ONCE_HUNG_OR_CRASHED[name])
    assert code == 0 and out.strip().endswith("OK"), out


def test_compiled_solver_rejects_non_finite_blocks():
    # Both column scans (k < 16 and k >= 16), NaN and both infinities in an
    # entry, a row, a column or a whole block, over many seeds: every block
    # is rejected, never solved into garbage, never looped on.
    code = """
        import numpy as np
        from skmixup._jv import _lsap_square_batch
        rejected = total = 0
        for k in (3, 8, 15, 16, 17, 33):
            for value in (np.nan, np.inf, -np.inf):
                for where in ("entry", "row", "column", "block"):
                    for seed in range(15):
                        rng = np.random.default_rng(seed)
                        cost = rng.normal(size=(3, k, k))
                        b, i, j = rng.integers(3), rng.integers(k), rng.integers(k)
                        if where == "entry":
                            cost[b, i, j] = value
                        elif where == "row":
                            cost[b, i, :] = value
                        elif where == "column":
                            cost[b, :, j] = value
                        else:
                            cost[b] = value
                        total += 1
                        for n_threads in (1, 2):
                            try:
                                _lsap_square_batch(cost, n_threads=n_threads)
                            except ValueError as e:
                                assert "finite" in str(e)
                                rejected += 1
        assert rejected == 2 * total, (rejected, total)
        print("OK")
    """
    status, out = run_isolated(code)
    assert status == 0 and out.strip().endswith("OK"), out


def test_compiled_solver_stays_exact_on_finite_blocks():
    rng = np.random.default_rng(0)
    for k in (5, 16, 21):
        cost = rng.normal(size=(50, k, k))
        perm = _lsap_square_batch(cost)
        got = np.take_along_axis(cost, perm[..., None], -1).sum((1, 2))
        ref = [c[linear_sum_assignment(c)].sum() for c in cost]
        np.testing.assert_allclose(got, ref, rtol=1e-12)


# ---------------------------------------------------------------------------
# Scale safety: the pairs do not depend on the units


@pytest.mark.parametrize("exponent", (-1000, -600, -300, -40, 0, 40, 300, 600, 1000))
@pytest.mark.parametrize("d", (3, 200))  # fused kernel and batched products
@pytest.mark.parametrize("metric", ("euclidean", "sqeuclidean"))
def test_power_of_two_units_give_the_same_pairs(exponent, d, metric):
    X = np.random.default_rng(d).normal(size=(96, d))
    ref = kmixup_pairs(X, k=16, metric=metric, random_state=0)
    scaled = kmixup_pairs(np.ldexp(X, exponent), k=16, metric=metric, random_state=0)
    np.testing.assert_array_equal(scaled.partner, ref.partner)


@pytest.mark.parametrize("k", (3, 8))  # brute force and JV on torch blocks
def test_match_batches_scale_safe_on_tensors(k):
    A = torch.randn(20, k, 4, dtype=torch.float64)
    B = torch.randn(20, k, 4, dtype=torch.float64)
    ref = match_batches(A, B)
    for e in (-900, 900):
        torch.testing.assert_close(match_batches(A * 2.0**e, B * 2.0**e), ref)


@pytest.mark.parametrize("exponent", (-120, -60, 60, 120))
@pytest.mark.parametrize("d", (3, 200))
def test_power_of_two_units_float32(exponent, d):
    X = np.random.default_rng(d).normal(size=(96, d)).astype(np.float32)
    ref = kmixup_pairs(X, k=16, random_state=0)
    scaled = kmixup_pairs(
        np.ldexp(X, exponent).astype(np.float32), k=16, random_state=0
    )
    np.testing.assert_array_equal(scaled.partner, ref.partner)


def test_float32_tensors_of_1e20_match_optimally():
    X = torch.randn(64, 3) * 1e20
    _, _, info = kmixup_batch(X, k=16, random_state=0, return_info=True)
    feats = X.double().numpy() / 1e20
    for g in np.unique(info.group):
        rows = np.flatnonzero(info.group == g)
        c = cdist(feats[rows], feats[info.partner[rows]])
        np.testing.assert_allclose(np.trace(c), c[linear_sum_assignment(c)].sum())


# ---------------------------------------------------------------------------
# One random_state rule


@pytest.mark.parametrize("k", (1, 4, 16))
def test_same_int_same_pairs_in_pairs_and_batch(k):
    X = np.random.default_rng(0).normal(size=(70, 5))
    draw = kmixup_pairs(X, k=k, random_state=3)
    _, _, info = kmixup_batch(X, k=k, random_state=3, return_info=True)
    for field in ("partner", "lam", "group", "pick"):
        np.testing.assert_array_equal(getattr(draw, field), getattr(info, field))
    other = kmixup_pairs(X, k=k, random_state=4)
    assert not np.array_equal(other.partner, draw.partner)


def test_augmenter_first_round_is_kmixup_pairs():
    # match_on="raw", one synthetic point per row: the augmenter's draws are
    # exactly kmixup_pairs' with the same int.
    X = np.random.default_rng(1).normal(size=(40, 3))
    y = np.arange(40) % 2
    aug = KMixupAugmenter(k=4, match_on="raw", random_state=7).fit(X, y)
    aug.fit_resample(X, y)
    draw = kmixup_pairs(X, k=4, random_state=7)
    np.testing.assert_array_equal(aug.pairs_[:, 1], draw.partner)
    np.testing.assert_allclose(aug.lam_, draw.lam)


def test_global_numpy_seed_makes_none_reproducible():
    X = np.random.default_rng(1).normal(size=(30, 2))
    np.random.seed(0)  # noqa: NPY002 - the legacy global state is the point
    a = kmixup_pairs(X, k=4)
    np.random.seed(0)  # noqa: NPY002 - the legacy global state is the point
    b = kmixup_pairs(X, k=4)
    np.testing.assert_array_equal(a.partner, b.partner)


@pytest.mark.parametrize("bad", ("0", 1.5, -1, object()))
def test_bad_random_state(bad):
    with pytest.raises((TypeError, ValueError), match="random_state"):
        kmixup_pairs(np.zeros((4, 2)), random_state=bad)


@pytest.mark.parametrize(
    ("k", "n", "error"),
    [
        (0, 10, ValueError),
        (2.5, 10, TypeError),
        (2, -1, ValueError),
        (2, 1.5, TypeError),
    ],
)
def test_effective_k_validates(k, n, error):
    with pytest.raises(error, match="k must be|n_samples must be"):
        effective_k(k, n)


# ---------------------------------------------------------------------------
# Any tensor shape


@pytest.mark.parametrize("shape", ((32, 3, 5, 5), (32, 7, 4), (32, 2, 2, 2, 2)))
@pytest.mark.parametrize("backend", ("numpy", "torch", "torch_grad"))
def test_nd_inputs_mix_exactly_and_match_on_flattened_rows(shape, backend):
    X = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    Xin = X if backend == "numpy" else torch.from_numpy(X.copy())
    if backend == "torch_grad":
        Xin.requires_grad_()
    Y = np.eye(3, dtype=np.float32)[np.arange(32) % 3]
    Yin = Y if backend == "numpy" else torch.from_numpy(Y)
    X_mix, Y_mix, info = kmixup_batch(Xin, Yin, k=8, random_state=0, return_info=True)
    got = X_mix.detach().numpy() if backend != "numpy" else X_mix
    assert got.shape == shape and got.dtype == np.float32
    lam = info.lam.reshape((-1,) + (1,) * (len(shape) - 1))
    np.testing.assert_allclose(
        got, lam * X + (1 - lam) * X[info.partner], rtol=1e-5, atol=1e-6
    )
    flat = X.reshape(32, -1).astype(np.float64)
    for g in np.unique(info.group):
        rows = np.flatnonzero(info.group == g)
        c = cdist(flat[rows], flat[info.partner[rows]])
        np.testing.assert_allclose(
            np.trace(c), c[linear_sum_assignment(c)].sum(), rtol=1e-6
        )


def test_match_on_for_images():
    X = np.random.default_rng(0).normal(size=(24, 1, 4, 4))
    Z = X.reshape(24, -1)[:, :3]
    _, _, info = kmixup_batch(X, k=6, match_on=Z, random_state=0, return_info=True)
    ref = kmixup_pairs(Z, k=6, random_state=0)
    np.testing.assert_array_equal(info.partner, ref.partner)


def test_numpy_float16_is_matched_and_mixed():
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float16)
    X_mix, _, info = kmixup_batch(X, k=8, random_state=0, return_info=True)
    assert X_mix.dtype == np.float16
    ref = kmixup_pairs(X.astype(np.float32), k=8, random_state=0)
    np.testing.assert_array_equal(info.partner, ref.partner)


# ---------------------------------------------------------------------------
# Categorical columns


def _table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "colour": pd.Categorical(rng.choice(["red", "blue", "green"], size=n)),
            "town": rng.choice(["a", "b"], size=n).astype(object),
            "code": rng.integers(0, 4, size=n),
            "z": rng.normal(size=n),
        }
    )


def test_categorical_values_come_from_a_parent():
    X = _table()
    y = np.arange(60) % 2
    aug = KMixupAugmenter(k=4, categorical_features="auto", random_state=0)
    X_res, _ = aug.fit_resample(X, y)
    assert str(X_res["colour"].dtype) == "category"
    assert set(X_res["colour"]) <= {"red", "blue", "green"}
    assert set(X_res["town"]) <= {"a", "b"}
    a, p = aug.pairs_.T
    syn = X_res.iloc[60:].reset_index(drop=True)
    for col in ("colour", "town"):
        from_a = syn[col].to_numpy() == X[col].to_numpy()[a]
        from_p = syn[col].to_numpy() == X[col].to_numpy()[p]
        assert (from_a | from_p).all()
    # numeric columns are still mixed linearly
    lam = aug.lam_
    np.testing.assert_allclose(
        syn["x"], lam * X["x"].to_numpy()[a] + (1 - lam) * X["x"].to_numpy()[p]
    )


def test_integer_coded_categories_by_index():
    X = np.random.default_rng(0).normal(size=(50, 3))
    X[:, 1] = np.random.default_rng(1).integers(0, 5, size=50)
    y = np.arange(50) % 2
    X_res, _ = KMixupAugmenter(
        k=4, categorical_features=[1], random_state=0
    ).fit_resample(X, y)
    assert set(np.unique(X_res[:, 1])) <= set(range(5))
    est = KMixupEstimator(
        __import__("sklearn.linear_model").linear_model.LogisticRegression(),
        k=4,
        categorical_features=[1],
        random_state=0,
    ).fit(X, y)
    assert est.predict(X).shape == (50,)


def test_onehot_groups_stay_one_hot():
    rng = np.random.default_rng(0)
    onehot = np.eye(3)[rng.integers(0, 3, size=40)]
    X = np.hstack([rng.normal(size=(40, 2)), onehot])
    y = np.arange(40) % 2
    X_res, _ = KMixupAugmenter(
        k=4, onehot_groups=[[2, 3, 4]], random_state=0
    ).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[:, 2:].sum(axis=1), 1.0)
    assert np.isin(X_res[:, 2:], (0.0, 1.0)).all()


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"categorical_features": [7]}, "out of range"),
        ({"categorical_features": ["nope"]}, "names columns that X does not have"),
        ({"categorical_features": [0]}, "non-integer value"),
        ({"onehot_groups": [[1, 2], [2, 3]]}, "do not overlap"),
        ({"onehot_groups": [[1, 2]]}, "not one-hot"),
    ],
)
def test_bad_categorical_parameters(params, match):
    X = pd.DataFrame(
        np.random.default_rng(0).normal(size=(20, 4)), columns=list("abcd")
    )
    X["b"] = 0.0
    X["c"] = 1.0
    X["d"] = np.arange(20) % 3
    if "onehot_groups" in params and params["onehot_groups"] == [[1, 2]]:
        X["c"] = 0.0  # rows of zeros: not one-hot
    with pytest.raises(ValueError, match=match):
        KMixupAugmenter(k=2, **params).fit_resample(X, np.arange(20) % 2)


# ---------------------------------------------------------------------------
# Class rebalancing


def _imbalanced(n_major=80, n_minor=12, seed=0):
    rng = np.random.default_rng(seed)
    X = np.vstack([rng.normal(size=(n_major, 2)), rng.normal(4, 1, size=(n_minor, 2))])
    y = np.array([0] * n_major + [1] * n_minor)
    return X, y


@requires("imblearn")  # sampling_strategy uses its checks
def test_sampling_strategy_auto_balances_inside_the_class():
    X, y = _imbalanced()
    aug = KMixupAugmenter(k=4, sampling_strategy="auto", random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [80, 80])
    assert dict(aug.sampling_strategy_) == {1: 68}
    a, p = aug.pairs_.T
    assert (y[a] == 1).all() and (y[p] == 1).all() and (a != p).all()
    lam = aug.lam_[:, None]
    np.testing.assert_allclose(X_res[92:], lam * X[a] + (1 - lam) * X[p])


@requires("imblearn")  # sampling_strategy uses its checks
@pytest.mark.parametrize(
    ("strategy", "counts"), [(0.5, [80, 40]), ({1: 30}, [80, 30]), ("all", [80, 80])]
)
def test_sampling_strategy_forms(strategy, counts):
    X, y = _imbalanced()
    _, y_res = KMixupAugmenter(
        k=4, sampling_strategy=strategy, random_state=0
    ).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), counts)


@requires("imblearn")  # sampling_strategy uses its checks
def test_sampling_strategy_bad_input():
    X, y = _imbalanced()
    with pytest.raises(ValueError, match="should be greater or equal to the original"):
        KMixupAugmenter(sampling_strategy={1: 5}).fit_resample(X, y)
    y1 = y.copy()
    y1[81:] = 2  # class 1 keeps a single sample
    with pytest.raises(ValueError, match="which has 1 sample"):
        KMixupAugmenter(sampling_strategy={1: 10}).fit_resample(X, y1)
    with pytest.raises(ValueError, match="n_synthetic is not used"):
        KMixupAugmenter(sampling_strategy="auto", n_synthetic=2.0).fit_resample(X, y)
    with pytest.raises(ValueError, match="target='continuous'"):
        KMixupAugmenter(sampling_strategy="auto", target="continuous").fit_resample(
            X, y.astype(float)
        )


def test_auto_categorical_needs_a_dataframe():
    with pytest.raises(ValueError, match="reads the column dtypes of a pandas"):
        KMixupAugmenter(categorical_features="auto").fit_resample(
            np.zeros((10, 2)), np.arange(10) % 2
        )


def test_keyword_only_hyperparameters():
    with pytest.raises(TypeError):
        KMixupAugmenter(8, 0.5)


@pytest.mark.parametrize("backend", ("numpy", "torch", "torch_grad"))
def test_discrete_columns_are_picked_whole(backend):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    X[:, 1] = rng.integers(0, 3, size=40)
    Xin = X if backend == "numpy" else torch.from_numpy(X.copy())
    if backend == "torch_grad":
        Xin.requires_grad_()
    mask = np.array([False, True, False, False])
    X_mix, _, info = kmixup_batch(
        Xin, k=4, discrete=mask, random_state=0, return_info=True
    )
    got = X_mix.detach().numpy() if backend != "numpy" else X_mix
    np.testing.assert_array_equal(
        got[:, 1], np.where(info.pick, X[:, 1], X[info.partner, 1])
    )
    lam = info.lam
    np.testing.assert_allclose(
        got[:, 0], lam * X[:, 0] + (1 - lam) * X[info.partner, 0]
    )
    # pick is an unbiased draw: its mean follows lam
    assert 0 < info.pick.mean() < 1


@pytest.mark.parametrize(
    ("discrete", "error", "match"),
    [
        ([True, False], ValueError, r"boolean mask must have one entry.*\(3\)"),
        ([5], ValueError, "out of range"),
        ([0.5], TypeError, "boolean mask or a 1-d array of column indices"),
    ],
)
def test_bad_discrete(discrete, error, match):
    with pytest.raises(error, match=match):
        kmixup_batch(np.zeros((10, 3)), k=2, discrete=np.array(discrete))


def test_import_optional_names_what_needs_the_missing_module():
    from skmixup._validation import import_optional

    assert import_optional("numpy", "unused") is np
    with pytest.raises(ImportError, match="as_frame=True needs pandas"):
        import_optional("skmixup_no_such_module", "as_frame=True needs pandas.")


# ---------------------------------------------------------------------------
# Inputs the fuzzing found


def test_float8_tensors():
    X = torch.randn(8, 3).to(torch.float8_e4m3fn)
    with pytest.raises(TypeError, match="X has dtype torch.float8_e4m3fn"):
        kmixup_batch(X, k=2)
    draw = kmixup_pairs(X, k=2, random_state=0)  # matched on a float32 copy
    ref = kmixup_pairs(X.float(), k=2, random_state=0)
    np.testing.assert_array_equal(draw.partner, ref.partner)


def test_integer_targets_with_float16_features_do_not_overflow():
    X = np.random.default_rng(0).random((8, 3)).astype(np.float16)
    y = np.where(np.arange(8) % 2, 100_000, 0)
    _, y_mix, info = kmixup_batch(X, y, k=2, random_state=0, return_info=True)
    assert y_mix.dtype == np.float32 and np.isfinite(y_mix).all()
    np.testing.assert_allclose(
        y_mix, info.lam * y + (1 - info.lam) * y[info.partner], rtol=1e-5, atol=0.05
    )


@pytest.mark.parametrize("form", ("array", "list"))
def test_complex_features_name_X(form):
    X = np.ones((10, 2)) + 1j
    X = X.tolist() if form == "list" else X
    with pytest.raises(ValueError, match="X holds complex numbers"):
        KMixupAugmenter().fit_resample(X, np.arange(10) % 2)


def test_estimator_with_one_class_names_y():
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ValueError, match="y has only one class"):
        KMixupEstimator(LogisticRegression()).fit(np.ones((4, 2)), [0, 0, 0, 0])
