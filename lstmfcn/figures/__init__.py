"""Plotly figure builders shared by the dashboard, the command line and the tests.

Every builder takes numpy arrays and returns a ``plotly.graph_objects.Figure``; none computes an
explanation. Series are ``(V, T)`` (one sample) or ``(N, V, T)``; maps (CAM, attributions) have
the series' shape or ``(T,)``. Conventions kept on every chart:

* one colour per class everywhere (:func:`class_colors`; pass the same list to every builder);
* signed maps use one diverging scale centred on 0 (:data:`MAP_SCALE`): red is evidence *for*
  the class, blue evidence *against*;
* multivariate series get one row per variable;
* fonts and lines sized to stay readable on a projector.

One module per topic, all names flat here (``from lstmfcn import figures as F; F.confusion_figure``):
:mod:`._style` colours, scales and layout every chart shares; :mod:`.data` the dataset;
:mod:`.accuracy` how well the model does; :mod:`.maps` and :mod:`.map_panels` maps on the series;
:mod:`.attention`; :mod:`.counterfactual` what a counterfactual changed; :mod:`.faithfulness`;
:mod:`.stretches` the stretches a "because" names, shaded;
:mod:`.charts` general heatmap and lines; :mod:`.training`;
:mod:`.filters`; :mod:`.sweep` a sweep against the published results; :mod:`.export` (:func:`figure_html`: a standalone HTML file, plotly.js included).
"""

from ._map_traces import ALL_VARIABLES
from ._style import (
    FONT,
    MAP_SCALE,
    MAX_BAND_CLASSES,
    MAX_GRID_COLUMNS,
    MAX_LINE_CLASSES,
    MAX_UPRIGHT_BARS,
    SEQ_SCALE,
    SERIES_GREY,
    TEMPLATE,
    class_colors,
    colors_for,
    subtitled,
)
from .accuracy import LABELLED_CELLS_UP_TO, confusion_figure, per_class_accuracy_figure, sample_probability_figure
from .attention import (
    UNIFORM_LINE,
    attention_matrix_figure,
    attention_series_figure,
    class_attention_figure,
    class_context_figure,
    class_variable_attention_figure,
    uniform_anchored_colors,
    variable_attention_figure,
)
from .charts import grouped_bars_figure, lines_figure, matrix_figure
from .counterfactual import COUNTERFACTUAL_COLOR, counterfactual_figure
from .data import class_balance_figure, class_mean_figure, class_samples_figure
from .embedding import embedding_figure
from .export import figure_html
from .faithfulness import aopc_figure, faithfulness_figure
from .filters import activation_heatmap_figure, filter_activation_figure
from .importance import importance_bars_figure, importance_figures, importance_map_figure
from .map_panels import map_small_multiples_figure, maps_side_by_side_figure
from .maps import class_average_map_figure, map_series_figure, true_vs_predicted_figure
from .stretches import shade_stretches, shading_note
from .sweep import sweep_comparison_figure
from .training import training_curves_figure

__all__ = [
    "shade_stretches",
    "shading_note",
    "importance_bars_figure",
    "importance_figures",
    "importance_map_figure",
    "subtitled",
    "ALL_VARIABLES",
    "COUNTERFACTUAL_COLOR",
    "FONT",
    "MAP_SCALE",
    "MAX_BAND_CLASSES",
    "MAX_GRID_COLUMNS",
    "MAX_LINE_CLASSES",
    "MAX_UPRIGHT_BARS",
    "SEQ_SCALE",
    "SERIES_GREY",
    "TEMPLATE",
    "UNIFORM_LINE",
    "activation_heatmap_figure",
    "aopc_figure",
    "attention_matrix_figure",
    "attention_series_figure",
    "class_attention_figure",
    "class_average_map_figure",
    "class_balance_figure",
    "class_colors",
    "class_context_figure",
    "class_mean_figure",
    "class_samples_figure",
    "class_variable_attention_figure",
    "colors_for",
    "counterfactual_figure",
    "LABELLED_CELLS_UP_TO",
    "confusion_figure",
    "embedding_figure",
    "faithfulness_figure",
    "figure_html",
    "sweep_comparison_figure",
    "filter_activation_figure",
    "grouped_bars_figure",
    "lines_figure",
    "map_series_figure",
    "map_small_multiples_figure",
    "maps_side_by_side_figure",
    "matrix_figure",
    "per_class_accuracy_figure",
    "sample_probability_figure",
    "training_curves_figure",
    "true_vs_predicted_figure",
    "uniform_anchored_colors",
    "variable_attention_figure",
]
