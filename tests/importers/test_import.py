"""Importing LSTM-FCN-family models trained with tsai, sktime and Keras (issue #28).

The fixtures in ``tests/fixtures/foreign`` were trained with the real libraries by
``make_fixtures.py`` (run in a separate environment; the libraries are not test dependencies),
with each library's own eval-mode logits on the test split. Here: every import gives those logits
to 1e-5, explanations keep their invariants on imported models, and hostile or unsupported files
get one sentence (exit status 2), with nothing in them ever run.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from lstmfcn import load_dataset
from lstmfcn.checkpoint import checkpoint_bytes, load_checkpoint_bytes
from lstmfcn.cli import main
from lstmfcn.errors import CheckpointError, MismatchError
from lstmfcn.evaluation import predict_logits
from lstmfcn.explain import class_activation_maps, integrated_gradients
from lstmfcn.importers import PARITY_TOLERANCE, detect_framework, import_model, library_class_order, parity
from lstmfcn.inputs import model_input
from lstmfcn.models import ExplainableModel

FIXTURES = Path(__file__).parents[1] / "fixtures" / "foreign"
SPECS = json.loads((FIXTURES / "fixtures.json").read_text())["fixtures"]
ARCH = {
    "tsai_lstmfcn_gunpoint": "lstmfcn",
    "tsai_mlstmfcn_basicmotions": "mlstmfcn",
    "sktime_lstmfcn_basicmotions": "lstmfcn",
    "keras_lstmfcn_gunpoint": "lstmfcn",
    "keras2_hard_lstmfcn_gunpoint": "lstmfcn",  # hard-sigmoid gates, weights only: --lstm-gates hard_sigmoid
    "keras2_hard_lstmfcn_gunpoint_whole": "lstmfcn",  # the same model whole: its configuration says hard_sigmoid
    "keras2_hard_alstmfcn_basicmotions": "alstmfcn",  # the authors' AttentionLSTM as Keras 2 ran it: hard gates
    "keras2_hard_alstmfcn_basicmotions_whole": "alstmfcn",
    "keras3_hard_malstmfcn_basicmotions": "malstmfcn",  # Keras 3's hard sigmoid: slope 1/6
    "keras_alstmfcn_gunpoint": "alstmfcn",
    "keras_mlstmfcn_basicmotions": "mlstmfcn",
    "keras_malstmfcn_basicmotions": "malstmfcn",
    "keras2_lstmfcn_gunpoint": "lstmfcn",  # written by Keras 2.15 itself: "kernel:0" names
    "sktime_tf_lstmfcn_basicmotions": "lstmfcn",  # sktime's TensorFlow LSTMFCNClassifier's model
}
_DATASETS: dict = {}


def dataset(name: str, normalize: str):
    if (name, normalize) not in _DATASETS:
        _DATASETS[name, normalize] = load_dataset(name, normalize=normalize)
    return _DATASETS[name, normalize]


def imported(spec: dict):
    ds = dataset(spec["dataset"], spec["normalize"])
    options = {"classes": spec.get("classes"), "lstm_gates": spec.get("lstm_gates")}
    model, meta = import_model(spec["framework"], FIXTURES / spec["file"], ds, **options)
    return model, meta, ds


@pytest.mark.parametrize("spec", SPECS, ids=[s["name"] for s in SPECS])
def test_imported_model_gives_the_library_logits(spec):
    model, meta, ds = imported(spec)
    assert model.config.arch == ARCH[spec["name"]] and isinstance(model, ExplainableModel)
    split = model_input(model, ds, "test")
    check = parity(predict_logits(model, split.X, split.lengths), np.load(FIXTURES / spec["logits"]))
    assert check["max_rel"] <= PARITY_TOLERANCE, check
    imp = meta["imported"]
    assert imp["framework"] == spec["framework"] and imp["file"] == spec["file"] and len(imp["sha256"]) == 64
    assert imp["read"] and imp["assumed"]
    assert meta["preprocessing"]["normalize"] == spec["normalize"]


def test_what_the_weights_determine_is_read_from_them():
    by_name = {s["name"]: s for s in SPECS}
    tsai_m = imported(by_name["tsai_mlstmfcn_basicmotions"])[0].config
    assert (tsai_m.lstm_layers, tsai_m.bidirectional, tsai_m.lstm_readout) == (2, True, "last_step")
    assert (tsai_m.cells, tsai_m.kernels, tsai_m.filters, tsai_m.bn_eps) == (16, (8, 5, 3), (32, 64, 32), 1e-5)
    tsai_u = imported(by_name["tsai_lstmfcn_gunpoint"])[0].config
    assert (tsai_u.cells, tsai_u.kernels, tsai_u.shuffle) == (32, (7, 5, 3), True)
    sk = imported(by_name["sktime_lstmfcn_basicmotions"])[0].config
    assert (sk.shuffle, sk.lstm_readout, sk.length, sk.bn_eps) == (False, "state", 100, 1e-5)
    keras = imported(by_name["keras_lstmfcn_gunpoint"])[0].config
    assert (keras.filters, keras.kernels, keras.bn_eps, keras.shuffle) == ((128, 256, 128), (8, 5, 3), 1e-3, True)
    sk_tf = imported(by_name["sktime_tf_lstmfcn_basicmotions"])[0].config
    assert (sk_tf.shuffle, sk_tf.filters, sk_tf.length) == (False, (32, 64, 32), 100)  # it reads (T, V)


@pytest.mark.parametrize(
    "name",
    [
        "tsai_mlstmfcn_basicmotions",
        "sktime_lstmfcn_basicmotions",
        "keras_malstmfcn_basicmotions",
        "keras2_hard_lstmfcn_gunpoint_whole",
        "keras2_hard_alstmfcn_basicmotions_whole",
    ],
)
def test_explanations_keep_their_invariants_on_imported_models(name):
    model, _, ds = imported(next(s for s in SPECS if s["name"] == name))
    x = model_input(model, ds, "test").X[:4]
    cam = class_activation_maps(model, x)
    np.testing.assert_allclose(cam.cam.mean(-1) + cam.offset, predict_logits(model, x), rtol=1e-5, atol=1e-5)
    target = cam.logits.argmax(1)
    attr, delta = integrated_gradients(model, x, target, baseline="zeros", n_steps=64, return_delta=True)
    rows = np.arange(len(x))
    gap = predict_logits(model, x)[rows, target] - predict_logits(model, np.zeros_like(x))[rows, target]
    np.testing.assert_allclose(attr.sum(axis=(1, 2)), gap, rtol=0.02, atol=0.02)  # completeness


def test_an_imported_checkpoint_reloads_with_its_provenance():
    model, meta, ds = imported(SPECS[1])  # tsai, bidirectional, two layers: the new model options
    again, meta2 = load_checkpoint_bytes(checkpoint_bytes(model, meta), "imported.safetensors")
    x = model_input(again, ds, "test").X
    np.testing.assert_array_equal(predict_logits(again, x), predict_logits(model, x))
    assert meta2["imported"] == meta["imported"] and meta2["training"]["imported"] is True


def test_cli_import_writes_a_checkpoint_and_checks_parity(tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    spec = SPECS[0]
    args = ["import", spec["framework"], str(FIXTURES / spec["file"]), "--dataset", spec["dataset"], "--out", str(out)]
    assert main([*args, "--expect-logits", str(FIXTURES / spec["logits"])]) == 0
    printed = capsys.readouterr().out
    assert "within 1e-5" in printed and "assumed:" in printed and out.is_file()
    wrong = tmp_path / "wrong.npy"
    np.save(wrong, np.load(FIXTURES / spec["logits"]) + 0.5)
    assert main([*args, "--expect-logits", str(wrong)]) == 1
    assert "NOT within 1e-5" in capsys.readouterr().out


@pytest.mark.parametrize(
    "framework,file,dataset,words",
    [
        ("tsai", "tsai_grufcn_gunpoint.pth", "GunPoint", "a GRU cell"),
        ("sktime", "sktime_attention_gunpoint.safetensors", "GunPoint", "multi-head-attention"),
        ("tsai", "tsai_lstmfcn_gunpoint.pth", "BasicMotions", "trained on data of another shape"),
        ("keras", "tsai_lstmfcn_gunpoint.pth", "GunPoint", "import it as tsai"),
        ("sktime", "keras_mlstmfcn_basicmotions.h5", "BasicMotions", "import it as keras"),
    ],
)
def test_unsupported_models_are_refused_with_one_sentence(framework, file, dataset, words, tmp_path, capsys):
    status = main(
        ["import", framework, str(FIXTURES / file), "--dataset", dataset, "--out", str(tmp_path / "m.safetensors")]
    )
    err = capsys.readouterr().err
    assert status == 2 and words in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "supported are" in err or "import it as" in err or "another shape" in err


class _Payload:
    """Unpickling this would create a directory: the proof that something ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return os.mkdir, (str(self.marker),)


