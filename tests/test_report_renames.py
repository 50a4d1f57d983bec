"""The report honours the user's renames of classes and variables (issue #31, 7): ``build_report``'s
``renames``, ``lstmfcn report --names`` and Home's download, which carries the session's names."""

from __future__ import annotations

import json

import pytest

from lstmfcn.checkpoint import load_model
from lstmfcn.cli import main
from lstmfcn.report import build_report
from tests.helpers.shipped import LSTMFCN_MODEL, require_shipped

GUN = {"classes": {"1": "Drawing a gun"}}


@pytest.fixture(scope="module")
def lstmfcn_model(shipped_models):
    require_shipped(shipped_models, LSTMFCN_MODEL)
    return load_model(shipped_models / f"{LSTMFCN_MODEL}.safetensors")


def test_the_report_names_the_classes_as_renamed(lstmfcn_model, gunpoint):
    page = build_report(lstmfcn_model, gunpoint, samples=4, renames=GUN)
    assert "Drawing a gun (1)" in page
    assert "could not be used" not in page


def test_renames_that_do_not_fit_are_left_out_and_said(lstmfcn_model, gunpoint):
    page = build_report(lstmfcn_model, gunpoint, samples=4, renames={"classes": {"7": "Nope"}})
    assert "Nope" not in page.replace("the names asked for could not be used", "")
    assert "Warning: the names asked for could not be used (there is no class" in page


def test_the_command_takes_names(shipped_models, lstmfcn_model, tmp_path):
    out = tmp_path / "gp.html"
    argv = ["report", "--checkpoint", str(shipped_models / f"{LSTMFCN_MODEL}.safetensors"), "--dataset", "GunPoint"]
    assert main([*argv, "--samples", "4", "--out", str(out), "--names", json.dumps(GUN)]) == 0
    assert "Drawing a gun (1)" in out.read_text(encoding="utf-8")


def test_the_command_refuses_names_that_are_not_json_in_one_line(shipped_models, capsys):
    argv = ["report", "--checkpoint", str(shipped_models / f"{LSTMFCN_MODEL}.safetensors"), "--dataset", "GunPoint"]
    assert main([*argv, "--names", "classes=Gun"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --names must be JSON") and "\n" not in err


def test_homes_report_carries_the_sessions_renames(app, monkeypatch):
    import lstmfcn.report
    from tests.helpers.report_build import built_report, forget_report

    built = []
    monkeypatch.setattr(lstmfcn.report, "build_report", lambda *a, **kw: built.append(kw) or "<html></html>")
    names = json.dumps(GUN, separators=(",", ":"))
    forget_report(LSTMFCN_MODEL, "GunPoint", "test", names)  # none built by an earlier test
    at = app(names=names)
    assert not at.exception, [e.value for e in at.exception]
    try:
        at = built_report(at, LSTMFCN_MODEL, "GunPoint", "test", names)
        assert "Report (HTML)" in [d.label for d in at.download_button]
    finally:
        forget_report(LSTMFCN_MODEL, "GunPoint", "test", names)
    assert built and built[0]["renames"] == GUN
