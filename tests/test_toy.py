"""Tests of the 2-D toy generators and of the toy benchmark (``skmixup.benchmarks.toy``)."""

import argparse
import csv
import itertools

import numpy as np
import pytest
from _optional import requires

from skmixup import kmixup_batch
from skmixup.benchmarks import BENCHMARKS, toy
from skmixup.benchmarks.toy import cross_pair_counts, min_cross_pairs, run_study
from skmixup.toydata import make_clusters, make_spiral

GENERATORS = [make_clusters, make_spiral]


# --------------------------------------------------------------------------
# generators


class TestGenerators:
    @pytest.mark.parametrize("make", GENERATORS)
    @pytest.mark.parametrize("n_samples", [1, 7, 64])
    def test_shapes_and_dtypes(self, make, n_samples):
        X, y = make(n_samples, random_state=0)
        assert X.shape == (n_samples, 2)
        assert X.dtype == np.float64
        assert y.shape == (n_samples,)
        assert y.dtype == np.int64

    @pytest.mark.parametrize("make", GENERATORS)
    def test_same_seed_same_data_other_seed_other_data(self, make):
        X0, y0 = make(50, random_state=3)
        X1, y1 = make(50, random_state=3)
        X2, _ = make(50, random_state=4)
        np.testing.assert_array_equal(X0, X1)
        np.testing.assert_array_equal(y0, y1)
        assert not np.allclose(X0, X2)

    @pytest.mark.parametrize(
        "make, kwargs, n_classes",
        [
            (make_clusters, {"n_clusters": 3}, 3),
            (make_clusters, {"n_clusters": 8}, 8),
            (make_spiral, {"n_arms": 2}, 2),
            (make_spiral, {"n_arms": 5}, 5),
        ],
    )
    def test_labels_are_balanced(self, make, kwargs, n_classes):
        n = 10 * n_classes + 2
        _, y = make(n, random_state=0, **kwargs)
        expected = np.full(n_classes, 10)
        expected[:2] += 1
        np.testing.assert_array_equal(np.bincount(y, minlength=n_classes), expected)

    def test_noiseless_clusters_are_the_centres(self):
        X, y = make_clusters(24, 6, radius=2.5, cluster_std=0.0, random_state=0)
        angles = 2 * np.pi * y / 6
        expected = 2.5 * np.column_stack([np.cos(angles), np.sin(angles)])
        np.testing.assert_allclose(X, expected, rtol=0, atol=1e-12)

    def test_clusters_are_well_separated_by_default(self):
        X, y = make_clusters(400, 8, random_state=0)
        centres = np.array([X[y == c].mean(axis=0) for c in range(8)])
        nearest = np.argmin(((X[:, None, :] - centres) ** 2).sum(-1), axis=1)
        np.testing.assert_array_equal(nearest, y)

    def test_noiseless_spiral_points_lie_on_their_arm(self):
        turns, n_arms = 1.5, 3
        X, y = make_spiral(
            90, n_arms=n_arms, turns=turns, noise=0.0, start=0.2, random_state=0
        )
        t = np.linalg.norm(X, axis=1)
        assert np.all((t >= 0.2 - 1e-12) & (t <= 1 + 1e-12))
        theta = np.arctan2(X[:, 1], X[:, 0])
        expected = 2 * np.pi * (turns * t + y / n_arms)
        # angles agree modulo a full turn
        gap = np.angle(np.exp(1j * (theta - expected)))
        np.testing.assert_allclose(gap, 0.0, atol=1e-9)

    @pytest.mark.parametrize(
        "make, kwargs, match",
        [
            (make_clusters, {"n_samples": -1}, "'n_samples' parameter"),
            (make_clusters, {"n_clusters": 0}, "'n_clusters' parameter"),
            (make_clusters, {"cluster_std": -1.0}, "'cluster_std' parameter"),
            (make_spiral, {"n_samples": 1.5}, "'n_samples' parameter"),
            (make_spiral, {"noise": -0.1}, "'noise' parameter"),
            (make_spiral, {"turns": 0}, "'turns' parameter"),
            (make_spiral, {"start": 1.0}, "'start' parameter"),
        ],
    )
    def test_bad_parameters_are_named(self, make, kwargs, match):
        with pytest.raises(ValueError, match=match):
            make(**kwargs)


