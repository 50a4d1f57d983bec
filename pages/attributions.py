"""Attributions: Captum's methods next to the CAM, per class, and how far to trust each of them."""

import numpy as np
import pandas as pd
import streamlit as st

from lstmfcn import figures as F
from lstmfcn import whatif as W
from lstmfcn.because import because
from lstmfcn.dashboard import analysis, explanations
from lstmfcn.dashboard import state as vs
from lstmfcn.dashboard.time_left import format_seconds
from lstmfcn.evaluation import softmax
from lstmfcn.explain.attention import attended_axis, has_attention
from lstmfcn.words import p_equals, small_number
from pages import _because as because_block
from pages import _cached_checks as cached_checks
from pages import _cached_explanations as cached_explanations
from pages import _cached_views as cached_views
from pages import _edited as edited_series
from pages import _page as page_ui
from pages import _state as state_ui
from pages import _terms as terms
from pages import _widgets as widgets_ui

PAGE = "attributions"
ss = state_ui.ss
TABS = ["This sample", "Class averages", "Faithfulness & agreement", "Sanity check"]

ctx = page_ui.context(require_model=False)
st.title("Attributions", help=terms.tip("attribution"))
page_ui.need_model(ctx)  # after the title: a page without a model still says what it is
terms.markdown(
    "An **attribution** gives every value of the series a score for one class: how much it mattered to the model's "
    "answer. Different methods define *mattered* differently, so they can disagree. Compare them with the class "
    "activation map on the same sample, then check which ones actually point at what the model uses."
)

over_time = has_attention(ctx.model) and attended_axis(ctx.model) == "time"
infos = explanations.method_infos(include_attention=over_time)
labels = {k: v.label for k, v in infos.items()}

c1, c2, c3 = st.columns([3, 2, 1])
if "attr_methods" not in ss or not set(ss["attr_methods"]) <= set(infos):
    ss["attr_methods"] = [m for m in explanations.PAGE_METHODS if m in infos]
methods = c1.multiselect(
    "Methods",
    list(infos),
    key="attr_methods",
    format_func=labels.get,
    max_selections=6,
    help=terms.tip(*labels.values()),
) or ["cam"]
baseline = c2.selectbox(
    "Baseline (what 'absent' means)",
    list(explanations.BASELINE_LABELS),
    key="attr_baseline",
    format_func=explanations.BASELINE_LABELS.get,
    help=terms.tip(
        "Baseline",
        *explanations.BASELINE_LABELS.values(),
        help="Integrated Gradients, DeepLIFT, GradientSHAP, occlusion and ablation compare the series with this "
        "reference.",
    ),
)
ig_steps = c3.selectbox(
    "IG steps",
    explanations.IG_SETTINGS,
    index=explanations.IG_SETTINGS.index(explanations.DEFAULT_IG),
    key="attr_ig_steps",
    format_func=lambda s: "to a 1 % gap" if s == "adaptive" else str(s),
    help=terms.tip(
        "IG", help="How many in-between series Integrated Gradients adds up: more is more exact, and slower."
    ),
)
if "ig" in methods:
    terms.caption(f"Integrated Gradients: {explanations.ig_rule_words(ig_steps)}.")


split = widgets_ui.split_picker(PAGE)
a = page_ui.aligned_or_stop(ctx, split)
variables, var_names = widgets_ui.variable_picker(ctx.ds.n_vars, PAGE, names=ctx.var_names)
V, T = a.X.shape[1], a.X.shape[-1]


def option_settings(wanted: list[str]) -> dict:
    """The wanted methods' options that have a ``widget`` (occlusion's window and stride, ablation's segments, for
    V > 1 one variable at a time), drawn; returns those that differ from the defaults, and says each method's cost."""
    if not (used := [m for m in infos if m in wanted and explanations.option_widgets(m)]):
        return {}
    d = explanations.option_defaults(V, T)
    slots = explanations.widget_slots(infos)  # each option keeps its column whichever methods are wanted
    cols, chosen = st.columns(len(slots)), {}
    for name, f in {name: f for m in used for name, f in explanations.option_widgets(m).items()}.items():
        w, key = f.metadata["widget"], f"attr_{f.metadata['flag'].lstrip('-').replace('-', '_')}"
        tip, col = terms.tip(*[w["term"]] if w["term"] else [], help=w["help"]), cols[slots.index(name)]
        if w["switch"]:
            if V > 1:  # one variable: nothing to switch
                ss.setdefault(key, d[name])
                chosen[name] = col.toggle(w["label"], key=key, help=tip)
            continue
        least, most, step = explanations.widget_range(w, T, chosen, d)
        ss[key] = explanations.clamped(ss.get(key), least, most)  # a shorter series or window may have come since
        chosen[name] = col.number_input(
            w["label"], least, most, value=None, step=step, key=key, placeholder=w["placeholder"].format(**d), help=tip
        )
    opts = explanations.perturbation_options(V, T, **chosen)
    costs = {m: explanations.perturbation_cost(m, V, T, explanations.options_of(m, **opts)) for m in used}
    terms.caption(" · ".join(f"**{labels[m]}**, {cost}" for m, cost in costs.items() if cost))
    return opts


