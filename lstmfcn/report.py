"""A shareable report: one self-contained HTML file of a model on one split of a dataset.

It holds what the dashboard's Home, Class activation maps, Attention and Attributions pages
show by default — accuracy, the guided examples, the class-average CAM, the attention's spread,
the faithfulness and sanity verdicts — and opens offline in any browser: plotly.js is embedded
once, nothing is fetched (no CDN, no web font, no stylesheet from elsewhere).

Everything comes from the library, never recomputed here: the model's input from
:func:`lstmfcn.inputs.model_input`, accuracy from :func:`lstmfcn.evaluation.evaluate`,
explanations from :mod:`lstmfcn.explain`, charts from :mod:`lstmfcn.figures`. Arrays are
``(N, V, T)``.

>>> page = build_report(load_model("lstmfcn/pretrained/GunPoint__lstmfcn.safetensors"), load_dataset("GunPoint"))
>>> Path("gunpoint.html").write_text(page, encoding="utf-8")
"""

from __future__ import annotations

import html
import tomllib
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from . import figures as F
from . import glossary
from .because import Because, because
from .dashboard import analysis, explanations
from .data.names import apply_renames, display_class, names_from_metadata
from .data.overlap import split_warning
from .errors import LstmFcnError, UserInputError
from .evaluation import evaluate
from .explain import (
    METHODS,
    attention_maps,
    attention_spread,
    can_show_attention,
    class_activation_maps,
    faithfulness_report,
    model_randomisation_check,
    parse_methods,
)
from .inputs import model_input
from .models import ARCH_NAMES

#: Samples the faithfulness check uses at most (the Attributions page's default, so that the
#: verdicts are the page's): each costs about 170 forward passes per method.
CHECK_SAMPLES = 32
#: Samples the sanity check uses at most (the page's default): each is explained twice more per method.
SANITY_SAMPLES = 16
#: What "absent" means for the path methods and the deleted steps (the Attributions page's default).
BASELINE = "zeros"
IG_STEPS = 32
#: The classes whose importance sentence the report gives, those that depend most on one window first.
IMPORTANCE_CLASSES = 10

#: ``progress(fraction done, what is being done)``, called as each part starts.
ReportProgress = Callable[[float, str], None]

