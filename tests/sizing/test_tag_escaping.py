"""The wizard's blocks written in Python (apps/sizing/templatetags/sizing_tags.py) escape what
they write as the template autoescape did, also when an escaped text is kept per process."""

from django.utils.safestring import mark_safe

from apps.sizing.templatetags import sizing_tags as tags


def test_text_is_escaped_every_time_and_safe_text_is_written_as_it_is():
    for _ in range(2):  # the second time from the kept answers
        assert (
            tags._e("<b>\"A&B\" 'c'</b>") == "&lt;b&gt;&quot;A&amp;B&quot; &#x27;c&#x27;&lt;/b&gt;"
        )
        assert tags._e(3.5) == "3.5"
    assert tags._e(mark_safe("<svg></svg>")) == "<svg></svg>"


def test_a_rule_its_inputs_and_source_are_escaped():
    why = {
        "rule": "a < b",
        "formula": "x & y",
        "source": "<docs>",
        "inputs": [{"label": "L<1>", "value": "2 > 1"}],
    }
    html = tags.why_rule(why)
    assert html == (
        '<p class="rule">a &lt; b <code class="formula">x &amp; y</code></p>\n'
        '<p class="inputs"><span>L&lt;1&gt; = 2 &gt; 1</span></p>\n'
        '<p class="source">Source: &lt;docs&gt;</p>\n'
    )
    assert "inputs" not in tags.why_rule(why, inputs=False)
    assert tags.why_rule({"rule": ""}) == "\n"


def test_cost_figures_are_escaped():
    row = tags.tco_rows(
        [{"figure": "f", "label": "<L>", "value": None, "formula": "a<b", "inputs": {"x": 1}}]
    )
    assert '<th scope="row">&lt;L&gt;</th>' in row and "not priced" in row
    assert "<code>a&lt;b</code>" in row
