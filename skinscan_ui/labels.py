"""The seven HAM10000 diagnoses, in the order every model's output uses."""

from __future__ import annotations

CLASSES: tuple[str, ...] = ("akiec", "bcc", "bkl", "df", "mel", "nv", "vasc")

NAMES: dict[str, str] = {
    "akiec": "Actinic keratosis / intraepithelial carcinoma",
    "bcc": "Basal cell carcinoma",
    "bkl": "Benign keratosis-like lesion",
    "df": "Dermatofibroma",
    "mel": "Melanoma",
    "nv": "Melanocytic nevus (mole)",
    "vasc": "Vascular lesion",
}

DESCRIPTIONS: dict[str, str] = {
    "akiec": "Rough, scaly sun-damage lesion (actinic keratosis) or its in-situ carcinoma form "
    "(Bowen's disease). Pre-malignant: usually treated.",
    "bcc": "The most common skin cancer. Grows slowly and rarely spreads, but destroys tissue "
    "locally if left untreated.",
    "bkl": "Benign growths such as seborrhoeic keratoses, solar lentigines and lichen-planus-like "
    "keratoses. Harmless, but can look like melanoma.",
    "df": "A firm, benign fibrous nodule, often on the legs. Harmless.",
    "mel": "A malignant tumour of pigment cells. Dangerous when found late; any suspicion "
    "warrants a specialist's examination.",
    "nv": "A common benign mole. By far the most frequent lesion in HAM10000.",
    "vasc": "Benign blood-vessel lesions such as cherry angiomas, angiokeratomas and pyogenic granulomas.",
}

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