# --------------------------------------------------------------------------
# the forced minimum of cross-class pairs


def _brute_force_min(labels_a, labels_b):
    return min(
        sum(a != labels_b[j] for a, j in zip(labels_a, perm))
        for perm in itertools.permutations(range(len(labels_b)))
    )


class TestMinCrossPairs:
    @pytest.mark.parametrize(
        "counts_a, counts_b, expected",
        [
            ([3], [3], 0),  # one class: nothing to cross
            ([2, 1, 0], [0, 1, 2], 2),  # only one pair can stay in class 1
            ([4, 0], [0, 4], 4),  # disjoint classes: every pair crosses
            ([1, 1, 1, 1], [1, 1, 1, 1], 0),  # same counts: no crossing needed
            ([3, 1, 0], [1, 1, 2], 2),  # k=4, overlap min(3,1)+min(1,1)=2
        ],
    )
    def test_hand_worked(self, counts_a, counts_b, expected):
        assert min_cross_pairs(counts_a, counts_b) == expected

    def test_batched_over_leading_dimensions(self):
        a = np.array([[[2, 1, 0], [4, 0, 0]]])
        b = np.array([[[0, 1, 2], [2, 2, 0]]])
        np.testing.assert_array_equal(min_cross_pairs(a, b), [[2, 2]])

    @pytest.mark.parametrize("seed", range(20))
    def test_equals_brute_force_over_all_matchings(self, seed):
        rng = np.random.default_rng(seed)
        k = int(rng.integers(1, 7))
        labels_a = rng.integers(0, 3, k)
        labels_b = rng.integers(0, 3, k)
        counts_a = np.bincount(labels_a, minlength=3)
        counts_b = np.bincount(labels_b, minlength=3)
        assert min_cross_pairs(counts_a, counts_b) == _brute_force_min(
            labels_a, labels_b
        )

    def test_errors(self):
        with pytest.raises(ValueError, match="same shape"):
            min_cross_pairs([1, 1], [2])
        with pytest.raises(ValueError, match="same size"):
            min_cross_pairs([1, 1], [2, 1])
        with pytest.raises(ValueError, match=">= 0"):
            min_cross_pairs([2, -1], [1, 0])
        with pytest.raises(TypeError, match="integer"):
            min_cross_pairs([1.0, 1.0], [2.0, 0.0])