def _hostile_files(tmp_path: Path) -> dict[str, bytes]:
    marker = tmp_path / "payload-ran"
    buf = __import__("io").BytesIO()
    torch.save({"model": {"w": torch.zeros(1)}, "evil": _Payload(marker)}, buf)
    whole = __import__("io").BytesIO()
    torch.save(torch.nn.Linear(2, 2), whole)  # a whole pickled module, as learn.export() pickles a Learner
    keras = (FIXTURES / "keras_alstmfcn_gunpoint.weights.h5").read_bytes()
    return {
        "payload.pth": buf.getvalue(),
        "payload.pkl.pth": pickle.dumps(_Payload(marker), protocol=2),
        "payload.h5": pickle.dumps(_Payload(marker), protocol=4),
        "module.pth": whole.getvalue(),
        "truncated.h5": keras[: len(keras) // 3],
        "truncated.keras": (FIXTURES / "keras_malstmfcn_basicmotions.keras").read_bytes()[:5000],
        "empty.pth": b"",
        "noise.safetensors": b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all}",
    }


def test_hostile_files_are_refused_and_nothing_in_them_runs(tmp_path, capsys):
    for file_name, data in _hostile_files(tmp_path).items():
        path = tmp_path / file_name
        path.write_bytes(data)
        framework = "keras" if file_name.endswith((".h5", ".keras")) else "tsai"
        status = main(
            ["import", framework, str(path), "--dataset", "GunPoint", "--out", str(tmp_path / "o.safetensors")]
        )
        err = capsys.readouterr().err
        assert status == 2, file_name
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (file_name, err)
    assert not (tmp_path / "payload-ran").exists()  # the payload never ran
    assert not (tmp_path / "o.safetensors").exists()


