"""The imbalanced benchmark end to end on a tiny budget, its parts and its errors."""

import json

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("matplotlib")  # the runs draw figures
pytest.importorskip("imblearn")

from skmixup.benchmarks.__main__ import main  # noqa: E402
from skmixup.benchmarks.imbalanced import (  # noqa: E402
    SAMPLERS,
    Config,
    _ADASYNOrUnchanged,
    sampler_grid,
    scores,
)

TINY = [
    "imbalanced",
    "--datasets",
    "glass4,new-thyroid2",
    "--classifiers",
    "logreg",
    "--outer-splits",
    "2",
    "--outer-repeats",
    "1",
    "--inner-splits",
    "2",
    "--ks",
    "4,8",
    "--n-jobs",
    "1",
]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("imbalanced")
    assert main([*TINY, "--output", str(out)]) == 0
    return out


class TestRun:
    def test_writes_all_outputs(self, tiny_run):
        for name in (
            "folds.csv",
            "summary.csv",
            "tests.csv",
            "wilcoxon.csv",
            "imbalanced.png",
            "results.md",
        ):
            assert (tiny_run / name).stat().st_size > 0
        meta = json.loads((tiny_run / "run.json").read_text())
        assert meta["config"]["classifiers"] == ["logreg"]

    def test_one_row_per_fold_and_sampler(self, tiny_run):
        folds = pd.read_csv(tiny_run / "folds.csv")
        assert len(folds) == 2 * 2 * len(SAMPLERS)
        assert set(folds.sampler) == set(SAMPLERS)
        for metric in ("balanced_accuracy", "g_mean", "roc_auc", "average_precision"):
            assert folds[metric].between(0, 1).all()
        kmixup = folds[folds.sampler == "kmixup"]
        assert kmixup.best_param.isin([4, 8]).all()
        smote = folds[folds.sampler == "smote"]
        # glass4: 13 positives, ~6 per outer training fold, ~3 per inner one:
        # the neighbour grid is cut down to what the inner folds allow
        assert (smote.best_param < smote.n_positive_train).all()

    def test_resampling_helps_balanced_accuracy_over_none(self, tiny_run):
        # with ~1:15 imbalance, the unweighted logistic regression at threshold
        # 0.5 favours the majority; random oversampling moves the threshold
        folds = pd.read_csv(tiny_run / "folds.csv")
        mean = folds.groupby("sampler").balanced_accuracy.mean()
        assert mean["ros"] > mean["none"]

    def test_report(self, tiny_run):
        text = (tiny_run / "results.md").read_text()
        assert "| glass4 (" in text and "| new-thyroid2 (" in text
        assert "Average rank over 2 datasets, balanced accuracy" in text
        assert "Wilcoxon signed-rank" in text
        assert "Tuning chose k (k-mixup, all outer folds)" in text
        summary = pd.read_csv(tiny_run / "summary.csv")
        folds = pd.read_csv(tiny_run / "folds.csv")
        for (name, sampler), group in folds.groupby(["dataset", "sampler"]):
            row = summary[(summary.dataset == name) & (summary.sampler == sampler)]
            np.testing.assert_allclose(row.roc_auc, group.roc_auc.mean(), rtol=1e-12)

    def test_csv_path_named_by_stem_and_rarer_class_positive(self, tmp_path):
        rng = np.random.default_rng(0)
        n_major, n_minor = 60, 12
        X = np.vstack(
            [rng.normal(0, 1, (n_major, 2)), rng.normal(2.5, 1, (n_minor, 2))]
        )
        labels = np.array(["common"] * n_major + ["rare"] * n_minor)
        path = tmp_path / "toy_imbalanced.csv"
        pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": labels}).to_csv(
            path, index=False
        )
        out = tmp_path / "out"
        args = [*TINY[:2], str(path), *TINY[3:], "--output", str(out)]
        assert main(args) == 0
        folds = pd.read_csv(out / "folds.csv")
        assert set(folds.dataset) == {"toy_imbalanced"}
        assert (folds.n_positive_train == n_minor // 2).all()
        assert (folds.roc_auc > 0.8).all()
        assert str(tmp_path) not in (out / "results.md").read_text()


class TestErrors:
    def test_multiclass_dataset(self, tmp_path, capsys):
        code = main(["imbalanced", "--datasets", "iris", "--output", str(tmp_path)])
        assert code == 2
        assert "binary target" in capsys.readouterr().err

    def test_minority_class_too_small_to_oversample(self, tmp_path, capsys):
        # 5 minority rows, 3 outer folds: 3 in a training fold; 2 inner folds:
        # 1 in an inner training fold, fewer than the 2 oversampling needs
        rows = ["a,b,y"] + [f"{i},{i % 7},0" for i in range(40)]
        rows += [f"{i},{i},1" for i in range(5)]
        path = tmp_path / "tiny.csv"
        path.write_text("\n".join(rows) + "\n")
        code = main(
            [
                "imbalanced",
                "--datasets",
                str(path),
                "--outer-splits",
                "3",
                "--inner-splits",
                "2",
                "--output",
                str(tmp_path / "out"),
            ]
        )
        assert code == 2
        err = capsys.readouterr().err
        assert "minority class has 5 samples" in err and "--outer-splits" in err

    def test_unknown_classifier(self, tmp_path, capsys):
        with pytest.raises(SystemExit) as info:
            main(["imbalanced", "--classifiers", "svm", "--output", str(tmp_path)])
        assert info.value.code == 2
        assert (
            "argument --classifiers: expected a comma-separated list of logreg, hgb"
            in (capsys.readouterr().err)
        )

    def test_the_rarer_class_is_the_named_positive_class(self):
        # the benchmark takes the rarer class as positive; every bundled
        # imbalanced dataset names that class positive in its metadata
        from pathlib import Path

        import skmixup
        from skmixup.datasets import list_datasets, load_dataset

        meta = Path(skmixup.__file__).parent / "data" / "datasets.json"
        meta = json.loads(meta.read_text(encoding="utf-8"))["datasets"]
        for name in list_datasets("imbalanced"):
            classes, counts = np.unique(load_dataset(name).target, return_counts=True)
            assert len(counts) == 2 and counts[0] != counts[1], name
            assert str(classes[np.argmin(counts)]) == meta[name]["positive_class"]

    def test_list(self, capsys):
        assert main(["imbalanced", "--list"]) == 0
        names = capsys.readouterr().out.split()
        assert len(names) == 20 and "glass4" in names and "iris" not in names


class TestParts:
    def test_scores_by_hand(self):
        y = np.array([0, 0, 0, 0, 1, 1])
        proba = np.array([0.1, 0.6, 0.2, 0.3, 0.8, 0.4])
        s = scores(y, proba)
        # recalls: negatives 3/4, positives 1/2
        np.testing.assert_allclose(s["balanced_accuracy"], (0.75 + 0.5) / 2)
        np.testing.assert_allclose(s["g_mean"], np.sqrt(0.75 * 0.5))
        # ROC AUC: of the 8 (positive, negative) pairs, 0.4 loses to 0.6 only
        np.testing.assert_allclose(s["roc_auc"], 7 / 8)
        # AP: ranks 0.8 (hit, P=1), 0.6, 0.4 (hit, P=2/3) -> (1 + 2/3) / 2
        np.testing.assert_allclose(s["average_precision"], (1 + 2 / 3) / 2)

    def test_neighbour_grid_is_cut_to_the_minority_size(self):
        config = Config(
            datasets=("x",),
            classifiers=("logreg",),
            outer_splits=2,
            outer_repeats=1,
            inner_splits=2,
            ks=(4, 16),
            neighbors=(3, 5),
            seed=0,
            max_train=None,
        )
        assert sampler_grid("smote", config) == {"sample__k_neighbors": [3, 5]}
        assert sampler_grid("smote", config, 5) == {"sample__k_neighbors": [3]}
        assert sampler_grid("adasyn", config, 3) == {"sample__n_neighbors": [2]}
        assert sampler_grid("kmixup", config, 3) == {"sample__k": [4, 16]}
        assert sampler_grid("none", config) == {}

    def test_adasyn_fallback_leaves_data_unchanged(self):
        # minority points far from every majority point: ADASYN raises
        X = np.vstack([np.zeros((20, 2)), np.full((6, 2), 100.0)])
        X += np.random.default_rng(0).normal(scale=0.01, size=X.shape)
        y = np.array([0] * 20 + [1] * 6)
        sampler = _ADASYNOrUnchanged(n_neighbors=3, random_state=0)
        X_out, y_out = sampler.fit_resample(X, y)
        assert sampler.failed_
        assert X_out is X and y_out is y

    def test_adasyn_works_when_it_can(self):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 2))
        y = np.array([0] * 32 + [1] * 8)
        sampler = _ADASYNOrUnchanged(n_neighbors=3, random_state=0)
        X_out, y_out = sampler.fit_resample(X, y)
        assert not sampler.failed_
        assert len(y_out) > len(y)
