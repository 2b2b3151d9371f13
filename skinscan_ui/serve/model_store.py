"""Finding, checking and loading the shipped models and their cards.

A model is used only after every file it ships matches the integrity manifest (`manifest`) and its
network's sha256 matches its card, and is loaded with Keras safe mode on, so a tampered or truncated
file is a clear error rather than arbitrary code or silent garbage. An ensemble is a card whose
`members` name the networks it averages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from skinscan_ui.serve import manifest, paths
from skinscan_ui.serve.manifest import sha256


class ModelError(RuntimeError):
    """A model cannot be used; the message says which file is missing, broken or altered."""


@dataclass(frozen=True)
class Card:
    """What inference needs from a model card (the full JSON is kept in `data`)."""

    name: str
    path: Path
    input_size: tuple[int, int]
    last_conv: str
    temperature: float = 1.0
    referral_threshold: float = 0.5
    sha256: str | None = None
    data: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def balanced_accuracy(self) -> float | None:
        return self.data.get("test_metrics", {}).get("balanced_accuracy")

    @property
    def members(self) -> list[dict]:
        """An ensemble's members (`keras`, `tflite` file names and their sha256); [] for a single network."""
        return list(self.data.get("members", []))

    @property
    def views(self) -> tuple[tuple[int, ...], ...] | None:
        """The flipped views an ensemble averages (axes to flip; () is the photo); None: every flip."""
        views = self.data.get("views")
        return tuple(tuple(v) for v in views) if views else None

    def files(self) -> list[str]:
        """The names of every file this model uses in its folder, for the integrity check."""
        stem = self.path.stem
        own = [f"{stem}{s}" for s in (".keras", ".tflite", ".ood.npz", ".neighbors.npz", ".json")]
        return own + [m[k] for m in self.members for k in ("keras", "tflite")]


def read_card(model_path: Path) -> Card | None:
    """The card beside a model file (`<stem>.json`), or None when there is none."""
    card_path = model_path.with_suffix(".json")
    if not card_path.is_file():
        return None
    try:
        data = json.loads(card_path.read_text())
        return Card(
            name=data["name"],
            path=model_path,
            input_size=tuple(data["input_size"]),
            last_conv=data["last_conv"],
            temperature=float(data["temperature"]),
            referral_threshold=float(data["referral_threshold"]),
            sha256=data["sha256"],
            data=data,
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"model card {card_path} is malformed ({exc!r})") from None


def available(weights_dir: Path | None = None) -> list[Card]:
    """Every shipped model with a card, the default first."""
    weights_dir = weights_dir or paths.weights_dir()
    found = []
    for card_path in sorted(weights_dir.glob("*.json")):
        model_path = card_path.with_suffix(".keras")
        try:
            card = read_card(model_path)
        except ModelError:
            continue
        if card is not None and (model_path.is_file() or card.members):
            found.append(card)
    default = default_name(weights_dir)
    return sorted(found, key=lambda c: (c.name != default, c.name))


def problems(weights_dir: Path | None = None) -> list[str]:
    """What is wrong in the weights folder, one sentence each (a model without a card, a broken card)."""
    weights_dir = weights_dir or paths.weights_dir()
    found = []
    members = {
        m["keras"] for card in available(weights_dir) for m in card.members
    }  # described by their ensemble's card
    for model_path in sorted(weights_dir.glob("*.keras")):
        card_path = model_path.with_suffix(".json")
        if not card_path.is_file() and model_path.name not in members:
            found.append(f"{paths.relative(model_path)} has no model card ({card_path.name} is missing)")
            continue
        try:
            read_card(model_path)
        except ModelError as exc:
            found.append(str(exc))
    default = default_name(weights_dir)
    if weights_dir.is_dir() and not any((weights_dir / f"{default}{s}").is_file() for s in (".keras", ".json")):
        found.append(f"the default model {default} ({default}.keras) is missing from {paths.relative(weights_dir)}")
    return found


def default_name(weights_dir: Path | None = None) -> str:
    """The app's default model, named in `weights/DEFAULT`."""
    marker = (weights_dir or paths.weights_dir()) / "DEFAULT"
    return marker.read_text().strip() if marker.is_file() else "efficientnet_lite0"


def resolve(name_or_path: str | None, weights_dir: Path | None = None) -> Path:
    """A model name from `weights/` or a path to a `.keras` file; the default when None."""
    weights_dir = weights_dir or paths.weights_dir()
    if name_or_path is None:
        name_or_path = default_name(weights_dir)
    as_path = Path(name_or_path)
    if as_path.suffix == ".keras" or as_path.exists():
        return as_path
    return weights_dir / f"{name_or_path}.keras"


def verify_file(path: Path, expected: str | None) -> None:
    if expected and sha256(path) != expected:
        raise ModelError(
            f"model file {paths.relative(path)} does not match the sha256 in its card: "
            "it is corrupt or has been altered; restore it from the repository"
        )


def find(name_or_path: str | None = None, weights_dir: Path | None = None) -> tuple[Path, Card | None]:
    """The model file and its card (None for a card-less file), after checking the file exists."""
    path = resolve(name_or_path, weights_dir)
    card = read_card(path)
    if not path.is_file() and not (card and card.members):
        names = ", ".join(c.name for c in available(weights_dir)) or "none"
        raise ModelError(f"model file {paths.relative(path)} is missing (models available: {names})")
    return path, card


def check_integrity(card: Card) -> None:
    """Every file the model ships matches the folder's manifest (a ModelError naming the file if not)."""
    try:
        manifest.verify(card.path.parent, card.files())
    except manifest.IntegrityError as exc:
        raise ModelError(f"model {card.name} cannot be used: {exc}") from None


def litert_file(card: Card | None) -> Path | None:
    """The LiteRT export recorded in the card, checked against its sha256; None when the card records none.

    A card that records an export whose file is gone is an error, never a silent switch to Keras
    (which would load TensorFlow: seconds and hundreds of megabytes more).
    """
    info = card.data.get("litert") if card else None
    if not info:
        return None
    path = card.path.with_suffix(".tflite")
    if not path.is_file():
        raise ModelError(f"the LiteRT export {paths.relative(path)} of {card.name} is missing; restore it or re-export")
    verify_file(path, info.get("sha256"))
    return path


def member_files(card: Card) -> list[tuple[Path, Path]]:
    """An ensemble's (network, LiteRT export) files, each checked against the sha256 in its card."""
    out = []
    for m in card.members:
        keras_path, lite_path = card.path.parent / m["keras"], card.path.parent / m["tflite"]
        for path in (keras_path, lite_path):
            if not path.is_file():
                raise ModelError(f"{paths.relative(path)}, a member of {card.name}, is missing")
        verify_file(lite_path, m["tflite_sha256"])
        out.append((keras_path, lite_path))
    return out