perturb = option_settings([*methods, ss.get("method")])


def params(method: str):
    """``method``'s typed options with this page's settings (hashable: they key its cached maps)."""
    return explanations.options_of(method, baseline, ig_steps, **perturb)


def drawn_once(method: str) -> bool:
    """Whether ``method``'s map on this multivariate set is one map over time, for all variables together."""
    return V > 1 and not explanations.has_variable_axis(method, V, params(method))


ev = cached_explanations.evaluation(ctx.model_id, ctx.dataset_id, split)
probs = softmax(ev["logits"])
K = len(ctx.classes)
tabs = st.tabs(TABS, key="attr_tab", on_change="rerun")


@st.fragment
def sample_panel() -> None:
    left, right = st.columns(2)
    with left:
        i = widgets_ui.split_and_sample_pickers(ctx, PAGE, len(a.y))
    with right:
        widgets_ui.class_picker(ctx, PAGE)
    edited = edited_series.for_sample(ctx.model_id, ctx.dataset_id, split, i)
    p_i = probs[i] if edited is None else W.predict_and_cam(ctx.model, edited.x, edited.length).probabilities
    yt, yp = int(a.y[i]), int(p_i.argmax())
    k = vs.class_index(ss["cls"], ctx.labels, yp)
    x, L = (a.X[i] if edited is None else edited.x)[variables], int(a.lengths[i])
    st.markdown(
        f"**{'Edited s' if edited else 'S'}ample {i}** · true class **{ctx.classes[yt]}** · predicted **{ctx.classes[yp]}** · explaining class "
        f"**{ctx.classes[k]}** ({p_equals(p_i[k])})"
    )
    shown = ["cam"] + [m for m in methods if m != "cam"]  # the CAM always comes first, for comparison
    maps, full = {}, {}  # as drawn (the variables picked), and whole (V, T) for the sentence
    seen = ss.setdefault("_attr_sample_seen", set())  # maps this session has drawn: only looked up again
    wanted = [(ctx.model_id, ctx.dataset_id, split, i, k, m, params(m)) for m in shown]
    holder = st.empty() if edited is not None or not set(wanted) <= seen else None
    for j, (m, key) in enumerate(zip(shown, wanted, strict=True)):
        if holder is not None:  # a few methods on one sample: a second or two on a busy machine
            holder.progress(j / len(shown), text=f"Explaining this sample: {labels[m]} ({j + 1} of {len(shown)})")
        mp = (  # (V, T)
            cached_explanations.sample_attribution(*key)
            if edited is None
            else cached_views.series_attribution(ctx.model_id, edited.x, edited.length, k, m, params(m))
        )
        if edited is None:
            seen.add(key)
        full[m] = mp
        maps[labels[m]] = mp[0] if drawn_once(m) else mp[variables]  # (T,): drawn once, not per variable
    if holder is not None:
        holder.empty()
    once = [m for m in shown if drawn_once(m)]
    widgets_ui.chart(
        F.maps_side_by_side_figure(
            x,
            maps,
            length=L,
            var_names=var_names,
            title=f"{'Edited ' + split if edited else split.capitalize()} sample #{i}: every method's map for class {ctx.classes[k]}",
        ),
        "attr_sample",
        name=widgets_ui.slug("attributions", ctx.ds.name, split, i, ctx.classes[k]),
        how_to_read="Each panel colours the series by one method's map, scaled to its own largest value: red raised the class's score, blue lowered it; compare where the methods agree."
        + (
            f" {', '.join(labels[m] for m in once)}: one value per time step for {F.ALL_VARIABLES}, drawn once over time; such a map cannot say which variable mattered."
            if once
            else ""
        ),
        csv=lambda: pd.DataFrame({"t": np.arange(L), **sample_csv_columns(maps, x.shape[0], L)}),
    )
    terms.markdown("\n".join(f"- **{infos[m].label}**: {infos[m].how_to_read}" for m in shown))
    in_words(shown, full, maps, x, L, i, k, yp, p_i, edited is not None)


