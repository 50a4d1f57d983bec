"""What the dashboard is looking at, and how that travels in the URL.

A :class:`View` is the handful of small identifiers every page agrees on: the dataset, the
model, the split and sample, the class and the attribution method. The dashboard keeps it in
``st.session_state`` and mirrors it into the URL's query parameters, so a copied link reopens the
same view. This module is the pure part of that: parsing untrusted query parameters (anything a
user can type into an address bar) and writing them back, with no Streamlit import.

Query parameters::

    ?dataset=GunPoint&model=GunPoint__lstmfcn&split=test&sample=12&class=2&method=ig&resample=1&subset=1
    &vs=GunPoint__alstmfcn&present=3
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

from lstmfcn.zoo import DEFAULT_DATASET

SPLITS = ("test", "train")
PREDICTED = ""  # class value meaning "the class the model predicts for this sample"
DEFAULT_METHOD = "ig"

# View field -> query parameter name (short, readable words in the address bar).
QUERY_NAMES = {
    "dataset": "dataset",
    "model": "model",
    "split": "split",
    "sample": "sample",
    "cls": "class",
    "method": "method",
    "resample": "resample",
    "class_subset": "subset",
    "names": "names",
    "compare": "vs",
    "present": "present",
}
_SWITCHES = ("resample", "class_subset")  # opt-ins kept as 1/0 in the URL
_MAX_ID = 200  # identifiers are names or digests; anything longer is not ours
_MAX_NAMES = 8000  # the renames of every class and variable, as compact JSON


@dataclass(frozen=True)
class View:
    """The shared selection, as small identifiers (never arrays or models).

    Attributes:
        dataset: dataset id: a catalog name (``"GunPoint"``) or ``"upload:<digest>"``.
        model: model id: a zoo name (``"GunPoint__lstmfcn"``), ``"upload:<digest>"``,
            ``"trained:<digest>"`` or ``"sweep:<digest>"``; ``""`` when no model is chosen yet.
        split: ``"test"`` or ``"train"``: where samples are picked from.
        sample: index of the selected sample in that split.
        cls: class name whose map is shown, or ``""`` for the predicted class.
        method: key of the attribution method (``"ig"``, ``"saliency"``, …).
        resample: whether series are resampled to the model's length when it was built for
            another (opt-in; off is left out of the URL).
        names: the user's renames of classes and variables, as canonical JSON
            (``{"classes": {label: name}, "variables": {index: name}}``; see :func:`parse_names`);
            ``""`` for none.
        class_subset: whether a dataset holding only some of the model's classes is evaluated on them
            (opt-in; off is left out of the URL).
        compare: model id of the second model on the Compare page (model B), ``""`` for none
            chosen; whether it fits the dataset is checked there.
        present: presenter mode's step (``"3"``: on, at the talk's third screen), ``""`` when off.
    """

    dataset: str = DEFAULT_DATASET
    model: str = ""
    split: str = "test"
    sample: int = 0
    cls: str = PREDICTED
    method: str = DEFAULT_METHOD
    resample: bool = False
    class_subset: bool = False
    names: str = ""
    compare: str = ""
    present: str = ""

    def with_(self, **changes) -> View:
        """A copy with some fields changed."""
        return replace(self, **changes)


def _first(value: str | list[str] | tuple[str, ...] | None, most: int = _MAX_ID) -> str | None:
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if value is None:
        return None
    value = str(value).strip()
    return value if 0 < len(value) <= most else None


def parse_names(text: str | None) -> dict:
    """The renames in a ``names`` parameter, or ``{}`` when it is not well-formed JSON of the shape
    ``{"classes": {str: str}, "variables": {str: str}}`` (whether the classes and variables exist,
    and whether the names are acceptable, is checked where they are applied)."""
    import json

    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    if not isinstance(data, dict) or set(data) - {"classes", "variables"}:
        return {}
    out = {}
    for part, renames in data.items():
        if not isinstance(renames, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in renames.items()
        ):
            return {}
        if renames:
            out[part] = renames
    return out


def names_param(renames: dict) -> str:
    """The canonical ``names`` parameter for some renames (``""`` for none)."""
    import json

    kept = {part: dict(sorted(r.items())) for part, r in sorted(renames.items()) if r}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False) if kept else ""


def view_from_query(params: Mapping[str, str | list[str]], default: View | None = None) -> View:
    """Read a :class:`View` from query parameters, ignoring what is missing or malformed.

    Args:
        params: ``st.query_params`` or any mapping of names to a string (or a list of strings,
            the last one wins, as in ``st.query_params``).
        default: the view whose fields fill whatever the parameters do not give.

    Returns:
        The view. Values are only checked for form here (a split name, a non-negative integer);
        whether the dataset or model exists is decided where they are loaded.
    """
    view = default or View()
    changes: dict = {}
    for field, name in QUERY_NAMES.items():
        raw = _first(params.get(name), _MAX_NAMES if field == "names" else _MAX_ID)
        if raw is None:
            continue
        if field == "sample":
            if raw.isdigit() and len(raw) < 10:
                changes["sample"] = int(raw)
        elif field == "present":
            if raw.isdigit() and 0 < int(raw) < 100_000:
                changes["present"] = str(int(raw))
        elif field == "split":
            if raw in SPLITS:
                changes["split"] = raw
        elif field == "names":
            changes["names"] = names_param(parse_names(raw))
        elif field == "cls" and raw.lower() == "predicted":
            changes["cls"] = PREDICTED
        elif field in _SWITCHES:
            if raw.lower() in ("1", "true", "0", "false"):
                changes[field] = raw.lower() in ("1", "true")
        else:
            changes[field] = raw
    return view.with_(**changes)


def view_to_query(view: View) -> dict[str, str]:
    """The query parameters that reopen ``view``; empty fields are left out."""
    out = {}
    for field, value in asdict(view).items():
        if value == "" or value is None or value is False:
            continue
        out[QUERY_NAMES[field]] = "1" if value is True else str(value)
    return out


def clamp_sample(sample: int, n: int) -> int:
    """``sample`` kept inside ``0..n-1`` (0 for an empty split)."""
    if n <= 0:
        return 0
    return min(max(int(sample), 0), n - 1)


def class_index(cls: str, classes: list[str], predicted: int) -> int:
    """Index of the class named ``cls``; the predicted class for ``""`` or an unknown name."""
    names = [str(c) for c in classes]
    return names.index(cls) if cls in names else int(predicted)
