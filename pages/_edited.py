"""An edited series from the What-if page, explained on another page instead of the split's sample.

The What-if page keeps the edited series in the session (:func:`keep`) and opens a page; that page
asks :func:`for_sample` whether the series it is about to explain has an edited version. It does
only while the same model, dataset, split and sample are selected: picking another sample shows that
sample. A banner says the series shown is edited, that it lives in this session only (a copied link
opens the original sample), and offers the way back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from pages._state import ss

KEY = "_edited_series"
#: Pages that explain an edited series, by script path: their title in the What-if page's buttons.
TARGETS = {"pages/cam.py": "CAM", "pages/attributions.py": "Attributions", "pages/attention.py": "Attention"}


@dataclass(frozen=True)
class Edited:
    """An edited series and the sample it was made from.

    Attributes:
        model_id, dataset_id, split, sample: the selection it belongs to.
        x: ``(V, T)`` float32 the edited series, as the model reads it.
        length: valid steps.
        n_edits: how many edits made it.
    """

    model_id: str
    dataset_id: str
    split: str
    sample: int
    x: np.ndarray
    length: int
    n_edits: int


def keep(model_id: str, dataset_id: str, split: str, sample: int, x: np.ndarray, length: int, n_edits: int) -> None:
    """Keep an edited series for the other pages (replaces the one kept before)."""
    ss[KEY] = Edited(model_id, dataset_id, split, int(sample), np.asarray(x, np.float32).copy(), int(length), n_edits)


def drop() -> None:
    ss.pop(KEY, None)


def for_sample(model_id: str, dataset_id: str, split: str, sample: int) -> Edited | None:
    """The kept edited series of this sample, with its banner drawn; None when there is none."""
    e = ss.get(KEY)
    if not isinstance(e, Edited) or (e.model_id, e.dataset_id, e.split, e.sample) != (
        model_id,
        dataset_id,
        split,
        int(sample),
    ):
        return None
    with st.container(border=True, key="edited_banner"):
        st.warning(
            f"**An edited series**: {split} sample {sample} after {e.n_edits} edit(s) on the What-if page, not the "
            "sample as recorded. It is kept in this browser session only, not in the link: a copied link opens the "
            "original sample.",
            icon=":material/edit:",
        )
        with st.container(horizontal=True, gap="small"):
            st.button("Show the original sample", on_click=drop, icon=":material/undo:", key="edited_back")
            st.page_link("pages/whatif.py", label="Back to What if", icon=":material/edit:")
    return e