_PLOT_CONFIG = {"displaylogo": False, "responsive": True}
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.meta, .used, figcaption { color: #555; font-size: 0.95em; }
.big { font-size: 2.2em; font-weight: 600; margin: 0.2em 0; }
.warning { background: #fff4e5; border-left: 4px solid #e69f00; padding: 0.5em 1em; }
.yes { background: #e9f7ef; border-left: 4px solid #009e73; padding: 0.5em 1em; }
.no { background: #fff4e5; border-left: 4px solid #d55e00; padding: 0.5em 1em; }
table { border-collapse: collapse; margin: 0.5em 0; } td, th { border: 1px solid #ddd; padding: 0.25em 0.6em; }
th { background: #f5f5f5; text-align: left; } figure { margin: 1em 0; }
"""


def build_report(
    model,
    ds,
    split: str = "test",
    *,
    samples: int = 200,
    methods: str | Sequence[str] = ("ig",),
    progress: ReportProgress | None = None,
    resample: bool = False,
    class_subset: bool = False,
    model_name: str | None = None,
    renames: Mapping[str, Mapping] | None = None,
    importance: bool = True,
    memo: MutableMapping | None = None,
) -> str:
    """The report of ``model`` on ``ds``'s ``split``, as one HTML page that opens offline.

    Args:
        model: an LSTM-FCN-family model in eval mode, with its checkpoint's ``metadata`` (as
            :func:`lstmfcn.load_model` gives it).
        ds: the dataset (:func:`lstmfcn.load_dataset`); its raw series are prepared the model's way.
        split: ``"train"`` or ``"test"``.
        samples: class-balanced samples the class averages (CAM, attention) use; the faithfulness
            and sanity checks use at most :data:`CHECK_SAMPLES` and :data:`SANITY_SAMPLES` (the
            Attributions page's defaults, so the verdicts are the page's). Accuracy and the guided
            examples always cover the whole split.
        methods: explanation methods whose faithfulness and sanity are checked (names of
            :data:`lstmfcn.explain.METHODS`, a list or ``"ig,saliency"``).
        progress: called with the fraction done and a few words as each part starts.
        resample, class_subset: the opt-ins of :func:`lstmfcn.inputs.model_input`; what they
            bend is listed at the top of the report.
        model_name: what to call the model in the title (a file name); default its architecture.
        renames: the user's names of classes and variables (``{"classes": {label: name},
            "variables": {index: name}}``, the dashboard's ``names``) over the checkpoint's; ones
            that do not fit the model are left out, and the top of the report says so.
        importance: include "What matters": permutation importance of each variable and window
            per class on the class-average samples (:mod:`lstmfcn.importance`), with the maps' agreement.
        memo: the results of the costly steps (the evaluation, each section's HTML), kept here as
            they are made and taken from here when present: a later report of the same model on the
            same split of the same dataset with the same opt-ins (only the names, samples or methods
            may change: they are in the keys) takes seconds. The dashboard keeps one per model,
            dataset and split, with what its pages computed: Home's evaluation (``"evaluation"``,
            an :class:`~lstmfcn.evaluation.Evaluation`) and the What matters page's importance
            (``"importance"``: ``(rows, result, agreements)`` with the labels as names, used when
            ``rows`` are the report's class-average samples, :func:`importance_rows`).

    Returns:
        The page: a complete HTML document (about 5 MB, nearly all of it plotly.js).

    Raises:
        MismatchError, DataError: the model cannot read the dataset (the message is for the user).
        ValueError: ``samples`` below 1, an unknown method, attention asked of a model that has
            none to show, or an empty split.
    """
    if samples < 1:
        raise UserInputError(f"samples must be at least 1, got {samples}")
    names = parse_methods(methods)
    if "attention" in names and not can_show_attention(model):
        raise UserInputError("this model has no attention over more than one position to check; leave out 'attention'")
    say = progress or (lambda fraction, what: None)

    say(0.0, f"evaluating the {split} split")
    inputs = model_input(model, ds, split, resample=resample, class_subset=class_subset)
    X, y, L = inputs.X, inputs.y, inputs.lengths
    if len(y) == 0:
        raise ValueError(f"the {split} split of '{ds.name}' is empty")
    meta = model.metadata
    labels = [str(c) for c in meta["classes"]]
    class_list, var_names = names_from_metadata(meta)
    if len(var_names) != X.shape[1]:
        var_names = [f"variable {v + 1}" for v in range(X.shape[1])]
    class_list, var_names, not_renamed = _renamed(class_list, var_names, labels, renames)
    classes = [display_class(label, name) for label, name in zip(labels, class_list, strict=True)]
    colors = F.colors_for(labels, ds.classes)
    kept = {} if memo is None else memo

    def once(key, compute: Callable[[], object]):
        if key not in kept:  # two builds at once may both compute it: the same value, kept once
            kept[key] = compute()
        return kept[key]

    named = (tuple(classes), tuple(var_names), tuple(colors))  # what a section's HTML also depends on
    ev = once("evaluation", lambda: evaluate(model, X, y, L))
    title = f"{ds.name} · {model_name or _architecture(meta)}"

    said = split_warning(meta, ds, split, model_name or _architecture(meta))
    warnings = [*inputs.warnings, *([said] if said else []), *([not_renamed] if not_renamed else [])]
    parts = [_header(title, ds.name, split, len(y), warnings), _model_facts(meta)]
    parts.append(_accuracy(ev, y, classes, colors, split))

    say(0.1, "drawing the guided examples")
    parts.append(once(("guided", named), lambda: _guided(model, X, y, L, ev.logits, classes, var_names, split)))

    cam_rows = importance_rows(y, samples)
    say(0.2, f"class activation maps of {len(cam_rows)} samples")
    Xc, yc, Lc = X[cam_rows], y[cam_rows], L[cam_rows]
    parts.append(
        once(("cam", samples, named), lambda: _class_average_cam(model, Xc, yc, Lc, classes, colors, split, len(y)))
    )
    if can_show_attention(model):
        say(0.3, f"attention of {len(cam_rows)} samples")
        parts.append(
            once(
                ("attention", samples, named), lambda: _attention(model, Xc, yc, Lc, classes, colors, var_names, len(y))
            )
        )

    if importance:
        say(0.35, f"what matters: importance on {len(cam_rows)} samples")
        found = kept.get("importance")  # (rows, result, agreements): the What matters page's, labels as names
        found = found[1:] if found is not None and np.array_equal(found[0], cam_rows) else None
        parts.append(
            once(
                ("importance", samples, named),
                lambda: _importance(model, Xc, yc, Lc, cam_rows, classes, var_names, len(y), found),
            )
        )
    parts += once(("checks", samples, tuple(names)), lambda: _checks(model, X, y, L, ev, names, samples, say))
    say(1.0, "done")
    return _page(title, parts)


def importance_rows(y: np.ndarray, samples: int = 200) -> np.ndarray:
    """The rows of a split (labels ``y``) the report's class averages and importance use."""
    return explanations.subset_indices(y, samples)


def _checks(model, X, y, L, ev, names: Sequence[str], samples: int, say: ReportProgress) -> list[str]:
    """The faithfulness and sanity sections of ``names`` (the Attributions page's defaults)."""
    rows = explanations.subset_indices(y, min(CHECK_SAMPLES, samples))
    target = ev.predictions[rows]
    labels_of = {m: METHODS[m].label for m in names}
    maps = {}
    for i, m in enumerate(names):
        say(0.5 + 0.1 * i / len(names), f"{labels_of[m]} of {len(rows)} samples")
        params = explanations.params_key(m, BASELINE, IG_STEPS)
        maps[m] = explanations.attribution(model, X[rows], target, L[rows], m, params)
    say(0.6, f"faithfulness on {len(rows)} samples")
    report = faithfulness_report(model, X[rows], target, maps, lengths=L[rows], baseline=BASELINE)
    parts = [_faithfulness(report, labels_of, len(rows), len(y))]
    rows = explanations.subset_indices(y, min(SANITY_SAMPLES, samples))
    say(0.8, f"sanity check on {len(rows)} samples")
    options = explanations.options_for(names, BASELINE, IG_STEPS)
    target = ev.predictions[rows]
    sanity = model_randomisation_check(model, X[rows], target, methods=names, lengths=L[rows], **options)
    parts.append(_sanity(sanity, labels_of, len(rows), len(y)))
    return parts


def package_version() -> str:
    """This package's version: the installed one, else the source tree's ``pyproject.toml``'s."""
    try:
        return version("lstmfcn-explorer")
    except PackageNotFoundError:
        pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
        try:
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"] + " (source tree)"
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


# ----------------------------------------------------------------------------------------------
# The sections: each returns HTML, every string from the data or the user escaped.

esc = html.escape


def _renamed(classes, variables, labels, renames) -> tuple[list[str], list[str], str | None]:
    """The names with ``renames`` applied (as the dashboard applies them), or the names as they
    were and the sentence that says why the renames were left out."""
    if not renames:
        return classes, variables, None
    try:
        return (
            apply_renames(classes, renames.get("classes"), keys=labels, kind="class"),
            apply_renames(variables, renames.get("variables"), kind="variable"),
            None,
        )
    except (LstmFcnError, ValueError, AttributeError) as exc:
        return classes, variables, f"the names asked for could not be used ({exc}); the checkpoint's are shown"


def _architecture(meta: dict) -> str:
    m = meta.get("model", {})
    arch = ARCH_NAMES.get(m.get("arch", ""), m.get("arch", "model"))
    if m.get("arch") in ("alstmfcn", "malstmfcn"):
        return f"{arch} (attention over {'variables' if m.get('shuffle', True) else 'time'})"
    return arch if m.get("shuffle", True) else f"{arch} (no shuffle)"


def _figure(fig, how_to_read: str) -> str:
    div = fig.to_html(full_html=False, include_plotlyjs=False, config=_PLOT_CONFIG)
    caption = f"<figcaption>{esc(how_to_read)}</figcaption>" if how_to_read else ""
    return f"<figure>{div}{caption}</figure>"


def _table(header: Sequence[str] | None, rows: Iterable[Sequence[object]]) -> str:
    """A table of ``rows``, every cell escaped; with ``header=None`` a first column of names in ``<th>``."""
    head = "" if header is None else "<tr>" + "".join(f"<th>{esc(str(h))}</th>" for h in header) + "</tr>"
    cells = ("td", "td") if header is not None else ("th", "td")
    body = "".join(
        "<tr>" + "".join(f"<{cells[min(i, 1)]}>{esc(str(c))}</{cells[min(i, 1)]}>" for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table>{head}{body}</table>"


def _header(title: str, dataset: str, split: str, n: int, warnings: Sequence[str]) -> str:
    made = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    out = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">The {esc(split)} split of {esc(dataset)} ({n} samples) · made {esc(made)} by LSTM-FCN Explorer '
        f"{esc(package_version())}</p>",
    ]
    out += [f'<p class="warning">Warning: {esc(w)}</p>' for w in warnings]
    return "\n".join(out)


def _model_facts(meta: dict) -> str:
    m, t = meta.get("model", {}), meta.get("training") or {}
    trained_on = (meta.get("dataset") or {}).get("name", "?")
    epochs = t.get("epochs_run", "?")
    planned = (t.get("config") or {}).get("epochs")
    acc = t.get("test_accuracy")
    minutes = t.get("wall_time_s")
    rows = [
        ("architecture", f"{_architecture(meta)}, {m.get('cells', '?')} LSTM cells"),
        ("trained on", trained_on),
        ("epochs", f"{epochs}" + (f" of {planned}" if planned and planned != epochs else "")),
        ("recorded test accuracy", "not recorded" if not isinstance(acc, float) else f"{acc:.4f}"),
        ("training time", "not recorded" if not minutes else f"{minutes / 60:.1f} min"),
        ("device", t.get("device", "not recorded")),
        ("seed", t.get("seed", "not recorded")),
    ]
    imported = meta.get("imported")
    if isinstance(imported, dict):  # trained elsewhere: where it came from instead of how it was trained
        from .importers import provenance_line

        rows = rows[:2] + [("recorded test accuracy", rows[3][1]), ("origin", provenance_line(meta))]
        rows += [("read from the weights", "; ".join(imported.get("read") or []))]
        rows += [("assumed (library defaults)", "; ".join(imported.get("assumed") or []))]
        parity = imported.get("parity")
        if isinstance(parity, dict):
            rows.append(("parity with the library's logits", f"max relative difference {parity.get('max_rel', 0):.2g}"))
    return "<h2>The model</h2>" + _table(None, rows)


def _accuracy(ev, y: np.ndarray, classes: list[str], colors: list[str], split: str) -> str:
    n_correct = int((ev.predictions == y).sum())
    counts = analysis.class_counts(y, len(classes))
    out = [
        f"<h2>How well does the model do on the {esc(split)} set?</h2>",
        f'<p class="big">{ev.accuracy:.1%}</p><p>{n_correct} of {len(y)} correct (accuracy {ev.accuracy:.4f})</p>',
        f'<p class="used">All {len(y)} {esc(split)} samples.</p>',
        _figure(
            F.per_class_accuracy_figure(ev.per_class_accuracy, classes, colors, counts=counts),
            "Each bar is the share of one class's samples that the model names correctly; a short bar is a class it confuses.",
        ),
        _figure(
            F.confusion_figure(ev.confusion, classes),
            "Row = the true class, column = the model's answer: the diagonal counts correct answers, everything else is a mistake.",
        ),
    ]
    if len(classes) > F.LABELLED_CELLS_UP_TO:
        worst = analysis.worst_confusions(ev.confusion, classes)
        out += ["<p>The most frequent confusions:</p>", _table(list(worst.columns), worst.itertuples(index=False))]
    return "\n".join(out)


def _guided(model, X, y, L, logits, classes, var_names, split: str) -> str:
    examples = analysis.guided_examples(y, logits, classes)
    out = [
        "<h2>Samples worth a look</h2>",
        "<p>For each class, the model's most confident right answer (clear only where the model says so well above "
        "every other class), its most confident mistake and a close call where there is one, each "
        "with its class activation map for the class the model chose: red moments pushed the model towards that "
        "class, blue ones away from it. Above each map, why in words: the stretches that gave the class most of its "
        "evidence, shaded yellow on the map (grey and dashed: the stretch that spoke most against it).</p>",
        f'<p class="used">Picked from all {len(y)} {esc(split)} samples.</p>',
    ]
    if not examples:
        return "\n".join(out)
    idx = np.array([ex.sample for ex in examples])
    cam = class_activation_maps(model, X[idx], L[idx]).cam  # (n, K, T)
    for j, ex in enumerate(examples):
        valid, name = int(L[ex.sample]), classes[ex.predicted]
        why = because(cam[j, ex.predicted, :valid][None], name, variable_names=var_names, predicted=name)
        fig = F.map_series_figure(
            X[ex.sample],
            cam[j, ex.predicted],
            length=valid,
            var_names=var_names,
            title=f"{split.capitalize()} sample #{ex.sample}: CAM for {name}",
        )
        out += [
            f"<h3>{esc(ex.kind.capitalize())}</h3><p>{esc(ex.sentence)}</p>",
            _because_html(why),
            _figure(F.shade_stretches(fig, why), F.shading_note(why).strip()),
        ]
    return "\n".join(out)


def _because_html(result: Because) -> str:
    """A guided example's "because" (:func:`lstmfcn.because.because`): its sentences, one paragraph."""
    return f'<p class="because">{esc(result.text)}</p>'


def _class_average_cam(model, X, y, L, classes, colors, split: str, n_split: int) -> str:
    K = len(classes)
    res = class_activation_maps(model, X, L)
    own = explanations.own_class_maps(res.cam, y)  # each sample's map for its own class, (n, T)
    mean, std, counts = analysis.class_mean_spread(own[:, None, :], y, K, L)  # padding left out
    fig = F.class_average_map_figure(
        mean[:, 0],
        std[:, 0],
        classes,
        colors,
        counts=counts,
        title=f"Average CAM of each class over its {split} samples (± one standard deviation)",
    )
    return "\n".join(
        [
            "<h2>Average map of each class</h2>",
            f'<p class="used">{_used(len(y), n_split)}</p>',
            _figure(
                fig,
                "For each class, its samples' maps for that class averaged step by step: peaks are the moments the "
                "model typically relies on to recognise the class.",
            ),
        ]
    )


def _attention(model, X, y, L, classes, colors, var_names, n_split: int) -> str:
    res = attention_maps(model, X, L)
    over = "time steps" if res.axis == "time" else "variables"
    spread = attention_spread(res.final, L if res.axis == "time" else None, over=over)
    K, T = len(classes), X.shape[-1]
    if res.axis == "time":
        fm, fs, fc = analysis.class_mean_spread(res.final[:, None, :], y, K, L)
        fig = F.class_attention_figure(
            fm[:, 0], fs[:, 0], classes, colors, n_positions=T if (L >= T).all() else None, counts=fc
        )
        read = (
            "For each class, the average weight the last step put on each time step (± spread). Read the heights "
            "against the dotted uniform line: a curve hugging it means no moment is preferred."
        )
    else:
        V = X.shape[1]
        fm = np.stack([res.final[y == k].mean(axis=0) if (y == k).any() else np.full(V, np.nan) for k in range(K)])
        fig = F.class_variable_attention_figure(fm, classes, var_names)
        read = f"Row = class, column = variable: the average weight the last step put on each variable; white is the uniform 1/{V}."
    return "\n".join(
        [
            f"<h2>Attention over the {over}</h2>",
            f'<p class="used">{_used(len(y), n_split)}</p>',
            f"<p>{esc(spread.sentence)}</p>",
            _figure(fig, read),
        ]
    )


def _faithfulness(report, labels: dict[str, str], n: int, n_split: int) -> str:
    out = [
        "<h2>How far to trust the explanations</h2>",
        f'<p class="used">Faithfulness: {_used(n, n_split)} Each sample is explained for the class the model '
        f"predicts; time steps are deleted (set to the baseline, {BASELINE}) or inserted most important first, in "
        f"{report.n_steps} steps and segments of {report.segment_length} steps, against "
        f"{len(report.random_seeds)} random orderings.</p>",
    ]
    rnd_del, rnd_ins = report.random_aopc_deletion, report.random_aopc_insertion
    for m, result in report.methods.items():
        css = "yes" if result.better_than_random else "no"
        out.append(f'<p class="{css}">{esc(result.verdict(labels[m], rnd_del, rnd_ins))}</p>')
    curves = {labels[m]: r.curves for m, r in report.methods.items()}
    for kind in ("deletion", "insertion"):
        fig = F.faithfulness_figure(
            report.random.fractions,
            {k: c.mean_curve(kind) for k, c in curves.items()},
            random=report.random.mean_curve(kind),
            kind=kind,
        )
        read = (
            "The faster a method's curve falls below the grey random order, the more faithful it is."
            if kind == "deletion"
            else "The faster a method's curve rises above the grey random order, the better."
        )
        out.append(_figure(fig, read))
    return "\n".join(out)


def _importance(model, X, y, L, rows, classes, var_names, n_split: int, found: tuple | None = None) -> str:
    from .importance import permutation_importance
    from .importance.agreement import map_agreement
    from .importance.sentences import agreement_sentence, importance_sentence
    from .importance.stored import renamed

    if found is None:
        result = permutation_importance(model, X, y, L, variables=var_names, classes=classes, sample_indices=rows)
        agreements = map_agreement(model, X, y, L, result)
    else:  # computed by the What matters page on these series with these settings: its numbers, these names
        result, agreements = renamed(*found, list(classes), list(var_names))
    order = result.classes_by_dependence()
    said = [importance_sentence(result, None), *(importance_sentence(result, c) for c in order[:IMPORTANCE_CLASSES])]
    more = len(order) - IMPORTANCE_CLASSES
    out = [
        "<h2>What matters across the split</h2>",
        f'<p class="used">{_used(len(y), n_split)} Each variable, and each window of time in it, is shuffled across '
        f"these series ({result.repeats} times) and the accuracy lost on each series' own class is measured, with a "
        "95% bootstrap interval; a loss matters only when its whole interval is above 0.</p>",
        *(f"<p>{esc(s)}</p>" for s in said),
    ]
    if more > 0:
        out.append(
            f'<p class="used">The {more} other classes depend less on any one window (the page lists them all).</p>'
        )
    out.append(f"<p>{esc(agreement_sentence(agreements))}</p>")
    out += [_figure(fig, how) for fig, how, _ in F.importance_figures(result, None)]
    return "\n".join(out)


def _sanity(sanity: dict, labels: dict[str, str], n: int, n_split: int) -> str:
    out = [
        f'<p class="used">Sanity check (model randomisation, Adebayo et al. 2018): {_used(n, n_split)} Each is '
        "explained for its predicted class again with the last layer's and then every layer's weights randomised; "
        "ρ is the rank correlation of the |maps| with the trained model's (low is good).</p>"
    ]
    for m, result in sanity.items():
        out.append(f'<p class="{"yes" if result.passes() else "no"}">{esc(result.verdict(labels[m]))}</p>')
    rows = [(labels[m], f"{r.head:.3f}", f"{r.all:.3f}") for m, r in sanity.items()]
    out.append(
        _table(
            ("method", "Spearman ρ after randomising the last layer", "Spearman ρ after randomising every layer"), rows
        )
    )
    return "\n".join(out)


def _used(n: int, n_split: int) -> str:
    return f"All {n} samples." if n >= n_split else f"{n} of the {n_split} samples, class-balanced."


def _page(title: str, parts: Sequence[str]) -> str:
    from plotly.offline import get_plotlyjs

    body = "\n".join(parts)
    footer = (
        '<p class="meta">Made with LSTM-FCN Explorer; opens offline (plotly.js is embedded, nothing is fetched).</p>'
    )
    # Every term of the prose explained on hover where it stands (the browser adds the <abbr>s, so the
    # sentences stay as the library wrote them), and all of them again in a list at the end.
    used = glossary.find_terms(glossary.prose_of_html(body + footer))
    words = f"<h2>Words used in this report</h2>\n{glossary.glossary_html(used)}\n" if used else ""
    body = f"{body}\n{words}{footer}\n{glossary.hover_script(body + footer)}"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{esc(title)}</title>\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<style>{_CSS}</style>\n'
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n<body>\n{body}\n'
        "</body>\n</html>\n"
    )
