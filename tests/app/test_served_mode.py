"""The served mode (``lstmfcn dashboard --public``, ``LSTMFCN_PUBLIC=1``): what is unsafe to offer
to strangers is off or tightly bounded, and the operator is told what is still missing."""

from __future__ import annotations

import sys

from lstmfcn.cli import main
from lstmfcn.dashboard.serving import limits
from tests.helpers.fake_streamlit import FakeStreamlit


def test_the_served_mode_tightens_every_limit_and_the_operator_may_set_each():
    local, public = limits({}), limits({"LSTMFCN_PUBLIC": "1"})
    assert not local.public and public.public
    assert public.max_epochs < local.max_epochs and public.max_trainings == 1
    assert public.model_upload_mb < public.upload_mb < local.upload_mb
    assert public.session_upload_mb < local.session_upload_mb and public.total_upload_mb <= local.total_upload_mb
    assert not public.sweeps and limits({"LSTMFCN_PUBLIC": "yes", "LSTMFCN_SWEEP_DIR": "/srv/sweeps"}).sweeps
    tuned = limits({"LSTMFCN_PUBLIC": "1", "LSTMFCN_MAX_EPOCHS": "100", "LSTMFCN_MAX_TRAININGS": "zero"})
    assert tuned.max_epochs == 100 and tuned.max_trainings == 1
    assert tuned.notes == ("LSTMFCN_MAX_TRAININGS='zero' is not a positive whole number; 1 is used",)


def test_dashboard_public_sets_the_mode_lowers_streamlits_upload_cap_and_says_what_is_missing(monkeypatch, capsys):
    import lstmfcn.cli.dashboard as dashboard

    monkeypatch.delenv("LSTMFCN_PUBLIC", raising=False)
    monkeypatch.setattr(dashboard.subprocess, "Popen", FakeStreamlit)
    assert main(["dashboard", "--public", "--server.address", "0.0.0.0"]) == 0
    assert FakeStreamlit.env["LSTMFCN_PUBLIC"] == "1"
    assert FakeStreamlit.argv[:3] == [sys.executable, "-m", "streamlit"]
    assert FakeStreamlit.argv[5:] == ["--server.maxUploadSize", "50", "--server.address", "0.0.0.0"]
    err = capsys.readouterr().err
    assert err.startswith("Served mode: trainings 1 at a time") and "sweep folders off" in err
    assert "put an authenticating reverse proxy with TLS in front" in err

    # the environment variable alone is the same mode; the operator's own upload cap is kept
    monkeypatch.setenv("LSTMFCN_PUBLIC", "1")
    assert main(["dashboard", "--server.maxUploadSize", "10"]) == 0
    assert FakeStreamlit.argv[5:] == ["--server.maxUploadSize", "10"] and FakeStreamlit.env["LSTMFCN_PUBLIC"] == "1"
    assert "Served mode" in capsys.readouterr().err

    monkeypatch.delenv("LSTMFCN_PUBLIC")
    assert main(["dashboard"]) == 0  # a personal run: nothing added, nothing said
    assert FakeStreamlit.argv[5:] == [] and "LSTMFCN_PUBLIC" not in FakeStreamlit.env
    assert "Served mode" not in capsys.readouterr().err


def test_a_served_dashboard_refuses_a_large_model_and_bounds_training(app, monkeypatch):
    import streamlit as st

    monkeypatch.setenv("LSTMFCN_PUBLIC", "1")
    st.cache_resource.clear()
    try:
        at = app()
        big = b"\0" * (21 * 2**20)
        at.file_uploader(key="_upload_model").set_value(("big.safetensors", big, "application/octet-stream")).run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("over the upload limit of 20 MB for a model" in e.value for e in at.error), [
            e.value for e in at.error
        ]
        assert at.session_state["model"] == "GunPoint__lstmfcn"  # the view is kept
        at.switch_page("pages/train.py").run()
        assert at.number_input(key="train_epochs").max == 500
        assert any("1 model(s) at a time" in c.value for c in at.caption)
    finally:
        st.cache_resource.clear()
