"""The shareable HTML report (``lstmfcn.report``, ``lstmfcn report``, Home's download): one page that
opens offline, with plotly.js once, and the library's own numbers and sentences in it."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from lstmfcn.checkpoint import load_model
from lstmfcn.cli import main
from lstmfcn.dashboard.analysis import guided_examples
from lstmfcn.data.names import display_class, names_from_metadata
from lstmfcn.evaluation import evaluate
from lstmfcn.inputs import model_input
from lstmfcn.report import build_report
from lstmfcn.report_html import package_version
from tests.helpers.shipped import ALSTMFCN_MODEL, LSTMFCN_MODEL, require_shipped

SAMPLES = 12  # class averages and checks on 12 samples: a few seconds per report on one thread
CHECKS_USED = f"{SAMPLES} of the 150 samples, class-balanced."


def _model(folder, name):
    require_shipped(folder, name)
    return load_model(folder / f"{name}.safetensors")


@pytest.fixture(scope="module")
def lstmfcn_report(shipped_models, gunpoint):
    model = _model(shipped_models, LSTMFCN_MODEL)
    return model, build_report(model, gunpoint, samples=SAMPLES)


def _bundle(page: str) -> str:
    """The embedded plotly.js: the longest inline script (none is loaded from elsewhere)."""
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all("src" not in attrs for attrs, _ in scripts)
    return max((body for _, body in scripts), key=len)


@pytest.mark.slow
def test_the_report_is_one_page_that_opens_offline(lstmfcn_report):
    model, page = lstmfcn_report
    assert isinstance(page, str) and page.startswith("<!DOCTYPE html>")
    bundle = _bundle(page)
    assert "plotly.js v" in bundle[:200] and len(bundle) > 1_000_000  # the library itself, embedded whole
    assert page.count("plotly.js v") == 1 and page.count(bundle[:300]) == 1  # once, however many charts
    assert page.count("Plotly.newPlot(") >= 6  # accuracy, confusion, guided examples, average CAM, curves
    # Outside the library (whose code names addresses it never fetches for these charts) nothing
    # is linked: no script, stylesheet, web font or image from the network.
    markup = page.replace(bundle, "")
    assert re.search(r"https?:|//cdn|<link\b|@import|@font-face|url\(", markup, flags=re.I) is None


def test_the_report_names_what_it_shows_and_the_model_s_training(lstmfcn_report):
    model, page = lstmfcn_report
    assert "<title>GunPoint · LSTM-FCN</title>" in page and "<h1>GunPoint · LSTM-FCN</h1>" in page
    assert datetime.now().astimezone().strftime("%Y-%m-%d") in page
    assert f"LSTM-FCN Explorer {html.escape(package_version())}" in page and package_version() != "unknown"
    training = model.metadata["training"]
    assert f"<td>{training['epochs_run']}</td>" in page
    assert f"<td>{training['test_accuracy']:.4f}</td>" in page
    assert f"<td>{html.escape(training['device'])}</td>" in page
    assert 'class="warning"' not in page  # the model's own dataset: nothing bent to fit


def test_the_report_s_accuracy_and_guided_examples_are_the_library_s(lstmfcn_report, gunpoint):
    model, page = lstmfcn_report
    inputs = model_input(model, gunpoint, "test")
    ev = evaluate(model, inputs.X, inputs.y, inputs.lengths)
    n_correct = int((ev.predictions == inputs.y).sum())
    assert f'<p class="big">{ev.accuracy:.1%}</p>' in page
    assert f"{n_correct} of {len(inputs.y)} correct (accuracy {ev.accuracy:.4f})" in page
    names, _ = names_from_metadata(model.metadata)
    classes = [display_class(label, name) for label, name in zip(model.metadata["classes"], names, strict=True)]
    examples = guided_examples(inputs.y, ev.logits, classes)
    assert examples
    for ex in examples:
        assert f"<p>{html.escape(ex.sentence)}</p>" in page


def test_the_report_ends_in_the_faithfulness_and_sanity_verdicts(lstmfcn_report):
    _, page = lstmfcn_report
    faithful = r"Integrated Gradients explains this model better than random order: (yes|no, not shown on these samples) \(AOPC "
    assert re.search(faithful, page)
    assert re.search(r"Integrated Gradients (passes|fails) the sanity check: ", page)
    assert (
        page.count(CHECKS_USED) == 4
    )  # the average CAM, what matters, faithfulness, sanity: how many samples each used
    assert "Attention over" not in page  # an LSTM-FCN has no attention


def test_the_report_says_what_matters_as_the_library_does(lstmfcn_report, gunpoint):
    from lstmfcn.dashboard.explanations import subset_indices
    from lstmfcn.importance import permutation_importance
    from lstmfcn.importance.sentences import importance_sentence

    model, page = lstmfcn_report
    inputs = model_input(model, gunpoint, "test")
    rows = subset_indices(inputs.y, SAMPLES)
    names, variables = names_from_metadata(model.metadata)
    classes = [display_class(label, name) for label, name in zip(model.metadata["classes"], names, strict=True)]
    result = permutation_importance(
        model, inputs.X[rows], inputs.y[rows], inputs.lengths[rows], variables=variables, classes=classes
    )
    assert "<h2>What matters across the split</h2>" in page
    for group in [None, *classes]:
        assert f"<p>{html.escape(importance_sentence(result, group))}</p>" in page
    assert "with the model&#x27;s own behaviour (ρ = " in page or "cannot be compared" in page
    assert "Accuracy lost when one window is shuffled" in page  # the chart (its JSON escapes the ·)


@pytest.mark.slow
def test_an_attention_model_s_report_shows_how_far_its_attention_is_from_uniform(shipped_models, gunpoint):
    page = build_report(_model(shipped_models, ALSTMFCN_MODEL), gunpoint, samples=SAMPLES)
    assert "<h2>Attention over the time steps</h2>" in page
    assert re.search(r"<p>(Close to uniform|Uneven|Concentrated): averaged over 12 samples, the peak is ", page)


def test_class_names_are_escaped(shipped_models, gunpoint, monkeypatch):
    model = _model(shipped_models, LSTMFCN_MODEL)
    monkeypatch.setitem(model.metadata, "class_names", ["<script>alert(1)</script>", "Point"])
    page = build_report(model, gunpoint, samples=4)
    assert "<script>alert" not in page  # neither in the text nor in a chart's data
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (1)" in page  # the guided examples name the class


def test_the_command_writes_the_report(shipped_models, tmp_path, capsys):
    require_shipped(shipped_models, LSTMFCN_MODEL)
    out = tmp_path / "gp.html"
    argv = ["report", "--checkpoint", str(shipped_models / f"{LSTMFCN_MODEL}.safetensors"), "--dataset", "GunPoint"]
    assert main([*argv, "--samples", "4", "--methods", "ig,saliency", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert f"<title>GunPoint · {LSTMFCN_MODEL}</title>" in page
    assert "Saliency (|gradient|) explains this model better than random order" in page
    captured = capsys.readouterr()
    assert captured.out.startswith(f"saved {out}")
    assert "report: 100% done" in captured.err.splitlines()  # progress on stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--checkpoint", "missing.safetensors"], "no such checkpoint file"),
        (["--out", "report.pdf"], "--out must end in .html"),
        (["--methods", "magic"], "magic"),
    ],
    ids=["missing checkpoint", "not html", "unknown method"],
)
def test_the_command_refuses_bad_input_in_one_line(shipped_models, tmp_path, capsys, args, message):
    argv = ["report", "--checkpoint", str(shipped_models / f"{LSTMFCN_MODEL}.safetensors"), "--dataset", "GunPoint"]
    assert main([*argv, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_home_offers_the_report_and_builds_it_only_when_asked(app, monkeypatch):
    import lstmfcn.report
    from pages import _cached_report as cached_report
    from tests.helpers.report_build import built_report, forget_report

    calls = []
    monkeypatch.setattr(lstmfcn.report, "build_report", lambda *a, **kw: calls.append((a, kw)) or "<html></html>")
    forget_report(LSTMFCN_MODEL, "GunPoint", "test")  # none built by an earlier test
    at = app()
    assert not at.exception
    assert "Build the report (HTML)" in [b.label for b in at.button]
    assert not calls  # a page run does not build it: the button starts it
    try:
        at = built_report(at, LSTMFCN_MODEL, "GunPoint", "test")
        assert "Report (HTML)" in [d.label for d in at.download_button]
        assert (
            cached_report.report_html(LSTMFCN_MODEL, "GunPoint", "test", "") == "<html></html>"
        )  # what the download reads
        assert len(calls) == 1  # the page the build kept, not a second build
    finally:
        forget_report(LSTMFCN_MODEL, "GunPoint", "test")
    (model, ds, split), options = calls[0]
    assert ds.name == "GunPoint" and split == "test" and model.metadata["classes"] == ["1", "2"]
    assert options["resample"] and options["class_subset"]  # as every page's input; the report lists the warnings
    assert options["memo"]["evaluation"].accuracy == 1.0  # Home's evaluation, reused


def test_a_report_on_the_models_own_training_file_says_its_test_is_not_a_test():
    """Issue #26: the report of Home's view of an uploaded BasicMotions_TRAIN file called it a test."""
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset_from_bytes
    from lstmfcn.data.catalog import dataset_files, find_entry
    from lstmfcn.data.overlap import split_warning
    from lstmfcn.zoo import pretrained_path

    train_file, test_file = dataset_files(find_entry("BasicMotions"))
    meta = load_model(pretrained_path("BasicMotions__mlstmfcn")).metadata
    own = load_dataset_from_bytes(train_file.name, train_file.read_bytes())  # split 70/30 by us
    said = split_warning(meta, own, "test", "MLSTM-FCN")
    assert (
        said
        == "12 of 12 series of this test split are in the data the model MLSTM-FCN was trained on: its test numbers here are not a test."
    )
    assert split_warning(meta, own, "train", "MLSTM-FCN") is None
    assert split_warning(meta, load_dataset_from_bytes(test_file.name, test_file.read_bytes()), "test", "x") is None
    page = build_report(load_model(pretrained_path("BasicMotions__mlstmfcn")), own, samples=4, methods="saliency")
    assert f'<p class="warning">Warning: {said}</p>' in page
