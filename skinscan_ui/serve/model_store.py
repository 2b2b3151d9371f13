"""Finding and checking the shipped models: their cards and the files they serve from.

A model is a card (`weights/<name>.json`) and the files it names: its LiteRT export (or its ensemble
members' exports), its not-a-lesion guard and its similar-case index. It is used only after every
one of them matches the integrity manifest (`manifest`) and each export matches the sha256 in its
card, so a tampered or truncated file is a clear error rather than silent garbage. The networks'
training checkpoints are not served and not shipped: each card says where its checkpoint can be
restored from (`build.checkpoints`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

from skinscan_ui.serve import manifest, paths
from skinscan_ui.serve.inference import LOW_CONFIDENCE
from skinscan_ui.serve.manifest import sha256

SERVED = (".tflite", ".ood.npz", ".neighbors.npz", ".json")  # a single network's own files


class ModelError(RuntimeError):
    """A model cannot be used; the message says which file is missing, broken or altered."""


class Referral(TypedDict):
    threshold: float
    sensitivity: float  # of the malignant lesions, the share referred
    specificity: float  # of the benign ones, the share not referred


class ClassFigures(TypedDict):
    precision: float
    recall: float
    f1: float
    support: int


class Confusion(TypedDict):
    labels: list[str]  # rows: the true class; columns: the answer
    matrix: list[list[int]]


class Metrics(TypedDict):
    """One set of test photos' figures, as `build.metrics.evaluate` writes them: one schema in every card."""

    n: int
    accuracy: float
    balanced_accuracy: float
    melanoma_auc: float | None  # None where the photos hold no melanoma
    malignant_auc: float | None
    ece: float
    referral: Referral
    per_class: dict[str, ClassFigures]
    confusion_matrix: Confusion


class Bin(TypedDict):
    """One bin of the reliability diagram: photos whose top answer's probability fell in [lower, upper)."""

    lower: float
    upper: float
    count: int
    confidence: float | None  # None in an empty bin
    accuracy: float | None


@dataclass(frozen=True)
class Card:
    """A model card: what inference needs as fields, what the page shows as typed properties (`Metrics` in
    the one schema every card uses), the full JSON in `data` for the build side; `path` is the card's."""

    name: str
    path: Path
    input_size: tuple[int, int]
    last_conv: str
    temperature: float = 1.0
    referral_threshold: float = 0.5
    low_confidence: float = LOW_CONFIDENCE  # a top-1 probability under it is "Uncertain"
    sha256: str | None = None  # the network's (an ensemble's: of its members' exports)
    data: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def summary(self) -> str:
        """One line on what the model is, in English (the UI shows the catalog's translation where it has one)."""
        return str(self.data.get("summary", ""))

    @property
    def parameters(self) -> int:
        return int(self.data.get("parameters", 0))

    @property
    def epochs(self) -> tuple[int | None, int | None]:
        """How many epochs it trained for, and the one whose weights were kept (None for a refitted head)."""
        training = self.data.get("training", {})
        return training.get("epochs"), training.get("best_epoch")

    @property
    def test_metrics(self) -> Metrics | None:
        """Its figures on every test photo it reports (None for a card without them)."""
        return self.data.get("test_metrics")

    @property
    def test_reliability(self) -> list[Bin]:
        return list(self.data.get("test_reliability", []))

    @property
    def conformal_q(self) -> float | None:
        """The threshold of its 90% prediction set; None for a model without one."""
        return self.data.get("conformal", {}).get("q")

    @property
    def balanced_accuracy(self) -> float | None:
        return (self.test_metrics or {}).get("balanced_accuracy")

    @property
    def test_by_source(self) -> dict[str, Metrics]:
        """Test figures per data source, from the one schema every card uses (`metrics_by_source`).

        A card trained and tested on HAM10000 alone records no split by source: its test figures are HAM10000's.
        """
        by = self.data.get("metrics_by_source", {}).get("test")
        return {k: v for k, v in by.items() if k != "all"} if by else {"ham10000": self.data["test_metrics"]}

    @property
    def phone(self) -> dict | None:
        """Its phone reading as the card records it (photos, referral threshold, val and test figures); None
        for a model without photo types."""
        return self.data["photo_type"].get("clinical", {}) if "photo_type" in self.data else None

    @property
    def retake_floors(self) -> tuple[float, float, float] | None:
        """The sharpness, light and lesion share a photo must reach to be read (`quality.Quality`); None without
        photo types."""
        q = self.data.get("photo_type", {}).get("quality")
        return (float(q["min_sharpness"]), float(q["min_light"]), float(q["min_lesion"])) if q else None

    @property
    def phone_test(self) -> Metrics | None:
        """Its phone reading's figures on its test photos (PAD-UFES-20 patients); None for a model without one."""
        return (self.phone or {}).get("test")

    @property
    def phone_photos(self) -> int | None:
        """How many phone close-ups its phone reading learned from; None for a model without one."""
        return None if self.phone is None else int(self.phone.get("photos", {}).get("train", 0))

    @property
    def members(self) -> list[dict]:
        """An ensemble's members (`tflite` file names and their sha256, ...); [] for a single network."""
        return list(self.data.get("members", []))

    @property
    def views(self) -> tuple[tuple[int, ...], ...] | None:
        """The flipped views an ensemble averages (axes to flip; () is the photo); None: every flip."""
        views = self.data.get("views")
        return tuple(tuple(v) for v in views) if views else None

    def files(self) -> list[str]:
        """The names of every file this model serves from in its folder, for the integrity check."""
        own = [f"{self.path.stem}{s}" for s in SERVED]
        if "photo_type" in self.data:
            own.append(f"{self.path.stem}.phototype.npz")
            if self.data["photo_type"].get("network", {}).get("weight", 0) > 0:
                own.append(f"{self.path.stem}.phototype.tflite")
        return own + [m["tflite"] for m in self.members]


