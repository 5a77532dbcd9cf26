"""Smoke tests of ``python -m skmixup.benchmarks neural`` with tiny sizes."""

import argparse

import numpy as np
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
    assert by.loc["erm", "ratio_to_erm"] == 1.0
    assert by.loc["loop_mixup", "ratio_to_loop_fused"] == pytest.approx(
        by.loc["loop_mixup", "median_fit_s"] / by.loc["loop_fused", "median_fit_s"]
    )
    # the mixing step is timed for the nets that mix, and only for them
    assert by.loc[["mixup", "kmixup"], "mixing_us_per_batch"].gt(0).all()
    not_timed = ["mlp", "loop", "loop_fused", "loop_mixup", "erm"]
    assert by.loc[not_timed, "mixing_us_per_batch"].isna().all()


def test_mixing_cost_ratios_printed(tiny_run, capsys):
    _, out = tiny_run
    df = pd.read_csv(out / "neural.csv").set_index("contender")
    text = (out / "results.md").read_text()
    hand = df.loc["loop_mixup", "ratio_to_loop_fused"]
    ours = df.loc["mixup", "ratio_to_erm"]
    k_cost = df.loc["kmixup", "ratio_to_mixup"]
    assert (
        f"Cost of mixing: hand mixup / hand ERM loop {hand:.3f}; "
        f"KMixupClassifier(k=1) / KMixupClassifier(alpha=0) {ours:.3f}; "
        f"KMixupClassifier(k=4) / KMixupClassifier(k=1) {k_cost:.3f}."
    ) in text


def test_paired_line_printed(tiny_run):
    _, out = tiny_run
    df = pd.read_csv(out / "neural.csv").set_index("contender")
    text = (out / "results.md").read_text()

    def interval(name, column="paired_ratio"):
        lo, hi = df.loc[name, column + "_lo"], df.loc[name, column + "_hi"]
        assert lo <= df.loc[name, column] <= hi
        return f"{df.loc[name, column]:.3f} [{lo:.3f}, {hi:.3f}]"

    assert (
        f"hand mixup / hand ERM loop {interval('loop_mixup')}; "
        f"k=1 / alpha=0 {interval('mixup')}; their difference "
        f"{interval('mixup', 'mixing_gap')}; k=4 / k=1 {interval('kmixup')}."
    ) in text
    paired = ["loop_mixup", "mixup", "kmixup"]
    assert df.drop(index=paired)["paired_ratio"].isna().all()
    assert df.drop(index="mixup")["mixing_gap"].isna().all()


class TestPaired:
    """The cost-of-mixing ratios taken round by round."""

    @staticmethod
    def times(drift):
        # 9 rounds; every fit of round r is slowed by the same factor drift[r]
        base = np.array([1.0, 1.02, 0.98, 1.01, 0.99, 1.03, 0.97, 1.0, 1.0])
        ratios = {"loop_mixup": 1.10, "mixup": 1.20, "kmixup": 1.04}
        times = {"loop_fused": base * drift, "erm": 2 * base * drift}
        times["loop_mixup"] = times["loop_fused"] * ratios["loop_mixup"]
        times["mixup"] = times["erm"] * ratios["mixup"]
        times["kmixup"] = times["mixup"] * ratios["kmixup"]
        return {name: list(t) for name, t in times.items()}

    def test_ratios_of_one_round_and_drift_cancels(self):
        drift = np.linspace(1.0, 1.5, 9)  # the machine slows down round by round
        paired = neural._paired(self.times(drift), seed=0)
        for name, want in (("loop_mixup", 1.10), ("mixup", 1.20), ("kmixup", 1.04)):
            assert paired[name] == pytest.approx((want, want, want))
        assert paired["gap"] == pytest.approx((0.10, 0.10, 0.10))

    def test_interval_holds_the_median_and_is_reproducible(self):
        times = self.times(np.ones(9))
        times["kmixup"] = [
            t * f for t, f in zip(times["kmixup"], np.linspace(0.95, 1.05, 9))
        ]
        median, lo, hi = neural._paired(times, seed=0)["kmixup"]
        assert median == pytest.approx(1.04)
        assert 1.04 * 0.95 <= lo < median < hi <= 1.04 * 1.05
        assert neural._paired(times, seed=0)["kmixup"] == (median, lo, hi)


