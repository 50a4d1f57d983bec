"""The dashboard's Streamlit-free parts: URL state, the blob store, sources by id, uploads,
background training, array summaries, filter activations and the figure builders."""

from __future__ import annotations

import re
import time

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from lstmfcn import figures as F
from lstmfcn.checkpoint import checkpoint_bytes
from lstmfcn.dashboard import analysis, explanations, selection, sources
from lstmfcn.dashboard import state as vs
from lstmfcn.dashboard.blobs import BlobStore
from lstmfcn.dashboard.jobs import JobRegistry, TrainRequest
from lstmfcn.errors import CheckpointError, DataError
from lstmfcn.models import ModelConfig, build_model

# ------------------------------------------------------------------------------------------- URL


def test_view_round_trips_through_query_params():
    view = vs.View(dataset="GunPoint", model="GunPoint__lstmfcn", split="train", sample=12, cls="2", method="saliency")
    query = vs.view_to_query(view)
    assert query == {
        "dataset": "GunPoint",
        "model": "GunPoint__lstmfcn",
        "split": "train",
        "sample": "12",
        "class": "2",
        "method": "saliency",
    }
    assert vs.view_from_query(query) == view


def test_malformed_query_params_are_ignored_not_fatal():
    view = vs.view_from_query(
        {"sample": "-3", "split": "validation", "class": ["1", "predicted"], "dataset": "x" * 500}
    )
    assert view == vs.View()  # every value rejected: defaults kept ("predicted" means the default class)
    assert vs.view_from_query({"sample": ["4", "7"]}).sample == 7  # the last value wins, like st.query_params


def test_predicted_class_is_left_out_of_the_url():
    assert "class" not in vs.view_to_query(vs.View(model="m"))


@pytest.mark.parametrize(("sample", "n", "expected"), [(5, 10, 5), (12, 10, 9), (-1, 10, 0), (3, 0, 0)])
def test_clamp_sample(sample, n, expected):
    assert vs.clamp_sample(sample, n) == expected


def test_class_index_falls_back_to_the_prediction():
    assert vs.class_index("2", ["1", "2"], predicted=0) == 1
    assert vs.class_index("", ["1", "2"], predicted=1) == 1
    assert vs.class_index("gone", ["1", "2"], predicted=0) == 0


# ----------------------------------------------------------------------------------- blob store


def test_blob_store_is_content_addressed_and_bounded():
    store = BlobStore(max_bytes=10)
    a = store.put(b"123456", "a.csv")
    assert store.put(b"123456", "a.csv").id == a.id  # the same file, the same id
    assert a.id.startswith("upload:") and len(a.id) == len("upload:") + 16
    b = store.put(b"abcdef", "b.csv", kind="trained")
    assert b.id.startswith("trained:")
    assert store.get(a.id) is None and store.get(b.id).data == b"abcdef"  # over budget: oldest evicted


# -------------------------------------------------------------------------------------- sources


def test_unknown_ids_raise_user_sentences():
    store = BlobStore()
    with pytest.raises(DataError, match="not an embedded dataset"):
        sources.load_dataset_by_id("NoSuchData", store)
    with pytest.raises(DataError, match="upload the file again"):
        sources.load_dataset_by_id("upload:0123456789abcdef", store)
    with pytest.raises(CheckpointError, match="no shipped model"):
        sources.load_model_by_id("Nope__lstmfcn", store)


def test_dataset_upload_is_stored_and_bad_upload_is_refused(gunpoint):
    store = BlobStore()
    rows = [
        ",".join([gunpoint.classes[y]] + [f"{v:.5f}" for v in x[0]])
        for x, y in zip(gunpoint.X_test, gunpoint.y_test, strict=True)
    ]
    ds_id, ds = sources.dataset_from_upload("gun.csv", "\n".join(rows).encode(), store)
    assert ds_id in store and ds.length == 150 and ds.n_classes == 2
    with pytest.raises(DataError):
        sources.dataset_from_upload("broken.csv", b"label,1,2\nA,x,y\n", store)
    with pytest.raises(DataError):
        sources.dataset_from_upload("empty.csv", b"", store)


