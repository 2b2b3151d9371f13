"""Server memory under use: one `streamlit run` server, browser sessions that each batch 50 photos, then close.

    python -m bench.server_memory [--sessions 20] [--photos 50]

Prints the server's resident memory (RSS) after start, after each closed session, and once the
disconnected sessions have expired (target: at most 600 MB throughout; Community Cloud's floor is
690 MB). Each session uploads different photos (HAM10000 photos when the data is here, else synthetic
ones), waits for the table and closes its tab, as a clinician closing the page would.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench.serving import APP, photos
from skinscan_ui.serve import paths

TARGET_MB = 600


def rss_of(pid: int) -> float:
    """Resident memory of another process, in MiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--photos", type=int, default=50, help="photos per session's batch")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(APP).parent / "tests"))
    from browser import CHROMIUM, FLAGS, streamlit_process
    from playwright.sync_api import sync_playwright

    n = args.sessions * args.photos
    found = sorted((paths.data_dir() / "images").glob("*.jpg"))[:n]
    images = [f.read_bytes() for f in found] if len(found) == n else photos(n)
    rows: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp, streamlit_process() as (url, server), sync_playwright() as p:
        files = []
        for i, data in enumerate(images):
            path = Path(tmp) / f"photo{i:04d}.jpg"
            path.write_bytes(data)
            files.append(str(path))
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)

        def session(batch: list[str]) -> None:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(url)
            if batch:
                page.get_by_text("Several photos").click()
                page.get_by_text("Upload several photos").wait_for(timeout=60_000)
                page.locator("input[type=file]").first.set_input_files(batch)
                page.get_by_text("Download report (PDF)").wait_for(timeout=600_000)
            else:
                page.get_by_text("Waiting for a photo").wait_for(timeout=60_000)
            context.close()
            time.sleep(2)

        session([])  # the model loaded and warmed up, as after the first visitor
        rows.append(("after the first visit (model loaded)", rss_of(server.pid)))
        start = time.time()
        for s in range(args.sessions):
            session(files[(s * args.photos) % len(files) :][: args.photos])
            rows.append((f"after closed session {s + 1} ({args.photos} photos)", rss_of(server.pid)))
        took = time.time() - start
        time.sleep(125)  # past server.disconnectedSessionTTL (120 s by default): closed sessions may now go
        session([])
        rows.append(("after the closed sessions expired, one more visit", rss_of(server.pid)))
        browser.close()

    print("| server state | RSS (MiB) |\n| --- | --- |")
    for label, mb in rows:
        print(f"| {label} | {mb:.0f} |")
    peak = max(mb for _, mb in rows)
    verdict = "PASS" if peak <= TARGET_MB else "FAIL"
    print(f"\npeak {peak:.0f} MiB over {args.sessions} sessions in {took:.0f} s (target <= {TARGET_MB}): {verdict}")


if __name__ == "__main__":
    main()
