"""Uploads are checked before they are used, in the dashboard: a shipped model's own training file
is warned about wherever its test numbers show, a TRAIN/TEST pair keeps its split, and an npz
stored ``(N, T, V)`` is offered transposed, with a preview."""

from __future__ import annotations

import json

from lstmfcn import load_dataset
from lstmfcn.data.catalog import dataset_files, find_entry
from tests.helpers.archive_files import npz_of
from tests.helpers.shipped import LSTMFCN_MODEL, require_shipped, zoo_dir

NOT_A_TEST = "its test numbers here are not a test"


def upload(at, *files: tuple[str, bytes]):
    chosen = [(name, data, "application/octet-stream") for name, data in files]
    return at.file_uploader(key="_upload_dataset").set_value(chosen).run()


def shipped_files(name: str) -> list[tuple[str, bytes]]:
    return [(path.name, path.read_bytes()) for path in dataset_files(find_entry(name))]


def texts(items) -> list[str]:
    return [item.value for item in items]


def test_a_shipped_models_own_training_file_is_warned_about(app):
    require_shipped(zoo_dir(), "BasicMotions__mlstmfcn")
    at = upload(app(), shipped_files("BasicMotions")[0])  # BasicMotions_TRAIN.ts, as aeon ships it
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dataset"].startswith("upload:")
    assert at.session_state["model"].startswith("BasicMotions__")  # chosen for it, and said so:
    chosen = [w for w in texts(at.warning) if "was chosen for this dataset" in w]
    assert chosen and "(28 of 28 train series, 12 of 12 test series)" in chosen[0], texts(at.warning)
    on_page = [w for w in texts(at.warning) if w.startswith("12 of 12 series of this test split")]
    assert on_page and NOT_A_TEST in on_page[0]
    assert at.metric[0].label == "Test accuracy"  # the number is still shown, under the warning
    assert (
        "One file without a train/test split: split 70/30 by us, stratified by class, seed 0: 28 train, 12 test."
        in (texts(at.sidebar.caption))
    )
    at.switch_page("pages/cam.py").run()  # every page that scores the split says it
    assert any(w.startswith("12 of 12 series of this test split") for w in texts(at.warning))
    subtitles = {json.loads(c.proto.spec)["layout"]["title"]["subtitle"]["text"] for c in at.get("plotly_chart")}
    assert subtitles and all(t.startswith("uploaded: BasicMotions_TRAIN.ts · MLSTM-FCN") for t in subtitles), subtitles


def test_compare_warns_for_each_model_trained_on_the_test_split(app):
    require_shipped(zoo_dir(), "BasicMotions__malstmfcn")
    at = upload(app(), shipped_files("BasicMotions")[0])
    at.switch_page("pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    said = [w for w in texts(at.warning) if w.startswith("12 of 12 series of this test split")]
    assert len(said) == 2 and all(NOT_A_TEST in w for w in said)  # A's and B's
    assert {at.session_state["model"], at.session_state["compare"]} == {
        "BasicMotions__mlstmfcn",
        "BasicMotions__malstmfcn",
    }
    assert any("MALSTM-FCN" in w for w in said) and any("“MLSTM-FCN" in w for w in said)


def test_a_train_test_pair_keeps_its_split_and_is_a_real_test(app):
    at = upload(app(), *shipped_files("GunPoint"))
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dataset"].startswith("upload:")
    assert at.session_state["model"] == LSTMFCN_MODEL
    assert "Train and test as in your files: 50 train, 150 test (GunPoint_TRAIN.ts + GunPoint_TEST.ts)." in texts(
        at.sidebar.caption
    )
    assert not [w for w in texts(at.warning) if NOT_A_TEST in w]
    labels = at.sidebar.selectbox(key="_w_sidebar_dataset")
    assert labels.format_func(labels.value) == "uploaded: GunPoint_TRAIN.ts + GunPoint_TEST.ts"


def test_an_npz_stored_n_t_v_is_offered_transposed(app):
    raw = load_dataset("GunPoint").raw("test")  # 150 series the shipped model never saw
    data = npz_of(X=raw.X.transpose(0, 2, 1), y=raw.labels)  # tslearn's layout: (N, T, V)
    at = upload(app(), ("Trace.npz", data))
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dataset"] == "GunPoint"  # refused: the previous dataset stays
    refused = texts(at.sidebar.error)
    assert refused and refused[0].startswith("Trace.npz[X]: read as (N, V, T) = (150, 150, 1)"), refused
    assert "150 series of length 150 with 1 variable" in refused[0]
    readings = at.sidebar.table[0].value
    assert readings.loc["variables"].tolist() == [150, 1] and readings.loc["length"].tolist() == [1, 150]
    button = at.sidebar.button(key="_read_transposed")
    assert button.label == "Read it as 150 series of length 150 with 1 variable"
    at = button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["dataset"].startswith("upload:")
    assert at.session_state["model"] == LSTMFCN_MODEL  # one variable of length 150: GunPoint's model fits
    assert "Read as 150 series of length 150 with 1 variable." in texts(at.info)
    assert "split 70/30 by us, stratified by class, seed 0: 105 train, 45 test." in " ".join(texts(at.sidebar.caption))
    assert not texts(at.sidebar.error)  # the offer is gone once taken


def test_the_files_just_sent_make_the_dataset():
    """The uploader keeps earlier files; only the new ones count, and a new half joins its pair."""
    from lstmfcn.dashboard.sources import files_to_read

    sent = [("a", "my_gun.csv")]
    assert files_to_read(sent, frozenset()) == ["a"]
    sent.append(("b", "Coffee_TRAIN.tsv"))
    assert files_to_read(sent, {"a"}) == ["b"]  # not read with my_gun.csv
    sent.append(("c", "Coffee_TEST.tsv"))
    assert files_to_read(sent, {"a", "b"}) == ["b", "c"]  # the TEST file completes the TRAIN one
    assert files_to_read(sent, {"a", "b", "c"}) == []  # nothing new: a file was removed, say
    assert files_to_read([("d", "X_TRAIN.ts"), ("e", "X_TEST.ts")], frozenset()) == ["d", "e"]
    assert files_to_read([("b", "Coffee_TRAIN.tsv"), ("f", "Coffee_TEST.ts")], {"b"}) == ["f"]  # other formats
