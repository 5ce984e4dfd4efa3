"""The HTML procurement report: one self-contained page a tender committee can read and print.

``render`` writes the report of one audit; ``render_comparison`` puts 2-5 candidate stacks side
by side. The page loads nothing (no script, no font, no image: a Content-Security-Policy forbids
every fetch), draws its charts as inline SVG and carries print rules for print-to-PDF.

The markup is built in Python through :mod:`sovaudit.reports.html_markup`, whose ``el`` escapes
every piece of text that is not already markup, rather than with a template engine: no new
dependency, no template files to package, and the 10,000-component appendix stays a linear
loop. Sections are small functions of the audit; charts live in ``html_svg`` and the graph
drawing in ``html_graph``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sovaudit.model import Component, Finding, Layer, Severity
from sovaudit.reports import html_svg as charts
from sovaudit.reports.html_graph import MAX_NODES, Node, draw
from sovaudit.reports.html_markup import Html, document, el, join, raw, template
from sovaudit.reports.html_style import STYLE
from sovaudit.reports.html_svg import LEVEL_COLOURS, NOT_ASSESSED, RISK_COLOURS, UNASSESSED_FILL, fmt
from sovaudit.scoring import (
    BASE_POINTS,
    CSF_NAMES,
    CSF_WEIGHTS,
    DIMENSIONS,
    LEVEL_BANDS,
    LEVEL_CAPS,
    NO_ALTERNATIVE_FACTOR,
    SPOF_SHARE,
    FindingCost,
    RiskVector,
    level_of,
)

if TYPE_CHECKING:
    from sovaudit.audit import Audit
    from sovaudit.knowledge import Entry

DIMENSION_NAMES = {
    "J": "Jurisdiction",
    "O": "Openness",
    "S": "Substitutability",
    "C": "Concentration",
    "X": "Export control",
    "G": "Governance drift",
}
DASH = "\u2013"  # en dash: "nothing" in a table cell
TIMES = "\u00d7"  # multiplication sign
HEAT_ROWS = 40
TODO_FIRST = 5
LIST_CAP = 12  # components named per finding; the appendix has every component
EVIDENCE_CAP = 6  # files listed per finding
STACK_COLOURS = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9")
SUPPLIER_ROWS = 30
MIN_STACKS, MAX_STACKS = 2, 5


# -- what the sections share -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """What the sections look up about components and findings, computed once per audit."""

    audit: Audit
    components: dict[str, Component]
    entries: dict[str, tuple[Entry, ...]]
    supplier: dict[str, str]
    jurisdiction: dict[str, str]  # jurisdiction id, "" when unassessed
    risk: dict[str, RiskVector]
    costs: dict[str, FindingCost]
    spof: frozenset[str]

    @classmethod
    def of(cls, audit: Audit) -> Facts:
        kb = audit.kb
        entries = {
            cid: tuple(kb.entries[m.entry] for m in ms if m.entry in kb.entries) for cid, ms in audit.matches.items()
        }
        supplier: dict[str, str] = {}
        jurisdiction: dict[str, str] = {}
        for c in audit.inventory.components:
            found = entries.get(c.id, ())
            vendor = kb.vendors.get(found[0].vendor) if found else None
            supplier[c.id] = vendor.name if vendor else c.supplier
            jurisdiction[c.id] = next(
                (v.jurisdiction for e in found if (v := kb.vendors.get(e.vendor)) is not None), ""
            )
        return cls(
            audit=audit,
            components={c.id: c for c in audit.inventory.components},
            entries=entries,
            supplier=supplier,
            jurisdiction=jurisdiction,
            risk={rv.component: rv for rv in audit.scores.risk_vectors},
            costs={c.finding: c for c in audit.scores.costs},
            spof=frozenset(audit.scores.single_points_of_failure),
        )

    def name(self, cid: str) -> str:
        c = self.components.get(cid)
        return f"{c.name} {c.version}".strip() if c else cid

    def live(self) -> list[Finding]:
        """Findings that cost points, the most expensive first."""
        return sorted((f for f in self.audit.findings if not f.waiver), key=lambda f: (-self.costs[f.id].points, f.id))

    def jurisdiction_risk(self, jid: str) -> int | None:
        j = self.audit.kb.jurisdictions.get(jid)
        return j.risk if j else None

    def non_eu_share(self) -> float | None:
        """Share of the components with a known controlling jurisdiction that are controlled outside the EU/EEA."""
        blocs = [
            j.bloc
            for jid in self.jurisdiction.values()
            if jid and (j := self.audit.kb.jurisdictions.get(jid)) is not None
        ]
        return sum(1 for b in blocs if b not in ("eu", "eea")) / len(blocs) if blocs else None


def score_text(score: float | None) -> str:
    return fmt(score) if score is not None else "not assessed"


def level_badge(level: int | None) -> Html:
    if level is None:
        return el("span", "n/a", class_="badge lvl")
    return el("span", f"level {level}", class_=f"badge lvl lvl-{level}")


def severity_badge(f: Finding) -> Html:
    if f.waiver:
        return el("span", "waived", class_="badge waived")
    return el("span", str(f.severity), class_=f"badge sev-{f.severity}")


def level_colour(level: int | None) -> str:
    return NOT_ASSESSED if level is None else LEVEL_COLOURS[level]


def section(sid: str, title: str, *content: object) -> Html:
    return el("section", el("h2", title), *content, id=sid)


def table(head: Sequence[object], rows: Iterable[Html], *, class_: str | None = None, num: Sequence[int] = ()) -> Html:
    cells = [el("th", h, class_="num" if i in num else None, scope="col") for i, h in enumerate(head)]
    return el("table", el("thead", el("tr", cells)), el("tbody", rows), class_=class_)


def td(value: object, *, num: bool = False, best: bool = False) -> Html:
    classes = " ".join(c for c in ("num" if num else "", "best" if best else "") if c) or None
    return el("td", value, class_=classes)


def figure(chart: Html, caption: object) -> Html:
    return el("figure", chart, el("figcaption", caption))


def cover(kicker: str, title: str, meta: Sequence[str]) -> Html:
    return el(
        "header",
        el("p", kicker, class_="kicker"),
        el("h1", title),
        el("p", [el("span", m) for m in meta], class_="meta"),
        class_="cover",
    )


def toc(sections: Sequence[tuple[str, str]]) -> Html:
    return el("nav", el("ol", [el("li", el("a", title, href=f"#{sid}")) for sid, title in sections]), class_="toc")


def footer(tool_version: str) -> Html:
    return el(
        "footer",
        f"Written by sovaudit {tool_version}. This page is self-contained: it loads nothing from the network, "
        "runs no script, and prints to PDF as an A4 document (the browser's Print, Save as PDF). "
        "The audit JSON (sovaudit audit -f json) carries every number on it.",
    )


def scope(audit: Audit) -> str:
    """The folder the inputs were read from (their common path), when the inventory says."""
    paths = [i.path for i in audit.inventory.inputs if i.status.value == "read"]
    if not paths:
        return ""
    try:
        common = os.path.commonpath(paths)
    except ValueError:  # absolute and relative paths mixed
        return ""
    return common


# -- the single-stack report --------------------------------------------------------------------------
SECTIONS = (
    ("summary", "1. Summary"),
    ("layers", "2. Scores by layer"),
    ("csf", "3. EU Cloud Sovereignty Framework"),
    ("concentration", "4. Suppliers and jurisdictions"),
    ("risk", "5. Risk by component"),
    ("graph", "6. Dependency graph"),
    ("findings", "7. Findings and remediation"),
    ("method", "8. How the scores are computed"),
    ("appendix", "Appendix: every component"),
)


def render(audit: Audit, tool_version: str, *, label: str = "") -> bytes:
    """The report of one audit; ``label`` names the stack (default: the folder its inputs came from)."""
    facts = Facts.of(audit)
    where = scope(audit)
    title = label or (os.path.basename(where) if where else "") or "audited stack"
    meta = [f"audit of {audit.today.isoformat()}", f"sovaudit {tool_version}"]
    if where:
        meta.append(f"inputs: {where}")
    meta.append(f"profile: {audit.profile.name}" if audit.profile else "no profile")
    main = el(
        "main",
        toc(SECTIONS),
        summary_section(facts),
        layers_section(facts),
        csf_section(facts),
        concentration_section(facts),
        risk_section(facts),
        graph_section(facts),
        findings_section(facts),
        method_section(audit),
        appendix_section(facts),
    )
    page = el("div", cover("Sovereignty and lock-in audit", title, meta), main, footer(tool_version), class_="page")
    return document(f"Sovereignty audit: {title}", page, STYLE)


def summary_section(facts: Facts) -> Html:
    audit, s = facts.audit, facts.audit.scores
    live = facts.live()
    by_sev = Counter(f.severity for f in live)
    waived = sum(1 for f in audit.findings if f.waiver)
    assessed = [ls for ls in s.layers if ls.score is not None]
    csf_assessed = sum(1 for o in s.csf if o.score is not None)
    passed = sum(1 for g in audit.gates if g.passed)
    non_eu = facts.non_eu_share()
    cards = el(
        "div",
        card(
            "Overall score",
            join(score_text(s.overall_score), el("small", " / 100") if s.overall_score is not None else None),
            f"level {s.overall_level} of 4" if s.overall_level is not None else "no layer assessed",
            level=s.overall_level,
        ),
        card("EU-CSF weighted", score_text(s.csf_score), f"{csf_assessed} of {len(s.csf)} objectives assessed"),
        card(
            "Findings",
            str(len(live)),
            " · ".join(f"{by_sev[sev]} {sev}" for sev in sorted(Severity, reverse=True) if sev > Severity.INFO)
            + (f" · {waived} waived" if waived else ""),
        ),
        card(
            "Gates",
            f"{passed} / {len(audit.gates)}" if audit.gates else "none",
            ("all passed" if audit.passed else "FAILED") if audit.gates else "no profile or threshold set",
        ),
        card("Components", f"{len(audit.inventory.components):,}", f"in {len(assessed)} assessed layers"),
        card(
            "Outside EU/EEA",
            f"{non_eu:.0%}" if non_eu is not None else "n/a",
            f"{len(s.single_points_of_failure)} single point(s) of failure",
        ),
        class_="cards",
    )
    return section(
        "summary",
        "1. Summary",
        cards,
        el("p", verdict(facts), class_="lead"),
        el("h3", "What to do first"),
        todo(facts, live[:TODO_FIRST]) if live else el("p", "No finding costs points."),
        gates_block(audit),
        caveats(audit),
    )


def card(label: str, value: object, sub: str, *, level: int | None = None) -> Html:
    return el(
        "div",
        el("div", label, class_="label"),
        el("div", value, class_="value"),
        el("div", sub, class_="sub"),
        class_=f"card lvl-{level}" if level is not None else "card",
    )


def verdict(facts: Facts) -> str:
    """The summary in plain words: the score, the weakest and strongest layers, where the points went."""
    s = facts.audit.scores
    assessed = [ls for ls in s.layers if ls.score is not None]
    if not assessed or s.overall_score is None:
        return "No layer has components: nothing was assessed."
    weakest = min(assessed, key=lambda ls: (ls.score or 0.0, ls.layer.value))
    strongest = max(assessed, key=lambda ls: (ls.score or 0.0, ls.layer.value))
    text = (
        f"The stack scores {fmt(s.overall_score)} out of 100 overall, level {s.overall_level} of 4 "
        f"(the level of its weakest layer). The weakest layer is {weakest.layer.value} "
        f"({fmt(weakest.score or 0.0)}, level {weakest.level})"
    )
    if strongest.layer is not weakest.layer:
        text += f"; the strongest is {strongest.layer.value} ({fmt(strongest.score or 0.0)})"
    text += (
        f". {len(s.layers) - len(assessed)} layer(s) have no components and are not assessed."
        if len(assessed) < len(s.layers)
        else "."
    )
    if s.single_points_of_failure:
        names = ", ".join(facts.name(c) for c in s.single_points_of_failure[:3])
        text += f" Single points of failure: {names}."
    return text


def todo(facts: Facts, findings: Sequence[Finding]) -> Html:
    items = []
    for f in findings:
        items.append(
            el(
                "li",
                severity_badge(f),
                " ",
                el("a", f.title, href=f"#{finding_anchor(facts, f)}"),
                f" ({f.layer.value}, {fmt(facts.costs[f.id].points)} points): {f.message}",
                el("span", f"→ {f.remediation}", class_="fix") if f.remediation else None,
            )
        )
    return el("ol", items, class_="todo")


def gates_block(audit: Audit) -> Html:
    if not audit.gates:
        return el(
            "p",
            "No gate was set. A profile (--profile), --fail-on or --min-score sets the minimums an offer must meet.",
            class_="note",
        )
    rows = [
        el(
            "tr",
            el("th", g.name, scope="row"),
            td(el("span", "pass" if g.passed else "FAIL", class_="pass" if g.passed else "fail")),
            td(g.detail),
        )
        for g in audit.gates
    ]
    title = "Gates" + (f" (profile {audit.profile.name})" if audit.profile else "")
    return join(el("h3", title), table(("Requirement", "Result", "Detail"), rows))


def caveats(audit: Audit) -> Html:
    items: list[Html] = [
        el(
            "li",
            f"Expired waiver of {w.finding} (owner {w.owner}, expired {w.expires.isoformat()}, {w.origin}:{w.line}).",
        )
        for w in audit.expired_waivers
    ]
    if audit.stale_entries:
        items.append(el("li", "Knowledge-base entries past their review date: " + ", ".join(audit.stale_entries) + "."))
    failed = audit.inventory.failed
    if failed:
        items.append(el("li", f"{len(failed)} input(s) could not be read, first: {failed[0].path}: {failed[0].reason}"))
    return join(el("h3", "Caveats"), el("ul", items)) if items else join()


def layers_section(facts: Facts) -> Html:
    layers = facts.audit.scores.layers
    bars = [
        charts.Bar(
            label=ls.layer.value,
            value=ls.score,
            colour=level_colour(ls.level),
            note=f"level {ls.level}" if ls.level is not None else "",
        )
        for ls in layers
    ]
    rows = []
    for ls in layers:
        top = f"{ls.top_supplier} ({ls.top_supplier_share:.0%})" if ls.top_supplier else "unknown"
        rows.append(
            el(
                "tr",
                el("th", ls.layer.value, scope="row"),
                td(score_text(ls.score), num=True),
                td(level_badge(ls.level)),
                td(fmt(ls.points_lost), num=True),
                td(len(ls.findings), num=True),
                td(f"{ls.components:,}", num=True),
                td(top),
                td(f"{ls.supplier_hhi:,.0f}" if ls.top_supplier else DASH, num=True),
                td(f"{ls.non_eu_share:.0%}" if ls.non_eu_share is not None else DASH, num=True),
                td(f"{ls.unassessed_share:.0%}", num=True),
                data_layer=ls.layer.value,
            )
        )
    legend = charts.legend([(LEVEL_COLOURS[lv], f"level {lv}") for lv in range(4, -1, -1)])
    return section(
        "layers",
        "2. Scores by layer",
        el(
            "p",
            "Each layer starts at 100 and loses the points of its findings. The bar's length is the score, its "
            "colour the level, which the worst open finding can cap below what the score alone would give.",
        ),
        figure(charts.score_bars(bars, label="Score by layer (0-100)"), join("Score by layer, 0-100. ", legend)),
        table(
            (
                "Layer",
                "Score",
                "Level",
                "Points lost",
                "Findings",
                "Components",
                "Largest supplier",
                "HHI",
                "Outside EU/EEA",
                "Unassessed",
            ),
            rows,
            num=(1, 3, 4, 5, 7, 8, 9),
        ),
    )


def csf_section(facts: Facts) -> Html:
    s = facts.audit.scores
    bars = [
        charts.Bar(
            label=f"{o.objective} {o.name}",
            value=o.score,
            colour=level_colour(level_of(o.score, None)) if o.score is not None else NOT_ASSESSED,
            note=f"weight {o.weight} %",
        )
        for o in s.csf
    ]
    rows = [
        el(
            "tr",
            el("th", o.objective, scope="row"),
            td(o.name),
            td(f"{o.weight} %", num=True),
            td(score_text(o.score), num=True),
            td(len(o.findings), num=True),
            data_objective=o.objective,
        )
        for o in s.csf
    ]
    assessed = [o for o in s.csf if o.score is not None]
    lead = (
        f"Weighted score {score_text(s.csf_score)} over the {len(assessed)} objectives the loaded rules address, "
        "with the framework's weights. Each objective loses the points of the findings whose rules reference it, "
        "so one finding can count against several objectives."
    )
    return section(
        "csf",
        "3. EU Cloud Sovereignty Framework",
        el("p", lead),
        figure(
            charts.score_bars(bars, label="EU-CSF objectives (0-100)"), "Score by objective, 0-100, and its weight."
        ),
        table(("Objective", "Name", "Weight", "Score", "Findings"), rows, num=(2, 3, 4)),
    )


def concentration_section(facts: Facts) -> Html:
    audit = facts.audit
    panels = []
    for ls in audit.scores.layers:
        total = sum(n for _, n in ls.suppliers)
        top = list(ls.suppliers[:5])
        rest = total - sum(n for _, n in top)
        if rest:
            top.append((f"{len(ls.suppliers) - 5} others", rest))
        head = f"{ls.layer.value}: {total:,} of {ls.components:,} components with a known supplier"
        if total:
            head += f", HHI {ls.supplier_hhi:,.0f}"
        chart = charts.share_bars(top, total, label=f"Suppliers of the {ls.layer.value} layer", colour="#3d5a98")
        panels.append(el("div", el("h4", head), chart))
    rows = []
    for ls in audit.scores.layers:
        segments = [
            charts.Segment(
                label=jid,
                count=n,
                colour=jurisdiction_colour(facts, jid),
                tip=f"{jurisdiction_name(facts, jid)}: {n} component(s)",
            )
            for jid, n in ls.jurisdictions
        ]
        unknown = ls.components - sum(n for _, n in ls.jurisdictions)
        if unknown > 0:
            segments.append(charts.Segment(label="unassessed", count=unknown, colour=UNASSESSED_FILL))
        rows.append((ls.layer.value, segments))
    legend = charts.legend(
        [
            (RISK_COLOURS[0], "EU (J 0)"),
            (RISK_COLOURS[1], "EEA, adequacy (J 1)"),
            (RISK_COLOURS[2], "EU subsidiary of a non-EU parent (J 2)"),
            (RISK_COLOURS[3], "extraterritorial access laws (J 3)"),
            (RISK_COLOURS[4], "sanctioned (J 4)"),
            (UNASSESSED_FILL, "unassessed"),
        ]
    )
    return section(
        "concentration",
        "4. Suppliers and jurisdictions",
        el(
            "p",
            "Who supplies each layer, and under whose law. The Herfindahl-Hirschman index (HHI) sums the squared "
            "supplier shares: 10,000 means one supplier; n suppliers with equal shares give 10,000 / n.",
        ),
        el("div", panels, class_="grid2"),
        el("h3", "Controlling jurisdiction by layer"),
        figure(
            charts.stacked_shares(rows, label="Controlling jurisdiction of the components, by layer"),
            join("Share of each layer's components by the jurisdiction that controls their supplier. ", legend),
        ),
        spof_block(facts),
    )


def jurisdiction_name(facts: Facts, jid: str) -> str:
    j = facts.audit.kb.jurisdictions.get(jid)
    return j.name if j else jid


def jurisdiction_colour(facts: Facts, jid: str) -> str:
    risk = facts.jurisdiction_risk(jid)
    return RISK_COLOURS[risk] if risk is not None else NOT_ASSESSED


def spof_block(facts: Facts) -> Html:
    spofs = facts.audit.scores.single_points_of_failure
    head = el("h3", "Single points of failure")
    if not spofs:
        return join(
            head,
            el(
                "p",
                f"None: no high- or critical-lock-in product without an alternative carries {SPOF_SHARE:.0%} or more "
                "of the stack.",
            ),
        )
    items = []
    for cid in spofs:
        entries = facts.entries.get(cid, ())
        alts = sorted({a for e in entries for a in e.alternatives})
        what = ", ".join(e.name for e in entries)
        items.append(
            el(
                "li",
                el("strong", facts.name(cid)),
                f" ({what}; {facts.supplier.get(cid) or 'unknown supplier'})",
                f" — alternatives known: {', '.join(alt_names(facts, alts))}" if alts else " — no alternative known",
            )
        )
    return join(head, el("ul", items))


def alt_names(facts: Facts, ids: Iterable[str]) -> list[str]:
    kb = facts.audit.kb
    return [kb.entries[a].name if a in kb.entries else a for a in ids]


def risk_section(facts: Facts) -> Html:
    rows = heat_rows(facts)
    total = len(facts.risk)
    columns = [(d, DIMENSION_NAMES[d]) for d in DIMENSIONS]
    legend = charts.legend([(charts.RISK_FILLS[v], f"{v}") for v in range(5)] + [(UNASSESSED_FILL, "? unassessed")])
    body: object
    if rows:
        body = figure(
            charts.heat_map(columns, rows, label="Risk by component and dimension"),
            join(
                f"The {len(rows)} riskiest rows of {total:,} components (components of one knowledge-base product "
                "share a row and show its worst values). 0 is best, 4 worst. ",
                legend,
            ),
        )
    else:
        body = el("p", "No component has a risk vector.")
    return section(
        "risk",
        "5. Risk by component",
        el(
            "p",
            "Six dimensions for each component, 0 (best) to 4 (worst): jurisdiction (J), openness (O), "
            "substitutability (S), concentration of its supplier in its layer (C), export control (X) and "
            "governance drift (G). What the knowledge base does not know stays unassessed, never safe. "
            "The appendix lists every component's values.",
        ),
        body,
    )


def heat_rows(facts: Facts) -> list[charts.HeatRow]:
    """Rows of the heat map: one per KB product (its components' worst values), else one per component."""
    groups: dict[str, list[RiskVector]] = {}
    for cid, rv in facts.risk.items():
        if all(v is None for _, v in rv.values):
            continue
        entries = facts.entries.get(cid, ())
        supplier = facts.supplier.get(cid, "")
        if entries:
            key = f"kb:{entries[0].id}"
        elif supplier:  # components of one supplier with the same values: "Debian: 1,500 components"
            key = f"s:{supplier}\x00" + ",".join(str(v) for _, v in rv.values)
        else:
            key = f"c:{cid}"
        groups.setdefault(key, []).append(rv)
    ranked = []
    for key, vectors in groups.items():
        values = (
            tuple(v for _, v in vectors[0].values)
            if len(vectors) == 1
            else tuple(worst(rv.values[i][1] for rv in vectors) for i in range(len(DIMENSIONS)))
        )
        ranked.append((-sum(v for v in values if v is not None), key, values, len(vectors), vectors))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [heat_row(facts, key, values, count, vectors) for _, key, values, count, vectors in ranked[:HEAT_ROWS]]


def heat_row(
    facts: Facts, key: str, values: tuple[int | None, ...], count: int, vectors: Sequence[RiskVector]
) -> charts.HeatRow:
    if key.startswith("kb:"):
        entry = facts.audit.kb.entries[key[3:]]
        vendor = facts.audit.kb.vendors.get(entry.vendor)
        label = f"{entry.name} {TIMES} {count:,}" if count > 1 else entry.name
        tip = f"{entry.name} ({vendor.name if vendor else entry.vendor}): {count:,} component(s)"
    elif count > 1:
        supplier = key[2:].split("\x00", 1)[0]
        label = f"{supplier}: {count:,} components"
        tip = f"{count:,} components of {supplier} without a knowledge-base entry, with the same values"
    else:
        cid = vectors[0].component
        label = facts.name(cid)
        tip = f"{cid} (no knowledge-base entry)"
    return charts.HeatRow(label=label, tip=tip, values=values)


def worst(values: Iterable[int | None]) -> int | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def graph_section(facts: Facts) -> Html:
    audit = facts.audit
    nodes = []
    j_index = DIMENSIONS.index("J")
    for c in audit.inventory.components:
        rv = facts.risk.get(c.id)
        j = rv.values[j_index][1] if rv else None
        if j is None and facts.jurisdiction.get(c.id):
            j = facts.jurisdiction_risk(facts.jurisdiction[c.id])
        nodes.append(
            Node(
                id=c.id,
                label=f"{c.name} {c.version}".strip(),
                layer=c.layer,
                supplier=facts.supplier.get(c.id, ""),
                risk=j,
                spof=c.id in facts.spof,
                placeholder=c.unresolved or c.prop("sovaudit:hub") == "true",
            )
        )
    drawing, note = draw(nodes, [(e.source, e.target) for e in audit.inventory.edges])
    legend = charts.legend(
        [(charts.RISK_FILLS[v], f"jurisdiction risk {v}") for v in range(5)]
        + [
            ("#f3f5f8", "jurisdiction unassessed"),
            ("#7f0000", "thick dark-red border: single point of failure"),
            ("#24476b", "dark line: a dependency across layers"),
        ]
    )
    return section(
        "graph",
        "6. Dependency graph",
        el(
            "p",
            "The stack by layer, from the operational services on top to the hardware at the bottom. A line joins "
            "a component to what it depends on, runs on, is built with, trained on or stored in; lines that cross "
            "bands are where a lock-in in one layer reaches into another. Dashed boxes are references no input "
            f"described (unresolved) or hardware a product requires. Up to {MAX_NODES} components are drawn one by "
            "one; larger stacks are grouped by layer and supplier.",
        ),
        figure(drawing, join(note, " Hover a box for its full name. ", legend)),
    )


def finding_anchor(facts: Facts, f: Finding) -> str:
    return f"finding-{facts.audit.findings.index(f) + 1}"


def findings_section(facts: Facts) -> Html:
    audit = facts.audit
    order = {f.id: i for i, f in enumerate(audit.findings)}
    ranked = sorted(audit.findings, key=lambda f: (bool(f.waiver), -facts.costs[f.id].points, f.id))
    blocks = [finding_block(facts, f, order[f.id] + 1) for f in ranked]
    lead = (
        f"{len(audit.findings)} finding(s), the most expensive first (waived ones last). Each says what was found, "
        "what to do about it, how many points it costs and why, and which files it rests on."
    )
    return section("findings", "7. Findings and remediation", el("p", lead), blocks or el("p", "No finding."))


def finding_block(facts: Facts, f: Finding, number: int) -> Html:
    c = facts.costs[f.id]
    details = [
        el("dt", "Points"),
        el("dd", cost_text(c, f)),
        el("dt", "Components"),
        el("dd", inline_list([facts.name(cid) for cid in f.components])),
        el("dt", "Evidence"),
        el("dd", evidence_list([e.describe() for e in f.evidence])),
    ]
    alternatives = sorted(
        {a for eid in f.kb_entries if eid in facts.audit.kb.entries for a in facts.audit.kb.entries[eid].alternatives}
    )
    if alternatives:
        details += [el("dt", "Alternatives"), el("dd", ", ".join(alt_names(facts, alternatives)))]
    if f.references:
        details += [el("dt", "References"), el("dd", ", ".join(f.references))]
    if f.waiver:
        details += [el("dt", "Waiver"), el("dd", f.waiver)]
    meta = [f.rule, f"pack {f.pack}", f"{f.layer.value} layer", f"dimension {f.dimension}"]
    if f.gate:
        meta.append("hard gate")
    return el(
        "article",
        el("h3", severity_badge(f), " ", f.title),
        el("p", [el("span", m) for m in meta], class_="meta"),
        el("p", f.message),
        el("p", el("strong", "Remediation: "), f.remediation, class_="fix") if f.remediation else None,
        el("dl", details),
        class_=f"finding fs-{'waived' if f.waiver else f.severity}",
        id=f"finding-{number}",
    )


def cost_text(c: FindingCost, f: Finding) -> str:
    if f.waiver:
        return "0 (waived)"
    parts = [f"{fmt(c.base)} ({f.severity})"]
    if c.blast != 1.0:
        parts.append(f"{c.blast:.2f} (blast: {c.blast - 1:.0%} of the stack depends on it)")
    if c.no_alternative != 1.0:
        parts.append(f"{c.no_alternative:g} (no alternative)")
    return f" {TIMES} ".join(parts) + f" = {fmt(c.points)}" if len(parts) > 1 else f"{fmt(c.points)}"


def inline_list(items: Sequence[str]) -> str:
    """Names side by side, the first :data:`LIST_CAP` of them (the appendix has every component)."""
    if not items:
        return DASH
    more = len(items) - LIST_CAP
    return ", ".join(items[:LIST_CAP]) + (f" and {more:,} more (see the appendix)" if more > 0 else "")


def evidence_list(paths: Sequence[str]) -> Html:
    if not paths:
        return el("span", DASH)
    shown = [el("li", el("span", p, class_="mono")) for p in paths[:EVIDENCE_CAP]]
    more = len(paths) - EVIDENCE_CAP
    if more > 0:
        shown.append(el("li", f"and {more:,} more (sovaudit explain PATH FINDING lists them all)"))
    return el("ul", shown)


def method_section(audit: Audit) -> Html:
    return section("method", "8. How the scores are computed", method(audit))


def method(audit: Audit | None) -> Html:
    """The scoring method in plain words, with the constants the scores were computed with."""
    packs = ", ".join(f"{p.name} {p.version}" for p in audit.packs) if audit else ""
    base = table(
        ("Severity", "Base points"),
        [el("tr", td(str(sev)), td(fmt(pts), num=True)) for sev, pts in sorted(BASE_POINTS.items())],
        num=(1,),
    )
    bands = ", ".join(f"{fmt(floor)} or more: level {lvl}" for floor, lvl in LEVEL_BANDS) + ", below that: level 0"
    caps = "; ".join(f"a {sev} finding caps it at {cap}" for sev, cap in sorted(LEVEL_CAPS.items(), reverse=True))
    weights = table(
        ("Objective", "Name", "Weight"),
        [el("tr", td(o), td(CSF_NAMES[o]), td(f"{w} %", num=True)) for o, w in CSF_WEIGHTS.items()],
        num=(2,),
    )
    dims = el(
        "ul",
        el(
            "li",
            el("strong", "J jurisdiction"),
            ": EU 0; EEA, Switzerland, the UK and other adequacy countries 1; an "
            "EU-headquartered subsidiary of a non-EU parent 2; a jurisdiction with extraterritorial access laws "
            "(such as the US CLOUD Act and FISA 702) 3; sanctioned 4.",
        ),
        el(
            "li",
            el("strong", "O openness"),
            ": foundation-governed open source 0; open standard or vendor-led open "
            "source 1; source-available 2; proprietary free of charge 3; proprietary paid or cloud-only 4. Without a "
            "knowledge-base entry the licence stands in (open 1, restricted 2, proprietary 3).",
        ),
        el("li", el("strong", "S substitutability"), ": 0 a drop-in alternative exists … 4 none."),
        el("li", el("strong", "C concentration"), ": the component's supplier's share of its layer, in fifths."),
        el("li", el("strong", "X export control"), ": none 0, EAR99 1, 5A992 2, 3A090/4A090 4."),
        el("li", el("strong", "G governance drift"), ": 2 when the vendor was recently acquired or relicensed."),
    )
    return el(
        "div",
        el(
            "p",
            "Every point a stack loses traces back to a finding, every finding to a rule and to the files it came "
            "from. Nothing is weighed by hand, and the same files always give the same scores.",
        ),
        el("h3", "From files to findings"),
        el(
            "p",
            "sovaudit reads what the stack is made of (package environments and lock files, container images, "
            "module trees, hardware and scheduler descriptions, model cards, dataset descriptions, cloud and "
            "operations manifests) into components, each with the file and line it came from, and joins them into "
            "one dependency graph across the five layers: compute, data, software, model and operational. Each "
            "component is matched against a knowledge base of products: who makes it, under whose law that "
            "vendor is controlled, how open it is, how hard it is to replace and what replaces it. Rule packs"
            + (f" (here: {packs})" if packs else "")
            + " then judge components and whole layers. Each verdict is a finding with a severity, a remediation "
            "and its evidence.",
        ),
        el("h3", "What a finding costs"),
        el("p", el("strong", f"points = base {TIMES} blast {TIMES} no-alternative"), ", where:"),
        el(
            "ul",
            el("li", "base depends on the severity (table below);"),
            el(
                "li",
                "blast is 1 plus the share of the rest of the stack that depends on the finding's components, "
                "directly or through others (1 for a finding about a whole layer): a runtime the whole stack sits "
                "on costs up to twice as much as one a single tool pulls in;",
            ),
            el(
                "li",
                f"no-alternative is {NO_ALTERNATIVE_FACTOR:g} when the knowledge base lists no alternative to the "
                "product or rates replacing it impossible, else 1.",
            ),
        ),
        base,
        el(
            "p",
            "A waived finding (with a justification, an owner and an expiry date) costs nothing while its "
            "waiver is valid, and stays in the report, marked.",
        ),
        el("h3", "Layer scores and levels"),
        el(
            "p",
            "A layer's score is 100 minus the points of its findings, never below 0. A layer without components is "
            "not assessed: it has no score and is never counted as 100. Its level, 0 to 4, is read like the EU "
            "Cloud Sovereignty Framework's SEAL levels (4: no critical non-EU dependency … 0: exclusively non-EU "
            f"controlled). The score gives the level ({bands}), and the worst open finding caps it ({caps}): the "
            "weakest link decides. The overall score is the mean of the assessed layers' scores; the overall "
            "level is the lowest layer level.",
        ),
        el("h3", "EU Cloud Sovereignty Framework view"),
        el(
            "p",
            "Rules name the framework objectives they bear on. Each objective scores 100 minus the points of the "
            "findings that reference it, and the weighted score uses the framework's weights. An objective no "
            "loaded rule refers to is not assessed and left out of the weighting.",
        ),
        weights,
        el("h3", "Concentration and single points of failure"),
        el(
            "p",
            "For each layer: the share of each supplier among the components whose supplier is known, and the "
            "Herfindahl-Hirschman index, the sum of the squared shares times 10,000 (10,000: a single supplier). "
            "Also the share of the assessed components controlled outside the EU/EEA. A single point of failure is "
            f"a product rated high or critical lock-in, without an alternative, that at least {SPOF_SHARE:.0%} of "
            "the stack depends on.",
        ),
        el("h3", "Risk by component"),
        el("p", "Each component gets six values from 0 (best) to 4 (worst), or unassessed:"),
        dims,
        el("h3", "Unknown is not safe"),
        el(
            "p",
            "A component the knowledge base does not know has an unassessed jurisdiction and supplier, not a safe "
            "one: a layer mostly unassessed, or software without readable licences, costs points. A site can "
            "describe what it knows (its support contracts, its own data centres) in a site knowledge-base file.",
        ),
        el("h3", "Gates"),
        el(
            "p",
            "Scores rank; gates decide. A minimum severity, a minimum overall score, and a profile's minimum level "
            "per layer and hard-gate rules each fail the audit whatever the weighted score, as a tender rejects an "
            "offer below the minimum of any objective.",
        ),
        class_="method",
    )


def appendix_section(facts: Facts) -> Html:
    comps = sorted(facts.audit.inventory.components, key=lambda c: (LAYER_ORDER[c.layer], c.name, c.version, c.id))
    head = (
        "#",
        "Component, id and first evidence",
        "Layer",
        "Kind",
        "Supplier",
        "Jurisd.",
        "Licence",
        "Knowledge base",
        *DIMENSIONS,
    )
    rows = [appendix_row(facts, i, c) for i, c in enumerate(comps, 1)]
    return section(
        "appendix",
        "Appendix: every component",
        el(
            "p",
            f"All {len(comps):,} components, by layer and name: the id sovaudit knows each by (sovaudit explain "
            "PATH ID tells its story), the first file it was found in, and its risk values (J O S C X G, see "
            "section 5; ? unassessed).",
        ),
        table(head, rows, class_="appendix", num=(0,)),
    )


LAYER_ORDER = {layer: i for i, layer in enumerate(Layer)}


APPENDIX_ROW = (
    '<tr><td class="num">{number}</td><td>{name}<span class="id">{id}</span><span class="ev">{evidence}</span></td>'
    "<td>{layer}</td><td>{kind}</td><td>{supplier}</td><td>{jurisdiction}</td><td>{licence}</td><td>{kb}</td>{risk}</tr>"
)
RISK_CELLS: dict[int | None, str] = {v: f'<td class="r r{v}">{v}</td>' for v in range(5)} | {
    None: '<td class="r rn">?</td>'
}
NO_RISK = raw(RISK_CELLS[None] * len(DIMENSIONS))


def appendix_row(facts: Facts, number: int, c: Component) -> Html:
    """One component's row, from a constant template: there is one per component, 10,000 in a large stack."""
    rv = facts.risk.get(c.id)
    evidence = ""
    if c.evidence:
        evidence = c.evidence[0].describe() + (f" (+{len(c.evidence) - 1})" if len(c.evidence) > 1 else "")
    entries = facts.entries.get(c.id)
    return template(
        APPENDIX_ROW,
        number=number,
        name=f"{c.name} {c.version}".strip() + (" (unresolved)" if c.unresolved else ""),
        id=c.id,
        evidence=evidence,
        layer=c.layer.value,
        kind=c.kind,
        supplier=facts.supplier.get(c.id) or DASH,
        jurisdiction=facts.jurisdiction.get(c.id) or DASH,
        licence=c.licenses or c.license_declared or DASH,
        kb=", ".join(e.name for e in entries) if entries else DASH,
        risk=raw("".join([RISK_CELLS[v] for _, v in rv.values])) if rv else NO_RISK,
    )


# -- the comparison of 2-5 stacks ---------------------------------------------------------------------
COMPARISON_SECTIONS = (
    ("overview", "1. Overview"),
    ("layers", "2. Scores by layer"),
    ("objectives", "3. EU-CSF objectives"),
    ("gates", "4. Gates"),
    ("suppliers", "5. Suppliers and jurisdictions"),
    ("lockins", "6. Lock-ins"),
    ("first", "7. What each stack should do first"),
    ("method", "8. How the scores are computed"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    label: str
    colour: str
    facts: Facts


def render_comparison(audits: Sequence[tuple[str, Audit]], tool_version: str) -> bytes:
    """2-5 candidate stacks side by side: scores per layer and objective, gates, suppliers, lock-ins."""
    if not MIN_STACKS <= len(audits) <= MAX_STACKS:
        raise ValueError(f"a comparison takes {MIN_STACKS} to {MAX_STACKS} stacks, not {len(audits)}")
    labels = [label for label, _ in audits]
    if len(set(labels)) != len(labels):
        raise ValueError(f"stack labels must differ: {', '.join(labels)}")
    stacks = [
        Candidate(label=label, colour=STACK_COLOURS[i], facts=Facts.of(audit))
        for i, (label, audit) in enumerate(audits)
    ]
    dates = sorted({s.facts.audit.today.isoformat() for s in stacks})
    meta = [f"audits of {', '.join(dates)}", f"sovaudit {tool_version}"]
    profiles = sorted({s.facts.audit.profile.name for s in stacks if s.facts.audit.profile})
    meta.append(f"profile: {', '.join(profiles)}" if profiles else "no profile")
    main = el(
        "main",
        toc(COMPARISON_SECTIONS),
        overview_section(stacks),
        comparison_layers(stacks),
        comparison_objectives(stacks),
        comparison_gates(stacks),
        comparison_suppliers(stacks),
        comparison_lockins(stacks),
        comparison_first(stacks),
        section("method", "8. How the scores are computed", method(stacks[0].facts.audit)),
    )
    title = " · ".join(labels)
    page = el(
        "div",
        cover(f"Comparison of {len(stacks)} candidate stacks", title, meta),
        main,
        footer(tool_version),
        class_="page",
    )
    return document(f"Sovereignty comparison: {title}", page, STYLE)


def stack_head(stacks: Sequence[Candidate], first: str, *, num: bool = True) -> list[Html]:
    """The header row of a table with a column per stack, underlined in the stack's colour."""
    classes = "stack num" if num else "stack"
    return [el("th", first, scope="col")] + [
        el("th", s.label, scope="col", class_=classes, style=f"--c:{s.colour}") for s in stacks
    ]


def comparison_row(
    name: object, values: Sequence[float | None], texts: Sequence[object], *, higher: bool = True
) -> Html:
    """A row with one cell per stack; the best value (highest, or lowest) is marked when they differ."""
    known = [v for v in values if v is not None]
    best = (max(known) if higher else min(known)) if known and len(set(known)) > 1 else None
    cells = [td(t, num=True, best=v is not None and v == best) for v, t in zip(values, texts, strict=True)]
    return el("tr", el("th", name, scope="row"), cells)


def overview_section(stacks: Sequence[Candidate]) -> Html:
    rows = []
    scores = [s.facts.audit.scores for s in stacks]
    rows.append(
        comparison_row(
            "Overall score",
            [sc.overall_score for sc in scores],
            [join(score_text(sc.overall_score), " ", level_badge(sc.overall_level)) for sc in scores],
        )
    )
    rows.append(
        comparison_row(
            "EU-CSF weighted score", [sc.csf_score for sc in scores], [score_text(sc.csf_score) for sc in scores]
        )
    )
    for sev in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        counts = [float(sum(1 for f in s.facts.audit.findings if f.severity is sev and not f.waiver)) for s in stacks]
        rows.append(comparison_row(f"{sev} findings", counts, [f"{c:.0f}" for c in counts], higher=False))
    spofs = [float(len(sc.single_points_of_failure)) for sc in scores]
    rows.append(comparison_row("Single points of failure", spofs, [f"{n:.0f}" for n in spofs], higher=False))
    shares = [s.facts.non_eu_share() for s in stacks]
    rows.append(
        comparison_row(
            "Controlled outside the EU/EEA",
            shares,
            [f"{v:.0%}" if v is not None else "n/a" for v in shares],
            higher=False,
        )
    )
    gates = [gate_summary(s) for s in stacks]
    rows.append(el("tr", el("th", "Gates passed", scope="row"), [td(g, num=True) for g in gates]))
    comps = [len(s.facts.audit.inventory.components) for s in stacks]
    rows.append(el("tr", el("th", "Components", scope="row"), [td(f"{n:,}", num=True) for n in comps]))
    ranked = sorted(stacks, key=lambda s: (-(s.facts.audit.scores.overall_score or -1.0), s.label))
    ranking = ", ".join(f"{s.label} ({score_text(s.facts.audit.scores.overall_score)})" for s in ranked)
    return section(
        "overview",
        "1. Overview",
        el("p", f"By overall score: {ranking}. The best value of each row is highlighted.", class_="lead"),
        el("table", el("thead", el("tr", stack_head(stacks, ""))), el("tbody", rows), class_="stacks"),
    )


def gate_summary(s: Candidate) -> Html:
    gates = s.facts.audit.gates
    if not gates:
        return el("span", "none set")
    passed = sum(1 for g in gates if g.passed)
    return el("span", f"{passed} of {len(gates)}", class_="pass" if passed == len(gates) else "fail")


def comparison_layers(stacks: Sequence[Candidate]) -> Html:
    series = [
        charts.Series(name=s.label, colour=s.colour, values=tuple(ls.score for ls in s.facts.audit.scores.layers))
        for s in stacks
    ]
    chart = charts.grouped_bars([layer.value for layer in Layer], series, label="Score by layer and stack")
    rows = []
    for i, layer in enumerate(Layer):
        layer_scores = [s.facts.audit.scores.layers[i] for s in stacks]
        rows.append(
            comparison_row(
                layer.value,
                [ls.score for ls in layer_scores],
                [join(score_text(ls.score), " ", level_badge(ls.level)) for ls in layer_scores],
            )
        )
    return section(
        "layers",
        "2. Scores by layer",
        figure(chart, "Score by layer, 0-100, one bar per stack."),
        el("table", el("thead", el("tr", stack_head(stacks, "Layer"))), el("tbody", rows), class_="stacks"),
    )


def comparison_objectives(stacks: Sequence[Candidate]) -> Html:
    objectives = [o.objective for o in stacks[0].facts.audit.scores.csf]
    series = [
        charts.Series(name=s.label, colour=s.colour, values=tuple(o.score for o in s.facts.audit.scores.csf))
        for s in stacks
    ]
    chart = charts.grouped_bars(objectives, series, label="Score by EU-CSF objective and stack")
    rows = []
    for i, obj in enumerate(objectives):
        values = [s.facts.audit.scores.csf[i].score for s in stacks]
        name = f"{obj} {CSF_NAMES.get(obj, '')} ({CSF_WEIGHTS.get(obj, 0)} %)"
        rows.append(comparison_row(name, values, [score_text(v) for v in values]))
    weighted = [s.facts.audit.scores.csf_score for s in stacks]
    rows.append(comparison_row(el("strong", "Weighted"), weighted, [score_text(v) for v in weighted]))
    return section(
        "objectives",
        "3. EU-CSF objectives",
        figure(chart, "Score by objective of the EU Cloud Sovereignty Framework, 0-100, one bar per stack."),
        el(
            "table", el("thead", el("tr", stack_head(stacks, "Objective (weight)"))), el("tbody", rows), class_="stacks"
        ),
    )


def comparison_gates(stacks: Sequence[Candidate]) -> Html:
    names = sorted({g.name for s in stacks for g in s.facts.audit.gates})
    if not names:
        return section(
            "gates",
            "4. Gates",
            el(
                "p",
                "No gate was set. Compare with a profile (--profile eu-public-high, research-open-science, "
                "commercial-baseline), --fail-on or --min-score to see which stacks meet the minimums.",
            ),
        )
    rows = []
    for name in names:
        cells = []
        for s in stacks:
            gate = next((g for g in s.facts.audit.gates if g.name == name), None)
            if gate is None:
                cells.append(td(DASH))
            else:
                mark = el("span", "pass" if gate.passed else "FAIL", class_="pass" if gate.passed else "fail")
                cells.append(el("td", mark, el("div", gate.detail, class_="note")))
        rows.append(el("tr", el("th", name, scope="row"), cells))
    rows.append(el("tr", el("th", el("strong", "All gates"), scope="row"), [td(gate_summary(s)) for s in stacks]))
    return section(
        "gates",
        "4. Gates",
        el("p", "Hard requirements: a stack that fails one fails the audit, whatever its scores."),
        el(
            "table",
            el("thead", el("tr", stack_head(stacks, "Requirement", num=False))),
            el("tbody", rows),
            class_="stacks",
        ),
    )


def comparison_suppliers(stacks: Sequence[Candidate]) -> Html:
    counts: dict[str, list[int]] = {}
    jurisdiction: dict[str, str] = {}
    for i, s in enumerate(stacks):
        for cid, name in s.facts.supplier.items():
            if not name or s.facts.components[cid].unresolved:
                continue
            counts.setdefault(name, [0] * len(stacks))[i] += 1
            if s.facts.jurisdiction.get(cid):
                jurisdiction.setdefault(name, s.facts.jurisdiction[cid])
    ranked = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    rows = []
    for name, per_stack in ranked[:SUPPLIER_ROWS]:
        present = [s.label for s, n in zip(stacks, per_stack, strict=True) if n]
        where = (
            "all"
            if len(present) == len(stacks)
            else ("only " + present[0] if len(present) == 1 else f"{len(present)} of {len(stacks)}")
        )
        rows.append(
            el(
                "tr",
                el("th", name, scope="row"),
                td(jurisdiction.get(name, DASH)),
                td(where),
                [td(f"{n:,}" if n else DASH, num=True) for n in per_stack],
            )
        )
    head = [
        el("th", "Supplier", scope="col"),
        el("th", "Jurisd.", scope="col"),
        el("th", "In", scope="col"),
        *stack_head(stacks, "")[1:],
    ]
    more = len(ranked) - SUPPLIER_ROWS
    jrows = []
    for s in stacks:
        per: Counter[str] = Counter(
            j for cid, j in s.facts.jurisdiction.items() if not s.facts.components[cid].unresolved
        )
        unknown = per.pop("", 0)
        segments = [
            charts.Segment(
                label=j, count=n, colour=jurisdiction_colour(s.facts, j), tip=f"{jurisdiction_name(s.facts, j)}: {n}"
            )
            for j, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        if unknown:
            segments.append(charts.Segment(label="unassessed", count=unknown, colour=UNASSESSED_FILL))
        jrows.append((s.label, segments))
    return section(
        "suppliers",
        "5. Suppliers and jurisdictions",
        el(
            "p",
            "Components per supplier in each stack (the supplier from the knowledge base, else as the stack "
            "declares it), the largest first; 'In' says whether a supplier is common to all stacks or particular "
            "to some.",
        ),
        el("table", el("thead", el("tr", head)), el("tbody", rows), class_="stacks"),
        el("p", f"{more} smaller suppliers not shown." if more > 0 else "", class_="note") if more > 0 else None,
        el("h3", "Controlling jurisdiction of the components"),
        figure(
            charts.stacked_shares(jrows, label="Controlling jurisdiction by stack"),
            "Share of each stack's components by the jurisdiction that controls their supplier; grey: unassessed.",
        ),
    )


def comparison_lockins(stacks: Sequence[Candidate]) -> Html:
    """Products rated high or critical lock-in found in any stack, and where they are single points of failure."""
    found: dict[str, list[list[str]]] = {}
    for i, s in enumerate(stacks):
        for cid, entries in s.facts.entries.items():
            for e in entries:
                if e.lock_in in ("high", "critical"):
                    found.setdefault(e.id, [[] for _ in stacks])[i].append(cid)
    kb = stacks[0].facts.audit.kb
    rows = []
    for eid in sorted(found, key=lambda e: (-sum(1 for x in found[e] if x), e)):
        entry = next(s.facts.audit.kb.entries[eid] for s in stacks if eid in s.facts.audit.kb.entries)
        vendor = kb.vendors.get(entry.vendor)
        cells = []
        for s, cids in zip(stacks, found[eid], strict=True):
            if not cids:
                cells.append(td(DASH, num=True))
                continue
            spof = any(c in s.facts.spof for c in cids)
            cells.append(td(join(f"{len(cids)}", el("strong", " SPOF") if spof else None), num=True))
        alts = ", ".join(alt_names(stacks[0].facts, entry.alternatives)) or "none known"
        rows.append(
            el(
                "tr",
                el(
                    "th",
                    entry.name,
                    el(
                        "div",
                        f"{vendor.name if vendor else entry.vendor}; lock-in {entry.lock_in}; "
                        f"substitutability {entry.substitutability}/4; alternatives: {alts}",
                        class_="note",
                    ),
                    scope="row",
                ),
                cells,
            )
        )
    counts = [float(sum(1 for x in found.values() if x[i])) for i in range(len(stacks))]
    rows.append(
        comparison_row(
            el("strong", "Products with high or critical lock-in"), counts, [f"{n:.0f}" for n in counts], higher=False
        )
    )
    return section(
        "lockins",
        "6. Lock-ins",
        el(
            "p",
            "Products the knowledge base rates high or critical lock-in, with the number of components that "
            "are that product in each stack; SPOF: a single point of failure there (no alternative, and at least "
            f"{SPOF_SHARE:.0%} of the stack depends on it).",
        ),
        el("table", el("thead", el("tr", stack_head(stacks, "Product"))), el("tbody", rows), class_="stacks"),
    )


def comparison_first(stacks: Sequence[Candidate]) -> Html:
    blocks = []
    for s in stacks:
        live = s.facts.live()[:3]
        blocks.append(
            el(
                "div",
                el("h3", s.label),
                todo_plain(s.facts, live) if live else el("p", "No finding costs points."),
            )
        )
    return section(
        "first",
        "7. What each stack should do first",
        el("p", "The three findings that cost each stack the most points, with their remediation."),
        el("div", blocks, class_="grid2"),
    )


def todo_plain(facts: Facts, findings: Sequence[Finding]) -> Html:
    return el(
        "ol",
        [
            el(
                "li",
                severity_badge(f),
                f" {f.title} ({f.layer.value}, {fmt(facts.costs[f.id].points)} points): {f.message}",
                el("span", f"→ {f.remediation}", class_="fix") if f.remediation else None,
            )
            for f in findings
        ],
        class_="todo",
    )