class TestCrossPairCounts:
    def test_hand_worked(self):
        labels = np.array(["a", "a", "b", "b", "b", "a"])
        # k-batch 0 = {0, 2, 4} (a, b, b) mixed with {1, 3, 5} (a, b, a)
        group = np.array([0, 1, 0, 1, 0, 1])
        partner = np.array([5, 0, 3, 4, 1, 2])
        crossings, forced, sizes = cross_pair_counts(labels, partner, group)
        # group 0: 0->5 (a,a), 2->3 (b,b), 4->1 (b,a): 1 crossing, forced 1
        # group 1: 1->0 (a,a), 3->4 (b,b), 5->2 (a,b): 1 crossing, forced 1
        np.testing.assert_array_equal(crossings, [1, 1])
        np.testing.assert_array_equal(forced, [1, 1])
        np.testing.assert_array_equal(sizes, [3, 3])

    def test_unmatched_pairs_cross_more_than_forced(self):
        labels = np.array([0, 1, 0, 1])
        group = np.array([0, 0, 1, 1])
        partner = np.array([3, 2, 1, 0])  # 0->1 and 1->0: both cross
        crossings, forced, _ = cross_pair_counts(labels, partner, group)
        np.testing.assert_array_equal(crossings, [2, 2])
        np.testing.assert_array_equal(forced, [0, 0])

    @pytest.mark.parametrize("metric", ["sqeuclidean", "euclidean"])
    @pytest.mark.parametrize("k", [1, 3, 8, 50])
    @pytest.mark.parametrize("seed", range(5))
    def test_measured_crossings_never_below_forced(self, metric, k, seed):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(203, 2))
        labels = rng.integers(0, 4, 203)
        _, _, info = kmixup_batch(
            X, k=k, metric=metric, random_state=seed, return_info=True
        )
        crossings, forced, sizes = cross_pair_counts(labels, info.partner, info.group)
        assert np.all(crossings >= forced)
        assert sizes.sum() == 203
        if k == 1:  # one pair per k-batch: it crosses iff it must
            np.testing.assert_array_equal(crossings, forced)

    def test_euclidean_cost_reaches_forced_minimum_on_tight_clusters(self):
        # Centres on a circle: no three are collinear, so the triangle
        # inequality is strict and any matching that leaves an avoidable
        # crossing can be improved by a swap. The euclidean optimum therefore
        # crosses exactly as often as the class counts force.
        for seed in range(5):
            X, y = make_clusters(256, 8, cluster_std=1e-3, random_state=seed)
            for k in (4, 16, 64):
                _, _, info = kmixup_batch(
                    X, k=k, metric="euclidean", random_state=seed, return_info=True
                )
                crossings, forced, _ = cross_pair_counts(y, info.partner, info.group)
                np.testing.assert_array_equal(crossings, forced)

    def test_squared_cost_crosses_more_on_tight_clusters(self):
        excess = 0
        for seed in range(5):
            X, y = make_clusters(256, 8, cluster_std=1e-3, random_state=seed)
            _, _, info = kmixup_batch(
                X, k=16, metric="sqeuclidean", random_state=seed, return_info=True
            )
            crossings, forced, _ = cross_pair_counts(y, info.partner, info.group)
            excess += int((crossings - forced).sum())
        assert excess > 0

    def test_errors(self):
        with pytest.raises(ValueError, match="same length"):
            cross_pair_counts([0, 1], [1, 0, 2], [0, 0, 0])
        with pytest.raises(TypeError, match="integer"):
            cross_pair_counts([0, 1], [1.0, 0.0], [0, 0])


# --------------------------------------------------------------------------
# the study


class TestStudy:
    @pytest.fixture(scope="class")
    def rows(self):
        return run_study(ks=(1, 4, 16, 64), seeds=range(3), n_samples=256)

    def test_one_row_per_dataset_metric_k(self, rows):
        keys = {(r["dataset"], r["metric"], r["k"]) for r in rows}
        assert len(rows) == len(keys) == 3 * 2 * 4
        assert all(set(r) == set(toy.CSV_FIELDS) for r in rows)

    def test_cross_rate_falls_with_k(self, rows):
        for name in toy.DATASETS:
            for metric in toy.METRICS:
                sub = [
                    r for r in rows if r["dataset"] == name and r["metric"] == metric
                ]
                rates = [r["cross_rate"] for r in sub]
                assert np.all(np.diff(rates) < 0), (name, metric, rates)
                dist = [r["manifold_distance"] for r in sub]
                assert dist[-1] < dist[0], (name, metric, dist)

    def test_rates_are_bounded_by_forced_minimum(self, rows):
        for r in rows:
            assert 0 <= r["forced_rate"] <= r["cross_rate"] <= 1
            np.testing.assert_allclose(
                r["excess_rate"], r["cross_rate"] - r["forced_rate"], atol=1e-12
            )
            if r["k"] == 1:
                assert r["excess_rate"] == 0

    def test_both_metrics_see_the_same_k_batches(self, rows):
        by = {(r["dataset"], r["metric"], r["k"]): r for r in rows}
        for name, k in itertools.product(toy.DATASETS, (1, 4, 16, 64)):
            a, b = by[(name, "sqeuclidean", k)], by[(name, "euclidean", k)]
            assert a["forced_rate"] == b["forced_rate"]
            assert a["diff_vs_first"] == 0
            np.testing.assert_allclose(
                b["diff_vs_first"], b["cross_rate"] - a["cross_rate"], atol=1e-12
            )
            assert b["diff_vs_first_se"] >= 0

    def test_euclidean_crosses_less_on_clusters(self, rows):
        by = {(r["dataset"], r["metric"], r["k"]): r for r in rows}
        for k in (4, 16, 64):
            eucl = by[("clusters", "euclidean", k)]["excess_rate"]
            sq = by[("clusters", "sqeuclidean", k)]["excess_rate"]
            assert eucl < sq

    def test_deterministic(self):
        kwargs = dict(datasets=["moons"], ks=[1, 8], seeds=[5, 6], n_samples=64)
        assert run_study(**kwargs) == run_study(**kwargs)

    def test_unknown_dataset(self):
        with pytest.raises(ValueError, match="dataset must be one of"):
            run_study(datasets=["swirl"], ks=[1], seeds=[0])

    def test_table_lists_every_k(self, rows):
        text = toy.format_table(rows)
        for name in toy.DATASETS:
            assert text.count(f"{name}: cross-class pair rate") == 1
        assert (
            len([ln for ln in text.splitlines() if ln.strip().startswith("64 ")]) == 3
        )