def test_model_upload_and_mismatch_sentence(gunpoint):
    store = BlobStore()
    model = build_model(ModelConfig("lstmfcn", 1, 300, 2)).eval()  # built for 300 steps
    data = checkpoint_bytes(model, {"classes": ["1", "2"]})
    model_id, loaded = sources.model_from_upload("long.safetensors", data, store)
    assert model_id in store
    problem = selection.refusal(loaded, gunpoint)
    assert problem is not None and "300" in problem and "150" in problem
    with pytest.raises(CheckpointError):
        sources.model_from_upload("model.pt", b"\x80\x04pickle", store)
    with pytest.raises(CheckpointError):
        sources.model_from_upload("junk.safetensors", b"not a checkpoint at all", store)


def test_zoo_listing_skips_unreadable_files(tmp_path, monkeypatch, gunpoint):
    import lstmfcn.zoo as zoo

    model = build_model(ModelConfig("lstmfcn", 1, 150, 2)).eval()
    meta = {"classes": ["1", "2"], "dataset": {"name": "GunPoint"}}
    (tmp_path / "GunPoint__alstmfcn__noshuffle.safetensors").write_bytes(
        checkpoint_bytes(build_model(ModelConfig("alstmfcn", 1, 150, 2, shuffle=False)), meta)
    )
    (tmp_path / "GunPoint__lstmfcn.safetensors").write_bytes(checkpoint_bytes(model, meta))
    (tmp_path / "GunPoint__lstmfcn.resume.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    monkeypatch.setattr(zoo, "PRETRAINED_DIR", tmp_path)
    assert sources.zoo_model_ids("GunPoint") == ["GunPoint__lstmfcn", "GunPoint__alstmfcn__noshuffle"]


# ------------------------------------------------------------------------------------- training


@pytest.mark.slow
def test_background_training_reports_progress_stops_and_yields_a_checkpoint(gunpoint):
    registry = JobRegistry()
    job = registry.train(TrainRequest("GunPoint", "GunPoint", epochs=500, device="cpu"), gunpoint)
    deadline = time.time() + 60
    while job.snapshot().payload.get("epoch", 0) < 2 and time.time() < deadline:
        time.sleep(0.05)
    job.cancel()
    job.wait(60)
    snap = job.snapshot()
    epoch = snap.payload["epoch"]
    assert snap.state == "stopped" and 2 <= epoch < 500
    # a stopped training's bar shows how far it got, not a full bar
    assert len(snap.payload["history"]["loss"]) == epoch and snap.fraction == epoch / 500
    assert registry.get(job.key) is job
    from lstmfcn.checkpoint import load_checkpoint_bytes

    model, meta = load_checkpoint_bytes(job.result, job.about.file_name())
    assert meta["training"]["stopped"] is True and model.config.length == 150
    assert job.about.file_name() == "GunPoint__lstmfcn.safetensors"


def test_training_failure_is_a_sentence(gunpoint):
    import dataclasses

    one_class = dataclasses.replace(gunpoint, y_train=np.zeros_like(gunpoint.y_train))
    job = JobRegistry().train(TrainRequest("x", "x", epochs=2, device="cpu"), one_class)
    job.wait(30)
    snap = job.snapshot()
    assert snap.state == "failed" and "single class" in snap.error


# ------------------------------------------------------------------------------------- analysis


def test_class_mean_spread_ignores_padding():
    X = np.array([[[1.0, 3.0, 0.0]], [[3.0, 5.0, 7.0]], [[10.0, 10.0, 10.0]]], np.float32)  # (3, 1, 3)
    y = np.array([0, 0, 1])
    mean, std, counts = analysis.class_mean_spread(X, y, 3, lengths=np.array([2, 3, 3]))
    np.testing.assert_allclose(mean[0, 0], [2.0, 4.0, 7.0])  # the padded 0 is not averaged in
    np.testing.assert_allclose(std[0, 0], [1.0, 1.0, 0.0])
    assert counts.tolist() == [2, 1, 0] and np.isnan(mean[2]).all()


def test_sample_table_and_misclassified_rows():
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0]])
    table = analysis.sample_table(np.array([0, 0, 1]), logits, ["a", "b"])
    assert table["predicted"].tolist() == ["a", "b", "a"]
    wrong = analysis.misclassified_table(table)
    assert wrong["sample"].tolist() == [2, 1]  # least probability for the truth first
    assert "correct" not in wrong


