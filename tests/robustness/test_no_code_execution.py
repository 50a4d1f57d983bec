"""Nothing executes from a file: checkpoints that are really pickles, no unpickling anywhere in the
product code, uploads that stay in memory or in a private folder, and a server configured for a
shared network."""

from __future__ import annotations

import ast
import io
import pickle
import stat
import struct
import tomllib
import zipfile
from pathlib import Path

import pytest
import torch

from lstmfcn.cli import main
from lstmfcn.dashboard import sources
from lstmfcn.data import load_dataset_from_bytes
from tests.helpers.malformed_files import TS_HEADER
from tests.helpers.shipped import LSTMFCN_MODEL, ROOT


class Payload:
    """Unpickling this creates the file ``path``: proof that a file's code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def hostile_checkpoints(marker: Path) -> dict[str, bytes]:
    """Files a stranger could upload as ``model.safetensors``, each running ``Payload`` if unpickled."""
    payload = {"state_dict": Payload(marker), "classes": ["1", "2"]}
    saved = io.BytesIO()
    torch.save(payload, saved)  # PyTorch's zip format (.pt/.pth): torch.load would unpickle data.pkl
    raw = pickle.dumps(payload, protocol=4)
    return {
        "raw pickle": raw,
        "torch.save zip": saved.getvalue(),
        "pickle behind a small header length": struct.pack("<Q", 16) + raw,  # passes the size check
        "pickle protocol 0 (text)": pickle.dumps(payload, protocol=0),
    }


CASES = list(hostile_checkpoints(Path("/nonexistent")))


@pytest.fixture
def no_unpickling(monkeypatch):
    """Fail the test at once if anything tries to unpickle or torch.load."""

    def refuse(*args, **kwargs):
        raise AssertionError("something tried to unpickle a file")

    for owner, name in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (torch, "load")):
        monkeypatch.setattr(owner, name, refuse)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("command", ["evaluate", "explain"])
def test_cli_refuses_a_pickled_checkpoint_and_the_payload_never_runs(case, command, tmp_path, capsys, no_unpickling):
    marker = tmp_path / "payload_ran"
    evil = tmp_path / "model.safetensors"
    evil.write_bytes(hostile_checkpoints(marker)[case])
    argv = [command, "--checkpoint", str(evil), "--dataset", "GunPoint"]
    code = main(argv + (["--out", str(tmp_path / "x.npz")] if command == "explain" else []))
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: model.safetensors: not a safetensors checkpoint") and len(err.splitlines()) == 1
    assert not marker.exists()


@pytest.mark.parametrize("case", CASES)
def test_the_sidebar_refuses_a_pickled_checkpoint_and_the_payload_never_runs(app, case, tmp_path):
    # (pickle itself stays usable here: st.cache_data pickles its own values)
    marker = tmp_path / "payload_ran"
    at = app()
    data = hostile_checkpoints(marker)[case]
    at.file_uploader(key="_upload_model").set_value(("model.safetensors", data, "application/octet-stream")).run()
    assert not at.exception
    # Since the sidebar also imports other libraries' weights (issue #28), a file that is neither is
    # refused as neither; what matters is that it is refused, in words, and nothing in it runs.
    refusals = ("not a safetensors checkpoint", "neither this program's checkpoint nor weights")
    assert any("could not be used" in e.value and any(r in e.value for r in refusals) for e in at.error)
    assert at.session_state["model"] == LSTMFCN_MODEL and at.session_state["session_models"] == []
    assert not marker.exists()


# --------------------------------------------------------------------------- the code, read as code

PRODUCT = sorted([*(ROOT / "lstmfcn").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "app.py"])
FORBIDDEN_CALLS = {
    "torch.load",
    "torch.jit.load",
    "pickle.load",
    "pickle.loads",
    "pickle.Unpickler",
    "marshal.load",
    "marshal.loads",
    "dill.load",
    "dill.loads",
    "joblib.load",
    "pd.read_pickle",
    "pandas.read_pickle",
    "yaml.load",
    "yaml.unsafe_load",
    "shelve.open",
}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _is_true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def unsafe_calls(source: str) -> list[str]:
    """What in ``source`` could run code from data: eval/exec, unpickling loaders, pickled numpy."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("pickle", "marshal", "dill", "shelve"):
            found.append(f"line {node.lineno}: from {node.module} import …")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        keywords = {k.arg: k.value for k in node.keywords}
        restricted = name == "torch.load" and _is_true(keywords.get("weights_only"))
        if name in ("eval", "exec", "__import__") or (name in FORBIDDEN_CALLS and not restricted):
            found.append(f"line {node.lineno}: {name}()")
        elif name in ("np.load", "numpy.load"):
            allow = keywords.get("allow_pickle")
            if not (isinstance(allow, ast.Constant) and allow.value is False):
                found.append(f"line {node.lineno}: {name}() without allow_pickle=False")
        elif "allow_pickle" in keywords and not (
            isinstance(keywords["allow_pickle"], ast.Constant) and keywords["allow_pickle"].value is False
        ):
            found.append(f"line {node.lineno}: {name}(allow_pickle=…)")
    return found