# --------------------------------------------------------------------------
# command line


def _parse(argv):
    parser = argparse.ArgumentParser()
    toy.add_arguments(parser)
    return parser.parse_args(argv)


class TestCommandLine:
    def test_registered(self):
        assert BENCHMARKS["toy"] == "skmixup.benchmarks.toy"
        assert isinstance(toy.DESCRIPTION, str) and toy.DESCRIPTION

    @requires("matplotlib")  # the run draws its figures
    def test_quick_run_writes_table_and_figures(self, tmp_path, capsys):
        out = tmp_path / "results"
        args = _parse(["--quick", "--seeds", "1", "--output", str(out)])
        assert toy.run(args) == 0
        printed = capsys.readouterr().out
        assert "clusters: cross-class pair rate" in printed
        for name in (
            "mixed_points_sqeuclidean.png",
            "mixed_points_euclidean.png",
            "cross_rate.png",
            "manifold_distance.png",
        ):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with open(out / "toy.csv", newline="") as fh:
            table = list(csv.DictReader(fh))
        assert tuple(table[0]) == toy.CSV_FIELDS
        assert len(table) == 3 * 2 * len(toy.QUICK_KS)
        assert {row["n_seeds"] for row in table} == {"1"}

    def test_unwritable_output_is_a_clear_error(self, tmp_path, capsys):
        blocker = tmp_path / "a_file"
        blocker.write_text("not a folder")
        args = _parse(["--quick", "--output", str(blocker / "sub")])
        assert toy.run(args) == 2
        err = capsys.readouterr().err
        assert "--output" in err and "not a writable folder" in err

    @pytest.mark.parametrize("bad", ["0", "-3", "two"])
    def test_bad_seed_count_is_rejected(self, bad, capsys):
        with pytest.raises(SystemExit):
            _parse(["--seeds", bad])
        assert "expected an integer >= 1" in capsys.readouterr().err

    def test_defaults(self):
        args = _parse([])
        assert args.output == toy.DEFAULT_OUTPUT
        assert args.quick is False and args.seeds is None


@requires("matplotlib")  # the run draws its figures
def test_through_the_benchmarks_command_line(tmp_path, capsys):
    # The shared command line imports every registered benchmark module.
    for module in BENCHMARKS.values():
        pytest.importorskip(module)
    from skmixup.benchmarks.__main__ import main

    argv = ["toy", "--quick", "--seeds", "1", "--n-samples", "64"]
    assert main([*argv, "--output", str(tmp_path)]) == 0
    assert (tmp_path / "toy.csv").exists()
    assert "spiral: cross-class pair rate" in capsys.readouterr().out


def test_zero_samples_give_empty_arrays():
    """n_samples follows the spec's rule (an int >= 0, as effective_k's)."""
    for make in (make_clusters, make_spiral):
        X, y = make(0, random_state=0)
        assert X.shape == (0, 2) and y.shape == (0,)
