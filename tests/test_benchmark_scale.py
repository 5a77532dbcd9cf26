"""Smoke tests of ``python -m skmixup.benchmarks scale`` with tiny sizes."""

import json

import pytest

from skmixup.benchmarks import BENCHMARKS
from skmixup.benchmarks.__main__ import main


def test_registered():
    assert BENCHMARKS["scale"] == "skmixup.benchmarks.scale"


def test_augment_part_times_and_measures_memory(tmp_path):
    argv = ["scale", "--rows", "2000,3000", "--cols", "4", "--k", "4"]
    assert main([*argv, "--repeats", "2", "--output", str(tmp_path)]) == 0
    report = json.loads((tmp_path / "augment.json").read_text())
    assert report["part"] == "augment" and report["options"]["k"] == 4
    for rows, result in zip((2000, 3000), report["result"]):
        assert result["n_timed"] == 2
        assert 0 < result["best_s"] <= result["median_s"]
        memory = result["memory"]  # measured in a fresh interpreter
        # keep_original: the rows and as many synthetic ones
        assert (memory["rows"], memory["rows_out"]) == (rows, 2 * rows)
        assert memory["output_bytes"] == 2 * rows * 4 * 4
        assert memory["tracemalloc_peak_bytes"] > 0
        assert memory["tracemalloc_peak_x_output"] == pytest.approx(
            memory["tracemalloc_peak_bytes"] / memory["output_bytes"]
        )


def test_resample_part_mixes_a_lazy_array_chunk_by_chunk(tmp_path):
    pytest.importorskip("dask.array")
    argv = ["scale", "--part", "resample", "--rows", "4000", "--chunk-rows", "1000"]
    argv += ["--cols", "3", "--k", "4", "--no-keep-original"]
    assert main([*argv, "--output", str(tmp_path)]) == 0
    (result,) = json.loads((tmp_path / "resample.json").read_text())["result"]
    assert (result["rows"], result["rows_out"]) == (4000, 4000)
    assert 0 <= result["checksum_y"] <= 4000
    assert result["wall_s"] >= result["plan_s"] > 0
    assert "tracemalloc_peak_bytes" not in result


@pytest.mark.parametrize(
    "option, value, message",
    [
        ("--rows", "0", "int values >= 1"),
        ("--cols", "-2", "expected an integer >= 1"),
        ("--part", "overhead", "invalid choice"),
    ],
)
def test_bad_options_refused_when_parsed(capsys, option, value, message):
    with pytest.raises(SystemExit) as info:
        main(["scale", option, value])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["scale", "--output", str(blocker / "sub")]) == 2
    assert "is not a writable folder" in capsys.readouterr().err