def read_card(card_path: Path) -> Card | None:
    """The card at `card_path` (`<name>.json`), or None when there is none."""
    if not card_path.is_file():
        return None
    try:
        data = json.loads(card_path.read_text())
        return Card(
            name=data["name"],
            path=card_path,
            input_size=tuple(data["input_size"]),
            last_conv=data["last_conv"],
            temperature=float(data["temperature"]),
            referral_threshold=float(data["referral_threshold"]),
            low_confidence=float(data.get("low_confidence", LOW_CONFIDENCE)),
            sha256=data["sha256"],
            data=data,
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"model card {card_path} is malformed ({exc!r})") from None


def _cards(weights_dir: Path) -> list[Path]:
    return sorted(p for p in weights_dir.glob("*.json") if p.name != manifest.NAME)


def available(weights_dir: Path | None = None) -> list[Card]:
    """Every model with a readable card, the default first."""
    weights_dir = weights_dir or paths.weights_dir()
    found = []
    for card_path in _cards(weights_dir):
        try:
            card = read_card(card_path)
        except ModelError:
            continue
        if card is not None:
            found.append(card)
    default = default_name(weights_dir)
    return sorted(found, key=lambda c: (c.name != default, c.name))


def problems(weights_dir: Path | None = None) -> list[str]:
    """What is wrong in the weights folder, one sentence each (an export without a card, a broken card)."""
    weights_dir = weights_dir or paths.weights_dir()
    found = []
    for card_path in _cards(weights_dir):
        try:
            read_card(card_path)
        except ModelError as exc:
            found.append(str(exc))
    named = {f for card in available(weights_dir) for f in card.files()}  # members, a photo-type network
    for lite in sorted(weights_dir.glob("*.tflite")):
        if not lite.with_suffix(".json").is_file() and lite.name not in named:
            found.append(f"{paths.relative(lite)} has no model card ({lite.with_suffix('.json').name} is missing)")
    default = default_name(weights_dir)
    if weights_dir.is_dir() and not (weights_dir / f"{default}.json").is_file():
        found.append(f"the default model {default} ({default}.json) is missing from {paths.relative(weights_dir)}")
    return found


def default_name(weights_dir: Path | None = None) -> str:
    """The app's default model, named in `weights/DEFAULT`."""
    marker = (weights_dir or paths.weights_dir()) / "DEFAULT"
    return marker.read_text().strip() if marker.is_file() else "ensemble"


def resolve(name_or_path: str | None, weights_dir: Path | None = None) -> Path:
    """The card of a model name in `weights/`, or of a model folder's card given as a path; the default's when None."""
    weights_dir = weights_dir or paths.weights_dir()
    if name_or_path is None:
        name_or_path = default_name(weights_dir)
    as_path = Path(name_or_path)
    if as_path.suffix in (".json", ".keras", ".tflite") or as_path.exists():
        return as_path.with_suffix(".json")
    return weights_dir / f"{name_or_path}.json"


def verify_file(path: Path, expected: str | None) -> None:
    """A ModelError unless the file's sha256 is the one its card records."""
    if expected and sha256(path) != expected:
        raise ModelError(
            f"model file {paths.relative(path)} does not match the sha256 in its card: "
            "it is corrupt or has been altered; restore it from the repository"
        )


def find(name_or_path: str | None = None, weights_dir: Path | None = None) -> Card:
    """The card of a model, after checking it is there."""
    path = resolve(name_or_path, weights_dir)
    card = read_card(path)
    if card is None:
        names = ", ".join(c.name for c in available(weights_dir)) or "none"
        raise ModelError(f"model card {paths.relative(path)} is missing (models available: {names})")
    return card


def check_integrity(card: Card) -> None:
    """Every file the model ships matches the folder's manifest (a ModelError naming the file if not)."""
    try:
        manifest.verify(card.path.parent, card.files())
    except manifest.IntegrityError as exc:
        raise ModelError(f"model {card.name} cannot be used: {exc}") from None


def litert_file(card: Card) -> Path | None:
    """The LiteRT export recorded in the card, checked against its sha256; None when the card records none.

    A card that records an export whose file is gone is an error that names the file.
    """
    info = card.data.get("litert")
    if not info:
        return None
    path = card.path.with_suffix(".tflite")
    if not path.is_file():
        raise ModelError(f"the LiteRT export {paths.relative(path)} of {card.name} is missing; restore it or re-export")
    verify_file(path, info.get("sha256"))
    return path


def member_files(card: Card) -> list[Path]:
    """An ensemble's LiteRT exports, each checked against the sha256 in its card."""
    out = []
    for m in card.members:
        path = card.path.parent / m["tflite"]
        if not path.is_file():
            raise ModelError(f"{paths.relative(path)}, a member of {card.name}, is missing")
        verify_file(path, m["tflite_sha256"])
        out.append(path)
    return out
