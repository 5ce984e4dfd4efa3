"""The HTML report's content, read back from its markup: scores, components, escaping, no external resource."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sovaudit import knowledge, reports, rules
from sovaudit.audit import Audit
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, Relation
from sovaudit.pipeline import audit
from sovaudit.reports import html
from sovaudit.reports.html_graph import GROUPS_PER_LAYER, MAX_NODES, Node, draw
from sovaudit.reports.html_svg import fmt
from sovaudit.scoring import BASE_POINTS, CSF_WEIGHTS, NO_ALTERNATIVE_FACTOR
from tests.reports_html.conftest import STACKS
from tests.reports_html.dom import Page

HOSTILE = "<script>alert(1)</script>"


def report(audits: dict[str, Audit], name: str) -> str:
    return html.render(audits[name], "9.9.9", label=name).decode("utf-8")


def comparison(audits: dict[str, Audit]) -> str:
    return html.render_comparison([(name, audits[name]) for name in STACKS], "9.9.9").decode("utf-8")


@pytest.mark.parametrize("name", STACKS)
def test_the_layer_table_holds_every_layer_score_and_level(sample_audits: dict[str, Audit], name: str) -> None:
    page = Page(report(sample_audits, name))
    rows = {r.attrs["data-layer"]: r.cells for r in page.rows if "data-layer" in r.attrs}
    scores = sample_audits[name].scores
    assert set(rows) == {layer.value for layer in Layer}
    for ls in scores.layers:
        cells = rows[ls.layer.value]
        assert cells[0] == ls.layer.value
        assert cells[1] == (fmt(ls.score) if ls.score is not None else "not assessed")
        assert cells[2] == (f"level {ls.level}" if ls.level is not None else "n/a")
    assert scores.overall_score is not None
    assert f"scores {fmt(scores.overall_score)} out of 100 overall" in page.text


def test_the_appendix_lists_every_component_once(sample_audits: dict[str, Audit]) -> None:
    result = sample_audits["national-centre"]
    page = Page(report(sample_audits, "national-centre"))
    rows = page.rows_in("appendix")[1:]  # the first is the header
    assert len(rows) == len(result.inventory.components) > 200
    assert [r.cells[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    listed = " ".join(r.cells[1] for r in rows)
    assert all(c.id in listed for c in result.inventory.components)


def test_every_finding_is_there_with_its_remediation_and_evidence(sample_audits: dict[str, Audit]) -> None:
    result = sample_audits["us-cloud-cuda"]
    page = Page(report(sample_audits, "us-cloud-cuda"))
    assert page.tags.count("article") == len(result.findings) > 10
    for f in result.findings:
        assert f.remediation in page.text
        assert f.evidence[0].describe() in page.text


def test_the_method_is_written_from_the_scoring_constants(sample_audits: dict[str, Audit]) -> None:
    text = Page(report(sample_audits, "eu-open")).text
    assert "points = base \u00d7 blast \u00d7 no-alternative" in text
    assert f"no-alternative is {NO_ALTERNATIVE_FACTOR:g} when" in text
    for severity, points in BASE_POINTS.items():
        assert f"{severity} {fmt(points)}" in text
    for objective, weight in CSF_WEIGHTS.items():
        assert re.search(rf"{objective} \w[^|]*? {weight} %", text), objective


def test_same_audit_same_bytes(sample_audits: dict[str, Audit]) -> None:
    assert report(sample_audits, "eu-open") == report(sample_audits, "eu-open")
    assert comparison(sample_audits) == comparison(sample_audits)


# -- nothing leaves the page ----------------------------------------------------------------------------
RESOURCE_TAGS = {"script", "link", "img", "iframe", "object", "embed", "audio", "video", "source", "image", "use"}


def assert_self_contained(markup: str) -> None:
    page = Page(markup)
    assert not RESOURCE_TAGS & set(page.tags), RESOURCE_TAGS & set(page.tags)
    for tag, name, value in page.attributes:
        if name in ("src", "href", "xlink:href", "action", "formaction", "poster", "srcset", "background"):
            assert value.startswith("#"), (tag, name, value)  # in-page anchors only
    assert not re.search(r"url\(|@import|@font-face", markup)
    # The only http(s) text is the SVG namespace, which names and never fetches.
    assert set(re.findall(r"https?://[^\s\"'<>)]+", markup)) <= {"http://www.w3.org/2000/svg"}
    csp = [v for t, n, v in page.attributes if t == "meta" and n == "content" and "default-src 'none'" in v]
    assert csp, "no Content-Security-Policy forbidding fetches"


@pytest.mark.parametrize("name", STACKS)
def test_the_report_references_no_external_resource(sample_audits: dict[str, Audit], name: str) -> None:
    assert_self_contained(report(sample_audits, name))


def test_the_comparison_references_no_external_resource(sample_audits: dict[str, Audit]) -> None:
    assert_self_contained(comparison(sample_audits))


def test_the_self_containment_check_catches_a_font_and_an_image() -> None:
    with pytest.raises(AssertionError):
        assert_self_contained('<meta content="default-src \'none\'"><img src="https://cdn.example/x.png">')
    with pytest.raises(AssertionError):
        assert_self_contained("<meta content=\"default-src 'none'\"><style>@font-face{src:url(f.woff)}</style>")


def test_print_rules_make_a_clean_pdf(sample_audits: dict[str, Audit]) -> None:
    markup = report(sample_audits, "eu-open")
    style = markup[markup.index("<style>") : markup.index("</style>")]
    assert "@media print" in style
    print_rules = style[style.index("@media print") :]
    assert "@page" in print_rules
    assert "nav.toc { display: none; }" in print_rules
    assert "break-inside: avoid" in print_rules
    assert "print-color-adjust: exact" in print_rules


# -- hostile input ----------------------------------------------------------------------------------------
def hostile_audit() -> Audit:
    ev = Evidence(path='stack/"><img src=x onerror=alert(3)>.txt', collector="python-environment", line=1)
    evil = Component(
        id=f"pkg:pypi/{HOSTILE}@1",
        layer=Layer.SOFTWARE,
        kind="package",
        name=HOSTILE,
        version='1"><img src=x onerror=alert(2)>',
        supplier="</style><script>alert(4)</script>",
        licenses="",
        license_declared="<b>licence</b>",
        evidence=(ev,),
    )
    torch = Component(
        id="pkg:pypi/torch@2.3.1", layer=Layer.SOFTWARE, kind="package", name="torch", version="2.3.1", evidence=(ev,)
    )
    inv = Inventory(
        components=(evil, torch),
        edges=(Edge(source=evil.id, target=torch.id, relation=Relation.DEPENDS_ON),),
    )
    return audit(inv, kb=knowledge.load(), packs=rules.load_packs(), today=date(2026, 11, 27))


def test_a_hostile_component_name_is_escaped_everywhere() -> None:
    result = hostile_audit()
    for markup in (
        html.render(result, "9.9.9", label=HOSTILE).decode(),
        html.render_comparison([(HOSTILE, result), ("<i>b</i>", result)], "9.9.9").decode(),
    ):
        assert "<script" not in markup
        assert "<img" not in markup
        assert "<b>" not in markup and "<i>" not in markup
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
        page = Page(markup)
        assert "script" not in page.tags and "img" not in page.tags
        assert HOSTILE in page.text  # shown as text, literally
    appendix = Page(html.render(result, "9.9.9").decode()).rows_in("appendix")
    assert any(HOSTILE in r.cells[1] and '1"><img src=x onerror=alert(2)>' in r.cells[1] for r in appendix)


# -- the comparison -------------------------------------------------------------------------------------------
def test_the_comparison_holds_each_stacks_overall_and_layer_scores(sample_audits: dict[str, Audit]) -> None:
    page = Page(comparison(sample_audits))
    rows = {r.cells[0]: r.cells[1:] for r in page.rows_in("stacks") if r.cells}
    header = next(r for r in page.rows_in("stacks"))
    assert header.cells[1:] == list(STACKS)
    for i, name in enumerate(STACKS):
        scores = sample_audits[name].scores
        assert scores.overall_score is not None
        assert rows["Overall score"][i] == f"{fmt(scores.overall_score)} level {scores.overall_level}"
        for ls in scores.layers:
            expected = f"{fmt(ls.score)} level {ls.level}" if ls.score is not None else "not assessed n/a"
            assert rows[ls.layer.value][i] == expected, (name, ls.layer)
        passed = sum(g.passed for g in sample_audits[name].gates)
        assert rows["Gates passed"][i] == f"{passed} of {len(sample_audits[name].gates)}"


def test_the_comparison_marks_the_best_stack_per_layer(sample_audits: dict[str, Audit]) -> None:
    markup = comparison(sample_audits)
    best = re.search(r'<th scope="row">Overall score</th>(.*?)</tr>', markup)
    assert best is not None
    cells = re.findall(r"<td class=\"([^\"]*)\">", best.group(1))
    winner = max(STACKS, key=lambda n: sample_audits[n].scores.overall_score or 0.0)
    assert ["best" in c for c in cells] == [n == winner for n in STACKS]


def test_the_comparison_takes_two_to_five_distinct_stacks(sample_audits: dict[str, Audit]) -> None:
    one = sample_audits["eu-open"]
    with pytest.raises(ValueError, match="2 to 5 stacks, not 1"):
        html.render_comparison([("a", one)], "1")
    with pytest.raises(ValueError, match="2 to 5 stacks, not 6"):
        html.render_comparison([(str(i), one) for i in range(6)], "1")
    with pytest.raises(ValueError, match="labels must differ"):
        html.render_comparison([("a", one), ("a", one)], "1")


def test_html_is_a_report_format() -> None:
    assert reports.FORMATS["html"][0] == "html"
    assert reports.renderer("html") is html.render


# -- the graph drawing ------------------------------------------------------------------------------------------
def nodes(n: int) -> list[Node]:
    layers = list(Layer)
    return [
        Node(id=f"c{i}", label=f"component {i}", layer=layers[i % 5], supplier=f"supplier {i % 23}", risk=i % 5)
        for i in range(n)
    ]


def test_the_graph_draws_each_component_up_to_the_limit() -> None:
    drawing, note = draw(nodes(MAX_NODES), [(f"c{i}", f"c{i + 1}") for i in range(MAX_NODES - 1)])
    assert drawing.count("<rect") == MAX_NODES + 5  # a box per component, a band per layer
    assert drawing.count("<path") == MAX_NODES - 1
    assert f"Each of the {MAX_NODES} components is a box" in note


def test_beyond_the_limit_the_graph_groups_by_layer_and_supplier() -> None:
    many = nodes(5000)
    drawing, note = draw(many, [(f"c{i}", f"c{(i * 7) % 5000}") for i in range(5000)])
    boxes = drawing.count("<rect") - 5
    assert boxes == 5 * (GROUPS_PER_LAYER + 1)  # the largest groups of each layer and "other suppliers"
    assert "other suppliers" in drawing
    assert "5,000 components are too many to draw one by one" in note
