"""The worst hostile files of each kind: peak RSS and time of `predict` on each alone, and the server's peak RSS.

    python -m bench.hostile [--no-app]

Each file is written to a temporary folder and classified by a fresh `python -m skinscan_ui.serve.predict`
process, timed and measured (peak RSS) by GNU time (`apt-get install time`). Targets:
every file <= 500 MB and <= 3 s on 2 cores. Then one `streamlit run` server receives them all from
Chromium, one upload after another, and its peak RSS is read from /proc (target <= 600 MB).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import corpus  # noqa: E402 - the test corpus, from tests/ put on the path above


def worst_files() -> dict[str, bytes]:
    """One file of each kind at the size the second hostile round used."""
    files = {
        "grey16_50mp.png": corpus.grey16_png(50),
        "float32_50mp.tiff": corpus.float_tiff(50),
        "rgba_50mp.png": corpus.rgba_png(50),
        "rgba_24mp.png": corpus.rgba_png(24),  # just under the limit: decoded for real
        "grey16_24mp.png": corpus.grey16_png(24),
        "float32_24mp_unit.tiff": corpus.float_tiff(24, 1.0),
        "comments_6.5M.jpg": corpus.comment_jpeg(6_200_000),
        "chunks_2.2M.png": corpus.chunky_png(2_000_000),
        "claims_100mp.png": corpus._png_header_only(11547, 8660),
    }
    big = corpus._save(corpus.Image.fromarray(corpus._ramp(*corpus._side(100), top=255)), "JPEG", quality=85)
    files["photo_100mp.jpg"] = big
    return files


def server_peak(paths: list[Path]) -> float:
    from browser import browser_page, streamlit_server

    with streamlit_server() as url:
        pid = int(subprocess.check_output(["pgrep", "-n", "-f", "streamlit run app.py"]).split()[0])
        with browser_page() as page:
            page.goto(url)
            page.get_by_text("Waiting for a photo").wait_for(timeout=120_000)
            for path in paths:
                page.locator("input[type=file]").first.set_input_files(str(path))
                page.locator("[data-testid='stAlert']").first.wait_for(timeout=120_000)
                time.sleep(1.5)
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmHWM:"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-app", action="store_true", help="skip the browser upload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, data in worst_files().items():
            paths.append(Path(tmp) / name)
            paths[-1].write_bytes(data)
        print("| file | size | peak RSS | time | predict says |\n|---|---|---|---|---|")
        worst_rss = worst_s = 0.0
        for path in paths:
            out = subprocess.run(
                ["/usr/bin/time", "-f", "%M %e", sys.executable, "-m", "skinscan_ui.serve.predict", str(path)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            rss_kb, seconds = out.stderr.strip().splitlines()[-1].split()
            rss, secs = int(rss_kb) / 1024, float(seconds)
            worst_rss, worst_s = max(worst_rss, rss), max(worst_s, secs)
            said = (
                out.stdout.strip().splitlines()[0].split(": ", 1)[-1][:100] if out.stdout.strip() else out.stderr[:100]
            )
            print(f"| {path.name} | {path.stat().st_size / 1e6:.1f} MB | {rss:.0f} MB | {secs:.2f} s | {said} |")
        print(f"\nworst predict: {worst_rss:.0f} MB (target 500), {worst_s:.2f} s (target 3, includes ~1 s start)")
        if not args.no_app:
            peak = server_peak(paths)
            print(f"streamlit run server peak RSS after every upload: {peak:.0f} MB (target 600)")


if __name__ == "__main__":
    main()
