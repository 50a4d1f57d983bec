"""What made a result: the dataset, the model and, where they apply, the split, sample and method.

A chart's labels are claims about where its numbers came from. They are read from the result that
made the chart (:class:`MadeBy`, stamped on the figure with :func:`stamp`), never from the page's
context: on a page with two models in play, a chart of model B then cannot be titled with model A.
The dashboard's chart helper reads the stamp (:func:`made_by`) for the chart's subtitle and for
its download names.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .dashboard.downloads import chart_subtitle, file_name
from .figures import subtitled


@dataclass(frozen=True)
class MadeBy:
    """Where a result's numbers come from.

    Attributes:
        dataset: the dataset's name (``"GunPoint"``, ``"upload: my.csv"``).
        model: what the model is called on the page (``"ALSTM-FCN · time · shipped"``).
        model_tag: the model's short name in a file name (``"alstmfcn-noshuffle"``).
        split: ``"train"`` or ``"test"``, where the result is of a split.
        sample: the sample's index in ``split``, where the result is of one sample.
        method: the explanation method's label (``"Integrated Gradients"``), where there is one.
    """

    dataset: str
    model: str
    model_tag: str
    split: str | None = None
    sample: int | None = None
    method: str | None = None

    def subtitle(self) -> str:
        """The line under a chart's title: ``"GunPoint · ALSTM-FCN · time · shipped"``, then the
        split and sample where the result is of one (``" · test sample 12"``)."""
        line = chart_subtitle(self.dataset, self.model)
        if self.split is not None:
            line += f" · {self.split} sample {self.sample}" if self.sample is not None else f" · {self.split} set"
        return line

    def file_name(self, what: str) -> str:
        """A download's name without extension: dataset, model tag, then ``what`` the chart shows."""
        return file_name(self.dataset, self.model_tag, what)

    def of(self, **changes) -> MadeBy:
        """The same provenance with fields changed (a sample, a method)."""
        return replace(self, **changes)


def side_by_side(a: MadeBy, b: MadeBy) -> MadeBy:
    """The provenance of one chart that shows two models' numbers (A's and B's) on the same data."""
    return replace(a, model=f"A = {a.model}, B = {b.model}", model_tag=f"{a.model_tag}-vs-{b.model_tag}")


def stamp(fig, made_by: MadeBy):
    """``fig`` (a Plotly figure) with ``made_by`` kept in its layout's ``meta`` and its subtitle
    set from it (only where the figure has a title: a title-less panel stays bare). Returns ``fig``."""
    meta = dict(fig.layout.meta) if isinstance(fig.layout.meta, dict) else {}
    meta["made_by"] = asdict(made_by)
    fig.update_layout(meta=meta)
    if fig.layout.title.text:
        subtitled(fig, made_by.subtitle())
    return fig


def made_by(fig) -> MadeBy | None:
    """The provenance :func:`stamp` put on ``fig``, or None for a figure without one."""
    meta = fig.layout.meta
    if isinstance(meta, dict) and isinstance(meta.get("made_by"), dict):
        return MadeBy(**meta["made_by"])
    return None
