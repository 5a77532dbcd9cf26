"""The images benchmark end to end on a tiny budget, its tables and its errors."""

import json

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")  # the runs draw figures

from skmixup.benchmarks.__main__ import main  # noqa: E402
from skmixup.benchmarks.images import METHODS, load_images  # noqa: E402

TINY = [
    "images",
    "--datasets",
    "digits",
    "--outer-splits",
    "2",
    "--inner-splits",
    "2",
    "--steps",
    "4",
    "--ks",
    "4",
    "--alphas",
    "0.5,1.0",
    "--channels",
    "2,3",
    "--hidden-units",
    "4",
    "--max-train",
    "200",
    "--lrs",
    "0.001,0.01",
    "--n-jobs",
    "1",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("images")
    assert main([*TINY, "--output", str(out)]) == 0
    return out


class TestRun:
    def test_writes_all_outputs(self, tiny_run):
        for name in (
            "folds.csv",
            "summary.csv",
            "tests.csv",
            "images.png",
            "results.md",
        ):
            assert (tiny_run / name).stat().st_size > 0
        meta = json.loads((tiny_run / "run.json").read_text())
        assert meta["config"]["steps"] == 4
        assert meta["config"]["device"] == "cpu"

    def test_one_row_per_fold_and_method_with_its_grid(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        assert len(folds) == 2 * len(METHODS) * 2  # folds x methods x lrs
        assert sorted(set(folds.lr)) == [0.001, 0.01]
        # each learning rate on the same folds and seeds: the same test rows
        sizes = folds.groupby(["method", "fold"]).n_test.nunique()
        assert (sizes == 1).all()
        by = {m: folds[folds.method == m] for m in METHODS}
        assert (by["erm"].best_alpha == 0).all() and (by["erm"].best_k == 1).all()
        assert (by["mixup"].best_k == 1).all()
        assert by["mixup"].best_alpha.isin([0.5, 1.0]).all()
        for method in ("kmixup", "manifold"):
            assert (by[method].best_k == 4).all()
            assert by[method].best_alpha.isin([0.5, 1.0]).all()
        assert (by["kmixup"].mix_layer == "0").all()
        assert (by["manifold"].mix_layer == "(0, 1)").all()
        assert (folds.n_train == 200).all()
        assert (folds.cpu_seconds > 0).all()

    def test_curves_start_at_the_clean_accuracy(self, tiny_run):
        # sigma = 0 and epsilon = 0 are the clean test set: exactly the accuracy
        folds = pd.read_csv(tiny_run / "folds.csv")
        np.testing.assert_array_equal(folds["noise_0"], folds.accuracy)
        np.testing.assert_array_equal(folds["fgsm_0"], folds.accuracy)
        for column in folds.columns:
            if column.startswith(("noise_", "fgsm_")):
                assert folds[column].between(0, 1).all(), column

    def test_summary_and_tests_match_folds(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        summary = pd.read_csv(tiny_run / "summary.csv")
        tests = pd.read_csv(tiny_run / "tests.csv")
        for (method, lr), sub in folds.groupby(["method", "lr"]):
            row = summary[(summary.method == method) & (summary.lr == lr)].iloc[0]
            np.testing.assert_allclose(row.accuracy, sub.accuracy.mean(), rtol=1e-12)
            np.testing.assert_allclose(row.fgsm_mean, sub.fgsm_mean.mean(), rtol=1e-12)
        at = folds[folds.lr == 0.01]
        k = at[at.method == "kmixup"].sort_values("fold")
        m = at[at.method == "mixup"].sort_values("fold")
        diff = tests[
            (tests.method == "kmixup")
            & (tests.baseline == "mixup")
            & (tests.metric == "accuracy")
            & (tests.lr == 0.01)
        ].mean_diff.iloc[0]
        np.testing.assert_allclose(
            diff, (k.accuracy.to_numpy() - m.accuracy.to_numpy()).mean(), rtol=1e-12
        )

    def test_report(self, tiny_run):
        report = (tiny_run / "results.md").read_text()
        assert "| digits | 0.001 | k-mixup |" in report
        assert "| digits | 0.01 | manifold k-mixup vs mixup (k=1) |" in report
        assert "Accuracy (%) under FGSM" in report
        # the levels' conversion to standardised units, from the data
        std = float(np.std(load_images("digits")[0]))
        assert (
            f"Standard deviation of the pixels (all images): digits {std:.3f};"
            in report
        )

    def test_report_says_which_conclusions_hold_across_lrs(self, tiny_run):
        report = (tiny_run / "results.md").read_text()
        tests = pd.read_csv(tiny_run / "tests.csv")
        summary = pd.read_csv(tiny_run / "summary.csv")
        assert "Which conclusions hold across the learning rates:" in report
        for metric, label in (("noise_mean", "noise"), ("fgsm_mean", "FGSM")):
            d = tests[
                (tests.method == "kmixup")
                & (tests.baseline == "erm")
                & (tests.metric == metric)
            ].sort_values("lr")
            same = len(set(np.sign(d.mean_diff))) == 1
            lines = report.splitlines()
            head = next(
                i
                for i, line in enumerate(lines)
                if line.startswith(f"- digits, accuracy under {label}:")
            )
            # the comparisons follow in COMPARISONS order: k-mixup − ERM second
            line = lines[head + 2]
            assert line.startswith("  - k-mixup − ERM")
            assert line.endswith("(same sign)" if same else "(sign changes)")
            best = [
                summary[summary.lr == lr].set_index("method")[metric].idxmax()
                for lr in (0.001, 0.01)
            ]
            verdict = "holds" if best[0] == best[1] else "changes"
            assert f"digits, accuracy under {label}: best method" in report
            assert any(
                line.startswith(f"- digits, accuracy under {label}")
                and line.endswith(f"({verdict})")
                for line in report.splitlines()
            )


def test_load_images():
    X, y = load_images("digits")
    assert X.shape == (1797, 8, 8) and X.dtype == np.float32
    assert X.min() == 0 and X.max() == 1
    assert set(y) == set(range(10))
    with pytest.raises(ValueError, match="name must be one of"):
        load_images("cifar")


def test_unknown_dataset_refused_when_parsed(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["images", "--datasets", "digits,cifar", "--output", str(tmp_path)])
    assert info.value.code == 2
    expected = (
        "argument --datasets: expected a comma-separated list of digits, mnist_5k"
    )
    assert expected in capsys.readouterr().err


def test_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["images", "--output", str(blocker / "sub")]) == 2
    assert "is not a writable folder" in capsys.readouterr().err


def test_cuda_without_a_gpu(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a CUDA device exists")
    assert main(["images", "--device", "cuda", "--output", str(tmp_path)]) == 2
    assert "torch sees no CUDA device" in capsys.readouterr().err


def test_learning_rates_must_be_positive(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["images", "--lrs", "0.001,0", "--output", str(tmp_path)])
    assert info.value.code == 2
    assert "learning rates are positive" in capsys.readouterr().err
