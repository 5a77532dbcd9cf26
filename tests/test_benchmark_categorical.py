"""Smoke test of ``python -m skmixup.benchmarks categorical`` (seconds)."""

import json

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from skmixup.benchmarks.__main__ import main  # noqa: E402
from skmixup.benchmarks.categorical import make_model, onehot_groups  # noqa: E402
from skmixup.datasets import load_dataset  # noqa: E402


def test_onehot_groups_cover_the_encoded_columns():
    heart = load_dataset("heart")
    groups = onehot_groups(heart)
    assert len(groups) == len(heart.categorical) == 3
    for col, g in zip(heart.categorical, groups):
        assert all(heart.feature_names[j].startswith(f"{col}=") for j in g)
        np.testing.assert_array_equal(heart.data[:, g].sum(axis=1), 1.0)


@pytest.mark.parametrize("model", ("net", "linear"))
def test_aware_model_never_averages_categories(model):
    # The aware variant feeds the model only category values that occur.
    from argparse import Namespace

    heart = load_dataset("heart")
    groups = onehot_groups(heart)
    args = Namespace(k=8, alpha=1.0, steps=5)
    est = make_model(model, "aware", groups, heart.data.shape[1], 270, args, 0)
    est.fit(heart.data, heart.target)
    assert est.predict_proba(heart.data[:5]).shape == (5, 2)


def test_cli_writes_its_files(tmp_path):
    out = tmp_path / "cat"
    code = main(
        [
            "categorical",
            "--datasets",
            "heart",
            "--outer-splits",
            "2",
            "--outer-repeats",
            "1",
            "--steps",
            "5",
            "--n-jobs",
            "1",
            "--output",
            str(out),
        ]
    )
    assert code == 0
    folds = pd.read_csv(out / "folds.csv")
    assert set(folds.variant) == {"averaged", "aware"}
    assert set(folds.model) == {"net", "linear"}
    assert len(folds) == 2 * 2 * 2
    assert "| heart | net |" in (out / "results.md").read_text()
    assert json.loads((out / "run.json").read_text())["config"]["datasets"] == ["heart"]


def test_cli_skips_datasets_without_categorical_columns(tmp_path, capsys):
    out = tmp_path / "cat"
    args = ["categorical", "--datasets", "iris,heart", "--outer-splits", "2"]
    args += ["--outer-repeats", "1", "--steps", "2", "--n-jobs", "1"]
    assert main([*args, "--output", str(out)]) == 0
    assert "iris: no categorical columns, skipped" in capsys.readouterr().err
    assert set(pd.read_csv(out / "folds.csv").dataset) == {"heart"}
