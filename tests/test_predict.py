"""`python -m skinscan_ui.serve.predict`: one result per file, in order; bad files never stop the others."""

from __future__ import annotations

import json

from cli import run_cli
from corpus import bad_files, good_files
from PIL import Image
from tiny import synthetic

from skinscan_ui.serve import predict


def write(tmp_path, files):
    paths = []
    for name, data in files:
        p = tmp_path / name
        p.write_bytes(data)
        paths.append(str(p))
    return paths


def test_corpus_through_the_cli(tiny_weights, tmp_path, capsys):
    good, bad = good_files(), bad_files()
    files = write(tmp_path, good + bad)
    code = predict.main([*files, "--json", "--model", str(tiny_weights / "tiny.keras")])
    records = json.loads(capsys.readouterr().out)
    assert code == 1, "some files were not classified"
    assert [r["file"] for r in records] == files
    for rec in records[: len(good)]:
        assert rec["ok"] and rec["error"] is None, rec
        assert len(rec["top3"]) == 3 and rec["outcome"] in {"refer", "benign", "uncertain"}
        assert sum(t["probability"] for t in rec["top3"]) <= 1.0 + 1e-6
    for rec in records[len(good) :]:
        assert not rec["ok"] and rec["error"].endswith(".") and rec["top3"] == []


def test_exit_codes_cam_dir_and_no_traceback(tiny_weights, tmp_path):
    x, _ = synthetic(1, seed=31, size=(120, 160))
    good = tmp_path / "lesion.jpg"
    Image.fromarray(x[3]).save(good)
    model = str(tiny_weights / "tiny.keras")
    ok = run_cli("serve.predict", str(good), "--model", model, "--json", "--cam-dir", str(tmp_path / "cams"))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[0]["ok"]
    cam = Image.open(tmp_path / "cams" / "lesion_gradcam.png")
    assert cam.size == (64, 48)
    missing = run_cli("serve.predict", str(tmp_path / "nope.jpg"), str(good), "--model", model)
    assert missing.returncode == 1
    lines = missing.stdout.strip().splitlines()
    assert "does not exist" in lines[0] and "lesion.jpg:" in lines[1]
    assert "Traceback" not in missing.stdout + missing.stderr


def test_missing_model_is_reported_per_file(tmp_path, capsys):
    x, _ = synthetic(1, seed=32, size=(120, 160))
    Image.fromarray(x[0]).save(tmp_path / "a.jpg")
    code = predict.main([str(tmp_path / "a.jpg"), "--json", "--model", str(tmp_path / "absent.keras")])
    rec = json.loads(capsys.readouterr().out)[0]
    assert code == 1 and not rec["ok"] and "missing" in rec["error"]
