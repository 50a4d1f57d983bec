"""What matters: which variables and stretches of time the model relies on across a split, per
class, with intervals, and whether the maps say the same."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn.dashboard.time_left import format_seconds
from lstmfcn.figures.importance import METRIC_TITLES, importance_figures
from lstmfcn.importance.cost import forward_passes
from lstmfcn.importance.grid import default_window, windows
from lstmfcn.importance.on_dataset import DEFAULT_SAMPLES
from lstmfcn.importance.sentences import accuracy_words, agreement_sentence, importance_sentence, steps
from lstmfcn.importance.stored import renamed
from lstmfcn.provenance import stamp
from pages import _cached_importance as imp
from pages import _page as page_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "what_matters"
#: Runs expected to take longer than this wait for a click instead of starting by themselves.
START_BY_ITSELF_UP_TO_S = 60.0
MODES = {"permute": "Shuffle", "baseline": "Blank"}

ctx = page_ui.context(require_model=False)
st.title("What matters")
page_ui.need_model(ctx)
terms.markdown(
    "Which variables and which stretches of time does the model **use**, across the whole split? Here the model "
    "is asked directly: each variable, and each window of time in it, is **shuffled** (every series gets another "
    "series' values there) and the drop in accuracy on each series' own class is measured, per class. A stretch "
    "the model ignores costs nothing when shuffled, whatever a map says. Each loss comes with a 95% interval "
    "(a bootstrap over the series and the shuffles); only losses whose whole interval is above 0 are called "
    "*mattering*."
)
split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
n_all, n_vars, total = len(a.y), a.X.shape[1], a.X.shape[-1]

c1, c2, c3, c4 = st.columns([1.2, 1.6, 1, 1.4])
use_all = c1.toggle(f"All {n_all} series", value=n_all <= DEFAULT_SAMPLES, key=f"{PAGE}_all_{n_all}")
n = (
    n_all
    if use_all
    else int(
        c1.number_input(
            "Series used (class-balanced)",
            min_value=1,
            max_value=n_all,
            value=min(n_all, DEFAULT_SAMPLES),
            step=50,
            key=f"{PAGE}_n_{n_all}",
        )
    )
)
window = int(
    c2.slider(
        "Window (time steps)",
        1,
        total,
        default_window(total, n_vars)[0],
        key=f"{PAGE}_window_{total}_{n_vars}",  # another dataset's length gets its own default
        help="Each variable is cut into windows this long, side by side; each window is shuffled on its own.",
    )
)
repeats = int(
    c3.number_input(
        "Shuffles", 1, 50, 5, key=f"{PAGE}_repeats", help="Random shuffles per window: more give narrower intervals."
    )
)
mode = (
    c4.segmented_control(
        "Perturbation",
        list(MODES),
        default="permute",
        key=f"{PAGE}_mode",
        format_func=MODES.get,
        help="Shuffle: another series' values (what the data could hold). Blank: zeros (for series normalised one "
        "by one, each series' own mean).",
    )
    or "permute"
)
spans = windows(total, window, window)
subset = 0 if n >= n_all else n
measured = imp.importance_seconds(ctx.model_id, window, repeats, mode, n)
guess = (
    measured
    if measured is not None
    else forward_passes(n, n_vars, len(spans), 1 if mode == "baseline" else repeats)
    * imp.seconds_per_pass(ctx.model_id, ctx.dataset_id, split)
)
basis = "measured on this model in this session" if measured is not None else "from one timed pass of this model"
terms.caption(
    f"{n} series × {n_vars * (1 + len(spans))} variables and windows × {1 if mode == 'baseline' else repeats} "
    f"shuffles: about {format_seconds(guess)} ({basis}). The result is kept for every visitor."
)
pressed = f"{PAGE}_started_{split}_{subset}_{window}_{repeats}_{mode}"  # kept: a rerun must not ask again
if (
    guess > START_BY_ITSELF_UP_TO_S
    and not st.session_state.get(pressed)
    and not imp.is_kept(ctx.model_id, ctx.dataset_id, split, subset, window, repeats, mode)
):
    st.button(
        f"Start (about {format_seconds(guess)})",
        key=f"{pressed}_button",
        icon=":material/play_arrow:",
        on_click=lambda: st.session_state.update({pressed: True}),
    )
    st.stop()

found = imp.importance(ctx.model_id, ctx.dataset_id, split, subset, window, repeats, mode, label="What matters")
if found is None:
    st.stop()
result, agreements = renamed(*found, list(ctx.classes), list(ctx.var_names))

metric = (
    st.segmented_control(
        "Measured as", list(METRIC_TITLES), default="accuracy", key=f"{PAGE}_metric", format_func=METRIC_TITLES.get
    )
    or "accuracy"
)
groups = [None, *result.classes_by_dependence(metric)]
group = st.selectbox(
    "For",
    groups,
    key=f"{PAGE}_group",
    format_func=lambda g: "all classes together" if g is None else f"class {g}",
    help="Classes are listed by how much they depend on one variable or window, the most dependent first.",
)
terms.markdown(f"#### {importance_sentence(result, group, metric)}")
if agreements:
    terms.markdown(agreement_sentence(agreements, group))

g = result.group(group, metric)
made = ctx.made_by(split=split, method=f"permutation importance ({MODES[mode].lower()}, {result.repeats}×)")
window_csv = lambda: pd.DataFrame(  # noqa: E731 - the chart's numbers, built only when downloaded
    [
        {
            "variable": v,
            "steps": steps(w),
            "loss": g.window.importance[i, j],
            "low": g.window.low[i, j],
            "high": g.window.high[i, j],
        }
        for i, v in enumerate(result.variables)
        for j, w in enumerate(result.windows)
    ]
)
drawn = importance_figures(result, group, metric)
places = [st.container()] if len(drawn) == 1 else st.columns([3, 2])
for place, (fig, how_to_read, short) in zip(places, drawn, strict=True):
    with place:
        widgets_ui.chart(
            stamp(fig, made),
            f"what_matters_{short}",
            name=widgets_ui.slug(short, split, group or "all", metric),
            how_to_read=how_to_read,
            csv=window_csv if short == "importance" else None,
        )

st.subheader("Every class")
rows = []
for name in result.classes_by_dependence(metric):
    cg = result.by_class[name][metric]
    cells = np.where(cg.window.clear(), cg.window.importance, -np.inf)
    top = np.unravel_index(int(np.argmax(cells)), cells.shape)
    in_points = 100.0 if metric == "accuracy" else 1.0
    unit = " (points)" if metric == "accuracy" else ""
    row = {
        "class": name,
        "series": cg.samples,
        "accuracy" if metric == "accuracy" else "mean log-probability": (
            accuracy_words(cg.score) if metric == "accuracy" else round(cg.score, 3)
        ),
        "window that matters most": (
            "none clearly"
            if not np.isfinite(cells[top])
            else (f"{result.variables[top[0]]}, " if n_vars > 1 else "") + steps(result.windows[top[1]])
        ),
        f"its loss{unit}": "—"
        if not np.isfinite(cells[top])
        else f"{float(cells[top]) * in_points:.{1 if metric == 'accuracy' else 3}f}",
    }
    row.update(
        {
            f"ρ {m.upper() if m in ('cam', 'ig') else m}": f"{ag.rho(name):.2f}"
            if ag.rho(name) == ag.rho(name)
            else "—"
            for m, ag in agreements.items()
        }
    )
    rows.append(row)
widgets_ui.table(pd.DataFrame(rows), "what_matters_classes", name=widgets_ui.slug("importance_classes", split, metric))
with st.expander("How this is measured"):
    terms.markdown(
        f"- **Shuffling** a window gives each series the values another series of the split has there "
        f"(a new random pairing for each of the {result.repeats} shuffles); the loss is the drop in the share of "
        "series the model gets right (or in the log-probability of their true class), over that class's series.\n"
        "- The **interval** is a 95% bootstrap interval: series and shuffles are drawn again with replacement 1000 "
        "times. Fewer series or fewer shuffles widen it.\n"
        "- **Agreement with the maps**: each map (CAM: its positive part; integrated gradients: its size) is summed "
        "over the same windows and averaged over the class's series; Spearman's ρ compares its order of the cells "
        "with the log-probability losses (cells that do not clearly matter count as 0). The CAM of a model with "
        "several variables has one value per step for all of them, so it is compared over time only.\n"
        "- Windows that start after a series ends are not counted for that series."
    )
    terms.caption(f"Computed on {len(result.sample_indices)} series in {result.seconds:.1f} s.")
