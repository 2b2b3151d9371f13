"""Where a photo comes from: an upload, the camera, or a test-split example."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from skinscan_ui import examples, paths
from skinscan_ui.images import MAX_BYTES
from skinscan_ui.labels import NAMES
from skinscan_ui.ui import services

UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif", "heic", "heif"]

TIPS = """**For a good result**
- Use a dermatoscope photo if you can: that is what the model learned from.
- Centre the lesion and fill most of the frame with it.
- Keep it in focus, evenly lit, without glare or hair across it.

Phone photos taken without a dermatoscope are outside what the model was trained on; it will often answer *Uncertain*."""


@dataclass(frozen=True)
class Photo:
    """The photo to analyse, as bytes (never written to disk)."""

    name: str
    data: bytes
    true_label: str | None = None  # known for test-split examples only


def _select(source: str) -> None:
    st.session_state["source"] = source


def photo_input() -> Photo | None:
    """Upload, camera and (when data is available) examples in tabs; the latest choice wins."""
    example_ids = services.example_images(str(paths.data_dir()))
    names = ["Upload a photo", "Take a photo"] + (["Examples"] if example_ids else [])
    tabs = st.tabs(names)
    with tabs[0]:
        left, right = st.columns([3, 2])
        upload = left.file_uploader(
            "Dermatoscopic photo",
            type=UPLOAD_TYPES,
            on_change=_select,
            args=("upload",),
            max_upload_size=MAX_BYTES // (1024 * 1024),
            key="upload",
        )
        right.markdown(TIPS)
    with tabs[1]:
        left, right = st.columns([3, 2])
        camera = left.camera_input(
            "Take a photo of the lesion", resolution="1080p", on_change=_select, args=("camera",), key="camera"
        )
        right.markdown(TIPS)
    example = None
    if example_ids:
        with tabs[2]:
            example = _example_picker(example_ids)

    source = st.session_state.get("source")
    candidates = {"upload": upload, "camera": camera}
    if source in candidates and candidates[source] is not None:
        chosen = candidates[source]
        return Photo(chosen.name, chosen.getvalue())
    if source == "example" and example is not None:
        return example
    for fallback in (upload, camera):  # e.g. the first run after a rerun with a value set
        if fallback is not None:
            return Photo(fallback.name, fallback.getvalue())
    return None


def _example_picker(example_ids: dict[str, list[str]]) -> Photo | None:
    st.caption("Photos of test-split lesions (never used in training), with their true diagnosis.")
    left, right = st.columns(2)
    dx = left.selectbox("True diagnosis", list(example_ids), format_func=lambda d: f"{d}: {NAMES[d]}", key="example_dx")
    image_id = right.selectbox("Image", example_ids[dx], key="example_id")
    if st.button("Analyse this example", type="primary"):
        _select("example")
    if st.session_state.get("source") != "example":
        return None
    path = examples.image_path(image_id)
    try:
        return Photo(f"{image_id}.jpg", path.read_bytes(), true_label=dx)
    except OSError:
        st.error(f"Example {image_id} could not be read from the data folder.")
        return None
