"""The UCI benchmark end to end on a tiny budget, its statistics and its errors."""

import json

import numpy as np
import pytest
from scipy import stats

pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")  # the runs draw figures

from skmixup.benchmarks import uci  # noqa: E402
from skmixup.benchmarks.__main__ import main  # noqa: E402
from skmixup.benchmarks._stats import (  # noqa: E402
    average_ranks,
    corrected_interval,
    corrected_resampled_ttest,
    expected_calibration_error,
    friedman_test,
    nemenyi_critical_difference,
    wilcoxon_signed_rank,
)

TINY = [
    "uci",
    "--datasets",
    "iris,wine",
    "--outer-splits",
    "2",
    "--outer-repeats",
    "1",
    "--inner-splits",
    "2",
    "--steps",
    "15",
    "--ks",
    "4",
    "--alphas",
    "0.5,1.0",
    "--n-jobs",
    "1",
]


#: the classification run's calibration columns need scikit-learn >= 1.8
needs_temperature = pytest.mark.skipif(
    not uci.temperature_scaling_available(),
    reason="needs CalibratedClassifierCV(method='temperature'), scikit-learn >= 1.8",
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("uci")
    assert main([*TINY, "--output", str(out)]) == 0
    return out


@needs_temperature
class TestRun:
    def test_writes_all_outputs(self, tiny_run):
        for name in (
            "folds.csv",
            "summary.csv",
            "tests.csv",
            "uci.png",
            "statistics.png",
            "results.md",
        ):
            assert (tiny_run / name).stat().st_size > 0
        meta = json.loads((tiny_run / "run.json").read_text())
        assert meta["config"]["steps"] == 15

    def test_one_row_per_fold_and_method(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        methods = uci.Config(task="classification").methods
        assert len(folds) == 2 * 2 * len(methods)  # datasets x outer folds x methods
        assert set(folds.method) == set(methods)
        assert {"erm", "mixup", "kmixup", "hgb", "logreg"} <= set(methods)
        assert folds.accuracy.between(0, 1).all()
        assert (folds.log_loss > 0).all()
        assert folds.ece.between(0, 1).all()

    def test_methods_use_their_own_grid(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        erm = folds[folds.method == "erm"]
        mixup = folds[folds.method == "mixup"]
        kmixup = folds[folds.method == "kmixup"]
        assert (erm.best_alpha == 0).all()
        assert (mixup.best_k == 1).all() and mixup.best_alpha.isin([0.5, 1.0]).all()
        assert (kmixup.best_k == 4).all() and kmixup.best_alpha.isin([0.5, 1.0]).all()

    def test_summary_matches_folds(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        summary = pd.read_csv(tiny_run / "summary.csv").set_index("dataset")
        for (name, method), group in folds.groupby(["dataset", "method"]):
            np.testing.assert_allclose(
                summary.loc[name, f"{method}_acc"], group.accuracy.mean(), rtol=1e-12
            )

    def test_report_lists_every_dataset(self, tiny_run):
        text = (tiny_run / "results.md").read_text()
        assert "| iris |" in text and "| wine |" in text
        assert "Average rank" in text and "k-mixup vs mixup" in text
        assert "Wilcoxon signed-rank" in text and "Nemenyi critical difference" in text
        assert "Tuning chose (k-mixup, 4 outer folds): k=4" in text

    def test_across_dataset_statistics_match_scipy(self, tiny_run):
        summary = pd.read_csv(tiny_run / "summary.csv")
        text = (tiny_run / "results.md").read_text()
        ranks = average_ranks(
            summary[["erm_acc", "mixup_acc", "kmixup_acc"]].to_numpy()
        )
        assert (
            f"ERM {ranks[0]:.2f}, mixup {ranks[1]:.2f}, k-mixup {ranks[2]:.2f}" in text
        )

    def test_interval_columns_bracket_the_mean(self, tiny_run):
        tests = pd.read_csv(tiny_run / "tests.csv")
        assert set(tests.baseline) == {"erm", "mixup"}
        assert (tests.ci_low <= tests.mean_diff + 1e-12).all()
        assert (tests.mean_diff <= tests.ci_high + 1e-12).all()

    def test_same_seed_same_table(self, tiny_run, tmp_path):
        assert main([*TINY, "--datasets", "iris", "--output", str(tmp_path)]) == 0
        first = pd.read_csv(tiny_run / "folds.csv")
        again = pd.read_csv(tmp_path / "folds.csv")
        first = first[first.dataset == "iris"].reset_index(drop=True)
        cols = ["accuracy", "log_loss", "ece", "best_alpha", "best_k"]
        pd.testing.assert_frame_equal(first[cols], again[cols])


class TestErrors:
    @needs_temperature
    def test_unknown_dataset_lists_names(self, tmp_path, capsys):
        code = main(["uci", "--datasets", "nope", "--output", str(tmp_path)])
        assert code == 2
        err = capsys.readouterr().err
        assert "nope" in err and "sonar" in err

    @needs_temperature
    def test_unwritable_output(self, tmp_path, capsys):
        blocker = tmp_path / "file"
        blocker.write_text("")
        assert main([*TINY, "--output", str(blocker / "sub")]) == 2
        err = capsys.readouterr().err
        assert "--output" in err and "not a writable folder" in err

    @pytest.mark.parametrize(
        "flag, value",
        [("--steps", "0"), ("--ks", "a,b"), ("--outer-splits", "-1"), ("--alphas", "")],
    )
    def test_bad_flags_exit_2(self, flag, value, tmp_path):
        with pytest.raises(SystemExit) as info:
            main(["uci", flag, value, "--output", str(tmp_path)])
        assert info.value.code == 2

    def test_list(self, capsys):
        assert main(["uci", "--list"]) == 0
        assert "ionosphere" in capsys.readouterr().out.split()


class TestRegression:
    def test_tiny_regression_run(self, tmp_path):
        # a CSV path: reported by its file stem, never its path
        csv = tmp_path / "my_data.csv"
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 3))
        y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
        pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "c": X[:, 2], "y": y}).to_csv(
            csv, index=False
        )
        out = tmp_path / "out"
        args = [
            "uci",
            "--task",
            "regression",
            "--datasets",
            f"diabetes,{csv}",
            "--outer-splits",
            "2",
            "--outer-repeats",
            "1",
            "--inner-splits",
            "2",
            "--steps",
            "10",
            "--ks",
            "4",
            "--alphas",
            "1.0",
            "--n-jobs",
            "1",
            "--output",
            str(out),
        ]
        assert main(args) == 0
        folds = pd.read_csv(out / "folds.csv")
        assert set(folds.method) == {
            "erm",
            "mixup",
            "cmixup",
            "kmixup",
            "lkmixup",
            "ridge_erm",
            "ridge_mixup",
            "ridge_kmixup",
            "hgb",
        }
        assert len(folds) == 2 * 2 * 9
        assert folds[folds.method == "cmixup"].best_bandwidth.isin([0.1, 1.0]).all()
        lk = folds[folds.method == "lkmixup"]
        assert lk.best_label_weight.isin([1.0, 4.0]).all() and (lk.best_k == 4).all()
        assert set(folds.dataset) == {"diabetes", "my_data"}
        assert (folds.rmse > 0).all() and (folds.r2 <= 1).all()
        ridge = folds[folds.method.str.startswith("ridge")]
        assert ridge.best_ridge_alpha.isin([0.1, 1.0, 10.0]).all()
        assert (folds[folds.method == "ridge_erm"].best_alpha == 0).all()
        # a linear target: the ridge fits it almost exactly
        mine = folds[(folds.dataset == "my_data") & (folds.method == "ridge_erm")]
        assert (mine.r2 > 0.95).all()
        text = (out / "results.md").read_text()
        assert "| my_data |" in text and str(tmp_path) not in text
        assert str(tmp_path) not in (out / "summary.csv").read_text()
        assert "ridge k-mixup vs ridge ERM" in text
        assert "k-mixup net vs gradient boosting (R²)" in text
        assert "Average rank over every method" in text
        assert "label-aware k-mixup vs C-Mixup (RMSE)" in text
        assert "net C-Mixup RMSE" in text and "net label-aware k-mixup R²" in text
        assert "Tuning chose (C-Mixup, 4 outer folds): σ=" in text
        for name in ("regression.png", "statistics.png", "run.json", "tests.csv"):
            assert (out / name).stat().st_size > 0

    def test_text_labels_with_regression_task(self, tmp_path, capsys):
        code = main(
            [
                "uci",
                "--task",
                "regression",
                "--datasets",
                "ionosphere",
                "--output",
                str(tmp_path),
            ]
        )
        assert code == 2
        assert "numeric target" in capsys.readouterr().err

    @needs_temperature
    def test_regression_dataset_with_classification_task(self, tmp_path, capsys):
        code = main(["uci", "--datasets", "diabetes", "--output", str(tmp_path)])
        assert code == 2
        assert "--task regression" in capsys.readouterr().err

    def test_all_excludes_images_imbalanced_and_optdigits(self):
        from skmixup.benchmarks.uci import all_classification_datasets
        from skmixup.datasets import list_datasets

        names = all_classification_datasets()
        assert "digits" in names and "optdigits" not in names
        assert "mnist_5k" not in names and "ecoli2" not in names
        assert len(names) == len(list_datasets("classification")) - 1


