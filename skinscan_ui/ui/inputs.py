"""Where a photo comes from: an upload, the camera, or a test-split example."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from skinscan_ui.serve import examples, paths
from skinscan_ui.serve.images import MAX_MB, UPLOAD_CEILING_MB
from skinscan_ui.ui import services
from skinscan_ui.ui.language import bound, t

KEPT = "kept_photo"  # the photo last answered: Streamlit forgets a widget's file when another mode hides it


@dataclass(frozen=True)
class Photo:
    """The photo to analyse, as bytes (never written to disk)."""

    name: str
    data: bytes
    true_label: str | None = None  # known for test-split examples only


def _select(source: str) -> None:
    """The newest photo is the only one: choosing one empties the other inputs, so no tab keeps showing
    a photo (or its file name) that is not the one answered below. Emptying an input forgets the photo."""
    st.session_state["source"] = source
    for other in ("upload", "camera"):
        if other != source:
            st.session_state[f"{other}_round"] = _round(other) + 1
    if source != "example" and st.session_state.get(f"{source}{_round(source)}") is None:
        st.session_state.pop(KEPT, None)


def _round(widget: str) -> int:
    """Bumped to empty a widget: a new key is a new, empty uploader or camera."""
    return st.session_state.get(f"{widget}_round", 0)


def clear() -> None:
    """Forget the chosen photo: the uploader, the camera and the example choice start empty."""
    for widget in ("upload", "camera"):
        st.session_state[f"{widget}_round"] = _round(widget) + 1
    st.session_state.pop("source", None)
    st.session_state.pop(KEPT, None)


def photo_input() -> Photo | None:
    """Upload, camera and (when data is available) examples in tabs; the latest choice wins, and it is kept
    while another mode is open (the photo, not the widget, which comes back empty)."""
    photo = _chosen()
    if photo is not None:
        st.session_state[KEPT] = photo
    return st.session_state.get(KEPT)


def _chosen() -> Photo | None:
    example_ids = services.example_images(str(paths.data_dir()))
    names = [t("in.upload_tab"), t("in.camera_tab")] + ([t("in.examples_tab")] if example_ids else [])
    tabs = st.tabs(names)
    with tabs[0]:
        left, right = st.columns([3, 2])
        upload = left.file_uploader(
            t("in.uploader", mb=MAX_MB),
            type=None,  # every file reaches the loader, which says in words what is wrong with one it cannot read
            on_change=_select,
            args=("upload",),
            max_upload_size=UPLOAD_CEILING_MB,  # a larger file than MAX_BYTES arrives, to be refused in words
            key=f"upload{_round('upload')}",
        )
        if upload is None:  # once a photo is in, the answer moves up (on a phone, onto the first screen)
            right.markdown(t("in.tips"))
    with tabs[1]:
        left, right = st.columns([3, 2])
        camera = left.camera_input(
            t("in.camera"), resolution="1080p", on_change=_select, args=("camera",), key=f"camera{_round('camera')}"
        )
        if camera is None:
            right.markdown(t("in.camera_tips"))
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


THUMBNAILS = 8  # per diagnosis, in two rows of four
PICKED = "example_picked"  # (image id, true diagnosis) of the example analysed


def _pick(image_id: str | None) -> None:
    """Analyse this example (its thumbnails fold away, so the answer is on the first screen); None: browse again."""
    if image_id is None:
        st.session_state.pop(PICKED, None)
        return
    st.session_state[PICKED] = (image_id, st.session_state["example_dx"])  # the picker's widget goes when folded
    _select("example")


def _example_picker(example_ids: dict[str, list[str]]) -> Photo | None:
    """Thumbnails of test-split photos of one true diagnosis; a click on one analyses it."""
    picked = st.session_state.get(PICKED)
    if st.session_state.get("source") != "example" or picked is None or picked[0] not in example_ids.get(picked[1], []):
        _thumbnails(example_ids)
        return None
    image_id, dx = picked
    st.caption(t("in.example_chosen", image_id=image_id, name=bound()(f"class.{dx}")))
    st.button(t("in.example_another"), key="example_another", on_click=_pick, args=(None,))
    path = examples.image_path(image_id)
    try:
        return Photo(f"{image_id}.jpg", path.read_bytes(), true_label=dx)
    except OSError:
        st.error(t("in.example_unreadable", image_id=image_id))
        return None


def _thumbnails(example_ids: dict[str, list[str]]) -> None:
    st.caption(t("in.examples_help"))
    tr = bound()
    dx = st.selectbox(t("in.true_dx"), list(example_ids), format_func=lambda d: tr(f"class.{d}"), key="example_dx")
    for row in range(0, min(THUMBNAILS, len(example_ids[dx])), 4):
        for col, image_id in zip(st.columns(4), example_ids[dx][row : row + 4], strict=False):
            alt = t("alt.example", image_id=image_id, name=tr(f"class.{dx}"))
            col.image(str(examples.image_path(image_id)), width="stretch", alt=alt)
            col.button(
                t("in.analyse_example"), key=f"example_{image_id}", on_click=_pick, args=(image_id,), width="stretch"
            )