def test_a_pickled_learner_gets_how_to_save_a_state_dict(tmp_path):
    whole = tmp_path / "learner.pth"
    torch.save(torch.nn.Linear(2, 2), whole)
    with pytest.raises(CheckpointError, match=r"never unpickled.*state_dict"):
        import_model("tsai", whole, dataset("GunPoint", "none"))


def test_hdf5_links_outside_the_file_are_never_followed(tmp_path):
    h5py = pytest.importorskip("h5py")
    outside = tmp_path / "outside.h5"
    with h5py.File(outside, "w") as f:
        f["data"] = np.zeros((8, 1, 4), np.float32)
    linked = tmp_path / "linked.weights.h5"
    with h5py.File(linked, "w") as f:
        f["layers/conv1d/vars/0"] = h5py.ExternalLink(str(outside), "/data")
    with pytest.raises(CheckpointError, match="never followed"):
        import_model("keras", linked, dataset("GunPoint", "none"))


def test_stated_preprocessing_and_class_order_go_into_the_checkpoint():
    spec = next(s for s in SPECS if s["name"] == "sktime_lstmfcn_basicmotions")
    ds = dataset("BasicMotions", "none")
    mean, std = [0.5] * 6, [2.0] * 6
    _, meta = import_model("sktime", FIXTURES / spec["file"], ds, mean=mean, std=std, classes=spec["classes"][::-1])
    assert meta["preprocessing"]["normalize"] == "per_dataset" and meta["preprocessing"]["mean"] == mean
    assert meta["classes"] == spec["classes"][::-1]
    with pytest.raises(MismatchError, match="4 outputs but --classes names 2"):
        import_model("sktime", FIXTURES / spec["file"], ds, classes=["a", "b"])


def test_the_framework_is_detected_from_the_file():
    for spec in SPECS:
        data = (FIXTURES / spec["file"]).read_bytes()
        assert detect_framework(data, spec["file"]) == spec["framework"], spec["name"]


@pytest.mark.slow
def test_the_report_of_an_imported_model_says_where_it_came_from(tmp_path):
    spec = next(s for s in SPECS if s["name"] == "keras_mlstmfcn_basicmotions")
    ckpt, html = tmp_path / "m.safetensors", tmp_path / "m.html"
    args = ["--dataset", spec["dataset"], "--normalize", spec["normalize"], "--out", str(ckpt)]
    assert main(["import", "keras", str(FIXTURES / spec["file"]), *args]) == 0
    assert main(["report", "--checkpoint", str(ckpt), "--dataset", spec["dataset"], "--out", str(html)]) == 0
    text = html.read_text()
    assert "imported from keras 3.15.1: keras_mlstmfcn_basicmotions.h5 (sha256" in text
    assert "assumed (library defaults)" in text


@pytest.mark.slow
def test_the_readme_examples_run_as_written(tmp_path, monkeypatch):
    """Every ``lstmfcn import`` and the ``lstmfcn explain`` of README's "Explain a model trained elsewhere"."""
    import shlex

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Explain a model trained elsewhere", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in section.split("```bash")[1:]:
        lines = block.split("```", 1)[0].replace("\\\n", " ").splitlines()
        commands += [shlex.split(line) for line in lines if line.startswith("lstmfcn ") and "FRAMEWORK" not in line]
    assert [c[1] for c in commands] == ["import", "explain", "import", "import", "report"]
    root = Path(__file__).parents[2]
    monkeypatch.chdir(tmp_path)
    for command in commands:
        argv = [str(root / a) if a.startswith("tests/fixtures") else a for a in command[1:]]
        assert main(argv) == 0, command
    from lstmfcn import import_model as exported

    assert exported is import_model


