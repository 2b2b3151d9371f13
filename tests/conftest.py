"""Shared fixtures: a tiny trained model in a temporary weights folder, synthetic photos."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tiny import make_tiny_weights, synthetic

from skinscan_ui.build.sources import ISIC2017, PAD_UFES20
from skinscan_ui.serve import paths

SHARED = paths.data_dir()
HAVE_DATA = (SHARED / "metadata.csv").is_file()
# What the `data` marker may ask for: the folder and a file that shows it is there. `../shared` is not in a
# fresh clone; CI has it. `-m "not data"` runs only what needs nothing outside the repository.
FOLDERS = {
    "ham10000": (SHARED, "metadata.csv"),
    "isic2017": (ISIC2017.folder(), "labels.csv"),
    "pad_ufes20": (PAD_UFES20.folder(), "labels.csv"),
    "imagenet": (paths.imagenet_dir(), "efficientnet_lite0_imagenet_notop.keras"),
}
needs_data = pytest.mark.data  # HAM10000; `needs_data("isic2017")` or `needs_data("imagenet")` for another


def pytest_runtest_setup(item):
    for marker in item.iter_markers("data"):
        for what in marker.args or ("ham10000",):
            folder, probe = FOLDERS[what]
            if not (folder / probe).is_file():
                pytest.skip(f"needs the {what} folder ({folder}); CI has it")


@pytest.fixture(scope="session")
def tiny_weights(tmp_path_factory) -> Path:
    """A weights folder holding only the tiny model (with card and guard), marked default."""
    folder = tmp_path_factory.mktemp("weights")
    make_tiny_weights(folder)
    return folder


@pytest.fixture
def use_tiny(tiny_weights, monkeypatch) -> Path:
    monkeypatch.setenv("SKINSCAN_WEIGHTS", str(tiny_weights))
    return tiny_weights


def jpeg_bytes(arr: np.ndarray, **kwargs) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=92, **kwargs)
    return buf.getvalue()


@pytest.fixture(scope="session")
def lesion_like() -> np.ndarray:
    """One synthetic photo of class 4 (a dark blob), at 4x the tiny model's size."""
    x, _ = synthetic(1, seed=7, size=(192, 256))
    return x[4]
