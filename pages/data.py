"""Data: what the series of each class look like, sizes and balance, train and test."""

import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn.dashboard import analysis
from lstmfcn.data.names import display_class, names_for_dataset
from pages import _cached_explanations as cached_explanations
from pages import _cached_resources as cached_resources
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _widgets as widgets_ui

ctx = page_ui.context(require_model=False)
ds = ctx.ds
# The series are drawn as the chosen model sees them (its checkpoint's normalisation), so that
# what this page shows is what the other pages explain; without a usable model, as the dataset has them.
seen_by = ctx.model_id if ctx.model is not None and state_ui.refusal_of(ctx.model_id, ctx.dataset_id) is None else ""
if seen_by or ctx.model is None:  # the context's names (the session's renames included) fit these series
    classes, colors = ctx.classes, ctx.colors
else:
    labels = [str(c) for c in ds.classes]
    classes = [display_class(label, name) for label, name in zip(labels, names_for_dataset(ds)[0], strict=True)]
    colors = F.colors_for(labels, labels)

st.title(f"Data: {ctx.dataset_label}")
seen = cached_resources.aligned(seen_by, ctx.dataset_id, "test") if seen_by else None  # the model's view of the series
if seen is not None:
    page_ui.warnings_of(seen)
prep = seen.preprocessing if seen is not None else ds.preprocessing
how = f"{prep.get('normalize', '?').replace('_', '-')} normalisation"
if prep.get("normalize") == "per_dataset":
    how += " with the " + ("model's own training statistics" if seen_by else "training split's statistics")
st.caption(
    f"Source: {ds.source or 'upload'} · series "
    + ("as the chosen model sees them" if seen_by else "as the dataset holds them")
    + f": {how}"
)
n_train, n_test = len(ds.y_train), len(ds.y_test)
c = st.columns(5)
c[0].metric("Training series", n_train)
c[1].metric("Test series", n_test)
c[2].metric(
    "Length" if ds.equal_length else "Longest series",
    ds.length if ds.equal_length else f"{ds.length} steps",
    help="Time steps per series"
    if ds.equal_length
    else "The series have different lengths: this is the longest; shorter ones are padded, and the padding is "
    "left out of every map and average.",
)
c[3].metric("Variables", ds.n_vars)
c[4].metric("Classes", ds.n_classes)

train_counts = analysis.class_counts(ds.y_train, ds.n_classes)
test_counts = analysis.class_counts(ds.y_test, ds.n_classes)
balance = pd.DataFrame({"class": classes, "train": train_counts, "test": test_counts})
widgets_ui.chart(
    F.class_balance_figure(train_counts, test_counts, classes, colors),
    "data_balance",
    name=widgets_ui.slug("class_balance", ds.name),
    how_to_read="Bar height is the number of series of each class; very unequal bars mean a balanced accuracy matters more than plain accuracy.",
    csv=lambda: balance,
)

split = widgets_ui.split_picker("data")
X, y, lengths = cached_explanations.series(ctx.dataset_id, seen_by, split)
variables, var_names = widgets_ui.variable_picker(ds.n_vars, "data", names=ctx.var_names)
left, right, _ = st.columns([2, 1, 2])
per_class = left.slider("Series per class", 1, 20, 5, key="data_per_class")
seed = right.number_input(
    "Random pick", 0, 10_000, 0, key="data_seed", help="Change it to draw another random set of series"
)
widgets_ui.chart(
    F.class_samples_figure(
        X[:, variables],
        y,
        classes,
        colors,
        lengths=lengths,
        per_class=per_class,
        seed=int(seed),
        var_names=var_names,
        title=f"Samples of each class ({widgets_ui.SPLIT_NAMES[split]})",
    ),
    "data_samples",
    name=widgets_ui.slug("class_samples", ds.name, split),
    how_to_read="Each panel shows a few random series of one class, in that class's colour (kept on every page): look for what sets the classes apart.",
)

mean, std, counts = cached_explanations.class_stats(ctx.dataset_id, seen_by, split, len(classes))
widgets_ui.chart(
    F.class_mean_figure(
        mean[:, variables],
        std[:, variables],
        classes,
        colors,
        counts=counts,
        var_names=var_names,
        title=("Class mean ± one standard deviation" if len(classes) <= F.MAX_LINE_CLASSES else "Class mean")
        + f" ({widgets_ui.SPLIT_NAMES[split]})",
    ),
    "data_mean",
    name=widgets_ui.slug("class_mean", ds.name, split),
    how_to_read=(
        "The line is the average series of each class and the band its spread (one standard deviation); where "
        "bands separate, a single time step already tells the classes apart."
        if len(classes) <= F.MAX_BAND_CLASSES
        else "The line is the average series of each class; click a class in the legend to draw its spread (one "
        "standard deviation) as a band — all at once they would hide each other. Where bands separate, a single time "
        "step already tells the classes apart."
        if len(classes) <= F.MAX_LINE_CLASSES
        else "Each row is one class's average series, coloured by its value; hover for the spread."
    ),
    csv=lambda: pd.DataFrame(
        [
            {"class": classes[k], "variable": v + 1, "t": t, "mean": mean[k, v, t], "std": std[k, v, t]}
            for k in range(len(classes))
            for v in variables
            for t in range(mean.shape[-1])
        ]
    ),
)
