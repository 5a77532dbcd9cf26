"""Smoke tests of ``python -m skmixup.benchmarks matching`` with tiny sizes."""

import argparse

import numpy as np
import pytest
import torch

pd = pytest.importorskip("pandas")

import skmixup.benchmarks.__main__ as cli  # noqa: E402
from skmixup.benchmarks import BENCHMARKS, matching  # noqa: E402

TINY = ["--batch-sizes", "8", "16", "--ks", "1", "2", "8", "--dims", "3"]


def parse(argv):
    parser = argparse.ArgumentParser()
    matching.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    argv = TINY + ["--repeats", "2", "--dense-max-b", "8", "--output", str(out)]
    return matching.run(parse(argv)), out


def test_registered():
    assert BENCHMARKS["matching"] == "skmixup.benchmarks.matching"
    assert isinstance(matching.DESCRIPTION, str) and matching.DESCRIPTION


def test_cli_runs_matching(tmp_path, monkeypatch, capsys):
    # Only this benchmark is loaded, so the test does not depend on the others.
    monkeypatch.setattr(cli, "BENCHMARKS", {"matching": BENCHMARKS["matching"]})
    argv = ["matching", "--batch-sizes", "8", "--ks", "4", "--dims", "2"]
    code = cli.main(
        argv + ["--repeats", "1", "--threads", "1", "--output", str(tmp_path)]
    )
    assert code == 0
    df = pd.read_csv(tmp_path / "matching.csv")
    assert list(df["backend"]) == ["numpy", "torch-cpu"]
    assert df["exact"].all()
    assert "Targets (informational):" in capsys.readouterr().out


def test_process_clock(tmp_path):
    argv = ["--batch-sizes", "8", "--ks", "2", "--dims", "2", "--clock", "process"]
    assert (
        matching.run(parse(argv + ["--repeats", "1", "--output", str(tmp_path)])) == 0
    )
    df = pd.read_csv(tmp_path / "matching.csv")
    assert (df["clock"] == "process").all()
    assert (df["match_ms"] >= 0).all()


def test_table_csv_and_summary(tiny_run, capsys):
    code, out = tiny_run
    assert code == 0
    df = pd.read_csv(out / "matching.csv")
    # 2 batch sizes x 3 k x 1 d, each for numpy and torch-cpu
    assert len(df) == 12
    assert set(df["backend"]) >= {"numpy", "torch-cpu"}
    expected_cols = {
        "B",
        "k",
        "d",
        "solver",
        "match_ms",
        "floor_ms",
        "dense_ms",
        "lsa_loop_ms",
        "emd_loop_ms",
        "x_vs_dense",
        "x_vs_lsa_loop",
        "time_over_floor",
        "exact",
        "device",
    }
    assert expected_cols <= set(df.columns)
    assert df["exact"].all()
    assert (df[["match_ms", "floor_ms", "lsa_loop_ms", "emd_loop_ms"]] > 0).all().all()
    # (a) is measured at B=8 and skipped above --dense-max-b
    assert df.loc[df["B"] == 8, "dense_ms"].notna().all()
    assert df.loc[df["B"] == 16, "dense_ms"].isna().all()
    np.testing.assert_allclose(df["x_vs_lsa_loop"], df["lsa_loop_ms"] / df["match_ms"])
    np.testing.assert_allclose(df["time_over_floor"], df["match_ms"] / df["floor_ms"])
    # host data: the fused compiled pass for every k >= 2 (what "auto" picks)
    assert list(df["solver"].unique()) == ["trivial", "jv"]


def test_solver_labels_follow_the_library_rule():
    from skmixup._matching import FUSED_MAX_FEATURES

    assert matching._FUSED_MAX_FEATURES == FUSED_MAX_FEATURES
    assert matching.solver_for(1, "numpy", 10) == "trivial"
    assert matching.solver_for(2, "torch-cpu", 10) == "jv"
    assert matching.solver_for(4, "numpy", FUSED_MAX_FEATURES + 1) == "brute"
    assert matching.solver_for(4, "torch-cuda", 10) == "brute"
    assert matching.solver_for(5, "torch-cuda", 10) == "jv"


def test_printed_report(tmp_path, capsys):
    argv = TINY + ["--repeats", "1", "--dense-max-b", "8", "--output", str(tmp_path)]
    assert matching.run(parse(argv)) == 0
    text = capsys.readouterr().out
    assert "skipped" in text and "--dense-max-b" in text
    assert "device:" in text
    if not torch.cuda.is_available():
        assert "GPU not measured" in text
    # the target configuration is not in this grid: reported, not invented
    assert "n/a" in text and "configuration not measured" in text
    assert "exact: total cost equals the per-block scipy optimum in 12/12 rows" in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--batch-sizes", "10", "--ks", "4"], "must be >= 1 and divide"),
        (["--dims", "0"], "must be >= 1 and divide"),
        (["--clock", "process", "--device", "tpu"], "--device must be cpu, cuda"),
    ],
)
def test_bad_options(argv, message, tmp_path, capsys):
    assert matching.run(parse(argv + ["--output", str(tmp_path)])) == 2
    assert message in capsys.readouterr().out
    assert not (tmp_path / "matching.csv").exists()


@pytest.mark.parametrize("option", ["--repeats", "--threads"])
def test_counts_refused_when_parsed(option, capsys):
    with pytest.raises(SystemExit):
        parse([option, "0"])
    assert f"argument {option}: expected an integer >= 1" in capsys.readouterr().err


def test_targets_are_computed_from_the_measurements():
    def frame(dense_speedup, loop_speedup, floor_ratio, exact=True):
        rows = []
        for backend in ("numpy", "torch-cpu"):
            rows.append(
                {
                    "backend": backend,
                    "B": 1024,
                    "k": 16,
                    "d": 100,
                    "x_vs_dense": dense_speedup,
                    "x_vs_lsa_loop": loop_speedup,
                    "time_over_floor": floor_ratio,
                    "exact": exact,
                }
            )
        return pd.DataFrame(rows)

    good = matching._targets(frame(31.0, 2.5, 2.9))
    assert all(line.strip().startswith("PASS") for line in good)
    bad = matching._targets(frame(29.0, 1.9, 3.1, exact=False))
    assert all(line.strip().startswith("FAIL") for line in bad)
    assert any("29.0x" in line for line in bad)


class TestBaselines:
    """The baselines compute what they claim (so the timings compare like with like)."""

    def setup_method(self):
        rng = np.random.default_rng(0)
        self.A = rng.normal(size=(6, 5, 3))
        self.P = rng.normal(size=(6, 5, 3))

    def test_loops_reach_the_same_optimum(self):
        optimum = matching._total_cost(
            self.A, self.P, matching._match_sq(self.A, self.P)
        )
        for baseline in (matching._lsa_loop, matching._emd_loop):
            perm = baseline(self.A, self.P)
            np.testing.assert_array_equal(
                np.sort(perm, axis=1), np.tile(np.arange(5), (6, 1))
            )
            np.testing.assert_allclose(
                matching._total_cost(self.A, self.P, perm), optimum, rtol=1e-9
            )

    def test_dense_reference_stays_in_blocks(self):
        cols = matching._dense_reference(self.A, self.P)
        rows = np.arange(30)
        np.testing.assert_array_equal(cols // 5, rows // 5)
        np.testing.assert_array_equal(np.sort(cols), rows)
