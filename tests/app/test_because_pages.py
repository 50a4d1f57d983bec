"""The "because" sentences on the CAM and Attributions pages are the library's, for the same sample,
class and map; the chart shades the stretches they name; "What would make it say …?" says what the
library's counterfactual found."""

from __future__ import annotations

import json

from lstmfcn import load_dataset
from lstmfcn.because import because, class_words
from lstmfcn.checkpoint import load_checkpoint
from lstmfcn.counterfactual import Origin, native_guide, summary
from lstmfcn.data.names import names_from_metadata
from lstmfcn.explain.cam import class_activation_maps
from lstmfcn.inputs import model_input
from lstmfcn.zoo import pretrained_path
from tests.helpers.shipped import LSTMFCN_MODEL


def shipped(model_name: str, dataset: str, split: str = "test"):
    model, meta = load_checkpoint(pretrained_path(model_name))
    classes, var_names = names_from_metadata(meta)
    return model, classes, var_names, model_input(model, load_dataset(dataset), split, resample=True)


def library_cam_because(model_name: str, dataset: str, i: int, k: int | None = None):
    """The library's "because" of test sample ``i`` from its CAM for class ``k`` (None: the predicted one)."""
    model, classes, var_names, a = shipped(model_name, dataset)
    res = class_activation_maps(model, a.X[i : i + 1], a.lengths[i : i + 1])
    pred = int(res.logits[0].argmax())
    k = pred if k is None else k
    L = int(a.lengths[i])
    return because(res.cam[0, k, :L][None], classes[k], variable_names=var_names, predicted=classes[pred])


def markdown_texts(at) -> list[str]:
    return [m.value for m in at.markdown]


def cam_chart_bands(at) -> list[str]:
    spec = next(
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if ": CAM of class" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    )
    return [
        a["text"] for a in spec["layout"].get("annotations", []) if a.get("text", "").startswith(("for ", "against "))
    ]


def test_the_cam_pages_because_is_the_librarys(app):
    at = app(sample="7")
    at.switch_page("pages/cam.py").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = library_cam_because(LSTMFCN_MODEL, "GunPoint", 7)
    assert expected.text in markdown_texts(at)
    assert len(cam_chart_bands(at)) == len(expected.supporting) + len(expected.opposing)
    next(s for s in at.selectbox if s.label.startswith("Class to explain")).set_value(
        "2"
    ).run()  # the other class: the model does not say it
    other = library_cam_because(LSTMFCN_MODEL, "GunPoint", 7, k=1)
    assert other.text in markdown_texts(at)


def test_a_multivariate_cam_speaks_of_all_variables_together(app):
    at = app(dataset="BasicMotions", model="BasicMotions__mlstmfcn", sample="3")
    at.switch_page("pages/cam.py").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = library_cam_because("BasicMotions__mlstmfcn", "BasicMotions", 3)
    assert expected.text in markdown_texts(at)


def test_what_would_make_it_say_is_the_librarys_counterfactual(app):
    at = app(sample="7")
    at.switch_page("pages/cam.py").run()
    model, classes, var_names, a = shipped(LSTMFCN_MODEL, "GunPoint")
    _, _, _, train = shipped(LSTMFCN_MODEL, "GunPoint", "train")
    pred = int(class_activation_maps(model, a.X[7:8]).logits[0].argmax())
    to = 1 - pred
    assert f"What would make it say {class_words(classes[to])}?" in " ".join(markdown_texts(at))
    at.button(key=f"cam_cf_find_test_7_{to}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    cf = native_guide(
        model,
        a.X[7],
        train.X,
        train.y,
        target=to,
        length=int(a.lengths[7]),
        lengths_train=train.lengths,
        origin=Origin(classes=tuple(classes), var_names=tuple(var_names)),
    )
    said = [s.value for s in (at.success if cf.found else at.warning)]
    assert summary(cf) in said, said


def library_attribution_because(at, i: int, method: str):
    """The library's "because" of test sample ``i`` from ``method``'s map (with the page's options) for the predicted class."""
    from lstmfcn.dashboard import explanations

    model, classes, var_names, a = shipped(LSTMFCN_MODEL, "GunPoint")
    pred = int(class_activation_maps(model, a.X[i : i + 1]).logits[0].argmax())
    params = explanations.options_of(method, at.session_state["attr_baseline"], at.session_state["attr_ig_steps"])
    mp = explanations.attribution(model, a.X[i : i + 1], pred, a.lengths[i : i + 1], method, params)[0]
    spec = explanations.method_infos()[method]
    label = "CAM" if method == "cam" else spec.label.split(" (")[0]  # as a sentence names it
    L = int(a.lengths[i])
    return because(
        mp[:, :L],
        classes[pred],
        variable_names=var_names,
        method_label=label,
        predicted=classes[pred],
        signed=spec.signed,
    )


def test_the_attributions_pages_because_is_the_librarys_for_the_map_picked(app):
    at = app(sample="5")
    at.switch_page("pages/attributions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert library_attribution_because(at, 5, "cam").text in markdown_texts(at)  # the CAM by default
    at.selectbox(key="attributions_because_method").set_value("ig").run()
    assert not at.exception, [e.value for e in at.exception]
    expected = library_attribution_because(at, 5, "ig")
    assert expected.text in markdown_texts(at)
    assert expected.method_label == "Integrated Gradients"
    at.selectbox(key="attributions_because_method").set_value("saliency").run()  # no sign: never "for"
    unsigned = library_attribution_because(at, 5, "saliency")
    assert unsigned.text in markdown_texts(at) and "does not say whether" in unsigned.text
