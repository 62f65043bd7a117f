"""The HTML report: self-contained, and showing the bias table, breaches, intervals, highlighted
tokens with redaction tags, the reviews and the provenance."""

import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from markupsafe import escape

from workbench.audit import (
    BEST_OFF,
    CALIBRATION,
    CALIBRATION_BETWEEN,
    MITIGATION_METRICS,
    TABLE_DIFFERENCES,
    TABLE_RATES,
    AuditOptions,
    audit,
    metric_label,
)
from workbench.report import build_report, markdown_to_html, render_html
from workbench.review import MSG_CONTENT_CHANGED, ChainCheck

from .conftest import PLANTED_EMAIL, PLANTED_PHONE

LOADING_TAGS = {"script", "link", "iframe", "img", "object", "embed", "video", "audio", "source"}
REFERENCE_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "srcset", "data"}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in LOADING_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name in REFERENCE_ATTRIBUTES and not (value or "").startswith("#"):
                self.found.append(f"{name}={value}")
            if name == "style" and re.search(r"url\s*\(", value or "", flags=re.I):
                self.found.append(f"style={value}")

    def handle_data(self, data):
        if self.lasttag == "style" and re.search(r"url\s*\(|@import", data, flags=re.I):
            self.found.append("url() or @import in <style>")


def external_references(html: str) -> list[str]:
    """Every tag that loads something and every reference that is not an in-page anchor."""
    parser = _References()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("case", ["crisis", "relapse"])
def test_report_is_self_contained(case, request):
    html = request.getfixturevalue(case).html
    assert external_references(html) == []
    assert "http://" not in html and "https://" not in html
    assert html.startswith("<!DOCTYPE html>") and "@media print" in html
    assert all(
        f'href="#{part}"' in html and f'id="{part}"' in html for part in ("audit", "reviews")
    )


def test_bias_table_breaches_and_intervals(crisis):
    html, result = crisis.html, crisis.content.audit
    assert "ethnicity: group rates" in html and "ethnicity: differences against the rest" in html
    for breach in result.breaches:
        if " & " not in breach.attribute:
            assert str(escape(breach.message)) in html
    black = result.by_group.loc[("urgent", "ethnicity", "black")]
    assert f"{black['fnr']:.3f}" in html
    assert f"{black['fnr_low']:.3f} to {black['fnr_high']:.3f}" in html
    assert html.count('class="breach"') >= len(
        [b for b in result.failing_breaches if " & " not in b.attribute]
    )
    assert html.count('outside bound</span>') == html.count('class="breach"')
    assert "Possible breaches" in html and result.robust_breaches != result.breaches


def test_column_heads_are_the_registry_labels(crisis):
    assert crisis.content.mitigation is not None
    heads = [
        re.findall(r"<th(?: [^>]*)?>([^<]*)", head)
        for head in re.findall(r"<thead>.*?</thead>", crisis.html, flags=re.S)
    ]
    rates = [metric_label(name) for name in TABLE_RATES]
    assert rates in heads and ["group", *rates, "caveats"] in heads
    assert ["group", *(metric_label(name) for name in TABLE_DIFFERENCES)] in heads
    assert ["group", *(metric_label(name) for name in MITIGATION_METRICS)] in heads
    assert rates[:4] == ["rows", "base rate", "selection rate", "TPR"]


def test_calibration_table_and_reliability_curve_per_attribute(relapse):
    html, result = relapse.html, relapse.content.audit
    assert "gender: calibration against the rest" in html
    heads = [
        re.findall(r"<th(?: [^>]*)?>([^<]*)", head)
        for head in re.findall(r"<thead>.*?</thead>", html, flags=re.S)
    ]
    labels = [metric_label(name) for name in (*CALIBRATION, *CALIBRATION_BETWEEN)]
    assert ["group", "rows", *labels] in heads
    row = result.by_group.loc[("relapse", "gender", "nonbinary")]
    assert f"{row['ece']:.3f}" in html and f"{row['roc_auc']:.3f}" in html
    # One inline chart per single attribute, a polyline per group, and its table beside it.
    attributes = [a for a in result.protected if (("relapse", a) in result.by_group.index)]
    assert html.count("<svg ") == len(attributes)
    groups = sum(len(result.by_group.loc[("relapse", a)]) for a in attributes)
    assert html.count("<polyline ") == groups
    curves = result.reliability.loc[("relapse", "gender")]
    assert html.count("Reliability curves as a table") == len(attributes)
    first = curves.iloc[0]
    assert f"observed rate {first['observed_rate']:.3f}, {int(first['rows'])} rows" in html


