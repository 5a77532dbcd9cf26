"""C-Mixup's partner sampling (cmixup_pairs) and applying a draw (apply_draw)."""

import numpy as np
import pytest
import torch

from skmixup import KMixupDraw, apply_draw, cmixup_pairs, kmixup_batch, kmixup_pairs

Y = np.random.default_rng(0).normal(size=50)


class TestCMixupPairs:
    def test_valid_record(self):
        draw = cmixup_pairs(Y, bandwidth=0.5, random_state=0)
        assert isinstance(draw, KMixupDraw)
        n = len(Y)
        assert draw.partner.shape == (n,) and draw.partner.dtype == np.int64
        assert (draw.partner != np.arange(n)).all()
        assert ((draw.partner >= 0) & (draw.partner < n)).all()
        assert ((draw.lam >= 0) & (draw.lam <= 1)).all()
        assert draw.k == 1
        np.testing.assert_array_equal(draw.group, np.arange(n))

    def test_tiny_bandwidth_picks_the_nearest_target(self):
        draw = cmixup_pairs(Y, bandwidth=1e-6, random_state=0)
        dist = np.abs(Y[:, None] - Y[None, :])
        np.fill_diagonal(dist, np.inf)
        np.testing.assert_array_equal(draw.partner, dist.argmin(axis=1))

    def test_huge_bandwidth_approaches_uniform(self):
        y = np.arange(5.0)
        partners = np.concatenate(
            [cmixup_pairs(y, bandwidth=1e6, random_state=s).partner for s in range(400)]
        )
        anchors = np.tile(np.arange(5), 400)
        counts = np.zeros((5, 5))
        np.add.at(counts, (anchors, partners), 1)
        assert (np.diag(counts) == 0).all()
        freq = counts[~np.eye(5, dtype=bool)] / 400
        # 400 draws per anchor of a 1/4 chance: 5 standard errors is 0.11
        np.testing.assert_allclose(freq, 0.25, atol=0.11)

    def test_kernel_probabilities(self):
        # three targets: the partner frequencies follow the Gaussian kernel
        y = np.array([0.0, 1.0, 3.0])
        sigma = 1.0
        partners = np.array(
            [
                cmixup_pairs(y, bandwidth=sigma, random_state=s).partner[0]
                for s in range(2000)
            ]
        )
        w = np.exp(-np.array([1.0, 9.0]) / (2 * sigma**2))
        expected = w / w.sum()
        observed = np.array([(partners == 1).mean(), (partners == 2).mean()])
        np.testing.assert_allclose(observed, expected, atol=0.03)

    def test_seeded_reproducibility(self):
        a = cmixup_pairs(Y, bandwidth=0.3, random_state=7)
        b = cmixup_pairs(Y, bandwidth=0.3, random_state=7)
        c = cmixup_pairs(Y, bandwidth=0.3, random_state=8)
        for field in ("partner", "lam", "pick"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
        assert not np.array_equal(a.partner, c.partner)

    def test_two_dimensional_targets(self):
        y2 = np.c_[Y, -Y]
        a = cmixup_pairs(y2, bandwidth=1e-6, random_state=0)
        b = cmixup_pairs(Y, bandwidth=1e-6, random_state=0)
        np.testing.assert_array_equal(a.partner, b.partner)

    def test_alpha_zero_and_single_point_mix_nothing(self):
        draw = cmixup_pairs(Y, alpha=0.0, random_state=0)
        np.testing.assert_array_equal(draw.partner, np.arange(len(Y)))
        assert (draw.lam == 1).all()
        assert cmixup_pairs([1.0], random_state=0).partner.tolist() == [0]

    @pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), "1", True])
    def test_bad_bandwidth(self, bad):
        with pytest.raises(ValueError, match="bandwidth must be a finite float > 0"):
            cmixup_pairs(Y, bandwidth=bad)

    def test_bad_targets_and_alpha(self):
        with pytest.raises(ValueError, match="y must be a finite array"):
            cmixup_pairs([0.0, np.nan])
        with pytest.raises(ValueError, match="alpha"):
            cmixup_pairs(Y, alpha=-1.0)


class TestApplyDraw:
    def test_equals_kmixup_batch(self):
        X = np.random.default_rng(1).normal(size=(20, 3))
        X_mix, Y_mix = kmixup_batch(X, Y[:20], k=4, random_state=2)
        draw = kmixup_pairs(X, k=4, random_state=2)
        X_a, Y_a = apply_draw(draw, X, Y[:20])
        np.testing.assert_array_equal(X_a, X_mix)
        np.testing.assert_array_equal(Y_a, Y_mix)

    def test_cmixup_formula_on_tensors(self):
        draw = cmixup_pairs(Y, bandwidth=0.5, random_state=0)
        X = torch.randn(50, 2, 3)
        (X_mix,) = apply_draw(draw, X)
        lam = torch.as_tensor(draw.lam, dtype=X.dtype).view(-1, 1, 1)
        expected = lam * X + (1 - lam) * X[torch.as_tensor(draw.partner)]
        torch.testing.assert_close(X_mix, expected, rtol=1e-6, atol=1e-6)

    def test_errors(self):
        draw = cmixup_pairs(Y, random_state=0)
        with pytest.raises(TypeError, match="draw must be a KMixupDraw"):
            apply_draw(object(), Y)
        with pytest.raises(ValueError, match=r"arrays\[0\] must have shape \(50"):
            apply_draw(draw, Y[:10])


def test_benchmark_cmixup_net_mixes_through_the_hook():
    from skmixup.benchmarks.uci import cmixup_regressor

    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X[:, 0].astype(np.float32)
    net = cmixup_regressor()(bandwidth=0.5, k=1, max_epochs=1, random_state=0)
    net.fit(X, y)
    assert net.get_params()["bandwidth"] == 0.5
    net.cmixup_rng_ = np.random.default_rng(3)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)[:, None]
    X_mix, y_mix, w = net.mix_batch(Xt, yt)
    draw = cmixup_pairs(
        yt.numpy(), bandwidth=0.5, random_state=np.random.default_rng(3)
    )
    X_exp, y_exp = apply_draw(draw, Xt, yt)
    assert w is None
    assert torch.equal(X_mix, X_exp) and torch.equal(y_mix, y_exp)
