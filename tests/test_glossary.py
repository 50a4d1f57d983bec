"""The glossary: every term has one short, plain line, found where a text uses it, and explained
in words that need no other explaining."""

from __future__ import annotations

import re

import pytest

from lstmfcn import glossary
from lstmfcn.glossary import MAX_EXPLANATION_CHARS, TERMS, abbr_html, find_terms, help_text

#: The words issue #30 names as unexplained on the pages; each must be in the glossary.
NAMED_BY_THE_ISSUE = [
    "convolutional half",
    "LSTM's share",
    "logit",
    "p(true class)",
    "dimension shuffle",
    "8 LSTM cells",
    "50+150 × 150",
    ".safetensors",
    "AOPC",
    "Spearman",
    "Native Guide",
    "PCA",
    "medoid",
]


@pytest.mark.parametrize("t", TERMS, ids=lambda t: t.name)
def test_every_term_has_one_short_plain_line(t):
    assert t.explanation and "\n" not in t.explanation
    assert len(t.explanation) <= MAX_EXPLANATION_CHARS, (t.name, len(t.explanation))
    assert t.explanation[0].isupper() and t.explanation.endswith(".")
    others = [u.name for u in find_terms(t.explanation) if u.name != t.name]
    assert not others, f"{t.name}'s explanation uses {others}, which a reader would need explained too"


@pytest.mark.parametrize("t", TERMS, ids=lambda t: t.name)
def test_every_term_is_found_by_its_own_name(t):
    assert [u.name for u in find_terms(f"here: {t.name}.")] == [t.name]


def test_the_issues_words_are_all_explained():
    for word in NAMED_BY_THE_ISSUE:
        assert find_terms(f"the model's {word} here"), word


def test_terms_are_whole_words_and_acronyms_keep_their_case():
    assert find_terms("a camera, a pcap file, the cellar, a filtered coffee") == []
    assert [t.name for t in find_terms("The CAM and the cam")] == ["CAM"]
    # the longest spelling wins: LSTM-FCN is one term, not LSTM plus the convolutional half
    assert [t.name for t in find_terms("an LSTM-FCN with 8 LSTM cells")] == ["LSTM-FCN", "LSTM cells"]
    assert [t.name for t in find_terms("GunPoint  ·  50+150 × 150")] == ["50+150 × 150"]
    # a file name is not a term: GunPoint__lstmfcn.safetensors names a file, the format is named alone
    assert find_terms("GunPoint__lstmfcn.safetensors") == []


def test_help_text_lists_each_term_once_and_nothing_without_terms():
    tip = help_text("The CAM's mean plus the LSTM's share", "is the logit of the CAM")
    assert tip.count("**CAM**") == 1
    assert glossary.explained_terms(tip) == {"CAM", "LSTM's share", "logit"}
    assert help_text("Samples from the test set") is None


def test_abbr_html_wraps_each_term_and_escapes_the_rest():
    out = abbr_html("AOPC < 0 & the logit")
    assert out.count("<abbr title=") == 2 and "&lt; 0 &amp;" in out
    titles = re.findall(r'<abbr title="([^"]*)">', out)
    assert titles[0].startswith("Average drop")


def test_unknown_term_names_the_known_ones():
    with pytest.raises(KeyError, match="AOPC"):
        glossary.term("flux capacitor")