def said_by(method: str) -> str:
    """The method as a sentence names it: "CAM", "Saliency" (its label without the parenthesis)."""
    return "CAM" if method == "cam" else labels[method].split(" (")[0]


def in_words(shown, full, maps, x, L, i, k, yp, p_i, edited) -> None:
    """The "because" of the map the user picks (the CAM by default), its stretches shaded on that map's
    chart, then "What would make it say …?"."""
    st.markdown("##### Why, in plain words")
    if ss.get(f"{PAGE}_because_method") not in shown:
        ss[f"{PAGE}_because_method"] = shown[0]
    said = st.selectbox(
        "Say why from",
        shown,
        format_func=labels.get,
        key=f"{PAGE}_because_method",
        help=terms.tip(
            *(labels[m] for m in shown), help="The map whose stretches the sentence names and the chart below shades."
        ),
    )
    evidence = full[said][:1, :L] if drawn_once(said) else full[said][:, :L]  # (1, T) for all variables, or (V, T)
    why = because(
        evidence,
        ctx.classes[k],
        variable_names=ctx.var_names,
        method_label=said_by(said),
        predicted=ctx.classes[yp],
        signed=infos[said].signed,
    )
    because_block.show_because(why)
    figure = F.map_series_figure(
        x,
        maps[labels[said]],
        length=L,
        var_names=var_names,
        colorbar_title=labels[said],
        title=f"{'Edited s' if edited else 'S'}ample #{i}: {labels[said]} for class {ctx.classes[k]}, the stretches named shaded",
    )
    widgets_ui.chart(
        F.shade_stretches(figure, why, variables=None if drawn_once(said) else variables),
        "attr_because",
        name=widgets_ui.slug("because", ctx.ds.name, split, i, ctx.classes[k], said),
        how_to_read=f"Each point is coloured by {labels[said]}'s value there: red raised the score of class "
        f"{ctx.classes[k]}, blue lowered it." + F.shading_note(why),
    )
    if not edited:
        because_block.what_would_make_it_say(ctx, PAGE, split, i, yp, p_i)


def sample_csv_columns(maps: dict[str, np.ndarray], n_vars: int, L: int) -> dict[str, np.ndarray]:
    """One column per map and variable, or one per map drawn once over time (``(T,)`` on V > 1)."""
    cols = {}
    for lab, mp in maps.items():
        if n_vars > 1 and mp.ndim == 1:
            cols[f"{lab}_all_variables"] = mp[:L]
            continue
        for v in range(n_vars):
            cols[f"{lab}_v{v + 1}"] = np.broadcast_to(mp, (n_vars, mp.shape[-1]))[v, :L]
    return cols


#: Class averages run on this many class-balanced samples unless the user asks for all: a few
#: hundred maps already give a stable average, and all 4,500 of ECG5000 with IG took 8.5 minutes.
CLASS_AVERAGE_SAMPLES = 200


def class_average_samples(method: str, n: int) -> int:
    """How many samples the class averages use (0 = all): a class-balanced subset by default, all on
    request, with the time all would take once the rate is known."""
    if n <= CLASS_AVERAGE_SAMPLES:
        return 0
    estimate = cached_explanations.estimated_seconds("attr_true", ctx.model_id, method, params(method), n)
    every = f"all {n}" + (f" (about {format_seconds(estimate)})" if estimate is not None else "")
    choice = st.segmented_control(
        "Samples averaged",
        [CLASS_AVERAGE_SAMPLES, 0],
        default=CLASS_AVERAGE_SAMPLES,
        key=f"attr_avg_n_{method}",
        format_func=lambda k: f"{k} class-balanced" if k else every,
        help="The average over a class-balanced sample is ready in seconds; all samples can take minutes.",
    )
    return CLASS_AVERAGE_SAMPLES if choice is None else int(choice)


