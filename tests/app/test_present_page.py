"""Presenter mode in an AppTest: the switch lives in the link, names can be given before the talk,
Next and Back move through the library's steps, and the sentences shown are the library's."""

from __future__ import annotations

from lstmfcn import presentation as P
from lstmfcn import whatif as W
from tests.helpers.glossary_check import unexplained


def shown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def library_talk():
    from lstmfcn.checkpoint import load_model
    from lstmfcn.data import load_dataset
    from lstmfcn.evaluation import predict_logits
    from lstmfcn.inputs import model_input
    from lstmfcn.zoo import pretrained_path

    model = load_model(pretrained_path("GunPoint__lstmfcn"))
    a = model_input(model, load_dataset("GunPoint"))
    return model, a, predict_logits(model, a.X, a.lengths)


def test_names_first_then_next_and_back_move_through_the_librarys_screens(app):
    at = app(dataset="GunPoint", model="GunPoint__lstmfcn")
    at.switch_page("pages/present.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "2 of its classes are known only by a code** (1, 2)" in shown(at) and unexplained(at) == []
    at.text_input(key="present_name_c_1").set_value("Gun").run()
    at.text_input(key="present_name_c_2").set_value("Point").run()
    assert at.query_params["names"] == '{"classes":{"1":"Gun","2":"Point"}}'
    at.button(key="present_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["present"] == "1" and at.query_params["present"] == "1"
    assert len(at.sidebar.text_input) == 0 and len(at.sidebar.selectbox) == 0  # no sidebar machinery

    model, a, logits = library_talk()
    classes = ["Gun (1)", "Point (2)"]
    steps = P.talk(a.y, logits, classes)
    first = P.series_screen(steps[0].example, logits[steps[0].example.sample], classes)
    assert f"## {first.title}" in shown(at) and first.sentences[0] in shown(at)

    at.button(key="present_next").click().run()
    assert at.session_state["present"] == "2" and at.query_params["present"] == "2"
    ex = steps[1].example
    i = ex.sample
    cam = W.predict_and_cam(model, a.X[i], int(a.lengths[i])).cam
    why = P.evidence_screen(ex, cam, logits[i], classes, variable_names=["variable 1"], length=int(a.lengths[i]))
    assert why.sentences[0].startswith("The model says ")
    assert why.sentences[0] in shown(at), shown(at)
    assert "CAM" in why.sentences[0] and unexplained(at) == []  # the word explained in the tooltip

    at.button(key="present_back").click().run()
    assert at.session_state["present"] == "1" and first.sentences[0] in shown(at)
    assert at.button(key="present_back").disabled

    at.button(key="present_leave").click().run()
    assert not at.exception and not at.query_params.get("present")
    assert at.button(key="present_start")  # back on the first screen, with the sidebar
    assert len(at.sidebar.selectbox) > 0


def test_a_link_with_present_opens_that_screen(app):
    at = app(dataset="GunPoint", model="GunPoint__lstmfcn", present=4)
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["present"] == "4"
    assert "screen 4 of 8" in "\n".join(c.value for c in at.caption)
    assert any(m.value.startswith("## What would make it say ") for m in at.markdown)
    assert unexplained(at) == []


def test_without_a_model_the_talk_says_so_and_the_way_out_stays(app):
    at = app(dataset="BME", present=1)  # no shipped model for BME
    assert not at.exception, [e.value for e in at.exception]
    assert any("No model for BME" in i.value for i in at.info)
    at.button(key="present_leave").click().run()
    assert not at.exception and at.session_state["present"] == ""
