"""A shareable report: one self-contained HTML file of a model on one split of a dataset.

It holds what the dashboard's Home, Class activation maps, Attention and Attributions pages
show by default — accuracy, the guided examples, the class-average CAM, the attention's spread,
the faithfulness and sanity verdicts — and opens offline in any browser: plotly.js is embedded
once, nothing is fetched (no CDN, no web font, no stylesheet from elsewhere).

Everything comes from the library, never recomputed here: the model's input from
:func:`lstmfcn.inputs.model_input`, accuracy from :func:`lstmfcn.evaluation.evaluate`,
explanations from :mod:`lstmfcn.explain`, charts from :mod:`lstmfcn.figures`. Arrays are
``(N, V, T)``. This module decides what the report holds and computes each part once (``memo``);
:mod:`lstmfcn.report_sections` writes each section, :mod:`lstmfcn.report_html` the page around them.

>>> page = build_report(load_model("lstmfcn/pretrained/GunPoint__lstmfcn.safetensors"), load_dataset("GunPoint"))
>>> Path("gunpoint.html").write_text(page, encoding="utf-8")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence

import numpy as np

from . import figures as F
from . import report_sections as sections
from .dashboard import explanations
from .data.names import apply_renames, display_class, names_from_metadata
from .data.overlap import split_warning
from .errors import LstmFcnError, UserInputError
from .evaluation import evaluate
from .explain import (
    METHODS,
    can_show_attention,
    faithfulness_report,
    model_randomisation_check,
    parse_methods,
)
from .inputs import model_input
from .report_html import page

#: Samples the faithfulness check uses at most (the Attributions page's default, so that the
#: verdicts are the page's): each costs about 170 forward passes per method.
CHECK_SAMPLES = 32
#: Samples the sanity check uses at most (the page's default): each is explained twice more per method.
SANITY_SAMPLES = 16
#: What "absent" means for the path methods and the deleted steps (the Attributions page's default).
BASELINE = "zeros"
IG_STEPS = 32

#: ``progress(fraction done, what is being done)``, called as each part starts.
ReportProgress = Callable[[float, str], None]


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
    title = f"{ds.name} · {model_name or sections.architecture_name(meta)}"

    said = split_warning(meta, ds, split, model_name or sections.architecture_name(meta))
    warnings = [*inputs.warnings, *([said] if said else []), *([not_renamed] if not_renamed else [])]
    parts = [sections.header(title, ds.name, split, len(y), warnings), sections.model_facts(meta)]
    parts.append(sections.accuracy(ev, y, classes, colors, split))

    say(0.1, "drawing the guided examples")
    parts.append(
        once(("guided", named), lambda: sections.guided_examples(model, X, y, L, ev.logits, classes, var_names, split))
    )

    cam_rows = importance_rows(y, samples)
    say(0.2, f"class activation maps of {len(cam_rows)} samples")
    Xc, yc, Lc = X[cam_rows], y[cam_rows], L[cam_rows]
    parts.append(
        once(
            ("cam", samples, named),
            lambda: sections.class_average_cam(model, Xc, yc, Lc, classes, colors, split, len(y)),
        )
    )
    if can_show_attention(model):
        say(0.3, f"attention of {len(cam_rows)} samples")
        parts.append(
            once(
                ("attention", samples, named),
                lambda: sections.attention(model, Xc, yc, Lc, classes, colors, var_names, len(y)),
            )
        )

    if importance:
        say(0.35, f"what matters: importance on {len(cam_rows)} samples")
        found = kept.get("importance")  # (rows, result, agreements): the What matters page's, labels as names
        found = found[1:] if found is not None and np.array_equal(found[0], cam_rows) else None
        parts.append(
            once(
                ("importance", samples, named),
                lambda: sections.what_matters(model, Xc, yc, Lc, cam_rows, classes, var_names, len(y), found),
            )
        )
    parts += once(("checks", samples, tuple(names)), lambda: _checks(model, X, y, L, ev, names, samples, say))
    say(1.0, "done")
    return page(title, parts)


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
        params = explanations.options_of(m, BASELINE, IG_STEPS)
        maps[m] = explanations.attribution(model, X[rows], target, L[rows], m, params)
    say(0.6, f"faithfulness on {len(rows)} samples")
    report = faithfulness_report(model, X[rows], target, maps, lengths=L[rows], baseline=BASELINE)
    parts = [sections.faithfulness(report, labels_of, len(rows), len(y))]
    rows = explanations.subset_indices(y, min(SANITY_SAMPLES, samples))
    say(0.8, f"sanity check on {len(rows)} samples")
    options = explanations.options_for(names, BASELINE, IG_STEPS)
    target = ev.predictions[rows]
    sanity = model_randomisation_check(model, X[rows], target, methods=names, lengths=L[rows], **options)
    parts.append(sections.sanity(sanity, labels_of, len(rows), len(y)))
    return parts


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
