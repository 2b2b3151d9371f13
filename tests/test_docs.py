"""The README's figures come from the code and the cards, so they cannot drift from what ships."""

from __future__ import annotations

from skinscan_ui.build import docs, export
from skinscan_ui.serve import images, model_store, paths

README = (paths.ROOT / "README.md").read_text()


def test_the_readme_model_table_is_the_cards():
    assert docs.render(README) == README, "run python -m skinscan_ui.build.docs"
    for card in model_store.available():
        assert f"`{card.name}`" in README
        ham = card.test_by_source["ham10000"]
        assert f"| {ham['balanced_accuracy']:.3f} |" in README


def test_the_table_follows_a_changed_card(tmp_path):
    """Regenerating after a card changed gives a different table (the check above can fail)."""
    import json
    import shutil

    folder = tmp_path / "weights"
    shutil.copytree(paths.weights_dir(), folder)
    card = json.loads((folder / "skinscan.json").read_text())
    card["test_metrics"]["balanced_accuracy"] = 0.1234
    (folder / "skinscan.json").write_text(json.dumps(card))
    assert "| 0.123 |" in docs.table(folder) and "| 0.123 |" not in docs.table()


def test_the_readme_states_the_limits_the_code_enforces():
    assert f"Files up to {images.MAX_BYTES // 1_000_000} MB" in README
    assert f"{images.MAX_PIXELS // 1_000_000} megapixels ({images.MAX_JPEG_PIXELS // 1_000_000} for JPEG" in README
    assert f"{images.MIN_SIDE} to {images.MAX_SIDE:,} pixels a side" in README
    agreement, difference = export.PARITY["float16"]
    assert f"(float16: top-1 ≥ {agreement:.0%}, Δp ≤ {difference})" in README