def test_conv_block_activations_match_a_manual_forward():
    torch.manual_seed(0)
    model = build_model(ModelConfig("mlstmfcn", 2, 40, 3)).eval()
    x = np.random.default_rng(0).normal(size=(4, 2, 40)).astype(np.float32)
    acts = analysis.conv_block_activations(model, x, 2)
    with torch.no_grad():
        h = model.se1(model.block1(torch.as_tensor(x)))
        expected = model.block2(h).numpy()
    np.testing.assert_allclose(acts, expected, atol=1e-5)
    assert acts.shape == (4, 256, 40) and (acts >= 0).all()
    single = analysis.conv_block_activations(model, x[1], 3)
    assert single.shape == (128, 40)
    padded = analysis.conv_block_activations(model, x, 1, lengths=np.array([40, 20, 40, 40]))
    assert (padded[1, :, 20:] == 0).all()
    with pytest.raises(ValueError):
        analysis.conv_block_activations(model, x, 4)


def test_subset_is_stratified_and_stable():
    y = np.array([0] * 90 + [1] * 10)
    idx = explanations.subset_indices(y, 20)
    assert len(idx) == 20 and (np.diff(idx) > 0).all()
    assert (y[idx] == 1).sum() == 10  # round robin: the small class is fully represented
    np.testing.assert_array_equal(idx, explanations.subset_indices(y, 20))
    assert len(explanations.subset_indices(y, 500)) == 100


def test_chunks_cover_the_split():
    parts = explanations.chunks(150)
    assert parts[0][0] == 0 and parts[-1][1] == 150
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:], strict=False))
    assert explanations.chunks(0) == []
    big = explanations.chunks(4500)  # ECG5000's test split: the first chunk (before any bar) stays small
    assert big[-1][1] == 4500 and max(e - s for s, e in big) <= explanations.MAX_CHUNK


def test_a_methods_options_hold_only_what_changes_it():
    from lstmfcn.explain.options import IGOptions, OcclusionOptions, SaliencyOptions

    assert explanations.options_of("saliency", "blur", 64) == SaliencyOptions()  # no baseline, no IG steps
    assert explanations.options_of("ig", "mean", 16) == IGOptions(baseline="mean", n_steps=16)
    assert explanations.options_of("occlusion", "zeros", 16) == OcclusionOptions()
    opts = explanations.perturbation_options(3, 64, window=10, stride=5, n_segments=20, per_variable=False)
    assert opts == {"window": 10, "stride": None, "n_segments": None, "per_variable": False}  # defaults left out
    assert explanations.options_of("occlusion", "zeros", 16, **opts) == OcclusionOptions(window=10, per_variable=False)
    assert explanations.options_of("ig", "zeros", 16, **opts) == IGOptions(n_steps=16)
    # asked for in two ways, one result: one key
    assert (
        explanations.options_of("occlusion", "zeros", 16, **opts).key()
        == OcclusionOptions(per_variable=False, window=10).key()
    )


def test_the_page_can_say_which_maps_have_a_variable_axis_and_what_they_cost():
    from lstmfcn.explain.options import NoOptions

    together = explanations.options_of("occlusion", per_variable=False)
    assert not explanations.has_variable_axis("occlusion", 3, together)
    assert explanations.has_variable_axis("occlusion", 3, explanations.options_of("occlusion"))  # V > 1: per variable
    assert not explanations.has_variable_axis("cam", 3, NoOptions())
    assert explanations.has_variable_axis("ig", 3, explanations.options_of("ig"))
    cost = explanations.perturbation_cost("occlusion", 3, 64, explanations.options_of("occlusion"))
    assert cost == "per variable: 3 variables × 21 windows = 63 forward passes per sample"
    assert explanations.perturbation_cost(
        "ablation", 3, 64, explanations.options_of("ablation", per_variable=False)
    ).startswith("all variables together: 20 segments")
    assert explanations.perturbation_cost("ig", 3, 64, explanations.options_of("ig")) is None


