"""Smoke tests of ``python -m skmixup.benchmarks neural`` with tiny sizes."""

import argparse

import pytest
import torch

pd = pytest.importorskip("pandas")

import skmixup.benchmarks.__main__ as cli  # noqa: E402
from skmixup.benchmarks import BENCHMARKS, neural  # noqa: E402

TINY = [
    "--n-samples",
    "120",
    "--n-features",
    "4",
    "--batch-size",
    "32",
    "--hidden-units",
    "8",
    "--k",
    "4",
    "--epochs",
    "1",
    "--repeats",
    "2",
    "--device",
    "cpu",
]


def parse(argv):
    parser = argparse.ArgumentParser()
    neural.add_arguments(parser)
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("neural")
    threads = torch.get_num_threads()
    code = neural.run(parse(TINY + ["--output", str(out)]))
    assert torch.get_num_threads() == threads  # restored
    return code, out


def test_registered():
    assert BENCHMARKS["neural"] == "skmixup.benchmarks.neural"
    assert isinstance(neural.DESCRIPTION, str) and neural.DESCRIPTION


def test_csv(tiny_run):
    code, out = tiny_run
    assert code == 0
    df = pd.read_csv(out / "neural.csv")
    assert list(df["contender"]) == list(neural.CONTENDERS)
    assert (df["n_samples"] == 120).all() and (df["batch_size"] == 32).all()
    assert (df["median_fit_s"] > 0).all()
    assert (df["n_fits"] == 2).all()
    assert (df["clock"] == "process").all() and (df["threads"] == 1).all()
    by = df.set_index("contender")
    assert by.loc["mlp", "ratio_to_mlp"] == 1.0
    assert by.loc["loop", "ratio_to_loop"] == 1.0
    assert by.loc["mixup", "ratio_to_mixup"] == 1.0
    # the mixing step is timed for the nets that mix, and only for them
    assert by.loc[["mixup", "kmixup"], "mixing_us_per_batch"].gt(0).all()
    assert (
        by.loc[["mlp", "loop", "loop_fused", "erm"], "mixing_us_per_batch"].isna().all()
    )


def test_results_md(tiny_run):
    _, out = tiny_run
    text = (out / "results.md").read_text()
    assert text.startswith("| setting | contender | median fit s |")
    assert text.count("| 120 x 4, batch 32 |") == len(neural.CONTENDERS)
    assert "KMixupClassifier(k=4)" in text
    assert "KMixupClassifier(alpha=0) takes" in text
    assert "Command: `python -m skmixup.benchmarks neural --n-samples 120" in text


def test_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "BENCHMARKS", {"neural": BENCHMARKS["neural"]})
    argv = ["neural"] + TINY[:-4] + ["--repeats", "1", "--output", str(tmp_path)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "CPU timings" in printed and "k=4 takes" in printed
    assert (tmp_path / "results.md").exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--device", "tpu9"], "--device must be cpu, cuda"),
        (["--epochs", "0"], "--epochs must be >= 1"),
        (["--batch-size", "0"], "--batch-size must be >= 1"),
    ],
)
def test_bad_options(tmp_path, capsys, argv, message):
    assert neural.run(parse(argv + ["--output", str(tmp_path)])) == 2
    assert message in capsys.readouterr().out


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cuda_without_device(tmp_path, capsys):
    assert neural.run(parse(["--device", "cuda", "--output", str(tmp_path)])) == 2
    assert "no CUDA device" in capsys.readouterr().out