def class_average_panel() -> None:
    if ss["method"] not in infos:
        ss["method"] = explanations.PAGE_METHODS[1]
    state_ui.bound(
        st.selectbox,
        "method",
        "Method",
        page=PAGE,
        options=list(infos),
        format_func=labels.get,
        help=terms.tip(*labels.values()),
    )
    method = ss["method"]
    n = len(a.y)
    subset = class_average_samples(method, n)
    idx = a.rows(subset)
    res = cached_explanations.split_explanation(
        "attr_true",
        ctx.model_id,
        ctx.dataset_id,
        split,
        f"{labels[method]} for {len(idx)} {split} samples",
        method,
        params(method),
        subset,
    )
    if res is None:
        return  # cancelled
    once = drawn_once(method)
    shown = [0] if once else variables  # one map over time is the same in every variable: drawn once
    mean, std, counts = analysis.class_mean_spread(res["maps"][:, shown], a.y[idx], K, a.lengths[idx])
    together = f" ({F.ALL_VARIABLES})" if once else ""
    widgets_ui.chart(
        F.class_average_map_figure(
            mean,
            std,
            ctx.classes,
            ctx.colors,
            counts=counts,
            var_names=None if once else var_names,
            title=f"{labels[method]}{together}: average map of each class over its {split} samples",
            y_title="attribution",
        ),
        "attr_class_average",
        name=widgets_ui.slug("class_average", method, ctx.ds.name, split),
        how_to_read=f"Per class, its samples' maps for their own class averaged step by step (± spread). {infos[method].how_to_read}",
        csv=lambda: pd.DataFrame(
            [
                {
                    "class": c,
                    "variable": "all" if once else variables[v] + 1,
                    "t": t,
                    "mean": mean[j, v, t],
                    "std": std[j, v, t],
                }
                for j, c in enumerate(ctx.classes)
                for v in range(mean.shape[1])
                for t in range(mean.shape[2])
            ]
        ),
    )


#: Faithfulness and the sanity check run on this many class-balanced samples unless the user asks
#: for more: each sample costs about 40 forward passes per method (faithfulness) or a map per
#: method and randomised model (sanity, 8 models).
CHECK_SAMPLES = {"faithfulness": 32, "sanity": 16}


def check_samples(kind: str, key: str, least: int) -> int:
    """How many class-balanced samples a check uses: a slider from ``least`` to all, the default
    :data:`CHECK_SAMPLES`, and the time all would take once the rate is known."""
    n = len(a.y)
    default = min(CHECK_SAMPLES[kind], n)
    subset = st.slider(
        "Samples checked (class-balanced)",
        min(least, n),
        n,
        default,
        key=key,
        help="The check runs in the background on a class-balanced sample; the rightmost end checks them all.",
    )
    if subset < n:
        estimate = cached_checks.check_seconds(kind, ctx.model_id, methods, baseline, ig_steps, perturb, n)
        every = f"all {n}" + (f" (about {format_seconds(estimate)})" if estimate is not None else "")
        st.button(
            f"Check {every}", key=f"{key}_all", on_click=ss.__setitem__, args=(key, n), icon=":material/select_all:"
        )
    return subset