class TestStats:
    DIFFS = np.array([0.021, -0.004, 0.013, 0.0, 0.035, -0.012, 0.008, 0.017, 0.002])

    def test_wilcoxon_matches_scipy(self):
        stat, p = wilcoxon_signed_rank(self.DIFFS)
        ref = stats.wilcoxon(self.DIFFS[self.DIFFS != 0])
        assert stat == ref.statistic
        np.testing.assert_allclose(p, ref.pvalue, rtol=1e-12)
        # hand count: ranks of |d| among the 8 non-zero: negatives -0.004 (2)
        # and -0.012 (4) -> W = 6; 14 of the 256 sign patterns give W <= 6,
        # so the exact two-sided p is 2 * 14 / 256
        assert stat == 6.0
        np.testing.assert_allclose(p, 28 / 256, rtol=1e-12)

    def test_wilcoxon_without_differences(self):
        stat, p = wilcoxon_signed_rank(np.zeros(5))
        assert np.isnan(stat) and np.isnan(p)

    def test_friedman_matches_scipy(self):
        scores = np.array(
            [[0.8, 0.82, 0.85], [0.7, 0.69, 0.74], [0.9, 0.91, 0.9], [0.6, 0.65, 0.66]]
        )
        stat, p = friedman_test(scores)
        ref = stats.friedmanchisquare(*scores.T)
        np.testing.assert_allclose([stat, p], [ref.statistic, ref.pvalue], rtol=1e-12)
        with pytest.raises(ValueError, match="n_methods >= 3"):
            friedman_test(scores[:, :2])

    def test_average_ranks_match_scipy_rankdata(self):
        scores = np.array([[0.8, 0.82, 0.85], [0.7, 0.7, 0.74], [0.9, 0.91, 0.9]])
        expected = np.mean([stats.rankdata(-row) for row in scores], axis=0)
        np.testing.assert_allclose(average_ranks(scores), expected, rtol=1e-12)
        # by hand: (3, 2, 1), (2.5, 2.5, 1), (2.5, 1, 2.5)
        np.testing.assert_allclose(expected, [8 / 3, 5.5 / 3, 4.5 / 3], rtol=1e-12)

    def test_nemenyi_critical_difference(self):
        # Demsar (2006), Table 5(a): q_0.05 = 2.343 for 3 methods, 2.569 for 4
        for k, q in ((3, 2.343), (4, 2.569)):
            cd = nemenyi_critical_difference(k, 20)
            np.testing.assert_allclose(cd, q * np.sqrt(k * (k + 1) / 120), rtol=1e-3)

    def test_corrected_interval_matches_ttest(self):
        diff = [0.01, 0.02, 0.0, 0.01, 0.03]
        mean, low, high = corrected_interval(diff, 120, 30)
        t, _ = corrected_resampled_ttest(diff, 120, 30)
        se = mean / t
        q = stats.t.ppf(0.975, df=4)
        np.testing.assert_allclose(
            [low, high], [mean - q * se, mean + q * se], rtol=1e-12
        )
        assert corrected_interval([0.5], 10, 5) == (0.5, 0.5, 0.5)

    def test_ece_perfect_calibration_is_zero(self):
        proba = np.array([[1.0, 0.0], [0.0, 1.0]])
        assert expected_calibration_error([0, 1], proba, [0, 1]) == 0.0

    def test_ece_matches_hand_computation(self):
        # confidences 0.9 (right), 0.6 (wrong): bins differ, ECE = (0.1 + 0.6) / 2
        proba = np.array([[0.9, 0.1], [0.6, 0.4]])
        assert expected_calibration_error(["a", "b"], proba, ["a", "b"]) == (
            pytest.approx(0.35)
        )

    def test_corrected_ttest_is_more_conservative(self):
        from scipy import stats

        rng = np.random.default_rng(0)
        diff = rng.normal(0.01, 0.02, size=15)
        _, p_plain = stats.ttest_1samp(diff, 0.0)
        _, p_corr = corrected_resampled_ttest(diff, n_train=120, n_test=30)
        assert p_corr > p_plain

    def test_corrected_ttest_zero_variance(self):
        t, p = corrected_resampled_ttest([0.0, 0.0, 0.0], 10, 5)
        assert t == 0 and np.isnan(p)

    def test_average_ranks_ties(self):
        ranks = average_ranks(np.array([[1.0, 1.0, 0.5]]))
        np.testing.assert_array_equal(ranks, [1.5, 1.5, 3.0])
        low = average_ranks(np.array([[0.2, 0.1]]), higher_is_better=False)
        np.testing.assert_array_equal(low, [2.0, 1.0])


