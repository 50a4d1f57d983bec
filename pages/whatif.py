"""What if: edit a window of a sample and watch the prediction and the CAM change; ask what would
have to change for the model to say another class (a Native Guide counterfactual)."""

import io

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn import whatif as W
from lstmfcn.counterfactual import summary
from lstmfcn.explain.attention import has_attention
from lstmfcn.words import percent
from pages import _edited as edited_series
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui
from pages._because import counterfactual_of

PAGE = "whatif"
ss = state_ui.ss
EDITS = {
    "baseline": "Set to a baseline",
    "smooth": "Smooth",
    "scale": "Scale",
    "shift": "Shift in time",
    "noise": "Add noise",
    "splice": "Splice from another series",
}

ctx = page_ui.context(require_model=False)
st.title("What if")
page_ui.need_model(ctx)
terms.markdown(
    "Change a stretch of one series and see at once how the model's answer and its class activation map "
    "move. Edits stack; undo takes back the last one. Below, ask what would have to change for the model to "
    "name another class."
)
split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
variables, var_names = widgets_ui.variable_picker(ctx.ds.n_vars, PAGE, names=ctx.var_names)
i = widgets_ui.split_and_sample_pickers(ctx, PAGE, len(a.y))
x0, L, yt = a.X[i], int(a.lengths[i]), int(a.y[i])
V = x0.shape[0]
stack_key = f"_whatif_edits_{ctx.model_id}_{ctx.dataset_id}_{split}_{i}"  # a sample's own edits
edits: list = ss.setdefault(stack_key, [])


