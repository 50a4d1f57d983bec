"""The dashboard's cached layer: what every page reads and computes, once per server or per input.

* process-wide resources in ``st.cache_resource`` (shared, never mutated): torch's threads, the
  upload store, the training jobs, datasets and models by id, splits prepared for a model;
* arrays and explanations in ``st.cache_data``, keyed by ids and parameters: a split's evaluation,
  class statistics, whole-split explanations cached chunk by chunk (so a progress bar can be drawn
  between chunks and a rerun only looks them up), one sample's explanations and activations, the
  faithfulness and sanity checks.

Every cache of the dashboard is in this package of modules, by idea: :mod:`pages._cached_resources`
(process-wide resources), :mod:`pages._cached_explanations` (whole-split explanations chunk by chunk,
the evaluation, one sample's maps, the server's set-up and warm-up), :mod:`pages._cached_checks` (background checks),
:mod:`pages._cached_views` (figures and results built once per input) and :mod:`pages._cached_report` (Home's
report, above the others: it reuses their results). Pages read them all through this module's names;
a test that replaces one patches the module that defines it.

No computation here: it lives in :mod:`lstmfcn.dashboard` and :mod:`lstmfcn.explain`. Nothing here
imports torch.
"""

from __future__ import annotations

from pages._cached_checks import (  # noqa: F401
    agreement,
    check_seconds,
    faithfulness,
    in_background,
    sanity,
    task_registry,
)
from pages._cached_explanations import (  # noqa: F401
    block_activations,
    class_stats,
    compute_setup,
    dataset_digest,
    disk_cache,
    estimated_seconds,
    evaluation,
    format_seconds,
    keep_unit_cam,
    model_digest,
    rows,
    sample_attention,
    sample_attribution,
    series,
    split_explanation,
)
from pages._cached_report import report_html  # noqa: F401
from pages._cached_resources import (  # noqa: F401
    aligned,
    blob_store,
    dataset,
    datasets_with_models,
    device_label,
    job_registry,
    model,
    model_file,
    model_meta,
    overlap_counts,
)
from pages._cached_views import (  # noqa: F401
    cam_class_average,
    cam_overview_figure,
    counterfactual,
    features,
    model_view,
    projection,
    sample_comparison,
    series_attention,
    series_attribution,
)