@needs_temperature
def test_inner_grid_runs_in_order_whatever_the_active_backend():
    # joblib's Dask backend ignores n_jobs=1: a GridSearchCV(n_jobs=1) inside a
    # task run on Dask would send its fits back to the cluster (measured: two
    # workers then ran each task ~1.7x slower). The task forces its inner grid
    # to run in order; a backend that, like Dask's, ignores n_jobs shows it.
    from dataclasses import replace

    from joblib import parallel_config, register_parallel_backend
    from joblib._parallel_backends import ThreadingBackend

    from skmixup.benchmarks import uci

    used = []

    class IgnoresNJobs(ThreadingBackend):
        def effective_n_jobs(self, n_jobs):
            used.append(n_jobs)
            return 2

    register_parallel_backend("ignores-n-jobs", IgnoresNJobs)
    config = replace(
        uci.Config(datasets=("iris",), seed=0, **uci.QUICK),
        steps=10,
        ks=(4,),
        alphas=(0.5, 1.0),
    )
    experiment = uci.UCI()
    data = experiment.load(config)
    task = next(t for t in experiment.tasks(config, data) if t[-1] == "kmixup")
    d_index, name, repeat, fold, train, test, method = task
    with parallel_config(backend="ignores-n-jobs"):
        res = uci.run_task(
            config, d_index, name, *data[name], repeat, fold, train, test, method
        )
    assert used == []
    assert res["method"] == "kmixup" and 0 <= res["accuracy"] <= 1


