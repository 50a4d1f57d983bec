"""The words of the trade, each with one plain line for someone who has never written code.

One glossary for the dashboard's pages (a tooltip on every text that uses a term) and for the
shareable report (an ``<abbr>`` on every term, and a glossary section). Pure functions on strings:

>>> [t.name for t in find_terms("The CAM's mean plus the LSTM's share is the logit.")]
['CAM', "LSTM's share", 'logit']
>>> help_text("AOPC").startswith("**AOPC**: Average drop")
True
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache

#: Longest an explanation may be: one line of a tooltip.
MAX_EXPLANATION_CHARS = 160


@dataclass(frozen=True)
class Term:
    """One technical word: ``name`` as shown in a tooltip, the one-line plain ``explanation``, and
    the ``spellings`` it is found by (regular expressions; matched as whole words, case-insensitive
    unless the spelling has no lower-case letter, so "CAM" never matches "camera")."""

    name: str
    explanation: str
    spellings: tuple[str, ...]


def _t(name: str, explanation: str, *spellings: str) -> Term:
    return Term(name, explanation, spellings or (re.escape(name),))


# Ordered as a reader meets them: the model, its parts, then the ways of explaining it and of
# checking those explanations. Explanations use no other term of this list (a test checks it).
TERMS: tuple[Term, ...] = (
    _t(
        "LSTM-FCN",
        "The kind of model used here: one part reads the series step by step with a memory, "
        "another looks for short telltale shapes; both feed the answer.",
        r"M?A?LSTM-FCNs?",
    ),
    _t(
        "LSTM",
        "The model's memory part: it reads the series one step after another and keeps a running "
        "summary of what it has seen so far.",
        r"LSTMs?",
        r"LSTM branch",
        r"LSTM half",
    ),
    _t(
        "LSTM cells",
        "How many memory units the model's step-by-step reader has; more units can hold more about "
        "the series, but take longer to train.",
        r"LSTM cells",
        r"\d+ cells",
    ),
    _t(
        "convolutional half",
        "The part of the model that slides short shape detectors along the series and notes how "
        "strongly each shape appears, and where.",
        r"convolutional (?:half|part|branch|layers?)",
        r"FCN",
        r"convolutions?",
    ),
    _t(
        "filter",
        "One short shape detector: a small pattern the model slides along the series, scoring how "
        "well each place matches it.",
        r"(?:convolution )?filters?",
    ),
    _t(
        "LSTM's share",
        "The part of the model's score for a class that comes from its memory part, not from its "
        "shape detectors; the same for every moment.",
        r"LSTM's share",
        r"LSTM branch's constant",
    ),
    _t(
        "dimension shuffle",
        "A setting: on, the memory part takes the whole series in at once (fast, but blind to order "
        "in time); off, it reads it step by step.",
        r"dimension shuffle",
        r"shuffle (?:on|off)",
    ),
    _t(
        "squeeze-and-excite",
        "A small step inside the shape detectors that, for each series, turns some detectors up and "
        "others down before the answer is formed.",
        r"squeeze-and-excit(?:e|ation)",
    ),
    _t(
        "BatchNorm",
        "A step inside the model that brings its inner numbers back to a steady range, which makes "
        "training steadier and faster.",
        r"BatchNorm",
        r"batch normali[sz]ation",
    ),
    _t(
        "logit",
        "The model's raw score for a class, before it is turned into a probability; higher means "
        "more in favour of that class.",
        r"logits?",
    ),
    _t(
        "softmax",
        "The last step of the model: it turns the raw scores for the classes into probabilities that add up to 100 %.",
        r"softmax",
    ),
    _t(
        "p(true class)",
        "The probability the model gives to the class the sample really belongs to; near 100 % means sure and right.",
        r"p\(true(?: class)?\)",
    ),
    _t(
        "50+150 × 150",
        "A dataset's size: series to learn from + series kept aside to test on, × the steps in each series "
        "(× the number of variables, if more than one).",
        r"\d+\+\d+ × \d+(?: × \d+ vars)?",
    ),
    _t(
        "loss",
        "A number for how wrong the model still is on the samples it learns from; training keeps bringing it down.",
        r"(?:training )?loss",
    ),
    _t(
        "learning rate",
        "How big a step training takes each time it adjusts the model; smaller steps are slower but steadier.",
        r"learning rate",
    ),
    _t(
        "dropout",
        "Switching off random parts of the model while it trains, so that it cannot lean on any single one.",
        r"dropout",
    ),
    _t(
        "Adam",
        "The usual method of adjusting the model's numbers a little after each small batch of samples.",
        r"Adam",
    ),
    _t(
        "epoch",
        "One full pass of training over every training sample; training runs many of them.",
        r"epochs?",
    ),
    _t(
        "checkpoint",
        "A saved model in one file: its learned numbers, plus what it needs to read new data (its "
        "classes and how series are scaled).",
        r"checkpoints?",
    ),
    _t(
        ".safetensors",
        "The file type the model is saved in: it holds only numbers, so opening one can never run hidden code.",
        r"\.?safetensors",
    ),
    _t(
        "z-normalised",
        "Each series shifted and scaled to average 0 and spread 1, so that only its shape counts, "
        "not its level or size.",
        r"z-normali[sz](?:ed|ation)",
        r"z-norm",
    ),
    _t(
        "confusion matrix",
        "A table of the true class (rows) against the class the model said (columns); the diagonal "
        "holds the right answers.",
        r"confusion matri(?:x|ces)",
    ),
    _t(
        "CAM",
        "Class activation map: a line over time showing how much each moment added to (or took from) "
        "the model's score for a class.",
        r"CAMs?",
        r"Grad-CAM",
        r"class activation maps?",
    ),
    _t(
        "attention",
        "Weights the model gives to each moment (or variable) when it sums up what it read; they add "
        "up to 1 and show where it looked.",
        r"attention",
    ),
    _t(
        "entropy",
        "A measure of how evenly weights are spread: highest when all are equal, zero when all of it sits on "
        "one place.",
        r"entropy",
    ),
    _t(
        "context vector",
        "The summary the model's memory part builds by adding up what it read, each moment weighted "
        "by how closely the model looked at it.",
        r"context vectors?",
    ),
    _t(
        "attribution",
        "Credit for the model's answer shared out over the points of the series: which values pushed "
        "it towards a class, and how much.",
        r"attributions?",
        r"attribution maps?",
    ),
    _t(
        "gradient",
        "How much the model's score would move for a tiny change of one value of the series.",
        r"gradients?",
        r"\|gradient\|",
    ),
    _t(
        "saliency",
        "How strongly a tiny nudge to each value would move the model's score: big where the answer "
        "is sensitive, whatever the direction.",
        r"saliency",
    ),
    _t(
        "integrated gradients",
        "Credit for each value, found by fading the series in from a plain starting series and "
        "adding up how the score changes on the way.",
        r"integrated gradients",
        r"IG",
    ),
    _t(
        "SHAP",
        "Credit for each value shared out fairly, by trying the series with different parts swapped "
        "for plain ones and averaging the effects.",
        r"(?:Gradient|Kernel)?SHAP",
        r"Gradient SHAP",
    ),
    _t(
        "occlusion",
        "Hiding one stretch of the series at a time (replacing it with plain values) and watching "
        "how much the model's score drops.",
        r"occlusion",
        r"occluded",
    ),
    _t(
        "DeepLIFT",
        "Credit for each value, found by comparing how each inner part of the model reacts to the series and to "
        "a plain starting series.",
        r"DeepLIFT",
    ),
    _t(
        "ablation",
        "Cutting the series into equal stretches and replacing one at a time with plain values, to see how much "
        "the model's score changes.",
        r"(?:segment )?ablation",
    ),
    _t(
        "forward pass",
        "One run of the model on a series to get its answer; how long a method takes is counted in these.",
        r"forward pass(?:es)?",
    ),
    _t(
        "Wilcoxon",
        "A standard test of whether a difference seen over many samples is more than luck; p < 0.05 means "
        "luck alone would rarely give it.",
        r"Wilcoxon",
    ),
    _t(
        "layer",
        "One stage of the model: the series goes through the stages in turn, each turning its numbers into new ones.",
        r"layers?",
    ),
    _t(
        "baseline",
        "The plain series (all zeros, the average, or a blurred copy) that stands for 'nothing there' "
        "when a part is hidden or faded in.",
        r"baselines?",
    ),
    _t(
        "faithfulness",
        "Whether an explanation points at what the model really uses: taking away what it marks "
        "should change the answer most.",
        r"faithful(?:ness)?",
    ),
    _t(
        "deletion curve",
        "The model's score as the moments an explanation ranks highest are taken away first; a fast "
        "drop means it found what matters.",
        r"deletion(?: curves?)?",
    ),
    _t(
        "insertion curve",
        "The model's score as the highest-ranked moments are put back first into a plain series; a "
        "fast rise means the explanation found what matters.",
        r"insertion(?: curves?)?",
    ),
    _t(
        "AOPC",
        "Average drop of the model's score as the most important parts are taken away first; bigger "
        "means the explanation found what matters.",
        r"AOPC",
    ),
    _t(
        "sanity check",
        "A test that an explanation changes when the model's learned numbers are scrambled; if it "
        "does not, it is not telling about the model.",
        r"sanity checks?",
    ),
    _t(
        "Spearman",
        "A number from -1 to 1 saying how well two rankings agree: 1 the same order, 0 no relation, "
        "-1 the reverse order.",
        r"Spearman(?:'s)?(?: ρ| rho| correlation)?",
        r"rank correlation",
    ),
    _t(
        "log-probability",
        "A finer score than right or wrong of how sure the model is of the true class: it falls steeply as that "
        "probability nears 0.",
        r"log-probabilit(?:y|ies)",
    ),
    _t(
        "permutation importance",
        "How much the model's accuracy falls when one variable or stretch of time is mixed up "
        "between samples; a big fall means it relies on it.",
        r"permutation importance",
        r"permut(?:ation|ed|ing)",
    ),
    _t(
        "bootstrap interval",
        "A range for a number, found by recomputing it on many random redraws of the samples; a "
        "narrow range means the number is steady.",
        r"bootstrap(?:ped)?(?: intervals?)?",
    ),
    _t(
        "counterfactual",
        "A slightly changed copy of the series that the model labels as another class: it shows what "
        "would have to change.",
        r"counterfactuals?",
    ),
    _t(
        "Native Guide",
        "A way to find what would change the model's mind: copy, into the series, a stretch of the "
        "most similar series of the other class.",
        r"Native Guide",
    ),
    _t(
        "feature space",
        "The list of numbers the model computes for a series just before it decides; similar series get similar lists.",
        r"feature space",
        r"embeddings?",
    ),
    _t(
        "PCA",
        "A way to draw many numbers per sample on a flat map, keeping the directions in which the samples differ most.",
        r"PCA",
    ),
    _t(
        "UMAP",
        "A way to draw many numbers per sample on a flat map that keeps samples that are alike close together.",
        r"UMAP",
    ),
    _t(
        "medoid",
        "The real sample of a class that is closest, in total, to all the others of that class: its "
        "most typical member.",
        r"medoids?",
        r"prototypes?",
    ),
)

_BY_NAME = {t.name: t for t in TERMS}


def term(name: str) -> Term:
    """The glossary entry called ``name`` (KeyError naming the known terms otherwise)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not in the glossary; it has {', '.join(_BY_NAME)}") from None