@pytest.mark.parametrize("mixup", [False, True])
def test_hand_loops_train(mixup):
    X, y = neural._make_data(200, 6, 0)
    kwargs = dict(hidden_units=8, batch_size=32, device="cpu", fused=True, seed=0)
    before = neural._torch_loop(X, y, 4, epochs=0, mixup=mixup, **kwargs)
    after = neural._torch_loop(X, y, 4, epochs=50, mixup=mixup, **kwargs)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    loss = torch.nn.CrossEntropyLoss()
    with torch.no_grad():
        assert loss(after(Xt), yt) < 0.8 * loss(before(Xt), yt)


def test_results_md(tiny_run):
    _, out = tiny_run
    text = (out / "results.md").read_text()
    assert text.startswith("| setting | contender | median fit s |")
    assert text.count("| 120 x 4, batch 32 |") == len(neural.CONTENDERS)
    assert "KMixupClassifier(k=4)" in text
    assert "KMixupClassifier(alpha=0) takes" in text
    assert "Command: `python -m skmixup.benchmarks neural" in text
    assert "10 epochs" not in text and "1 epochs per fit, 2 interleaved fits" in text


def test_cli(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli, "BENCHMARKS", {"neural": BENCHMARKS["neural"]})
    argv = ["neural"] + TINY[:-4] + ["--repeats", "1", "--output", str(tmp_path)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "CPU timings" in printed and "k=4 takes" in printed
    assert (tmp_path / "results.md").exists()


def test_bad_device(tmp_path, capsys):
    assert neural.run(parse(["--device", "tpu9", "--output", str(tmp_path)])) == 2
    assert "--device must be cpu, cuda" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "argument --epochs: expected an integer >= 1"),
        (["--batch-size", "0"], "argument --batch-size: expected an integer >= 1"),
        (["--n-samples", "7"], "argument --n-samples: expected an integer >= 8"),
        (["--threads", "0"], "argument --threads: expected an integer >= 1"),
    ],
)
def test_bad_options_refused_when_parsed(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        parse(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_cuda_without_device(tmp_path, capsys):
    assert neural.run(parse(["--device", "cuda", "--output", str(tmp_path)])) == 2
    assert "no CUDA device" in capsys.readouterr().err


def test_images_times_the_convnet_without_the_mlp(tmp_path):
    argv = ["--images", "--epochs", "1", "--repeats", "1", "--hidden-units", "8"]
    assert neural.run(parse(argv + ["--k", "4", "--output", str(tmp_path)])) == 0
    df = pd.read_csv(tmp_path / "neural.csv")
    assert list(df["contender"]) == [c for c in neural.CONTENDERS if c != "mlp"]
    assert (df["n_samples"] == 1797).all() and (df["n_features"] == "8 x 8").all()
    assert df["ratio_to_mlp"].isna().all()
    by = df.set_index("contender")
    assert by.loc["loop", "ratio_to_loop"] == 1.0
    assert by.loc["erm", "ratio_to_erm"] == 1.0
    text = (tmp_path / "results.md").read_text()
    assert text.count("| 1,797 x 8 x 8, batch 64 |") == len(df)
    assert "the default ConvNet" in text
    assert "KMixupClassifier(alpha=0) takes" in text and "MLPClassifier," not in text


def test_hand_loop_trains_the_convnet_on_images():
    from skmixup.benchmarks.images import load_images
    from skmixup.modules import ConvNet

    X, y = load_images("digits")
    net = neural._torch_loop(
        X[:64],
        y[:64],
        10,
        hidden_units=8,
        batch_size=32,
        epochs=1,
        device="cpu",
        fused=False,
        seed=0,
        mixup=True,
    )
    assert isinstance(net, ConvNet)


def test_timed_fits_read_no_clock_inside():
    # The mixing step's own time comes from _MIXING_FITS further fits of each
    # mixing net, never from the timed fits (whose count is --repeats + 1).
    import time

    args = parse(TINY)
    times, mixing = neural._measure_setting(
        args, 120, 4, 32, time.process_time, lambda: None
    )
    assert all(len(t) == args.repeats for t in times.values())
    batches_per_fit = -(-120 // 32) * args.epochs
    for name in ("mixup", "kmixup"):
        assert len(mixing[name]) == neural._MIXING_FITS * batches_per_fit
    assert not mixing["erm"]