def test_task_costs_count_the_network_fits():
    from dataclasses import replace

    from skmixup.benchmarks import uci

    experiment = uci.UCI()
    config = replace(
        uci.Config(datasets=("diabetes",), seed=0, task="regression", **uci.QUICK),
        alphas=(0.2, 1.0),
        ks=(4, 8),
    )
    data = experiment.load(config)
    tasks = list(experiment.tasks(config, data))
    assert [t[-1] for t in tasks[:9]] == list(config.methods)
    # erm: one fit; mixup: 2 alphas x 2 inner folds + refit; cmixup: 2 alphas
    # x 2 bandwidths x 2 + 1; kmixup: 2 x 2 x 2 + 1; lkmixup: 2 x 2 x 2 x 2 + 1;
    # the ridge methods and gradient boosting fit no network
    costs = [experiment.cost(config, data, t) for t in tasks[:9]]
    assert costs == [1, 5, 9, 9, 17, 0, 0, 0, 0]


@needs_temperature
class TestBaselinesAndCalibration:
    def test_baselines_are_tuned_on_their_grids(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        hgb = folds[folds.method == "hgb"].best_params
        assert hgb.str.fullmatch(
            r"learning_rate=0\.(05|1), max_leaf_nodes=(15|31)"
        ).all()
        assert (
            folds[folds.method == "logreg"]
            .best_params.isin(["C=0.1", "C=1", "C=10"])
            .all()
        )
        assert folds[folds.method == "erm"].best_params.isna().all()

    def test_calibration_columns_before_and_after(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        for when in ("raw", "ts"):
            assert folds[f"ece_{when}"].between(0, 1).all()
            assert folds[f"brier_{when}"].between(0, 2).all()
            assert (folds[f"log_loss_{when}"] > 0).all()
        summary = pd.read_csv(tiny_run / "summary.csv").set_index("dataset")
        kmixup = folds[(folds.method == "kmixup") & (folds.dataset == "wine")]
        np.testing.assert_allclose(
            summary.loc["wine", "kmixup_brier_ts"], kmixup.brier_ts.mean(), rtol=1e-12
        )

    def test_report_compares_with_baselines_and_after_scaling(self, tiny_run):
        from skmixup.benchmarks._stats import compare_over_datasets

        summary = pd.read_csv(tiny_run / "summary.csv")
        text = (tiny_run / "results.md").read_text()
        w = compare_over_datasets(summary.kmixup_acc - summary.hgb_acc)
        assert (
            f"k-mixup net vs gradient boosting (accuracy): {w['wins']} wins / "
            f"{w['ties']} ties / {w['losses']} losses" in text
        )
        w = compare_over_datasets(
            summary.kmixup_log_loss_ts - summary.erm_log_loss_ts, False
        )
        assert (
            f"k-mixup vs ERM after temperature scaling (log-loss): {w['wins']} wins"
            in text
        )
        assert "k-mixup vs mixup after temperature scaling (ECE)" in text
        assert "Average rank over every method (1 = best) over 2 datasets" in text

    def test_realmlp_only_where_pytabkit_is_installed(self, monkeypatch):
        import importlib.util

        real = importlib.util.find_spec

        def find_spec(name, *args):
            return None if name == "pytabkit" else real(name, *args)

        monkeypatch.setattr(importlib.util, "find_spec", find_spec)
        assert uci.available_baselines("classification") == ("hgb", "logreg")
        assert "realmlp" not in uci.Config().methods
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
        assert uci.available_baselines("classification") == (
            "hgb",
            "logreg",
            "realmlp",
        )
        assert uci.available_baselines("regression") == ("hgb",)

    def test_temperature_scaling_keeps_the_predicted_class(self):
        from sklearn.datasets import load_breast_cancer
        from sklearn.linear_model import LogisticRegression

        X, y = load_breast_cancer(return_X_y=True)
        rows = np.random.default_rng(0).permutation(len(y))
        train, test = rows[:300], rows[300:]
        scores = uci.temperature_scaling_scores(
            lambda n: LogisticRegression(C=100.0, max_iter=5000), X, y, train, test, 0
        )
        positive, before, after = scores.pop("reliability")
        np.testing.assert_array_equal(positive, y[test] == 1)
        # one temperature scales every logit alike: the argmax stays
        np.testing.assert_array_equal(before > 0.5, after > 0.5)
        assert not np.allclose(before, after)
        assert set(scores) == {
            f"{m}_{w}" for m in ("ece", "brier", "log_loss") for w in ("raw", "ts")
        }

    def test_reliability_diagrams_of_binary_datasets_only(self, tmp_path):
        rng = np.random.default_rng(0)
        config = uci.Config(datasets=("a", "b"))
        results, curves = [], []
        for name, binary in (("a", True), ("b", False)):
            for method in uci.METHODS:
                results.append({"dataset": name, "method": method})
                p = rng.uniform(size=40)
                curves.append((rng.uniform(size=40) < p, p, p) if binary else None)
        uci.plot_reliability(results, curves, config, tmp_path / "r.png")
        assert (tmp_path / "r.png").stat().st_size > 0
        uci.plot_reliability(results, [None] * len(results), config, tmp_path / "n.png")
        assert not (tmp_path / "n.png").exists()


@needs_temperature
def test_quick_regression_is_two_datasets_and_one_alpha():
    from skmixup.benchmarks import uci
    from skmixup.benchmarks.__main__ import build_parser

    args = build_parser().parse_args(["uci", "--task", "regression", "--quick"])
    config = uci.UCI().configure(args)
    assert config.datasets == uci.QUICK_REGRESSION_DATASETS
    assert tuple(config.alphas) == (1.0,)
    assert config.methods[:5] == uci.REGRESSION_METHODS
    args = build_parser().parse_args(["uci", "--quick"])
    # the nets, then the baselines
    assert uci.UCI().configure(args).methods[:3] == uci.METHODS


def test_classification_run_names_the_scikit_learn_it_needs(monkeypatch, capsys):
    """Without temperature scaling (scikit-learn < 1.8) the run stops before
    any work with one line naming the upgrade, instead of failing in a fit."""
    monkeypatch.setattr(uci, "temperature_scaling_available", lambda: False)
    assert main(["uci", "--quick", "--datasets", "iris"]) == 2
    err = capsys.readouterr().err
    assert "scikit-learn >= 1.8" in err and len(err.strip().splitlines()) == 1


@needs_temperature
def test_temperature_scaling_takes_a_class_rarer_than_the_folds():
    # A 20% calibration split of 15 classes holds a few rows per class: fewer
    # than CalibratedClassifierCV's default folds (the full run's
    # movement_libras stopped there). The frozen model's scores are unchanged.
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = np.r_[np.zeros(180, int), np.ones(12, int), np.full(8, 2)]
    train, test = np.arange(0, 200, 2), np.arange(1, 200, 2)
    scores = uci.temperature_scaling_scores(
        lambda n: LogisticRegression(max_iter=500), X, y, train, test, 0
    )
    calibrated = {m: scores[f"{m}_ts"] for m in ("ece", "brier", "log_loss")}
    assert all(np.isfinite(v) and v >= 0 for v in calibrated.values())
    # the 2-class case still gets its reliability curve; here there are 3
    assert "reliability" not in scores


@needs_temperature
def test_temperature_scaling_calibrates_on_every_class():
    # Five classes of 20 training rows and three of 2: the stratified 20%
    # split has room for two of the rare classes only (the third raised an
    # IndexError in scikit-learn's calibration); it now lends one row.
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    y_train = np.r_[np.repeat(np.arange(5), 20), np.repeat([5, 6, 7], 2)]
    y = np.r_[y_train, y_train]
    X = rng.normal(size=(len(y), 3)).astype(np.float32) + y[:, None] * 0.5
    train, test = np.arange(len(y_train)), np.arange(len(y_train), len(y))
    scores = uci.temperature_scaling_scores(
        lambda n: LogisticRegression(max_iter=500), X, y, train, test, 0
    )
    assert all(np.isfinite(scores[f"{m}_ts"]) for m in ("ece", "brier", "log_loss"))


@needs_temperature
def test_temperature_scaling_of_labels_that_are_not_0_to_k():
    # scikit-learn 1.9's temperature scaling misreads integer labels 1..K
    # (uniform probabilities); the run encodes the classes of each dataset
    from types import SimpleNamespace

    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    labels = np.repeat([1, 2, 3], 60)
    X = rng.normal(size=(180, 2)).astype(np.float32) + 2.0 * labels[:, None]
    from sklearn.utils import Bunch

    bunch = Bunch(data=X, target=labels, task="classification")
    _, y = uci._as_task(SimpleNamespace(task="classification"), "toy", bunch)
    assert np.array_equal(y, labels - 1)
    train, test = np.arange(0, 180, 2), np.arange(1, 180, 2)
    scores = uci.temperature_scaling_scores(
        lambda n: LogisticRegression(max_iter=500), X, y, train, test, 0
    )
    # 3 well-separated classes: scaled probabilities far from uniform (ln 3)
    assert scores["log_loss_ts"] < 0.5 * np.log(3)