def test_contexts_become_series_that_overlay_the_input():
    over_time = np.zeros((5, 150, 2))  # (N, T, V) with the shuffle off
    assert explanations.contexts_as_series(over_time, "time").shape == (5, 2, 150)
    over_vars = np.zeros((5, 2, 150))  # (N, V, T) with the shuffle on
    assert explanations.contexts_as_series(over_vars, "variables").shape == (5, 2, 150)


# -------------------------------------------------------------------------------------- figures


def test_class_colours_follow_names_not_positions():
    ref = ["a", "b", "c"]
    assert F.colors_for(["c", "a"], ref) == [F.class_colors(3)[2], F.class_colors(3)[0]]
    many = F.class_colors(200)
    assert len(set(many)) == 200  # no two classes share a colour, even past the 32 hand-picked ones
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c, re.I) for c in many)  # hex, as the band shading needs
    assert F.class_colors(37)[:32] == F.class_colors(32)  # adding classes never recolours old ones


def test_map_figure_has_one_row_per_variable_and_a_symmetric_scale():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 50))
    fig = F.map_series_figure(x, rng.normal(size=(3, 50)), length=40)
    markers = [t for t in fig.data if "markers" in t.mode]
    assert len(markers) == 3 and all(len(t.x) == 40 for t in markers)
    assert markers[0].marker.cmin == -markers[0].marker.cmax  # 0 is white, whatever the map's range


def test_a_map_without_a_variable_axis_is_drawn_once_on_a_multivariate_series():
    rng = np.random.default_rng(0)
    x, cam = rng.normal(size=(3, 50)), np.linspace(-2, 5, 50)
    fig = F.map_series_figure(x, cam, length=40)
    (coloured,) = [t for t in fig.data if "markers" in t.mode]  # the CAM once, not on every variable
    np.testing.assert_allclose(coloured.y, cam[:40])
    assert [t.mode for t in fig.data].count("lines") == 3  # the variables, plain
    assert F.ALL_VARIABLES in [a.text for a in fig.layout.annotations][0]

    side = F.maps_side_by_side_figure(x, {"CAM": cam, "IG": rng.normal(size=(3, 50))})
    heads = [a.text for a in side.layout.annotations]
    assert heads == [f"CAM<br>({F.ALL_VARIABLES})", "IG", "variable 1", "variable 2", "variable 3"]
    assert len(side.data) == 1 + 3  # one panel for the CAM spanning the rows, one per variable for IG
    np.testing.assert_allclose(side.data[0].y, cam / np.abs(cam).max())

    one = F.maps_side_by_side_figure(x[:1], {"CAM": cam, "IG": rng.normal(size=(1, 50))})
    assert [a.text for a in one.layout.annotations] == ["CAM", "IG"]  # univariate: unchanged

    every = F.map_small_multiples_figure(x, rng.normal(size=(2, 50)), ["a", "b"], F.class_colors(2))
    assert len(every.data) == 2 and every.layout.title.text.endswith(f"({F.ALL_VARIABLES})")
    mistake = F.true_vs_predicted_figure(x, cam, -cam, "a", "b")
    assert sum("markers" in t.mode for t in mistake.data) == 2 and len(mistake.data) == 2 + 2 * 3


