"""The Attributions page's Integrated Gradients default is the adaptive rule (issue #32), and the page
says which rule and which completeness gap its maps were computed with."""

from __future__ import annotations

from lstmfcn.dashboard import explanations
from lstmfcn.explain.attributions import ADAPTIVE_IG


def test_the_default_setting_is_the_adaptive_rule():
    assert explanations.DEFAULT_IG == "adaptive" == explanations.IG_SETTINGS[0]
    opts = explanations.options_of("ig", "zeros", explanations.DEFAULT_IG)
    assert opts.kwargs() == {"baseline": "zeros", "blur_sigma": None, **ADAPTIVE_IG}
    assert ADAPTIVE_IG["integration"] == "clenshaw_curtis" and ADAPTIVE_IG["tolerance"] == 0.01
    words = explanations.ig_rule_words("adaptive")
    assert "Clenshaw-Curtis" in words and "≤ 1% of |f(x) − f(baseline)|" in words and "at most 513" in words
    assert explanations.options_of("ig", "zeros", 32).changed() == {}  # 32 Gauss-Legendre points: the default
    assert "not checked" in explanations.ig_rule_words(32)


def test_the_page_computes_with_it_and_says_so(app):
    at = app(sample="3")
    at.switch_page("pages/attributions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["attr_ig_steps"] == "adaptive"
    said = [c.value for c in at.caption]
    assert f"Integrated Gradients: {explanations.ig_rule_words('adaptive')}." in said, said
    at.selectbox(key="attr_ig_steps").set_value(32).run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Integrated Gradients: {explanations.ig_rule_words(32)}." in [c.value for c in at.caption]
