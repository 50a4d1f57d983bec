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
from lstmfcn.inputs import check_fit
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


def refusal(model: LSTMFCN, ds: Dataset, opts: OptIns = OptIns()) -> str | None:
    """``None`` when ``model`` may be used on ``ds`` with ``opts``; else the sentence saying why not.

    Cheap (the series are not touched). A refusal that one switch would lift names it; no refusal
    names a switch that would lead to a meaningless result.
    """
    try:
        check_fit(model, ds, resample=opts.resample, class_subset=opts.class_subset)
    except MismatchError as exc:
        label = SWITCH_LABELS.get(exc.way_out or "")
        return f"{exc}; switch on “{label}” in the sidebar to do so" if label else str(exc)
    return None


def lifting_switch(model: LSTMFCN, ds: Dataset, opts: OptIns = OptIns()) -> str | None:
    """The one opt-in, not yet on, that makes ``model`` usable on ``ds`` (``"resample"`` or
    ``"class_subset"``), or None when the model fits already or no single switch would do."""
    if refusal(model, ds, opts) is None:
        return None
    for switch in SWITCH_LABELS:
        if not getattr(opts, switch) and refusal(model, ds, opts.with_on(switch)) is None:
            return switch
    return None


def first_fitting(candidates: Iterable[str], load: Loader, ds: Dataset, opts: OptIns = OptIns()) -> str:
    """The first of ``candidates`` (model ids, in order of preference) that loads and fits ``ds``;
    ``""`` when none does."""
    for model_id in dict.fromkeys(candidates):
        try:
            if refusal(load(model_id), ds, opts) is None:
                return model_id
        except LstmFcnError:
            continue
    return ""