@cache
def _pattern() -> re.Pattern:
    """One pattern of every spelling, longest first (so "LSTM-FCN" wins over "LSTM"), each a named
    group per term; whole words only (a letter or digit on either side is not a match)."""
    parts = []
    for k, t in enumerate(TERMS):
        for s in t.spellings:
            case = "" if any(c.islower() for c in s) else "(?-i:" + s + ")"
            parts.append((len(s), f"(?P<t{k}_{len(parts)}>{case or s})"))
    alternation = "|".join(p for _, p in sorted(parts, key=lambda p: -p[0]))
    return re.compile(rf"(?<![\w.-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def _term_of(match: re.Match) -> Term:
    key = match.lastgroup or ""
    return TERMS[int(key[1:].split("_")[0])]


def find_terms(text: str) -> list[Term]:
    """The glossary terms ``text`` uses, each once, in the order they first appear."""
    seen: dict[str, Term] = {}
    for m in _pattern().finditer(text or ""):
        t = _term_of(m)
        seen.setdefault(t.name, t)
    return list(seen.values())


def help_text(*texts: str) -> str | None:
    """A tooltip for an element showing ``texts`` (a label, its options, a paragraph): one markdown
    line ``**term**: explanation`` per term they use, or None when they use none."""
    found: dict[str, Term] = {}
    for text in texts:
        for t in find_terms(str(text)):
            found.setdefault(t.name, t)
    if not found:
        return None
    return "\n\n".join(f"**{t.name}**: {t.explanation}" for t in found.values())


def explained_terms(help_: str | None) -> set[str]:
    """The names of the terms a tooltip made by :func:`help_text` explains (for checks)."""
    return {name for name in re.findall(r"\*\*(.+?)\*\*: ", help_ or "") if name in _BY_NAME}


def abbr_html(text: str) -> str:
    """``text`` (plain, not yet HTML) escaped for HTML, every glossary term in it wrapped in
    ``<abbr title="explanation">`` so that a reader hovering it sees the plain line."""
    out, last = [], 0
    for m in _pattern().finditer(text or ""):
        t = _term_of(m)
        out.append(html.escape(text[last : m.start()]))
        out.append(f'<abbr title="{html.escape(t.explanation)}">{html.escape(m.group(0))}</abbr>')
        last = m.end()
    out.append(html.escape((text or "")[last:]))
    return "".join(out)


def glossary_html(terms: list[Term] | None = None) -> str:
    """A ``<dl>`` of ``terms`` (default every term) with their explanations, for the report."""
    rows = "".join(f"<dt>{html.escape(t.name)}</dt><dd>{html.escape(t.explanation)}</dd>" for t in (terms or TERMS))
    return f"<dl class='glossary'>{rows}</dl>"


# Tags whose text is not prose for a reader: a figure's script, the style sheet, the window title,
# the glossary itself (a term beside its explanation) and a term already explained.
_NOT_PROSE = re.compile(r"<(script|style|title|dl|abbr)\b[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def prose_of_html(document: str) -> str:
    """The text a reader of ``document`` (HTML) reads, tags gone and entities decoded: not scripts,
    styles, the window title, a glossary list or a term already in an ``<abbr>``."""
    return html.unescape(_TAG.sub(" ", _NOT_PROSE.sub(" ", document)))


def spellings_in_html(document: str) -> dict[str, str]:
    """Each glossary term as spelt in the prose of ``document`` ("CAM", "logits", "LSTM's share")
    mapped to its explanation: what a page script needs to explain every term where it stands."""
    return {m.group(0): _term_of(m).explanation for m in _pattern().finditer(prose_of_html(document))}


# Wraps, once the page has loaded, each spelling listed in #glossary-terms in an <abbr> with its
# explanation, wherever it stands in the prose (never in charts, scripts or the glossary list). Done
# in the reader's browser so that the HTML keeps the sentences exactly as the library wrote them.
_HOVER_JS = r"""(function () {
  var tips = JSON.parse(document.getElementById("glossary-terms").textContent);
  var words = Object.keys(tips).sort(function (a, b) { return b.length - a.length; });
  if (!words.length) return;
  var escaped = words.map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
  var re = new RegExp("(?<![\\w.-])(" + escaped.join("|") + ")(?![\\w-])", "g");
  var skip = "script, style, title, abbr, dl, svg, .plotly-graph-div";
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  var nodes = [];
  while (walker.nextNode()) {
    var n = walker.currentNode;
    if (n.parentElement && !n.parentElement.closest(skip)) nodes.push(n);
  }
  nodes.forEach(function (n) {
    var text = n.nodeValue, last = 0, m, frag = document.createDocumentFragment();
    re.lastIndex = 0;
    while ((m = re.exec(text)) !== null) {
      frag.append(text.slice(last, m.index));
      var abbr = document.createElement("abbr");
      abbr.title = tips[m[1]];
      abbr.textContent = m[1];
      frag.append(abbr);
      last = m.index + m[1].length;
    }
    if (last) { frag.append(text.slice(last)); n.replaceWith(frag); }
  });
})();"""


def hover_script(document: str) -> str:
    """Two ``<script>`` elements for the end of ``document``'s body (HTML): the spellings of the
    glossary terms its prose uses with their explanations (JSON), and the few lines that put each
    explanation on its term as an ``<abbr title=…>`` in the reader's browser."""
    spellings = json.dumps(spellings_in_html(document), ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/json" id="glossary-terms">{spellings}</script>\n<script>{_HOVER_JS}</script>'
