"""Every malformed file of the corpus, through every door a file comes in by.

The corpus is ``tests/helpers/malformed_files.py``'s (``CASES``: file name, bytes, a fragment of
the message); ``tests/data/test_malformed_inputs.py`` checks the loader on it. Here the same
files must give

* the CLI: exit status 2 and exactly the loader's message, on one line, no traceback;
* the dashboard: the loader's message shown, nothing stored, the previous dataset and model kept.

Plus what only uploads have: a size limit, and names a stranger chose.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lstmfcn.cli import main
from lstmfcn.dashboard import sources
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.data import load_dataset_from_bytes
from lstmfcn.data.formats import EXTENSIONS, format_of
from lstmfcn.errors import DataError
from tests.helpers.malformed_files import CASES, GARBAGE, GOOD_ROWS, TS_HEADER, npz_bytes
from tests.helpers.shipped import LSTMFCN_MODEL


def loader_message(filename: str, content: bytes) -> str:
    with pytest.raises(DataError) as caught:
        load_dataset_from_bytes(filename, content)
    return str(caught.value)


def test_the_corpus_covers_every_format():
    formats = {format_of(filename) for filename, _, _ in CASES.values() if not filename.endswith(".xlsx")}
    assert formats == set(EXTENSIONS)
    assert len(CASES) >= 70


# ------------------------------------------------------------------------------------------- CLI


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_cli_exits_2_with_the_loaders_message_on_one_line(case, tmp_path, capsys):
    filename, content, _ = CASES[case]
    expected = loader_message(filename, content)
    path = tmp_path / filename
    path.write_bytes(content)
    code = main(["describe", str(path)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.splitlines() == [f"error: {' '.join(expected.split())}"]


@pytest.mark.slow
def test_cli_in_a_real_shell_prints_no_traceback(tmp_path):
    bad = tmp_path / "garbage.npz"
    bad.write_bytes(GARBAGE)
    proc = subprocess.run(
        [sys.executable, "-m", "lstmfcn", "describe", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip()
        == "error: garbage.npz: is not a valid .npz archive; expected a zip of .npy arrays (np.savez)"
    )


# ------------------------------------------------------------------------------------- Dashboard


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_dashboard_upload_refuses_with_the_message_and_stores_nothing(case):
    filename, content, _ = CASES[case]
    blobs = BlobStore()
    with pytest.raises(DataError, match=re.escape(loader_message(filename, content))):
        sources.dataset_from_upload(filename, content, blobs)
    assert len(blobs) == 0


# One case per format the uploader accepts (its ``type=`` list: Streamlit itself refuses other
# extensions before any of our code sees the file, so extension-less UCR text is CLI-only).
ONE_PER_FORMAT = [
    "ragged tsv",
    "ragged txt",
    "semicolons in csv",
    "ts undeclared label",
    "arff bad number",
    "npz decompression bomb",
    "npz object y",
    "binary csv",
]


def test_the_page_shows_each_error_and_keeps_the_previous_dataset_and_model(app):
    at = app()
    before = (at.session_state["dataset"], at.session_state["model"])
    for case in ONE_PER_FORMAT:
        filename, content, _ = CASES[case]
        expected = loader_message(filename, content)
        at.file_uploader(key="_upload_dataset").set_value((filename, content, "application/octet-stream")).run()
        assert not at.exception, (case, [e.value for e in at.exception])
        shown = [e.value for e in at.error]
        assert any(expected in e for e in shown), (case, shown)
        assert (at.session_state["dataset"], at.session_state["model"]) == before, case
        assert at.query_params["dataset"] == "GunPoint" and at.query_params["model"] == LSTMFCN_MODEL
        assert at.metric[0].label == "Test accuracy"  # the page still shows the working model


# ---------------------------------------------------------------------------------- Upload limit


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(monkeypatch):
    import lstmfcn.data.text_formats as text_formats

    monkeypatch.setattr(text_formats, "text_rows", lambda *a: pytest.fail("an oversized upload was parsed"))
    big = b"1,0.5\n" * (sources.MAX_UPLOAD_MB * 2**20 // 6 + 1)
    with pytest.raises(DataError, match=r"^big\.csv: the file is 200\.0 MB, over the upload limit of 200\.0 MB$"):
        sources.dataset_from_upload("big.csv", big, BlobStore())
    with pytest.raises(DataError, match="over the upload limit of 0.0 MB"):
        load_dataset_from_bytes("small.tsv", GOOD_ROWS.encode(), max_bytes=10)
    from lstmfcn.errors import CheckpointError

    with pytest.raises(CheckpointError, match="over the upload limit of 200 MB"):
        sources.model_from_upload("big.safetensors", big, BlobStore())


def test_the_page_shows_the_upload_limit(app, monkeypatch):
    monkeypatch.setattr(sources, "MAX_UPLOAD_MB", 1)
    at = app()
    content = ("\n".join(f"{i % 2},{i},{i + 1},{i + 2}" for i in range(2**20 // 12)) * 2).encode()
    at.file_uploader(key="_upload_dataset").set_value(("huge.csv", content, "text/csv")).run()
    assert any("over the upload limit of 1.0 MB" in e.value for e in at.error)
    assert at.session_state["dataset"] == "GunPoint"


@pytest.mark.slow
def test_a_real_decompression_bomb_is_refused_before_it_expands():
    """230 kB of compressed zeros that would expand to 480 MB (and several GB while preprocessed)."""
    import tracemalloc

    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=np.zeros((2_000, 1, 60_000), np.float32), y=np.arange(2_000) % 2)
    bomb = buffer.getvalue()
    assert len(bomb) < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(DataError, match=r"bomb\.npz array 'X': shape \(2000, 1, 60000\) holds 120,000,000 values"):
            load_dataset_from_bytes("bomb.npz", bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20, peak


# ------------------------------------------------------------------------------- Names from users

GOOD_CONTENT = {
    ".tsv": GOOD_ROWS.encode(),
    ".csv": GOOD_ROWS.replace("\t", ",").encode(),
    ".npz": npz_bytes(X=np.arange(24.0).reshape(8, 3), y=np.arange(8) % 2),
    ".ts": (TS_HEADER + "1,2,3:1\n2,3,1:2\n3,1,2:1\n1,3,2:2\n").encode(),
}
HOSTILE_NAMES = {
    "../../etc/passwd.tsv": "passwd.tsv",
    "/abs/x.npz": "x.npz",
    "C:\\x.csv": "x.csv",
    "..\\..\\Windows\\win.ini.csv": "win.ini.csv",
    "/etc/shadow/../x.ts": "x.ts",
    "[free money](https://evil.example).csv": "evil.example).csv",
    "a\x00b\nc.tsv": "a_b_c.tsv",
}


@pytest.fixture
def opened_paths():
    """Every path the process opens or creates while the fixture is active (a Python audit hook)."""
    events: list[tuple[str, str]] = []
    recording = [True]

    def hook(event, args):
        if recording[0] and event in ("open", "os.mkdir", "os.rename", "os.remove", "shutil.rmtree") and args:
            events.append((event, str(args[0])))

    sys.addaudithook(hook)  # hooks cannot be removed; this one goes quiet after the test
    yield events
    recording[0] = False


@pytest.mark.parametrize("name", list(HOSTILE_NAMES))
def test_upload_names_never_become_paths(name, tmp_path, monkeypatch, opened_paths):
    monkeypatch.chdir(tmp_path)
    shown = HOSTILE_NAMES[name]
    content = GOOD_CONTENT[Path(shown).suffix]
    ds = load_dataset_from_bytes(name, content, test_size=0.5)
    blobs = BlobStore()
    ds_id, _ = sources.dataset_from_upload(name, content, blobs)
    assert ds.source == shown and blobs.get(ds_id).name == shown
    assert sources.dataset_label(ds_id, blobs) == f"uploaded: {shown}"
    assert not any(tmp_path.iterdir())  # nothing written where the server runs
    user_parts = {part for part in re.split(r"[/\\]", name) if part not in ("", ".", "..")}
    for event, path in opened_paths:
        assert not (set(re.split(r"[/\\]", path)) & user_parts), (
            event,
            path,
        )  # e.g. only "data.ts" in a private folder


def test_model_upload_names_are_reduced_to_a_base_name():
    from lstmfcn.checkpoint import checkpoint_bytes
    from lstmfcn.models import ModelConfig, build_model

    data = checkpoint_bytes(build_model(ModelConfig("lstmfcn", 1, 150, 2)).eval(), {"classes": ["1", "2"]})
    blobs = BlobStore()
    model_id, _ = sources.model_from_upload("../../../root/.ssh/x.safetensors", data, blobs)
    assert blobs.get(model_id).name == "x.safetensors"
    assert sources.model_file(model_id, blobs)[0] == "x.safetensors"  # the download's file name too
