"""The container and Community Cloud set-up: what they copy exists, everything is pinned, health is checked."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_dockerfile_copies_what_the_app_needs_and_checks_health():
    text = (ROOT / "Dockerfile").read_text()
    sources = [line.split()[1] for line in text.splitlines() if line.startswith("COPY ")]
    assert sources and all((ROOT / s).exists() for s in sources), sources
    assert {"app.py", "skinscan_ui/", "weights/", "data/", "requirements.txt"} <= set(sources)
    assert text.startswith("#") and "FROM python:3.12-slim" in text and "EXPOSE 8501" in text
    assert "/_stcore/health" in text and "--server.port=8501" in text


def test_requirements_are_pinned_and_cpu_only():
    for name in ("requirements.txt", "requirements-dev.txt"):
        lines = [ln for ln in (ROOT / name).read_text().splitlines() if ln and not ln.startswith(("#", "-r"))]
        unpinned = [ln for ln in lines if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", ln)]
        assert not unpinned, f"{name}: {unpinned}"
    app = (ROOT / "requirements.txt").read_text()
    assert "tensorflow-cpu==" in app and "\ntensorflow==" not in app
