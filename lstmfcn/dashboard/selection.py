"""Which model the dashboard may show on which dataset: the selection rules, without Streamlit.

A session has a dataset, perhaps a model, and two opt-ins (:class:`OptIns`): resampling series to
a model built for another length, and evaluating on a dataset that holds only some of a model's
classes. The rules:

* a model is used on a dataset only when :func:`lstmfcn.inputs.check_fit` accepts the pair
  with the session's opt-ins (:func:`refusal` gives the sentence when it does not);
* a refused model that one opt-in would make usable is remembered (:func:`lifting_switch`), so
  that switching that opt-in on selects it;
* when the dataset changes, the model stays if it still fits, else the first model that fits is
  chosen: the dataset's shipped models first, then the session's own (:func:`first_fitting`).

Models are looked up through a ``load(model_id)`` callable so that the Streamlit layer can pass
its cached loader; a model that cannot be loaded is skipped, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from lstmfcn.data import Dataset
from lstmfcn.errors import LstmFcnError, MismatchError
from lstmfcn.inputs import Fit, check_fit
from lstmfcn.models import LSTMFCN

RESAMPLE_LABEL = "Resample series to the model's length"
SUBSET_LABEL = "Evaluate on a subset of the model's classes"
#: The sidebar switch that lifts a refusal, by :attr:`MismatchError.way_out`.
SWITCH_LABELS = {"resample": RESAMPLE_LABEL, "class_subset": SUBSET_LABEL}

Loader = Callable[[str], LSTMFCN]


@dataclass(frozen=True)
class OptIns:
    """A session's opt-ins; both off unless the user switches them on (or a link says so)."""

    resample: bool = False
    class_subset: bool = False

    def with_on(self, switch: str) -> OptIns:
        """A copy with ``switch`` (``"resample"`` or ``"class_subset"``) on."""
        return replace(self, **{switch: True})


def widest_fit(model: LSTMFCN, ds: Dataset) -> Fit | MismatchError:
    """:func:`check_fit` of the pair with both opt-ins on: what it needs bent (a :class:`Fit`), or
    the refusal that no opt-in lifts (the error, returned so that it can be kept).

    It answers every session's question about the pair: a refusal here is a refusal whatever the
    opt-ins (the checks before the opt-ins' own come first), and a fit that needs nothing bent fits
    with any opt-ins. The dashboard keeps it per pair, so a page checks the pair once.
    """
    try:
        return check_fit(model, ds, resample=True, class_subset=True)
    except MismatchError as exc:
        return exc.with_traceback(None)  # kept: its frames would keep the model and the dataset alive


def refusal(
    model: LSTMFCN, ds: Dataset, opts: OptIns = OptIns(), *, widest: Fit | MismatchError | None = None
) -> str | None:
    """``None`` when ``model`` may be used on ``ds`` with ``opts``; else the sentence saying why not.

    Cheap (the series are not touched). A refusal that one switch would lift names it; no refusal
    names a switch that would lead to a meaningless result. ``widest``: :func:`widest_fit` of the
    pair when the caller keeps it; the pair is checked again with ``opts`` only when it needs
    something bent that ``opts`` do not allow (for that refusal's own sentence).
    """
    if widest is None:
        widest = widest_fit(model, ds)
    if isinstance(widest, MismatchError):
        return _sentence(widest)
    if (widest.resample and not opts.resample) or (widest.missing_classes and not opts.class_subset):
        try:
            check_fit(model, ds, resample=opts.resample, class_subset=opts.class_subset)
        except MismatchError as exc:
            return _sentence(exc)
    return None


def _sentence(exc: MismatchError) -> str:
    label = SWITCH_LABELS.get(exc.way_out or "")
    return f"{exc}; switch on “{label}” in the sidebar to do so" if label else str(exc)


def lifting_switch(
    model: LSTMFCN, ds: Dataset, opts: OptIns = OptIns(), *, widest: Fit | MismatchError | None = None
) -> str | None:
    """The one opt-in, not yet on, that makes ``model`` usable on ``ds`` (``"resample"`` or
    ``"class_subset"``), or None when the model fits already or no single switch would do
    (``widest``: as in :func:`refusal`)."""
    if widest is None:
        widest = widest_fit(model, ds)
    if refusal(model, ds, opts, widest=widest) is None:
        return None
    for switch in SWITCH_LABELS:
        if not getattr(opts, switch) and refusal(model, ds, opts.with_on(switch), widest=widest) is None:
            return switch
    return None


def first_fitting(
    candidates: Iterable[str],
    load: Loader,
    ds: Dataset,
    opts: OptIns = OptIns(),
    *,
    widest: Callable[[str], Fit | MismatchError] | None = None,
) -> str:
    """The first of ``candidates`` (model ids, in order of preference) that loads and fits ``ds``;
    ``""`` when none does. ``widest(model_id)``: the kept :func:`widest_fit` of a candidate on ``ds``."""
    for model_id in dict.fromkeys(candidates):
        try:
            kept = widest(model_id) if widest is not None else None
            if refusal(load(model_id), ds, opts, widest=kept) is None:
                return model_id
        except LstmFcnError:
            continue
    return ""