@pytest.mark.slow
def test_every_builder_returns_a_figure():
    rng = np.random.default_rng(0)
    K, V, T, N = 3, 2, 30, 12
    X, y = rng.normal(size=(N, V, T)), np.arange(N) % K
    classes, colors = ["a", "b", "c"], F.class_colors(K)
    figs = [
        F.class_samples_figure(X, y, classes, colors),
        F.class_samples_figure(X[:, :1], y, classes, colors),
        F.class_mean_figure(rng.normal(size=(K, V, T)), np.ones((K, V, T)), classes, colors),
        F.class_balance_figure([1, 2, 3], [3, 2, 1], classes, colors),
        F.confusion_figure(np.eye(K, dtype=int) * 5, classes),
        F.per_class_accuracy_figure([1.0, np.nan, 0.5], classes, colors),
        F.sample_probability_figure(rng.random(N), y, (y + 1) % K, classes, colors, selected=3),
        F.map_small_multiples_figure(
            X[0], rng.normal(size=(K, T)), classes, colors, probs=[0.2, 0.5, 0.3], highlight=1
        ),
        F.class_average_map_figure(rng.normal(size=(K, T)), np.ones((K, T)), classes, colors),
        F.true_vs_predicted_figure(X[0], rng.normal(size=T), rng.normal(size=T), "a", "b", colors=colors[:2]),
        F.maps_side_by_side_figure(X[0], {"m1": rng.normal(size=(V, T)), "m2": rng.normal(size=T)}),
        F.faithfulness_figure(np.linspace(0, 1, 5), {"ig": np.linspace(1, 0, 5)}, random=np.linspace(1, 0.5, 5)),
        F.aopc_figure({"deletion": {"ig": 0.3, "cam": -0.1}, "insertion": {"ig": 0.2, "cam": 0.0}}),
        F.matrix_figure(np.eye(3), ["x", "y", "z"]),
        F.lines_figure(np.arange(3), {"ig": np.array([0.9, 0.5, 0.1])}, x_labels=["head", "lstm", "all"]),
        F.attention_matrix_figure(rng.random((T, T))),
        F.attention_series_figure(X[0], rng.random(T), context=X[1]),
        F.variable_attention_figure(rng.random((V, V))),
        F.class_attention_figure(rng.random((K, T)), np.ones((K, T)), classes, colors, n_positions=T),
        F.class_variable_attention_figure(rng.random((K, V)), classes, ["v1", "v2"]),
        F.class_context_figure(rng.normal(size=(K, V, T)), rng.normal(size=(K, V, T)), classes, colors),
        F.training_curves_figure({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]}),
        F.filter_activation_figure(X[0], rng.random(T)),
        F.activation_heatmap_figure(rng.random((8, T)), highlight=2),
    ]
    assert all(isinstance(f, go.Figure) and len(f.data) > 0 for f in figs)


def _uniform_lines(fig) -> list[float]:
    """The heights of the dotted lines labelled "uniform 1/n" on a figure."""
    labels = [a.text for a in fig.layout.annotations if a.text.startswith("uniform 1/")]
    lines = [s.y0 for s in fig.layout.shapes if s.type == "line" and s.line.dash == "dot"]
    assert len(labels) == len(lines), (labels, lines)
    return lines


def _white_level(heatmap) -> float:
    """The weight a heatmap draws in white (its colour scale's white stop)."""
    [pos] = [p for p, c in heatmap.colorscale if c == "rgb(247,247,247)"]
    return heatmap.zmin + pos * (heatmap.zmax - heatmap.zmin)


def test_attention_figures_draw_the_uniform_level_and_anchor_colours_on_it():
    rng = np.random.default_rng(0)
    near_uniform = rng.uniform(0.005, 0.0095, size=(150, 150))  # GunPoint's ALSTM-FCN: 1/150 = 0.0067
    near_uniform /= near_uniform.sum(1, keepdims=True)

    series = F.attention_series_figure(rng.normal(size=(1, 150)), near_uniform[0], length=120)
    assert _uniform_lines(series) == [pytest.approx(1 / 120)]  # weights over the 120 valid steps
    bars = F.variable_attention_figure(np.full((6, 6), 1 / 6))
    assert _uniform_lines(bars) == [pytest.approx(1 / 6)]
    classes = F.class_attention_figure(
        near_uniform[:2], near_uniform[2:4], ["1", "2"], F.class_colors(2), n_positions=150
    )
    assert _uniform_lines(classes) == [pytest.approx(1 / 150)]

    matrix = F.attention_matrix_figure(near_uniform).data[0]
    # White sits at the uniform weight, and the scale is not stretched over the weights' narrow range.
    assert _white_level(matrix) == pytest.approx(1 / 150) and matrix.zmin == 0 and matrix.zmax == pytest.approx(2 / 150)
    assert "uniform 1/150" in matrix.colorbar.title.text and "× uniform" in matrix.hovertemplate
    peaked = F.attention_matrix_figure(np.eye(6) * 0.9 + 0.1 / 6).data[0]
    assert _white_level(peaked) == pytest.approx(1 / 6) and peaked.zmax == pytest.approx(0.9 + 0.1 / 6)

    many = [str(k) for k in range(F.MAX_LINE_CLASSES + 2)]
    heat = F.class_attention_figure(
        near_uniform[: len(many)], near_uniform[: len(many)], many, F.class_colors(len(many)), n_positions=150
    )
    assert heat.data[0].type == "heatmap" and _white_level(heat.data[0]) == pytest.approx(1 / 150)
    per_var = F.class_variable_attention_figure(np.array([[0.5, 0.1, 0.1, 0.1, 0.1, 0.1]]), ["1"], list("abcdef"))
    assert _white_level(per_var.data[0]) == pytest.approx(1 / 6)


