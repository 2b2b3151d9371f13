"""The data sources a model is trained and measured on: one images folder and one labels file each.

HAM10000 (`metadata.csv`) and ISIC 2017 (`labels.csv`) differ in their file names, their columns and
their split; everything else (checks, caching, parts) is shared by `data`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from skinscan_ui.serve import paths


@dataclass(frozen=True)
class Source:
    """Where one collection lives and how its labels file is named."""

    name: str
    labels: str  # the labels file inside the folder
    env: str  # the environment variable that moves the folder
    split_csv: Path  # the committed lesion-grouped split (image_id, split)
    citation: str
    licence: str
    group: str = "lesion_id"  # what the split keeps together
    photo_type: str = "dermoscopy"  # or "clinical": a phone or camera close-up, no dermatoscope

    def folder(self, flag: str | None = None) -> Path:
        """A CLI flag, else the source's environment variable, else ../shared/data/<name> beside the checkout."""
        if flag:
            return Path(flag)
        env = os.environ.get(self.env)
        return Path(env) if env else paths.ROOT.parent / "shared" / "data" / self.name


HAM10000 = Source(
    "ham10000",
    "metadata.csv",
    "SKINSCAN_DATA",
    paths.SPLIT_CSV,
    "Tschandl P., Rosendahl C., Kittler H. The HAM10000 dataset, a large collection of multi-source "
    "dermatoscopic images of common pigmented skin lesions. Scientific Data 5, 180161 (2018). "
    "https://doi.org/10.1038/sdata.2018.161",
    "CC BY-NC-SA 4.0 (Harvard Dataverse, doi:10.7910/DVN/DBW86T)",
)
ISIC2017 = Source(
    "isic2017",
    "labels.csv",
    "SKINSCAN_ISIC2017",
    paths.ROOT / "data" / "split_isic2017.csv",
    "Codella N. et al. Skin lesion analysis toward melanoma detection: a challenge at the 2017 International "
    "Symposium on Biomedical Imaging (ISBI), hosted by the International Skin Imaging Collaboration (ISIC). "
    "arXiv:1710.05006 (2017)",
    "CC BY-NC 4.0 (ISIC 2019 training data terms)",
)
PAD_UFES20 = Source(
    "pad_ufes20",
    "labels.csv",
    "SKINSCAN_PAD_UFES20",
    paths.ROOT / "data" / "split_pad_ufes20.csv",
    "Pacheco A. G. C. et al. PAD-UFES-20: a skin lesion dataset composed of patient data and clinical images "
    "collected from smartphones. Data in Brief 32, 106221 (2020). https://doi.org/10.1016/j.dib.2020.106221",
    "CC BY 4.0 (Mendeley Data, doi:10.17632/zr7vgbcyr2.1)",
    group="patient_id",
    photo_type="clinical",
)
SOURCES: dict[str, Source] = {s.name: s for s in (HAM10000, ISIC2017)}  # the served ensemble's sources
KNOWN: dict[str, Source] = {s.name: s for s in (HAM10000, ISIC2017, PAD_UFES20)}


def named(names: str | list[str]) -> list[Source]:
    """Sources from 'ham10000,isic2017' (or a list); a clear error for an unknown name."""
    names = names.split(",") if isinstance(names, str) else names
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise KeyError(f"unknown data source(s) {', '.join(unknown)}; known: {', '.join(KNOWN)}")
    return [KNOWN[n] for n in names]