def test_the_scanner_finds_what_it_looks_for():
    code = (
        "import numpy as np, torch\nnp.load(f)\nnp.load(f, allow_pickle=True)\ntorch.load(p)\neval(s)\nm.eval()\n"
        "np.load(f, allow_pickle=False)\nother(x, allow_pickle=flag)\n"
        "torch.load(p, weights_only=False)\ntorch.load(p, weights_only=True)\n"  # only the restricted unpickler
    )
    assert unsafe_calls(code) == [
        "line 2: np.load() without allow_pickle=False",
        "line 3: np.load() without allow_pickle=False",
        "line 4: torch.load()",
        "line 5: eval()",
        "line 8: other(allow_pickle=…)",
        "line 9: torch.load()",
    ]


@pytest.mark.parametrize("path", PRODUCT, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_product_code_can_run_code_from_data(path):
    assert unsafe_calls(path.read_text(encoding="utf-8")) == []


# ------------------------------------------------------------------------------------ uploads


def test_aeon_reads_an_upload_from_a_private_folder_that_is_then_removed(monkeypatch):
    import aeon.datasets

    seen = []
    original = aeon.datasets.load_from_ts_file

    def spy(path, *args, **kwargs):
        p = Path(path)
        seen.append((p, stat.S_IMODE(p.parent.stat().st_mode), p.read_bytes()))
        return original(path, *args, **kwargs)

    monkeypatch.setattr(aeon.datasets, "load_from_ts_file", spy)
    # a missing value ("?"): a plain file is read without aeon (lstmfcn.data.aeon_formats._read_plain_ts)
    content = (TS_HEADER + "1,2,3:1\n2,?,1:2\n3,1,2:1\n1,3,2:2\n").encode()
    load_dataset_from_bytes("../../home/someone/.bashrc.ts", content, test_size=0.5)
    [(path, mode, written)] = seen
    assert path.name == "data.ts" and written == content  # never the user's name
    assert mode & 0o077 == 0  # only this process's user can enter the folder
    assert not path.parent.exists()


def test_a_zip_member_named_like_a_path_is_never_extracted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../escaped.npy", b"\x93NUMPY")
        archive.writestr("X.npy", b"")
    from lstmfcn.errors import DataError

    with pytest.raises(DataError):
        load_dataset_from_bytes("x.npz", buffer.getvalue())
    assert not any(tmp_path.iterdir()) and not (tmp_path.parent.parent / "escaped.npy").exists()


# ------------------------------------------------------------------------------ server config


def test_streamlit_config_is_safe_to_share_on_a_network():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    server = config["server"]
    assert config["browser"]["gatherUsageStats"] is False  # no usage statistics leave the machine
    assert server["enableXsrfProtection"] is True
    assert server.get("enableCORS", True) is True  # off would send Access-Control-Allow-Origin: *
    assert "*" not in server.get("corsAllowedOrigins", [])
    assert server["maxUploadSize"] == sources.MAX_UPLOAD_MB  # Streamlit's limit and the loaders' agree
    assert server.get("enableStaticServing", False) is False
    assert config.get("client", {}).get("showErrorDetails") in ("none", False)  # no tracebacks to strangers
