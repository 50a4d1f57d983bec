"""Presenter mode: a talk through the guided examples, one idea per screen, in large type.

Off (the page as any other, with the sidebar): what the talk will show, boxes to name the classes
(and variables) first, and a Start button. On (``?present=N`` in the link: screen N; no sidebar, no
menu): the screen, Next and Back, the arrow keys. The steps and their words are
:mod:`lstmfcn.presentation`'s; this page only draws them.
"""

import streamlit as st

from lstmfcn import presentation as P
from lstmfcn import whatif as W
from lstmfcn.counterfactual import summary
from lstmfcn.dashboard import sources
from lstmfcn.figures import counterfactual_figure
from lstmfcn.figures.stretches import shade_stretches
from lstmfcn.figures.talk import TALK_HEIGHT, TALK_HEIGHT_ROWS, talk_figure
from pages import _cached_explanations as cached_explanations
from pages import _cached_resources as cached_resources
from pages import _cached_views as cached_views
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui
from pages._sidebar import MOST_RENAMED, on_name_change
from pages._state import renames
from pages._widgets import chart_words

# Large type for a room; the main block's width capped so that a line stays readable. The sidebar
# is not drawn in presenter mode, but the browser keeps the last run's until the next one: hidden.
LARGE_TYPE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"] { display: none; }
.block-container { padding-top: 1.2rem; padding-bottom: 0.5rem; max-width: 1400px; }
.block-container p, .block-container li { font-size: 1.45rem; line-height: 1.4; }
.block-container h2 { font-size: 2.1rem; padding-top: 0; }
.block-container [data-testid="stCaptionContainer"] p { font-size: 0.95rem; }
.block-container button p { font-size: 1.2rem; }
</style>
"""

# Streamlit has no key bindings: this script, in a same-origin frame (st.iframe of an HTML string),
# listens to the page's keydown and clicks the Next/Back buttons (keys present_next/present_back);
# typing in a box is never taken for a step. A listener whose frame was removed never runs again, so
# the newest frame's listener replaces the one before it, and a frame takes its own away as it goes.
ARROW_KEYS = """
<script>
const doc = window.parent.document;
const onKey = (event) => {
  if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) return;
  const which = {ArrowRight: "next", PageDown: "next", ArrowLeft: "back", PageUp: "back"}[event.key];
  if (!which) return;
  const button = doc.querySelector(".st-key-present_" + which + " button");
  if (button && !button.disabled) { event.preventDefault(); button.click(); }
};
if (doc.__presenterKeys) doc.removeEventListener("keydown", doc.__presenterKeys);
doc.__presenterKeys = onKey;
doc.addEventListener("keydown", onKey);
window.addEventListener("pagehide", () => {
  if (doc.__presenterKeys === onKey) { doc.removeEventListener("keydown", onKey); doc.__presenterKeys = null; }
});
</script>
"""


def go_to(n: int) -> None:
    state_ui.ss["present"] = str(n)
    state_ui.sync_url()


def leave() -> None:
    state_ui.ss["present"] = ""
    state_ui.sync_url()


def name_boxes(ds, in_talk: list[int]) -> None:
    """A box per class the talk names (and per variable of a multivariate series), the ones known
    only by a code said first; the sidebar's renaming applies them (checked the same way, kept in
    the link)."""
    wanted = renames()
    bare = [j for j in P.unnamed(ctx.labels, ctx.classes) if j in in_talk]
    shown = in_talk[:MOST_RENAMED]
    some = "" if len(shown) == len(ctx.labels) else f"The talk names {len(shown)} of the {len(ctx.labels)} classes. "
    codes = ", ".join(ctx.labels[j] for j in bare[:8]) + ("…" if len(bare) > 8 else "")
    st.markdown(
        f"{some}**{len(bare)} of {'them' if some else 'its classes'} are known only by a code** ({codes}): "
        "type a name for each and press Enter."
        if bare
        else f"{some}Every class in the talk has a name; change one if your audience knows it by another."
    )
    boxes(
        ds,
        "classes",
        [ctx.labels[j] for j in shown],
        [f"class {ctx.labels[j]}" for j in shown],
        [ctx.classes[j] for j in shown],
        wanted,
    )
    if 1 < ds.n_vars <= MOST_RENAMED:
        st.markdown("**Variables**")
        keys = [str(v) for v in range(ds.n_vars)]
        boxes(ds, "variables", keys, [f"variable {v + 1}" for v in range(ds.n_vars)], ctx.var_names, wanted)


def boxes(ds, part: str, keys: list[str], labels: list[str], shown: list[str], wanted: dict) -> None:
    columns = st.columns(4)
    for j, (key, label) in enumerate(zip(keys, labels, strict=True)):
        wkey = f"present_name_{part[0]}_{key}"
        state_ui.ss[wkey] = wanted.get(part, {}).get(key, "")  # the box shows the session's name (a link's too)
        columns[j % 4].text_input(
            label, placeholder=shown[j], key=wkey, on_change=on_name_change, args=(ds, part, key, wkey)
        )


ctx = page_ui.context(require_model=False)
split = state_ui.ss.get("split", "test")

if not state_ui.presenting():
    st.title("Presenter mode")
    terms.markdown(
        "A talk for people who have never seen this tool: one idea per screen, in large type, without the "
        "sidebar. For each example it shows the series and the model's answer, **why** the model says so (the "
        "stretches of the series that carried its evidence), what speaks for the **other** class it considered, "
        "and **what would make it change its mind**. **Next** and **Back**, or the → and ← keys, move through "
        "it; the link keeps your place, so a reload or a copied link opens the same screen."
    )
    page_ui.need_model(ctx)
    page_ui.aligned_or_stop(ctx, split)
    ev = cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, split)
    steps = P.talk(ev["y"], ev["logits"], ctx.classes)
    st.markdown(
        f"The talk: **{P.samples_in(steps)} samples** of the {widgets_ui.SPLIT_NAMES[split]} of {ctx.dataset_label}, "
        f"{len(steps)} screens. Change the dataset or the model in the sidebar."
    )
    st.subheader("First, name what the audience will see")
    name_boxes(ctx.ds, P.classes_in_talk(steps, ev["logits"]))
    st.button(
        "Start presenting", type="primary", key="present_start", icon=":material/slideshow:", on_click=go_to, args=(1,)
    )
    st.stop()

st.html(LARGE_TYPE)
# Leave first: whatever stops the page below (no model, a model that does not fit), the way out is drawn.
top, out = st.columns([6, 1], vertical_alignment="center")
out.button("Leave", key="present_leave", icon=":material/close:", on_click=leave, type="tertiary")
if ctx.model is None:
    st.info(f"No model for {ctx.dataset_label}: leave presenter mode to train or upload one.")
    st.stop()
a = page_ui.aligned_or_stop(ctx, split)
ev = cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, split)
steps = P.talk(ev["y"], ev["logits"], ctx.classes)
if not steps:
    st.info(f"The {widgets_ui.SPLIT_NAMES[split]} has no sample to show.")
    st.stop()
n = min(max(int(state_ui.ss["present"]), 1), len(steps))
step = steps[n - 1]
ex, i = step.example, step.example.sample
logits = ev["logits"][i]
x, L = a.X[i], int(a.lengths[i])

if step.screen == "series":
    screen = P.series_screen(ex, logits, ctx.classes, split)
    fig = talk_figure(x, length=L, var_names=ctx.var_names, line_color=ctx.colors[ex.true])
elif step.screen in ("because", "other"):
    cam = W.predict_and_cam(ctx.model, x, L).cam  # (K, T): this sample's maps, one per class
    screen = P.evidence_screen(
        ex, cam, logits, ctx.classes, other=step.screen == "other", variable_names=ctx.var_names, length=L
    )
    fig = shade_stretches(
        talk_figure(x, length=L, var_names=ctx.var_names, line_color=ctx.colors[screen.cls]), screen.because
    )
else:
    cf = cached_views.counterfactual(
        ctx.model_id,
        ctx.dataset_id,
        split,
        i,
        P.runner_up(logits, ex.predicted),
        classes=tuple(ctx.classes),
        var_names=tuple(ctx.var_names),
        dataset_label=ctx.dataset_label,
        model_label=sources.model_label(ctx.model_id, ctx.meta, cached_resources.blob_store()),
    )
    screen = P.whatif_screen(ex, logits, ctx.classes, cf.found, summary(cf))
    if cf.found:  # only the variables it changed: the rest is the series as it was
        fig = counterfactual_figure(cf, variables=[]).update_layout(
            height=TALK_HEIGHT if len(cf.changed_variables) <= 1 else TALK_HEIGHT_ROWS
        )
    else:
        fig = talk_figure(x, length=L, var_names=ctx.var_names, line_color=ctx.colors[ex.true])

top.container(key="present_where").caption(f"{ctx.dataset_label} · {P.position(step, steps)}")
st.markdown(f"## {screen.title}")
chart, words = st.columns([3, 2], gap="large")
with chart:  # what the chart draws, its technical words explained in the line's tooltip
    reading = P.how_to_read(step.screen, step.screen != "whatif" or cf.found, screen.because)
    st.caption(reading, help=terms.tip(reading, *chart_words(fig)))
    st.plotly_chart(fig, key="present_chart", config={"displayModeBar": False})
with words.container(key="present_words"):  # a technical word's plain meaning in the sentence's tooltip
    terms.markdown(f"**{screen.sentences[0]}**")
    for sentence in screen.sentences[1:]:
        terms.markdown(sentence)
back, where, forward = st.columns([1, 3, 1], vertical_alignment="center")
back.button("Back", key="present_back", icon=":material/arrow_back:", disabled=n == 1, on_click=go_to, args=(n - 1,))
where.progress(n / len(steps), text="← → keys move too")
forward.button(
    "Next",
    key="present_next",
    icon=":material/arrow_forward:",
    type="primary",
    disabled=n == len(steps),
    on_click=go_to,
    args=(n + 1,),
)
st.iframe(ARROW_KEYS, height=1)  # a script, nothing to see