@pytest.mark.parametrize(
    "change,words",
    [
        (
            lambda layers: next(x for x in layers if x["class_name"] == "LSTM")["config"].update(activation="relu"),
            "relu activation",
        ),
        (
            lambda layers: next(x for x in layers if x["class_name"] == "LSTM")["config"].update(
                recurrent_activation="softsign"
            ),
            "softsign gates",
        ),
        (
            lambda layers: layers.append({"class_name": "Lambda", "config": {"name": "scale", "function": "x * 2"}}),
            "Lambda layer",
        ),
        (
            lambda layers: next(x for x in layers if x["class_name"] == "Conv1D")["config"].update(padding="causal"),
            "padding 'causal'",
        ),
    ],
)
def test_what_a_keras_configuration_says_cannot_be_mapped_is_refused(tmp_path, change, words):
    """A whole-model .h5 states its layers' options: those the family does not have are refused, and
    a Lambda's code (here a string; in real files marshalled bytecode) is never run."""
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "model.h5"
    path.write_bytes((FIXTURES / "keras_mlstmfcn_basicmotions.h5").read_bytes())
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        change(config["config"]["layers"])
        f.attrs["model_config"] = json.dumps(config)
    with pytest.raises(CheckpointError, match=words):
        import_model("keras", path, dataset("BasicMotions", "per_sample"))


def test_hard_sigmoid_gates_of_keras_2_are_read_or_stated():
    """Keras 2.0-2.2 made LSTMs with hard-sigmoid gates (the authors' published weights): a whole
    model says so, a weights-only file needs --lstm-gates, and without it the logits are off."""
    by_name = {s["name"]: s for s in SPECS}
    whole = imported(by_name["keras2_hard_lstmfcn_gunpoint_whole"])[0]
    assert whole.config.lstm_gates == "hard_sigmoid_keras2"
    keras3 = imported(by_name["keras3_hard_malstmfcn_basicmotions"])[0]  # a Keras 3 file: its slope is 1/6
    assert keras3.config.lstm_gates == "hard_sigmoid_keras3"
    spec = by_name["keras2_hard_lstmfcn_gunpoint"]
    ds = dataset(spec["dataset"], spec["normalize"])
    model, meta = import_model("keras", FIXTURES / spec["file"], ds)  # the user did not say
    assert model.config.lstm_gates == "sigmoid" and any(
        "--lstm-gates hard_sigmoid" in a for a in meta["imported"]["assumed"]
    )
    split = model_input(model, ds, "test")
    assert not parity(predict_logits(model, split.X, split.lengths), np.load(FIXTURES / spec["logits"]))["within"]
    with pytest.raises(CheckpointError, match="not sigmoid as --lstm-gates says"):
        import_model(
            "keras", FIXTURES / by_name["keras2_hard_lstmfcn_gunpoint_whole"]["file"], ds, lstm_gates="sigmoid"
        )


def test_the_class_order_is_the_librarys():
    """tsai and sktime number the classes by sorting the labels as text ("10" before "2"); the
    authors' Keras loader, as numbers. The import says which it assumed."""
    labels = [str(k) for k in range(1, 12)]
    assert library_class_order("sktime", labels)[:3] == ["1", "10", "11"]
    assert library_class_order("tsai", labels) == library_class_order("sktime", labels)
    assert library_class_order("keras", ["-1", "1", "10", "2"]) == ["-1", "1", "2", "10"]
    _, meta, _ = imported(SPECS[0])
    assert any("Categorize" in a for a in meta["imported"]["assumed"])


def test_archives_and_arrays_that_would_inflate_are_refused(tmp_path, monkeypatch):
    """A compressed torch.save zip or HDF5 array claiming more than the bounds is refused before it
    is read (the bounds lowered here, so that the test inflates nothing big)."""
    import io
    import zipfile

    import lstmfcn.importers._files as files
    import lstmfcn.importers.keras_file as keras_file

    h5py = pytest.importorskip("h5py")
    monkeypatch.setattr(files, "MAX_UNPACKED", 1000)
    monkeypatch.setattr(keras_file, "MAX_ELEMENTS", 1000)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"\0" * 5000)  # deflates to a few bytes
    bomb = tmp_path / "bomb.pth"
    bomb.write_bytes(buf.getvalue())
    with pytest.raises(CheckpointError, match="unpacks to more than"):
        import_model("tsai", bomb, dataset("GunPoint", "none"))
    big = tmp_path / "big.weights.h5"
    with h5py.File(big, "w") as f:
        f.create_dataset("layers/conv1d/vars/0", shape=(64, 64), dtype="f4", compression="gzip")
    with pytest.raises(CheckpointError, match="not an array of numbers this program reads"):
        import_model("keras", big, dataset("GunPoint", "none"))
