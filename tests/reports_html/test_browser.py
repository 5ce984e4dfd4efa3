"""The HTML report in a real browser (Debian's chromium, headless): it shows its scores, draws
something, logs no error, makes no network request, and prints to a multi-page A4 PDF.

Under CI (CI=true, set by .ci/run, which installs chromium with tests/fixtures/install_chromium.sh)
a missing browser fails these tests; elsewhere they are skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from sovaudit.audit import Audit
from sovaudit.reports import html
from sovaudit.reports.html_svg import fmt
from tests.reports_html.browser import PageVisit, chromium, open_page
from tests.reports_html.conftest import STACKS
from tests.reports_html.png import decode, header

WIDTH, HEIGHT = 1280, 2000


@pytest.fixture(scope="module", autouse=True)
def browser() -> None:
    if chromium() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it with tests/fixtures/install_chromium.sh")
        pytest.skip("chromium is not installed (bash tests/fixtures/install_chromium.sh, as root)")


def assert_clean(visit: PageVisit, path: Path) -> None:
    """Only the page itself was fetched, nothing reached the proxy, nothing was logged."""
    assert visit.requests == [path.resolve().as_uri()]
    assert visit.proxy_requests == []
    assert visit.console == []


def assert_drawn(visit: PageVisit) -> None:
    assert header(visit.screenshot)[:2] == (WIDTH, HEIGHT)
    image = decode(visit.screenshot)
    assert image.colours() > 200  # text, charts, level colours: far from a blank or one-colour page
    assert 0.05 < image.non_white_share() < 0.95


def test_the_report_in_a_browser(sample_audits: dict[str, Audit], tmp_path: Path) -> None:
    result = sample_audits["us-cloud-cuda"]
    path = tmp_path / "report.html"
    path.write_bytes(html.render(result, "9.9.9", label="us-cloud-cuda"))
    visit = open_page(path, pdf=True)
    assert_clean(visit, path)
    assert_drawn(visit)
    for ls in result.scores.layers:  # the layer table, as the browser lays it out: cells split by tabs
        assert ls.score is not None
        assert re.search(rf"^{ls.layer.value}\t{re.escape(fmt(ls.score))}\tlevel {ls.level}\t", visit.text, re.M)
    assert visit.print_hidden
    assert visit.pdf.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b", visit.pdf)) >= 5


def test_the_comparison_of_three_stacks_in_a_browser(sample_audits: dict[str, Audit], tmp_path: Path) -> None:
    path = tmp_path / "comparison.html"
    path.write_bytes(html.render_comparison([(n, sample_audits[n]) for n in STACKS], "9.9.9"))
    visit = open_page(path)
    assert_clean(visit, path)
    assert_drawn(visit)
    lines = visit.text.splitlines()
    overall = [sample_audits[n].scores for n in STACKS]
    expected = "\t".join(["Overall score", *(f"{fmt(s.overall_score or 0)} level {s.overall_level}" for s in overall)])
    assert expected in lines
    for i, layer in enumerate(ls.layer.value for ls in overall[0].layers):
        cells = [f"{fmt(s.layers[i].score or 0)} level {s.layers[i].level}" for s in overall]
        assert "\t".join([layer, *cells]) in lines, layer


def test_the_checks_catch_requests_console_errors_and_blank_pages(tmp_path: Path) -> None:
    """A control: the same checks on a page that fetches a font and an image and logs an error."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><link rel="stylesheet" href="https://fonts.invalid/font.css">'
        '<img src="http://cdn.invalid/logo.png"><script>console.error("boom")</script>'
    )
    visit = open_page(bad)
    assert "GET http://cdn.invalid/logo.png" in visit.proxy_requests
    assert "CONNECT fonts.invalid:443" in visit.proxy_requests
    assert ("error", "boom") in visit.errors()
    with pytest.raises(AssertionError):
        assert_clean(visit, bad)
    with pytest.raises(AssertionError):
        assert_drawn(visit)  # nothing drawn: one white screen