def test_tokens_are_highlighted_with_a_legend_and_tags(crisis):
    html = crisis.html
    shown = re.findall(
        r'<span class="tok( tag)?" role="img" tabindex="0" aria-label="([^"]*)" title="\2" '
        r'style="background: #[0-9a-f]{6}; color: #(?:000000|ffffff);"',
        html,
    )
    assert len([label for tag, label in shown if not tag]) > 20
    assert len([label for tag, label in shown if tag]) >= 6
    said = re.compile(r".+: [+-]\d\.\d\d, (towards .+|away from .+|neutral)")
    assert all(said.fullmatch(label) for _, label in shown), shown
    assert html.count('<table class="top-words">') == len(crisis.content.examples)
    assert 'aria-label="Colour scale"' in html and "redacted identifier" in html
    assert "[EMAIL]" in html and "[PHONE]" in html


def test_planted_identifiers_are_nowhere_in_the_page(crisis):
    html = crisis.html.lower()
    for piece in (PLANTED_EMAIL, "jane", "example.org", PLANTED_PHONE, "5309"):
        assert piece not in html


def test_reviews_and_the_stale_warning_are_shown(crisis):
    html = crisis.html
    for text in ("Grace Board", "monitor the missed urgent messages", "re-audit every month"):
        assert text in html
    assert str(escape(crisis.content.review_warning)) in html
    warning = html.index("Reviews of other versions of this model")
    assert html.index("Ada Old") > warning


def test_provenance_is_shown(crisis):
    html, provenance = crisis.html, crisis.content.provenance
    assert provenance.model_sha256 in html and provenance.data_sha256 in html
    for name, version in provenance.packages.items():
        assert f'<th scope="row" class="l">{name}</th><td class="l mono">{version}</td>' in html
    assert "audit_bootstrap = 0" in html and provenance.platform in html


def test_model_card_is_rendered_without_raw_html(crisis):
    assert "<h3>Model card: crisis_text</h3>" in crisis.html
    assert "<blockquote>" in crisis.html and "<table>" in crisis.html


def test_markdown_escapes_html_and_drops_links_and_images():
    html = markdown_to_html(
        "# Card\n<script>alert(1)</script> [site](https://example.org) [here](#audit) "
        '![chart](http://example.org/c.png) <img src="http://example.org/x.png">'
    )
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert external_references(html) == []
    assert '<span class="link">site</span> &lt;https://example.org&gt;' in html
    assert '<a href="#audit">here</a>' in html
    assert "[image: chart]" in html and "<h3>Card</h3>" in html


def test_card_tables_take_the_heading_above_as_caption_and_head_their_columns():
    html = markdown_to_html(
        "| rows | FNR |\n|---|---|\n| 9 | 0.1 |\n\n## By `gender` <b>\n\n"
        "| group | FNR |\n|---|---|\n| women | 0.2 |\n"
    )
    assert re.findall(r"<caption>(.*?)</caption>", html) == [
        "Model card, table",
        "Model card, By gender &lt;b&gt;",
    ]
    assert html.count('<th scope="col">') == 4 and "<th>" not in html


def test_tabular_features_are_shown_with_their_values(relapse):
    example = relapse.content.examples[0]
    for token in example.tokens:
        assert f"{token.text} = {token.value}</span>" in relapse.html


@pytest.mark.parametrize(
    ("privileged", "sentence"),
    [
        (None, "Each group is compared with the rest of the rows."),
        (BEST_OFF, "Each group is compared with the best-off group\nof its attribute or"),
        (
            {"gender": "male", "ethnicity": "white", "age_band": None, "insurance_type": None},
            "privileged group\n(gender = male, ethnicity = white; intersections with the "
            "combination, the other attributes with the rest of the rows).",
        ),
    ],
    ids=["rest", "best-off", "privileged"],
)
def test_the_report_says_what_each_group_is_compared_with(relapse, privileged, sentence):
    frame = pd.read_csv(relapse.data)
    result = audit(
        frame["phq9"] / 27,
        frame,
        label="label",
        positive_class="relapse",
        protected=["gender", "ethnicity", "age_band", "insurance_type"],
        options=AuditOptions(privileged=privileged, bootstrap=0, intersections=False),
    )
    html = render_html(build_report(relapse.spec, data=relapse.data, audit_result=result))
    assert sentence in html


def test_intact_history_and_its_chain_head_are_printed(crisis):
    check = crisis.content.review_chain
    assert check.intact and check.count == len(crisis.content.reviews) + len(
        crisis.content.other_reviews
    )
    assert "History intact" in crisis.html
    assert f'Chain head <span class="mono">{check.head}</span>' in crisis.html
    assert f"workbench reviews --verify --head {check.head}" in crisis.html
    assert crisis.content.to_dict()["reviews"]["chain"] == check.as_dict()


def test_broken_history_is_a_bad_box_naming_the_record(crisis):
    broken = ChainCheck(intact=False, count=3, head="a" * 64, bad_id=2, reason=MSG_CONTENT_CHANGED)
    html = render_html(dataclasses.replace(crisis.content, review_chain=broken))
    assert "The review history is broken" in html and "History intact" not in html
    assert str(escape(broken.message)) in html
