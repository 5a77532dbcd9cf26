"""label_weight: matching on the features and the targets, in every entry point."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression, Ridge

from skmixup import (
    KMixupAugmenter,
    KMixupClassifier,
    KMixupEstimator,
    KMixupRegressor,
    kmixup_batch,
    kmixup_pairs,
)
from skmixup._mixing import with_targets

RNG = np.random.default_rng(0)
X = RNG.normal(size=(96, 4))
Y_REG = RNG.normal(size=96)
LABELS = RNG.integers(0, 3, size=96)
ONEHOT = np.eye(3)[LABELS]


def _best_within_class(labels, draw):
    """Per pair of k-batches, the most within-class pairs any matching can make."""
    within, best = 0, 0
    for g in np.unique(draw.group):
        rows = np.flatnonzero(draw.group == g)
        a, b = labels[rows], labels[draw.partner[rows]]
        within += int((a == b).sum())
        best += sum(min((a == c).sum(), (b == c).sum()) for c in np.unique(labels))
    return within, best


class TestPerBatch:
    @pytest.mark.parametrize("k", [1, 4, 16])
    def test_zero_weight_gives_todays_pairs(self, k):
        _, _, base = kmixup_batch(X, ONEHOT, k=k, random_state=3, return_info=True)
        _, _, zero = kmixup_batch(
            X, ONEHOT, k=k, label_weight=0.0, random_state=3, return_info=True
        )
        for field in ("partner", "lam", "group", "pick"):
            np.testing.assert_array_equal(getattr(base, field), getattr(zero, field))
        pairs = kmixup_pairs(X, Y_REG, k=k, label_weight=0, random_state=3)
        np.testing.assert_array_equal(pairs.partner, base.partner)

    def test_zero_weight_appends_nothing(self):
        assert with_targets(X, Y_REG, 0.0) is X

    def test_concatenated_features_are_the_matching(self):
        # label_weight is exactly matching on [X, gamma * standardised y]
        gamma = 2.5
        y_std = (Y_REG - Y_REG.mean()) / Y_REG.std()
        feats = np.hstack([X, gamma * y_std[:, None]])
        a = kmixup_pairs(X, Y_REG, k=8, label_weight=gamma, random_state=1)
        b = kmixup_pairs(feats, k=8, random_state=1)
        np.testing.assert_array_equal(a.partner, b.partner)

    def test_large_weight_sorts_regression_pairs_by_target(self):
        # squared cost: strictly convex in 1-d, so the sorted matching is the
        # unique optimum (under the Euclidean cost it is one of several)
        draw = kmixup_pairs(
            X, Y_REG, k=16, label_weight=1e4, metric="sqeuclidean", random_state=0
        )
        for g in np.unique(draw.group):
            rows = np.flatnonzero(draw.group == g)
            # 1-d targets: the optimal matching pairs them in sorted order
            src = Y_REG[rows]
            dst = Y_REG[draw.partner[rows]]
            np.testing.assert_array_equal(np.argsort(src), np.argsort(dst))

    def test_large_weight_pairs_inside_classes(self):
        _, _, draw = kmixup_batch(
            X, ONEHOT, k=16, label_weight=1e3, random_state=0, return_info=True
        )
        within, best = _best_within_class(LABELS, draw)
        assert within == best
        _, _, plain = kmixup_batch(X, ONEHOT, k=16, random_state=0, return_info=True)
        assert _best_within_class(LABELS, plain)[0] < best

    def test_enough_points_of_one_class_pair_every_point_inside_it(self):
        # two classes in equal numbers per k-batch pair: every pair in a class
        labels = np.tile([0, 1], 4)
        Xs = np.arange(8.0)[:, None]
        draw = kmixup_pairs(
            Xs, np.eye(2)[labels], k=4, label_weight=1e3, random_state=0
        )
        within, best = _best_within_class(labels, draw)
        assert within == best

    def test_torch_gives_the_numpy_pairs(self):
        a = kmixup_pairs(X, Y_REG, k=8, label_weight=3.0, random_state=5)
        b = kmixup_pairs(
            torch.from_numpy(X),
            torch.from_numpy(Y_REG),
            k=8,
            label_weight=3.0,
            random_state=5,
        )
        np.testing.assert_array_equal(a.partner, b.partner)

    @pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf"), "1"])
    def test_bad_weight_refused(self, bad):
        with pytest.raises((ValueError, TypeError), match="label_weight"):
            kmixup_batch(X, Y_REG, label_weight=bad)
        with pytest.raises((ValueError, TypeError), match="label_weight"):
            kmixup_pairs(X, Y_REG, label_weight=bad)

    def test_weight_without_targets_refused(self):
        with pytest.raises(ValueError, match="label_weight=2.0 .* Y is None"):
            kmixup_batch(X, label_weight=2.0)
        with pytest.raises(ValueError, match="targets is None"):
            kmixup_pairs(X, label_weight=2.0)


def _aug_pairs(y, **params):
    aug = KMixupAugmenter(keep_original=False, random_state=0, **params)
    aug.fit_resample(X, y)
    return aug.pairs_


class TestEstimators:
    def test_augmenter_zero_weight_same_pairs(self):
        np.testing.assert_array_equal(
            _aug_pairs(LABELS, k=8), _aug_pairs(LABELS, k=8, label_weight=0.0)
        )

    def test_augmenter_matches_on_data_standardised_targets(self):
        # the augmenter's pairs are the one path's on [std X, gamma * std y],
        # both standardised over the data
        gamma = 3.0
        pairs = _aug_pairs(Y_REG, k=8, target="continuous", label_weight=gamma)

        def std(a):
            return (a - a.mean(axis=0)) / a.std(axis=0)

        feats = np.hstack([std(X), gamma * std(Y_REG)[:, None]])
        draw = kmixup_pairs(feats, k=8, random_state=0)
        np.testing.assert_array_equal(pairs[:, 0], np.arange(len(X)))
        np.testing.assert_array_equal(pairs[:, 1], draw.partner)

    def test_augmenter_large_weight_keeps_classes(self):
        pairs = _aug_pairs(LABELS, k=8, label_weight=1e3)
        plain = _aug_pairs(LABELS, k=8)
        same = (LABELS[pairs[:, 0]] == LABELS[pairs[:, 1]]).mean()
        assert same > (LABELS[plain[:, 0]] == LABELS[plain[:, 1]]).mean()

    def test_estimator_accepts_and_uses_it(self):
        a = KMixupEstimator(Ridge(), k=8, label_weight=4.0, random_state=0).fit(
            X, Y_REG
        )
        b = KMixupEstimator(Ridge(), k=8, random_state=0).fit(X, Y_REG)
        assert not np.allclose(a.estimator_.coef_, b.estimator_.coef_)
        KMixupEstimator(LogisticRegression(), k=8, label_weight=4.0).fit(X, LABELS)

    @pytest.mark.parametrize(
        "make",
        [
            lambda w: KMixupAugmenter(label_weight=w),
            lambda w: KMixupEstimator(Ridge(), label_weight=w),
        ],
    )
    @pytest.mark.parametrize("bad", [-0.5, float("nan")])
    def test_estimators_refuse_bad_weight(self, make, bad):
        with pytest.raises(ValueError, match="label_weight"):
            est = make(bad)
            if hasattr(est, "fit_resample"):
                est.fit_resample(X, LABELS)
            else:
                est.fit(X, Y_REG)


class TestNets:
    X32 = X.astype(np.float32)

    @pytest.mark.parametrize(
        "net, y",
        [
            (KMixupClassifier, LABELS),
            (KMixupRegressor, Y_REG.astype(np.float32)),
        ],
    )
    def test_nets_accept_it(self, net, y):
        model = net(k=8, label_weight=5.0, max_epochs=1, random_state=0).fit(
            self.X32, y
        )
        assert model.get_params()["label_weight"] == 5.0

    @pytest.mark.parametrize("bad", [-1.0, float("inf")])
    def test_nets_refuse_bad_weight(self, bad):
        with pytest.raises(ValueError, match="label_weight"):
            KMixupRegressor(label_weight=bad, max_epochs=1).fit(
                self.X32, Y_REG.astype(np.float32)
            )

    def test_mix_batch_matches_on_the_batch(self):
        clf = KMixupClassifier(
            k=8, label_weight=50.0, max_epochs=1, random_state=0
        ).fit(self.X32, LABELS)
        clf.set_params(label_weight=0.0)
        clf._rng_ = np.random.default_rng(1)
        Xt, Yt = torch.from_numpy(self.X32), torch.eye(3)[LABELS]
        plain = clf.mix_batch(Xt, Yt)
        expected = kmixup_batch(Xt, Yt, k=8, random_state=np.random.default_rng(1))
        assert torch.equal(plain[0], expected[0])
        clf.set_params(label_weight=50.0)
        clf._rng_ = np.random.default_rng(1)
        aware = clf.mix_batch(Xt, Yt)
        expected = kmixup_batch(
            Xt, Yt, k=8, label_weight=50.0, random_state=np.random.default_rng(1)
        )
        assert torch.equal(aware[0], expected[0])
        assert not torch.equal(aware[0], plain[0])