def faithfulness_panel() -> None:
    subset = check_samples("faithfulness", "attr_faith_n", 8)
    args = (ctx.model_id, ctx.dataset_id, split, tuple(methods), baseline, ig_steps, subset, perturb)
    found = cached_checks.faithfulness(*args, label=f"Faithfulness of {len(methods)} method(s) on {subset} samples")
    if found is None:
        return  # running in the background (its progress is drawn), or cancelled, with no smaller check done
    report, subset = found  # a smaller finished check stays drawn while a larger one runs or after its cancel
    ag = cached_checks.agreement(*args[:-2], subset, perturb)
    fr, rnd = report.random.fractions, report.random
    mlabels = {labels[m]: report.methods[m] for m in methods}
    left, right = st.columns(2)
    for col, kind in zip((left, right), ("deletion", "insertion"), strict=True):
        with col:
            widgets_ui.chart(
                F.faithfulness_figure(
                    fr,
                    {k: v.curves.mean_curve(kind) for k, v in mlabels.items()},
                    random=rnd.mean_curve(kind),
                    random_spread=None,
                    kind=kind,
                ),
                f"attr_{kind}",
                name=widgets_ui.slug(kind, ctx.ds.name, split),
                how_to_read=(
                    "Steps are removed (set to the baseline) most important first: the faster a method's curve falls below the grey random order, the more faithful it is."
                    if kind == "deletion"
                    else "Starting from the baseline, steps are put back most important first: the faster a method's curve rises above the grey random order, the better."
                ),
                csv=lambda kind=kind: pd.DataFrame(
                    {
                        "fraction": fr,
                        "random": rnd.mean_curve(kind),
                        **{k: v.curves.mean_curve(kind) for k, v in mlabels.items()},
                    }
                ),
            )
    table = pd.DataFrame(
        {
            "method": list(mlabels),
            "AOPC deletion": [v.aopc_deletion for v in mlabels.values()],
            "AOPC insertion": [v.aopc_insertion for v in mlabels.values()],
            "p (better than random)": [small_number(v.p_value) for v in mlabels.values()],  # never a rounded 0
            "better than random": ["yes" if v.better_than_random else "no" for v in mlabels.values()],
        }
    )
    gains = {
        curve: {k: getattr(v, f"aopc_{curve}") - getattr(report, f"random_aopc_{curve}") for k, v in mlabels.items()}
        for curve in ("deletion", "insertion")
    }
    widgets_ui.chart(
        F.aopc_figure(gains),
        "attr_aopc",
        name=widgets_ui.slug("aopc", ctx.ds.name, split),
        how_to_read="AOPC averages how far each curve moves the predicted class's probability; bars show it minus the random order's: above 0 the method ranks the steps that matter better than chance.",
        csv=lambda: table,
    )
    for m in methods:
        verdict = report.methods[m].verdict(labels[m], report.random_aopc_deletion, report.random_aopc_insertion)
        terms.alert(st.success if report.methods[m].better_than_random else st.warning, verdict)
    st.dataframe(table.round(4), hide_index=True, column_config=widgets_ui.table_columns(table))
    terms.caption(
        f"Random order: AOPC deletion {report.random_aopc_deletion:.4f}, insertion {report.random_aopc_insertion:.4f}. 'Better than random' needs a positive average gain over random and a one-sided Wilcoxon p < 0.05 (with ≥ 10 samples)."
    )
    names = [labels[m] for m in ag.methods]
    widgets_ui.chart(
        F.matrix_figure(
            ag.mean,
            names,
            title=f"Method agreement (Spearman rank correlation, {subset} samples)",
            colorbar_title="ρ",
        ),
        "attr_agreement",
        name=widgets_ui.slug("agreement", ctx.ds.name, split),
        how_to_read="Each cell is how similarly two methods rank the time steps, averaged over samples: 1 = same order, 0 = unrelated, −1 = reversed.",
        csv=lambda: pd.DataFrame(ag.mean, index=names, columns=names).reset_index(names="method"),
    )


def sanity_panel() -> None:
    subset = check_samples("sanity", "attr_sanity_n", 4)
    found = cached_checks.sanity(
        ctx.model_id,
        ctx.dataset_id,
        split,
        tuple(methods),
        baseline,
        ig_steps,
        subset,
        perturb,
        label=f"Sanity check of {len(methods)} method(s) on {subset} samples",
    )
    if found is None:
        return  # running in the background (its progress is drawn), or cancelled, with no smaller check done
    res = found[0]
    stages = [part for part, _ in next(iter(res.values())).cascade]
    lines = {labels[m]: np.array([1.0] + [r for _, r in res[m].cascade]) for m in methods}  # the trained model: ρ = 1
    widgets_ui.chart(
        F.lines_figure(
            np.arange(len(stages) + 1),
            lines,
            x_labels=["none"] + [f"…{s}" for s in stages],
            x_title="weights randomised from the head down to",
            y_title="Spearman ρ with the original map",
            title="Sanity check: do the maps change when the model is randomised?",
        ),
        "attr_sanity",
        name=widgets_ui.slug("sanity", ctx.ds.name, split),
        how_to_read="Layers are replaced by random weights from the output down; a method that explains the model should drop towards 0 at once — one that stays high mostly mirrors the input.",
        csv=lambda: pd.DataFrame({"randomised down to": ["none"] + stages, **{k: v for k, v in lines.items()}}),
    )
    for m in methods:
        terms.alert(st.success if res[m].passes() else st.warning, res[m].verdict(labels[m]))
    after = pd.DataFrame(
        {
            "method": [labels[m] for m in methods],
            "Spearman ρ after randomising the last layer": [res[m].head for m in methods],
            "Spearman ρ after randomising every layer": [res[m].all for m in methods],
        }
    ).round(3)
    st.dataframe(after, hide_index=True, column_config=widgets_ui.table_columns(after))


with tabs[0]:
    if tabs[0].open is not False:
        sample_panel()
with tabs[1]:
    if tabs[1].open:
        class_average_panel()
with tabs[2]:
    if tabs[2].open:
        faithfulness_panel()
with tabs[3]:
    if tabs[3].open:
        sanity_panel()
