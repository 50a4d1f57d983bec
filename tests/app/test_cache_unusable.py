"""An unusable cache folder (read-only, a file, a path under a file) never takes a page or a command
down (issue #31): the CAM page draws its maps and says once, in the sidebar, that the cache is off;
explain and report write their results and print one note on stderr; evaluate, which keeps nothing
in the cache, works and says nothing about it."""

from __future__ import annotations

import pytest

from lstmfcn.cli import main
from tests.helpers.shipped import LSTMFCN_MODEL
from tests.helpers.unusable import KINDS, unusable_folder


def _fresh_server():
    """Forget the memory caches (and the disk cache object) as a restarted server would."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.mark.parametrize("kind", KINDS)
def test_the_cam_page_works_without_its_cache_and_says_so_once(app, monkeypatch, tmp_path, kind):
    with unusable_folder(tmp_path, kind) as folder:
        try:
            with monkeypatch.context() as env:
                env.setenv("LSTMFCN_CACHE_DIR", str(folder))
                _fresh_server()
                at = app()
                at.switch_page("pages/cam.py").run()
                assert not at.exception, [e.value for e in at.exception]
                assert at.get("plotly_chart"), "the maps are drawn"
                notes = [c.value for c in at.sidebar.caption if "The cache is off" in c.value]
                assert len(notes) == 1 and str(folder) in notes[0], [c.value for c in at.sidebar.caption]
                at.switch_page("pages/home.py").run()  # every page, not only the first
                assert not at.exception and at.metric
        finally:
            # The variable is restored first, then the caches cleared: a page's background work that
            # asks for the disk cache in between gets the usable folder, not this one (CI saw the
            # next test's server inherit the unusable folder when the order was the other way).
            _fresh_server()


def test_a_usable_cache_says_nothing(app):
    _fresh_server()  # a server started with a usable folder, whatever ran before in this process
    at = app()
    assert not [c.value for c in at.sidebar.caption if "The cache is off" in c.value]


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["explain", "evaluate", "report"])
def test_the_cli_works_without_its_cache_and_says_so_on_one_line(
    monkeypatch, capsys, tmp_path, shipped_models, kind, command
):
    checkpoint = shipped_models / f"{LSTMFCN_MODEL}.safetensors"
    argv = [command, "--checkpoint", str(checkpoint), "--dataset", "GunPoint"]
    out = tmp_path / ("out.npz" if command == "explain" else "out.html")
    argv += {
        "explain": ["--methods", "cam,ig", "--limit", "4", "--out", str(out)],
        "evaluate": [],
        "report": ["--samples", "2", "--out", str(out)],  # its default methods include IG: calibrated
    }[command]
    with unusable_folder(tmp_path, kind) as folder:
        monkeypatch.setenv("LSTMFCN_CACHE_DIR", str(folder))
        monkeypatch.setenv("LSTMFCN_PASS_SIZE", "calibrate")  # the pass-size record is the CLI's cache
        code = main(argv)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    notes = [line for line in captured.err.splitlines() if "cache" in line.lower()]
    if command == "evaluate":  # one forward pass at the fixed batch size: it never used the cache
        assert "accuracy" in captured.out.lower() and notes == []
        return
    assert out.stat().st_size > 0
    assert len(notes) == 1 and notes[0].startswith(f"note: The cache is off: {folder} cannot be used ("), notes
