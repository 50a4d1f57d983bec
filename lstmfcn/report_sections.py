"""The report's sections (:func:`lstmfcn.report.build_report`), each a function from library results to HTML.

One per part of the page: the header, the model's facts, accuracy, the guided examples, the class-average
CAM, the attention's spread, what matters, faithfulness and the sanity check. Each says which samples
it used and how to read its charts, as the dashboard's pages do; every string from the data or the user
is escaped. The numbers come from the library (:mod:`lstmfcn.explain`, :mod:`lstmfcn.importance`,
:mod:`lstmfcn.dashboard.analysis`), never recomputed here. Arrays are ``(N, V, T)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from . import figures as F
from .because import Because, because
from .dashboard import analysis, explanations
from .explain import attention_maps, attention_spread, class_activation_maps
from .models import ARCH_NAMES, attends
from .report_html import esc, figure, package_version, table, used

#: The classes whose importance sentence the report gives, those that depend most on one window first.
IMPORTANCE_CLASSES = 10


def architecture_name(meta: dict) -> str:
    """The model's architecture in words, with what it attends over or that it does not shuffle."""
    m = meta.get("model", {})
    arch = ARCH_NAMES.get(m.get("arch", ""), m.get("arch", "model"))
    if attends(m.get("arch", "")):
        return f"{arch} (attention over {'variables' if m.get('shuffle', True) else 'time'})"
    return arch if m.get("shuffle", True) else f"{arch} (no shuffle)"


def header(title: str, dataset: str, split: str, n: int, warnings: Sequence[str]) -> str:
    """The title, what the report covers and when and by what it was made, then the warnings."""
    made = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    out = [
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">The {esc(split)} split of {esc(dataset)} ({n} samples) · made {esc(made)} by LSTM-FCN Explorer '
        f"{esc(package_version())}</p>",
    ]
    out += [f'<p class="warning">Warning: {esc(w)}</p>' for w in warnings]
    return "\n".join(out)


def model_facts(meta: dict) -> str:
    """The model's facts from its checkpoint: how it was trained, or where it was imported from."""
    m, t = meta.get("model", {}), meta.get("training") or {}
    trained_on = (meta.get("dataset") or {}).get("name", "?")
    epochs = t.get("epochs_run", "?")
    planned = (t.get("config") or {}).get("epochs")
    acc = t.get("test_accuracy")
    minutes = t.get("wall_time_s")
    rows = [
        ("architecture", f"{architecture_name(meta)}, {m.get('cells', '?')} LSTM cells"),
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
    return "<h2>The model</h2>" + table(None, rows)


def accuracy(ev, y: np.ndarray, classes: list[str], colors: list[str], split: str) -> str:
    """Home's accuracy: the whole split's, per class, and the confusion matrix."""
    n_correct = int((ev.predictions == y).sum())
    counts = analysis.class_counts(y, len(classes))
    out = [
        f"<h2>How well does the model do on the {esc(split)} set?</h2>",
        f'<p class="big">{ev.accuracy:.1%}</p><p>{n_correct} of {len(y)} correct (accuracy {ev.accuracy:.4f})</p>',
        f'<p class="used">All {len(y)} {esc(split)} samples.</p>',
        figure(
            F.per_class_accuracy_figure(ev.per_class_accuracy, classes, colors, counts=counts),
            "Each bar is the share of one class's samples that the model names correctly; a short bar is a class it confuses.",
        ),
        figure(
            F.confusion_figure(ev.confusion, classes),
            "Row = the true class, column = the model's answer: the diagonal counts correct answers, everything else is a mistake.",
        ),
    ]
    if len(classes) > F.LABELLED_CELLS_UP_TO:
        worst = analysis.worst_confusions(ev.confusion, classes)
        out += ["<p>The most frequent confusions:</p>", table(list(worst.columns), worst.itertuples(index=False))]
    return "\n".join(out)


def guided_examples(model, X, y, L, logits, classes, var_names, split: str) -> str:
    """Samples worth a look, each with its CAM for the class the model chose and why in words."""
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
            because_paragraph(why),
            figure(F.shade_stretches(fig, why), F.shading_note(why).strip()),
        ]
    return "\n".join(out)


def because_paragraph(result: Because) -> str:
    """A guided example's "because" (:func:`lstmfcn.because.because`): its sentences, one paragraph."""
    return f'<p class="because">{esc(result.text)}</p>'


def class_average_cam(model, X, y, L, classes, colors, split: str, n_split: int) -> str:
    """Each class's samples' CAMs for that class, averaged step by step (padding left out)."""
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
            f'<p class="used">{used(len(y), n_split)}</p>',
            figure(
                fig,
                "For each class, its samples' maps for that class averaged step by step: peaks are the moments the "
                "model typically relies on to recognise the class.",
            ),
        ]
    )


def attention(model, X, y, L, classes, colors, var_names, n_split: int) -> str:
    """The attention's spread in words and each class's average attention, over time or variables."""
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
            f'<p class="used">{used(len(y), n_split)}</p>',
            f"<p>{esc(spread.sentence)}</p>",
            figure(fig, read),
        ]
    )


def faithfulness(report, labels: dict[str, str], n: int, n_split: int) -> str:
    """Each method's faithfulness verdict and the deletion and insertion curves against random order."""
    out = [
        "<h2>How far to trust the explanations</h2>",
        f'<p class="used">Faithfulness: {used(n, n_split)} Each sample is explained for the class the model '
        f"predicts; time steps are deleted (set to the baseline, {report.baseline}) or inserted most important first, in "
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
        out.append(figure(fig, read))
    return "\n".join(out)


def what_matters(model, X, y, L, rows, classes, var_names, n_split: int, found: tuple | None = None) -> str:
    """What matters: permutation importance per class and the maps' agreement (``found``: the page's)."""
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
        f'<p class="used">{used(len(y), n_split)} Each variable, and each window of time in it, is shuffled across '
        f"these series ({result.repeats} times) and the accuracy lost on each series' own class is measured, with a "
        "95% bootstrap interval; a loss matters only when its whole interval is above 0.</p>",
        *(f"<p>{esc(s)}</p>" for s in said),
    ]
    if more > 0:
        out.append(
            f'<p class="used">The {more} other classes depend less on any one window (the page lists them all).</p>'
        )
    out.append(f"<p>{esc(agreement_sentence(agreements))}</p>")
    out += [figure(fig, how) for fig, how, _ in F.importance_figures(result, None)]
    return "\n".join(out)


def sanity(checks: dict, labels: dict[str, str], n: int, n_split: int) -> str:
    """Each method's model-randomisation verdict, with the rank correlations behind it."""
    out = [
        f'<p class="used">Sanity check (model randomisation, Adebayo et al. 2018): {used(n, n_split)} Each is '
        "explained for its predicted class again with the last layer's and then every layer's weights randomised; "
        "ρ is the rank correlation of the |maps| with the trained model's (low is good).</p>"
    ]
    for m, result in checks.items():
        out.append(f'<p class="{"yes" if result.passes() else "no"}">{esc(result.verdict(labels[m]))}</p>')
    rows = [(labels[m], f"{r.head:.3f}", f"{r.all:.3f}") for m, r in checks.items()]
    out.append(
        table(
            ("method", "Spearman ρ after randomising the last layer", "Spearman ρ after randomising every layer"), rows
        )
    )
    return "\n".join(out)
