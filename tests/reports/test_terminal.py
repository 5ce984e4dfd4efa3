"""The terminal summary: plain text for files, colour only on a terminal that takes it."""

from __future__ import annotations

import pytest

from sovaudit.audit import Audit
from sovaudit.reports import terminal
from tests.reports.conftest import EU, US, WAIVED


@pytest.mark.parametrize("stack", [US, EU])
def test_layers_scores_levels_and_bars(audits: dict[str, Audit], stack: str) -> None:
    a = audits[stack]
    text = terminal.render(a, "1.2.3").decode()
    assert "\x1b[" not in text
    assert all(len(line) <= terminal.WIDTH and line == line.rstrip() for line in text.splitlines())
    for ls in a.scores.layers:
        line = next(x for x in text.splitlines() if x.startswith(ls.layer.value + " "))
        filled = round((ls.score or 0) / 100 * 20)
        assert f"{ls.score:.0f}" in line and "█" * filled + "░" * (20 - filled) in line
        assert f"{ls.level} " + "●" * (ls.level or 0) + "○" * (4 - (ls.level or 0)) in line
    assert f"overall {a.scores.overall_score:.0f}/100, level {a.scores.overall_level}" in text
    assert "sovaudit 1.2.3" in text and "2026-11-27" in text


def test_top_findings_actions_gates_waivers(us: Audit) -> None:
    text = terminal.render(us, "1").decode()
    costs = {c.finding: c.points for c in us.scores.costs}
    top = max((f for f in us.findings if not f.waiver), key=lambda f: costs[f.id])
    section = text.split("Top findings")[1].split("What to do first")[0]
    assert f"{costs[top.id]:.1f} pts" in section.splitlines()[1] and top.rule in section.splitlines()[1]
    assert "What to do first" in text and "1. " in text.split("What to do first")[1]
    assert "Gates (profile eu-public-high)" in text
    assert sum(line.lstrip().startswith("FAIL") for line in text.splitlines()) == sum(
        1 for g in us.gates if not g.passed
    )
    assert "Waived: 1 finding(s)" in text and WAIVED in text
    assert "expired waiver HPC-001:pytorch" in text


def test_markup_in_stack_text_is_printed_as_written(us: Audit) -> None:
    from dataclasses import replace

    costs = {c.finding: c.points for c in us.scores.costs}
    f = max((f for f in us.findings if not f.waiver), key=lambda f: costs[f.id])
    odd = replace(f, message="[bold red]not markup[/] and [link=x]y[/link]")
    a = replace(us, findings=tuple(odd if g.id == f.id else g for g in us.findings))
    text = terminal.render(a, "1").decode()
    assert "[bold red]not markup[/] and [link=x]y[/link]" in text


def test_show_colours_a_terminal_and_not_a_pipe(
    us: Audit, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    terminal.show(us, "1")
    assert "\x1b[" in capsys.readouterr().out
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("NO_COLOR", "1")
    terminal.show(us, "1")
    out = capsys.readouterr().out
    assert "\x1b[" not in out and "What to do first" in out
