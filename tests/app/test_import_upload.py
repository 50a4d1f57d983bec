"""The sidebar's model upload imports weights trained with tsai, sktime or Keras (issue #28).

The converted checkpoint is stored like any upload; the model's caption names its origin, and the
CAM page explains it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lstmfcn.dashboard import sources
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.errors import CheckpointError
from tests.app.test_pages import PAGES, no_exception, titles

FIXTURES = Path(__file__).parents[1] / "fixtures" / "foreign"
SPECS = {s["name"]: s for s in json.loads((FIXTURES / "fixtures.json").read_text())["fixtures"]}


def test_foreign_weights_are_imported_for_the_selected_dataset(gunpoint):
    spec = SPECS["tsai_lstmfcn_gunpoint"]
    store = BlobStore()
    data = (FIXTURES / spec["file"]).read_bytes()
    foreign = sources.ForeignUpload(gunpoint, "auto", "none")
    model_id, model = sources.model_from_upload(spec["file"], data, store, foreign=foreign)
    assert model_id in store and model.metadata["imported"]["framework"] == "tsai"
    assert model.metadata["preprocessing"]["normalize"] == "none"  # the dashboard's dataset is per_sample
    label = sources.model_label(model_id, model.metadata, store, long=True)
    assert "LSTM-FCN with dimension shuffle on, 32 LSTM cells" in label
    assert "imported from tsai: tsai_lstmfcn_gunpoint.pth (sha256" in label  # a .pth does not record the version
    assert "imported from tsai" in sources.model_label(model_id, model.metadata, store)
    reloaded = sources.load_model_by_id(model_id, store)  # the stored checkpoint, as every page loads it
    assert reloaded.metadata["imported"]["sha256"] == model.metadata["imported"]["sha256"]
    with pytest.raises(CheckpointError, match="expected a .safetensors checkpoint"):
        sources.model_from_upload(spec["file"], data, store)  # without the options: as before


def test_sidebar_upload_of_keras_weights_draws_their_cam(app):
    spec = SPECS["keras_alstmfcn_gunpoint"]
    at = app()
    at.sidebar.selectbox(key="_w_sidebar_foreign_framework").set_value("keras")
    at.sidebar.selectbox(key="_w_sidebar_foreign_normalize").set_value("none").run()
    data = (FIXTURES / spec["file"]).read_bytes()
    at.file_uploader(key="_upload_model").set_value((spec["file"], data, "application/octet-stream")).run()
    no_exception(at)
    assert at.session_state["model"].startswith("upload:")
    assert any("AttentionLSTM" in i.value for i in at.info)
    assert any("imported from keras" in c.value for c in at.sidebar.caption), [c.value for c in at.sidebar.caption]
    at.switch_page("pages/cam.py").run()
    no_exception(at)
    assert titles(at)  # the CAM page draws the imported model's maps


@pytest.mark.parametrize("name", ["tsai_mlstmfcn_basicmotions", "sktime_lstmfcn_basicmotions"])
def test_every_page_works_on_an_imported_model(app, name):
    """A bidirectional two-layer tsai MLSTM-FCN (the head reads 2 × 16 LSTM features) and sktime's
    network (its LSTM reads time steps), uploaded through the sidebar: every page renders."""
    spec = SPECS[name]
    at = app(dataset=spec["dataset"])
    at.sidebar.selectbox(key="_w_sidebar_foreign_normalize").set_value(spec["normalize"]).run()
    data = (FIXTURES / spec["file"]).read_bytes()
    at.file_uploader(key="_upload_model").set_value((spec["file"], data, "application/octet-stream")).run()
    no_exception(at)
    assert at.session_state["model"].startswith("upload:"), [e.value for e in at.error]
    for page in PAGES:
        at.switch_page(page).run()
        no_exception(at)
        assert not at.error, (page, [e.value for e in at.error])
        assert at.session_state["model"].startswith("upload:")


def test_the_authors_keras_2_weights_take_their_gates_from_the_sidebar(app):
    spec = SPECS["keras2_hard_lstmfcn_gunpoint"]  # weights only: the file cannot say its gates are hard sigmoids
    at = app()
    at.sidebar.selectbox(key="_w_sidebar_foreign_gates").set_value("hard_sigmoid").run()
    data = (FIXTURES / spec["file"]).read_bytes()
    at.file_uploader(key="_upload_model").set_value((spec["file"], data, "application/octet-stream")).run()
    no_exception(at)
    assert at.session_state["model"].startswith("upload:")
    assert any("LSTM gates: hard_sigmoid_keras2" in i.value for i in at.info), [i.value[-700:] for i in at.info]
