"""Home: what the tool shows, in plain words, and how good the chosen model is."""

import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import analysis
from lstmfcn.importers import provenance_line
from pages import _cached_explanations as cached_explanations
from pages import _page as page_ui
from pages import _report as report
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui
from pages._navigation import page_list

st.title("LSTM-FCN Explorer", help=terms.tip("LSTM-FCN"))
terms.markdown(
    f"""
**See why a time-series classifier decides what it decides.** A *classifier* looks at a series —
a heartbeat, a hand movement, a power-usage curve — and names its *class*. The models here
(the LSTM-FCN family) read the series two ways at once: one part spots short telltale shapes along
it (the convolutional half), the other reads it step by step with a memory (the LSTM); an *attention*
variant also tells where it looked.

This dashboard opens up those decisions:

{page_list()}

Pick a dataset and a model in the sidebar (datasets marked ● have a model ready), or upload your own.
"""
)

ctx = page_ui.context(require_model=False)
ds = ctx.ds
page_ui.need_model(ctx)

split = widgets_ui.split_picker("home")
a = page_ui.aligned_or_stop(ctx, split)
ev = cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, split)
meta = ctx.meta or {}
training = meta.get("training") or {}
m = meta.get("model", {})

st.subheader(f"How well does the model do on the {split} set of {ctx.dataset_label}?")
c1, c2, c3, c4 = st.columns(4)
n_correct = int((ev["pred"] == ev["y"]).sum())
c1.metric(
    f"{split.capitalize()} accuracy",
    f"{ev['accuracy']:.1%}",
    help="Share of samples whose class the model names correctly.",
)
c1.caption(f"{n_correct} of {len(ev['y'])} correct")
c2.metric("Samples", f"{len(ev['y'])}", help=f"{len(ev['y']) - n_correct} misclassified")
c3.metric("Classes", f"{len(ctx.classes)}")
c4.metric(
    "Model",
    m.get("arch", "?").upper().replace("LSTMFCN", "LSTM-FCN"),
    help=terms.tip(
        m.get("arch", "?").upper().replace("LSTMFCN", "LSTM-FCN"),
        help=f"{m.get('cells', '?')} LSTM cells, dimension shuffle {'on' if m.get('shuffle', True) else 'off'}; "
        + (
            provenance_line(meta)
            or f"trained {training.get('epochs_run', '?')} epochs on {training.get('device', '?')}"
        ),
    ),
)

report.report_download(  # built in the background on request: steps, time left, Cancel; then the download
    ctx.model_id,
    ctx.dataset_id,
    split,
    file_name=f"{widgets_ui.slug('report', ctx.ds.name, ctx.model_id, split)}.html",
    help=terms.tip(
        help="One HTML file that opens offline in any browser: accuracy, the samples below, class-average maps, "
        "attention, what matters and how far to trust the explanations (built in the background, its steps and the "
        "time left shown; what the pages computed already is reused; about 5 MB, almost all of it the chart "
        "library, embedded once so that it opens without a network). Single charts download from their "
        "toolbar's camera button as a PNG, and their numbers as a CSV."
    ),
)

counts = analysis.class_counts(ev["y"], len(ctx.classes))
left, right = st.columns(2)
with left:
    widgets_ui.chart(
        F.per_class_accuracy_figure(ev["per_class"], ctx.classes, ctx.colors, counts=counts),
        "home_per_class",
        name=widgets_ui.slug("per_class_accuracy", ctx.ds.name, split),
        how_to_read="Each bar is the share of one class's samples that the model names correctly; a short bar is a class it confuses.",
        csv=lambda: pd.DataFrame({"class": ctx.classes, "accuracy": ev["per_class"], "samples": counts}),
    )
with right:
    widgets_ui.chart(
        F.confusion_figure(ev["confusion"], ctx.classes),
        "home_confusion",
        name=widgets_ui.slug("confusion", ctx.ds.name, split),
        how_to_read="Row = the true class, column = the model's answer: the diagonal counts correct answers, everything else is a mistake.",
        csv=lambda: pd.DataFrame(ev["confusion"], index=ctx.classes, columns=ctx.classes).reset_index(
            names="true \\ predicted"
        ),
    )

if len(ctx.classes) > F.LABELLED_CELLS_UP_TO:  # too many cells to read: name the mistakes that matter
    terms.markdown("**The most frequent confusions**")
    widgets_ui.table(
        analysis.worst_confusions(ev["confusion"], ctx.classes),
        "home_confusions",
        name=widgets_ui.slug("confusions", ctx.ds.name, split),
    )

st.subheader("Start here: samples worth a look")
terms.caption(
    "For each class, the model's most confident right answer (called clear only when the model gives it at least "
    f"{analysis.CLEAR_AT_LEAST:.0%} and {analysis.CLEAR_TIMES_NEXT:.0f} times any other class), its most confident "
    "mistake, and a close call where there is one (the second class at least two thirds of the first). Open one to see which moments of the series pushed the model to its answer."
)
for n_ex, ex in enumerate(analysis.guided_examples(ev["y"], ev["logits"], ctx.classes)):
    left, right = st.columns([5, 1], vertical_alignment="center")
    icon = {
        "clear": ":material/check_circle:",
        "most confident": ":material/check:",
        "mistake": ":material/cancel:",
        "close call": ":material/balance:",
    }[ex.kind]
    left.markdown(f"{icon} **{ex.kind.capitalize()}** — {ex.sentence}")
    if right.button("Explain", key=f"home_guided_{n_ex}", icon=":material/arrow_forward:"):
        state_ui.ss["cls"] = ctx.labels[ex.predicted]  # the class the model chose: why did it?
        state_ui.set_sample(ex.sample)
        st.switch_page("pages/cam.py")

st.subheader("Misclassified samples")
table = analysis.sample_table(ev["y"], ev["logits"], ctx.classes, ev["lengths"])
wrong = analysis.misclassified_table(table)
if wrong.empty:
    st.success(f"The model classifies every {split} sample correctly.")
else:
    terms.caption(
        "Click a row to select that sample, then open **Class activation maps** to see why the model got it wrong."
    )
    widgets_ui.table(
        wrong, "home_misclassified", name=widgets_ui.slug("misclassified", ctx.ds.name, split), select_sample=True
    )
    st.page_link(
        "pages/cam.py",
        label=f"Open the selected sample ({state_ui.ss['sample']}) on the Class activation maps page",
        icon=":material/arrow_forward:",
        help=terms.tip("CAM"),
    )
