"""The link stage: edges between what different inputs say about the same things.

Each collector sees one input; this stage runs on the merged graph and connects components that
several inputs describe in their own terms. Today it knows one kind of link:

* **same software, several managers** — openmpi built by Spack and installed by dpkg, numpy in a
  conda env's ``conda-meta`` and in its site-packages, python from conda and from a module. They
  are different components (different ids, evidence, often versions), and they are not silently
  merged into one guess: they get a ``same-as`` edge carrying both evidences, and the property
  ``sovaudit:version-match`` says whether the versions agree.

Matching is on a normalised name within the software layer, across *different* managers only
(the purl type, or the component kind for things without a purl such as modules); unresolved
placeholders are never linked. The rule is linear in the number of components.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from sovaudit.model import Component, Edge, Layer, Relation

_SEPARATORS = re.compile(r"[-_.]+")

#: Names one manager spells differently from another (the rest of the knowledge lives in the KB).
_ALIASES = {
    "pytorch": "torch",
    "python3": "python",
    "openmpi-bin": "openmpi",
    "libopenmpi-dev": "openmpi",
    "mpich-bin": "mpich",
}

#: Above this many members in one name group, link each to the first of every other manager only.
_PAIRWISE_LIMIT = 16


def manager(c: Component) -> str:
    """Which package manager (or tool) described this component."""
    if c.purl.startswith("pkg:"):
        return c.purl[4:].split("/", 1)[0].lower()
    return c.kind


def software_name(c: Component) -> str:
    """A name comparable across managers: Debian binaries by their source package, separators unified."""
    name = c.prop("deb:source") or c.name
    key = _SEPARATORS.sub("-", name.strip().lower())
    return _ALIASES.get(key, key)


def same_software(components: Iterable[Component]) -> list[Edge]:
    """``same-as`` edges between components of one software under different managers."""
    groups: dict[str, list[Component]] = defaultdict(list)
    for c in components:
        if c.layer is Layer.SOFTWARE and not c.unresolved and c.name:
            groups[software_name(c)].append(c)
    edges: list[Edge] = []
    for name in sorted(groups):
        members = sorted(groups[name], key=lambda c: c.id)
        by_manager: dict[str, list[Component]] = defaultdict(list)
        for c in members:
            by_manager[manager(c)].append(c)
        if len(by_manager) < 2:
            continue
        managers = sorted(by_manager)
        for i, ma in enumerate(managers):
            for mb in managers[i + 1 :]:
                pairs = (
                    [(a, b) for a in by_manager[ma] for b in by_manager[mb]]
                    if len(members) <= _PAIRWISE_LIMIT
                    else [(a, by_manager[mb][0]) for a in by_manager[ma]]
                )
                for a, b in pairs:
                    edges.append(
                        Edge(
                            source=a.id,
                            target=b.id,
                            relation=Relation.SAME_AS,
                            properties=(
                                ("sovaudit:link", "same-software"),
                                ("sovaudit:version-match", "true" if a.version == b.version else "false"),
                            ),
                            evidence=tuple(sorted(set(a.evidence) | set(b.evidence))),
                        )
                    )
    return edges
