"""``uv.lock``, version 1 (any ``revision``).

Each ``[[package]]`` is a component; the same name may appear at several versions (one per set of
``resolution-markers``), and dependencies name the version when that is ambiguous. The project
itself (and each workspace member) is a package with an ``editable`` or ``virtual`` source: a
component with ``python:project = true``. Its ``optional-dependencies`` give edges with scope
``optional`` (``python:extra``), its ``dev-dependencies`` edges with scope ``dev``
(``python:group``). A package that only the dev groups (or only extras) of the projects reach is
marked ``python:scope = dev`` (``optional``). Hashes come from the sdist and every wheel.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sovaudit.collectors import pypi
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory

NAME = "uv-lock"
_SOURCES = ("registry", "git", "url", "path", "directory", "editable", "virtual")
_PROJECT_SOURCES = ("editable", "virtual")


def _hashes(pkg: dict[str, Any]) -> list[tuple[str, str]]:
    artefacts = [pkg.get("sdist")] + (pkg["wheels"] if isinstance(pkg.get("wheels"), list) else [])
    return [h for a in artefacts if isinstance(a, dict) and isinstance(a.get("hash"), str)
            and (h := pypi.parse_hash(a["hash"]))]


def _source(source: Any) -> tuple[str, list[tuple[str, str]]]:
    """The source kind and its properties (``git = "https://...?rev=x#<commit>"`` gives the commit)."""
    match source:
        case dict() if len(source) == 1 and (kind := next(iter(source))) in _SOURCES:
            where = source[kind]
            props = [("python:source-type", kind)]
            if isinstance(where, str):
                url, _, commit = where.partition("#") if kind == "git" else (where, "", "")
                props.append(("python:source-url", pypi.strip_credentials(url)))
                if commit:
                    props.append(("python:vcs-commit", commit))
            return kind, props
        case None:
            return "", []
        case _:
            return "", [("python:source-type", "unknown")]


def _dependency_list(value: Any, shown: str, where: str) -> list[dict[str, Any]]:
    match value:
        case None:
            return []
        case list() if all(isinstance(d, dict) and isinstance(d.get("name"), str) for d in value):
            return value
        case _:
            raise InputError(shown, f"{where} is not a list of {{ name = ... }} tables")


def _groups(value: Any, shown: str, where: str) -> list[tuple[str, list[dict[str, Any]]]]:
    match value:
        case None:
            return []
        case dict():
            return [(group, _dependency_list(deps, shown, f"{where}.{group}")) for group, deps in value.items()]
        case _:
            raise InputError(shown, f"{where} is not a table")


def _reach(starts: Iterable[str], graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph.get(node, ())
    return seen


class UvLockCollector(Collector):
    name = NAME
    description = "uv.lock (version 1)"

    def detect(self, path: TreePath) -> bool:
        return path.name == "uv.lock"

    def collect(self, path: TreePath) -> Inventory:
        text, doc = pypi.load_toml(path)
        shown = path.display()
        match doc:
            case {"version": int(version)} if version == 1:
                pass
            case {"version": version}:
                raise InputError(shown, f"lock version {version} is not supported (known: 1)")
            case _:
                raise InputError(shown, "no 'version'; is this a uv.lock?")
        match doc.get("package", []):
            case list(packages) if all(isinstance(p, dict) for p in packages):
                pass
            case _:
                raise InputError(shown, "'package' is not an array of tables")

        locked = pypi.Locked()
        rows: list[tuple[dict[str, Any], Component, Evidence, str]] = []
        for i, (pkg, line) in enumerate(zip(packages, pypi.table_lines(text, "package", len(packages)), strict=True)):
            match pkg:
                case {"name": str(name)}:
                    version = pkg.get("version", "")
                    if not isinstance(version, str):
                        raise InputError(shown, f"package[{i}] ({name}): 'version' is not a string")
                case _:
                    raise InputError(shown, f"package[{i}] has no name")
            evidence = Evidence(path=shown, collector=NAME, line=line, pointer="" if line else f"package[{i}]")
            kind, props = _source(pkg.get("source"))
            if kind in _PROJECT_SOURCES:
                props.append(("python:project", "true"))
            markers = pkg.get("resolution-markers")
            if isinstance(markers, list):
                props += [("python:resolution-marker", m) for m in markers if isinstance(m, str)]
            component = pypi.package(name, version, evidence, hashes=_hashes(pkg), properties=props)
            locked.add(name, version, component.id)
            rows.append((pkg, component, evidence, kind))

        edges: list[Edge] = []
        runtime: dict[str, set[str]] = {}  # id -> ids, through dependencies and requested extras
        optional_of: dict[str, set[str]] = {}
        dev_of: dict[str, set[str]] = {}
        extra_targets: dict[tuple[str, str], set[str]] = {}  # (id, extra) -> ids
        requested: list[tuple[str, list[str], list[str]]] = []  # (id, target ids, extras asked of them)
        for pkg, component, evidence, _ in rows:
            where = f"package {component.name}"
            sections = [("", "", _dependency_list(pkg.get("dependencies"), shown, f"{where}: dependencies"))]
            sections += [("optional", g, d) for g, d in
                         _groups(pkg.get("optional-dependencies"), shown, f"{where}: optional-dependencies")]
            sections += [("dev", g, d) for g, d in _groups(pkg.get("dev-dependencies"), shown,
                                                           f"{where}: dev-dependencies")]
            for scope, group, deps in sections:
                for dep in deps:
                    version = dep.get("version")
                    targets = locked.resolve(dep["name"], version=version if isinstance(version, str) else "")
                    labels: list[tuple[str, Any]] = [
                        ("python:marker", dep.get("marker")),
                        ("python:extra" if scope == "optional" else "python:group", group),
                    ]
                    extras = dep.get("extra")
                    if isinstance(extras, list):
                        labels.append(("python:extras", ",".join(sorted(x for x in extras if isinstance(x, str)))))
                    edge_props = tuple((k, v) for k, v in labels if isinstance(v, str) and v)
                    for target in targets:
                        edges.append(pypi.depends_on(component.id, target, evidence,
                                                     scopes=(scope,) if scope else (), properties=edge_props))
                    by_scope = {"": runtime, "optional": optional_of, "dev": dev_of}[scope]
                    by_scope.setdefault(component.id, set()).update(targets)
                    if scope == "optional":
                        extra_targets.setdefault((component.id, group), set()).update(targets)
                    if isinstance(extras, list):
                        requested.append((component.id, targets, [x for x in extras if isinstance(x, str)]))
        for source, targets, extras in requested:  # "foo[x]" also reaches what foo's extra x needs
            runtime.setdefault(source, set()).update(t for x in extras for ts in targets
                                                     for t in extra_targets.get((ts, x), ()))

        projects = [c.id for _, c, _, kind in rows if kind in _PROJECT_SOURCES]
        components = [c for _, c, _, _ in rows]
        if projects:
            main = _reach(projects, runtime)
            extra = _reach({t for p in projects for t in optional_of.get(p, ())}, runtime) - main
            dev = _reach({t for p in projects for t in dev_of.get(p, ())}, runtime) - main - extra
            components = [pypi.with_property(c, "python:scope", "optional") if c.id in extra
                          else pypi.with_property(c, "python:scope", "dev") if c.id in dev else c
                          for c in components]
        return pypi.inventory(components, edges)
