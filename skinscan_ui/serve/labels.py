"""The seven HAM10000 diagnoses, in the order every model's output uses."""

from __future__ import annotations

from skinscan_ui.serve.i18n import text

CLASSES: tuple[str, ...] = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")

NAMES: dict[str, str] = {dx: text(f"class.{dx}") for dx in CLASSES}  # English; i18n has Spanish
DESCRIPTIONS: dict[str, str] = {dx: text(f"about.{dx}") for dx in CLASSES}

MALIGNANT: frozenset[str] = frozenset({"akiec", "bcc", "mel"})
MALIGNANT_INDICES: tuple[int, ...] = tuple(i for i, c in enumerate(CLASSES) if c in MALIGNANT)

# HAM10000's vocabulary for the optional patient fields.
SEXES: tuple[str, ...] = ("male", "female")
SITES: tuple[str, ...] = (
    "abdomen",
    "acral",
    "back",
    "chest",
    "ear",
    "face",
    "foot",
    "genital",
    "hand",
    "lower extremity",
    "neck",
    "scalp",
    "trunk",
    "upper extremity",
)

CITATION = (
    "Tschandl P., Rosendahl C., Kittler H. The HAM10000 dataset, a large collection of "
    "multi-source dermatoscopic images of common pigmented skin lesions. Scientific Data 5, "
    "180161 (2018). https://doi.org/10.1038/sdata.2018.161"
)
LICENCE = "CC BY-NC-SA 4.0 (Harvard Dataverse, doi:10.7910/DVN/DBW86T)"