def edit_from_widgets() -> W.Window | None:
    """The edit the widgets describe, or None with the reason shown."""
    c1, c2, c3 = st.columns([2, 3, 2])
    kind = c1.selectbox("Edit", list(EDITS), format_func=EDITS.get, key=f"{PAGE}_kind", help=terms.tip(*EDITS.values()))
    kept = ss.get(f"{PAGE}_window")  # the slider's, or a box drawn on the chart (window_from_brush)
    if not (isinstance(kept, tuple | list) and len(kept) == 2 and 0 <= kept[0] < kept[1] <= L):
        ss[f"{PAGE}_window"] = (L // 3, min(L, L // 3 + max(1, L // 10)))
    start, stop = c2.slider("Window (time steps)", 0, L, key=f"{PAGE}_window", help="Or drag across the chart below.")
    chosen = (
        c3.multiselect(
            "Variables",
            list(range(V)),
            default=list(range(V)),
            key=f"{PAGE}_vars",
            format_func=lambda v: ctx.var_names[v],
        )
        if V > 1
        else [0]
    )
    which = tuple(chosen) if chosen and len(chosen) < V else None
    params: dict = {}
    if kind == "baseline":
        params["baseline"] = (
            st.segmented_control(
                "Baseline", ["zeros", "mean", "blur"], default="zeros", key=f"{PAGE}_base", help=terms.tip("baseline")
            )
            or "zeros"
        )
    elif kind == "smooth":
        params["width"] = int(st.number_input("Width (steps)", 2, max(2, L), min(9, max(2, L)), key=f"{PAGE}_width"))
    elif kind == "scale":
        params["factor"] = float(st.number_input("Factor", -10.0, 10.0, 1.5, step=0.1, key=f"{PAGE}_factor"))
    elif kind == "shift":
        params["steps"] = int(st.number_input("Steps (negative: earlier)", -L, L, 5, key=f"{PAGE}_steps"))
    elif kind == "noise":
        params["sigma"] = float(
            st.number_input("Noise (× the window's spread)", 0.0, 10.0, 0.5, step=0.1, key=f"{PAGE}_sigma")
        )
        params["seed"] = int(st.number_input("Seed", 0, 10_000, 0, key=f"{PAGE}_seed"))
    elif kind == "splice":
        others = [j for j in range(len(a.y)) if int(a.y[j]) != yt]
        if not others:
            st.info("No series of another class in this split to splice from.")
            return None
        donor = int(
            st.selectbox(
                "From series", others, key=f"{PAGE}_donor", format_func=lambda j: f"#{j} ({ctx.classes[int(a.y[j])]})"
            )
        )
        params["donor"] = a.X[donor]
    cls = {
        "baseline": W.Baseline,
        "smooth": W.Smooth,
        "scale": W.Scale,
        "shift": W.Shift,
        "noise": W.Noise,
        "splice": W.Splice,
    }
    if stop <= start:
        st.info("Choose a window of at least one step.")
        return None
    return cls[kind](start, stop, which, **params)


edit = edit_from_widgets()
b1, b2, b3, _ = st.columns([1, 1, 1, 3])
if b1.button("Apply edit", type="primary", icon=":material/edit:", disabled=edit is None, key=f"{PAGE}_apply"):
    try:
        W.apply_edits(x0, [*edits, edit], length=L)  # refuse before keeping it
        edits.append(edit)
    except ValueError as exc:
        st.error(f"This edit cannot be applied: {exc}", icon=":material/error:")
if b2.button("Undo", icon=":material/undo:", disabled=not edits, key=f"{PAGE}_undo"):
    edits.pop()
if b3.button("Reset", icon=":material/restart_alt:", disabled=not edits, key=f"{PAGE}_reset"):
    edits.clear()

x = W.apply_edits(x0, edits, length=L) if edits else x0
before, after = W.predict_and_cam(ctx.model, x0, L), W.predict_and_cam(ctx.model, x, L)
k = after.predicted
st.markdown(
    f"**{len(edits)} edit(s)** · before: **{ctx.classes[before.predicted]}** ({percent(before.probabilities[before.predicted])}) · "
    f"now: **{ctx.classes[k]}** ({percent(after.probabilities[k])})"
    + (" — the answer changed." if k != before.predicted else "")
)
left, right = st.columns([3, 2])


def window_from_brush() -> None:
    """The slider follows a box drawn on the chart (the chart's x axis is the time step)."""
    window = W.brushed_window(ss.get("whatif_cam"), L)
    if window is not None:
        ss[f"{PAGE}_window"] = window


with left:
    figure = F.map_series_figure(
        x[variables],
        after.cam[k],
        length=L,
        var_names=var_names,
        title=(
            f"Edited {split} sample #{i} ({len(edits)} edit{'s' if len(edits) != 1 else ''}): CAM of {ctx.classes[k]}"
            if edits
            else f"{split.capitalize()} sample #{i}, not edited yet: CAM of {ctx.classes[k]}"
        ),
    )
    figure.update_layout(dragmode="select", selectdirection="h")  # dragging draws the edit window
    widgets_ui.chart(
        figure,
        "whatif_cam",
        name=widgets_ui.slug("whatif", ctx.ds.name, ctx.model_id, split, i),
        on_select=window_from_brush,
        selection_mode=("box",),
        how_to_read="The series after your edits, coloured by how much each step raised (red) or lowered (blue) the score of the class the model now names. Drag across the chart to choose the edit window.",
        csv=lambda: pd.DataFrame(
            {"t": np.arange(L), **{f"x{v + 1}": x[v, :L] for v in range(V)}, "cam": after.cam[k, :L]}
        ),
    )
with right:
    bars = W.classes_to_compare(before.probabilities, after.probabilities)
    shown = list(bars.classes)
    widgets_ui.chart(
        F.grouped_bars_figure(
            [ctx.classes[c] for c in shown],
            {"before": before.probabilities[shown], "after": after.probabilities[shown]},
            x_title="class",
            y_title="probability",
            title="Every class's probability, before and after" if not bars.note else "Probability before and after",
            y_range=(0.0, 1.0),
            note=bars.note,
        ),
        "whatif_probs",
        name=widgets_ui.slug("whatif_probabilities", ctx.ds.name, ctx.model_id, split, i),
        how_to_read="Two bars per class: the model's probability for it before your edits and after them."
        + (" With this many classes, only the classes the rule in the title picks are drawn." if bars.note else ""),
        csv=lambda: pd.DataFrame({"class": ctx.classes, "before": before.probabilities, "after": after.probabilities}),
    )
buffer = io.BytesIO()
np.savez_compressed(buffer, x=x0, edited=x, length=np.array(L))
st.download_button(
    "Edited series (.npz)",
    buffer.getvalue(),
    file_name=f"{widgets_ui.slug('edited', ctx.ds.name, split, i)}.npz",
    mime="application/octet-stream",
    icon=":material/download:",
    type="tertiary",
    on_click="ignore",
)

if edits:
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.markdown("**Explain this edited series** on")
        for path, title in edited_series.TARGETS.items():
            if path == "pages/attention.py" and not has_attention(ctx.model):
                continue
            if st.button(title, key=f"{PAGE}_explain_{title.lower()}", icon=":material/arrow_forward:"):
                edited_series.keep(ctx.model_id, ctx.dataset_id, split, i, x, L, len(edits))
                st.switch_page(path)

st.subheader("What would have to change?")
terms.caption(
    "A Native Guide counterfactual (Delaney et al. 2021): the nearest training series of the chosen class, and "
    "the shortest stretch of it that, copied into this series, makes the model name that class."
)
others = [c for c in range(len(ctx.classes)) if c != before.predicted]
order = sorted(others, key=lambda c: -before.probabilities[c])
to = st.selectbox("Make the model say", order, format_func=lambda c: ctx.classes[c], key=f"{PAGE}_to")
if st.button(
    "Find a counterfactual", icon=":material/search:", key=f"{PAGE}_find", help=terms.tip("Find a counterfactual")
):
    cf = counterfactual_of(ctx, split, i, to)
    if cf.found:
        st.success(summary(cf))
        widgets_ui.chart(
            F.counterfactual_figure(cf, variables=variables),
            "whatif_counterfactual",
            name=widgets_ui.slug("counterfactual", ctx.ds.name, ctx.model_id, split, i),
            how_to_read="Grey is the series as it was, purple the counterfactual; the shaded steps, only in the variables that changed, are what was copied from the guide to change the model's answer.",
            csv=lambda: pd.DataFrame(
                {
                    "t": np.arange(cf.x.shape[-1]),
                    **{f"original {ctx.var_names[v]}": cf.x[v] for v in range(V)},
                    **{f"counterfactual {ctx.var_names[v]}": cf.counterfactual[v] for v in range(V)},
                }
            ),
        )
    else:
        st.warning(summary(cf), icon=":material/search_off:")