def test_figure_html_is_standalone():
    """A downloaded chart opens offline: plotly.js is inside the page, nothing is fetched, the title is set."""
    page = F.figure_html(F.confusion_figure(np.eye(2, dtype=int), ["a", "b"]), title="cm <GunPoint>")
    assert isinstance(page, str) and page.lstrip().lower().startswith("<!doctype html>")  # text for st.download_button
    head = page[: page.index("</head>")]
    assert head.count("<title>") == 1 and "<title>cm &lt;GunPoint&gt;</title>" in head  # escaped, once
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all("src" not in attrs for attrs, _ in scripts)  # no script loaded from elsewhere
    bundle = max((body for _, body in scripts), key=len)
    assert "plotly.js v" in bundle[:200] and len(bundle) > 1_000_000  # the library itself, embedded whole
    assert "Plotly.newPlot" in page and '"predicted class"' in page  # and the chart drawn with it
    # Outside the library (whose code names map-tile and CDN addresses it never fetches for these
    # charts) the page links nothing: no stylesheet, web font or script from the network.
    markup = page.replace(bundle, "")
    assert re.search(r"https?:|//cdn|<link\b|@import|@font-face|url\(", markup, flags=re.I) is None, markup[:2000]


def test_dashboard_threads_leave_half_the_cores_free():
    from lstmfcn.dashboard.device import dashboard_threads

    assert dashboard_threads(cpu_count=2, env="") == 1
    assert dashboard_threads(cpu_count=16, env="") == 8
    assert dashboard_threads(cpu_count=1, env="") == 1
    assert dashboard_threads(cpu_count=16, env="3") == 3
    assert dashboard_threads(cpu_count=16, env="lots") == 8


def test_many_classes_average_map_is_a_heatmap_with_every_class():
    rng = np.random.default_rng(0)
    K, T = 37, 50  # Adiac's class count
    classes = [str(k + 1) for k in range(K)]
    mean = rng.normal(size=(K, T))
    fig = F.class_average_map_figure(mean, np.ones((K, T)), classes, F.class_colors(K), counts=[3] * K)
    (heat,) = fig.data
    assert heat.type == "heatmap" and list(heat.y) == [f"{c} (n=3)" for c in classes]
    np.testing.assert_array_equal(np.asarray(heat.z), mean)
    assert heat.zmin == -heat.zmax == -np.abs(mean).max()  # centred on 0: red raises, blue lowers
    few = F.class_average_map_figure(mean[:3], np.ones((3, T)), classes[:3], F.class_colors(3))
    assert {t.type for t in few.data} == {"scatter"}  # lines and bands while they stay readable


def test_many_classes_data_means_are_a_heatmap_per_variable():
    rng = np.random.default_rng(1)
    K, V, T = 12, 2, 30
    mean = rng.normal(size=(K, V, T))
    fig = F.class_mean_figure(
        mean, np.ones((K, V, T)), [f"c{k}" for k in range(K)], F.class_colors(K), var_names=["x", "y"]
    )
    assert [t.type for t in fig.data] == ["heatmap", "heatmap"]
    np.testing.assert_array_equal(np.asarray(fig.data[1].z), mean[:, 1])
    assert "±" not in fig.layout.title.text  # the std moved to the hover
