"""The README's model table, written from the shipped cards: no figure in it is typed by hand.

    python -m skinscan_ui.build.docs            # rewrite the table in README.md
    python -m skinscan_ui.build.docs --check    # exit 1 when README.md differs from the cards

The table sits between `<!-- models:start -->` and `<!-- models:end -->`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from skinscan_ui.serve import model_store, paths

START, END = "<!-- models:start -->", "<!-- models:end -->"
SOURCES = {"ham10000": "HAM10000", "isic2017": "ISIC 2017", "pad_ufes20": "PAD-UFES-20"}


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def _input(card: model_store.Card) -> str:
    sizes = [tuple(m.get("input_size", card.input_size)) for m in card.members] or [card.input_size]
    return " + ".join(f"{h}x{w}" for h, w in sizes)


def _ms(card: model_store.Card) -> str:
    ms = card.data.get("ms_per_image") if card.members else card.data.get("litert", {}).get("ms_per_image")
    return "—" if ms is None else f"{ms:.1f}"


def table(weights_dir: Path | None = None) -> str:
    """One row per shipped model and test source, from the cards."""
    default = model_store.default_name(weights_dir)
    rows = [
        "| model | input | parameters | test source | images | accuracy | balanced acc. | melanoma AUC "
        "| malignant AUC | ECE | referral sens. / spec. | served ms/photo (as built) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for card in model_store.available(weights_dir):
        label = f"`{card.name}`" + (" (default)" if card.name == default else "")
        for i, (source, m) in enumerate(card.test_by_source.items()):
            ref = m["referral"]
            first = (label, _input(card), f"{card.data['parameters'] / 1e6:.1f} M") if i == 0 else ("", "", "")
            rows.append(
                f"| {' | '.join(first)} | {SOURCES.get(source, source)} | {m['n']:,} | {_f(m['accuracy'])} "
                f"| {_f(m['balanced_accuracy'])} | {_f(m['melanoma_auc'])} | {_f(m.get('malignant_auc'))} "
                f"| {_f(m['ece'])} | {_f(ref['sensitivity'])} / {_f(ref['specificity'])} "
                f"| {_ms(card) if i == 0 else ''} |"
            )
    return "\n".join(rows)


def render(readme: str, weights_dir: Path | None = None) -> str:
    """The README with its model table replaced by the one the cards give."""
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{table(weights_dir)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="only say whether README.md matches the cards")
    args = parser.parse_args(argv)
    path = paths.ROOT / "README.md"
    current = path.read_text()
    wanted = render(current)
    if args.check:
        if current != wanted:
            print(
                "README.md's model table differs from the cards: run python -m skinscan_ui.build.docs", file=sys.stderr
            )
            return 1
        return 0
    path.write_text(wanted)
    print(f"wrote the model table of {paths.relative(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
