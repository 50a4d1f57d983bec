"""The Streamlit layer every page imports, in one name (``from pages import _ui as ui``).

Split by job: :mod:`pages._state` (the selection in session state and the URL, bound widgets),
:mod:`pages._sidebar` (the shared sidebar and its callbacks), :mod:`pages._page` (the router check,
the page's :class:`Context`, the model's input or the reason it cannot be had),
:mod:`pages._widgets` (pickers and drawing helpers); every cache is in :mod:`pages._cached`.
No computation here: it lives in :mod:`lstmfcn.dashboard` and :mod:`lstmfcn.explain`.
"""

from pages._page import (
    Context,
    aligned_or_stop,
    context,
    ensure_router,
    need_model,
    shared_chrome,
    trained_on_warning,
    warnings_of,
)
from pages._sidebar import add_session_model, open_model, select_model, sidebar
from pages._state import bound, flash, opt_ins, presenting, refusal_of, set_sample, ss, sync_url
from pages._widgets import (
    SPLIT_NAMES,
    chart,
    class_picker,
    on_chart_select,
    on_table_select,
    selected_point,
    selected_row,
    slug,
    split_and_sample_pickers,
    split_picker,
    table,
    table_columns,
    variable_picker,
)

__all__ = [
    "SPLIT_NAMES",
    "Context",
    "add_session_model",
    "aligned_or_stop",
    "bound",
    "chart",
    "class_picker",
    "context",
    "ensure_router",
    "flash",
    "need_model",
    "on_chart_select",
    "on_table_select",
    "open_model",
    "opt_ins",
    "presenting",
    "refusal_of",
    "select_model",
    "selected_point",
    "selected_row",
    "set_sample",
    "shared_chrome",
    "sidebar",
    "slug",
    "split_and_sample_pickers",
    "split_picker",
    "ss",
    "sync_url",
    "table",
    "table_columns",
    "trained_on_warning",
    "variable_picker",
    "warnings_of",
]
