"""``poetry.lock``, lock-version 1.0, 1.1, 2.0 and 2.1.

The versions differ in where the facts sit: 1.x marks each package ``category = "main" | "dev"``
and keeps the hashes in one ``[metadata.files]`` table; 2.0 has the hashes inline (``files``) and
no category at all; 2.1 adds ``groups = ["main", "dev", ...]``. A package outside the ``main``
group gets ``python:scope = dev`` (2.0 cannot tell: a 2.0 lock alone does not say which packages
only development needs); an ``optional`` one (installed only with an extra) ``python:scope =
optional``. Dependencies resolve to the locked package of that name (several versions of one name:
those the constraint selects when it is a PEP 440 specifier, else all); ``optional = true``
dependencies get scope ``optional``.
"""

from __future__ import annotations

from typing import Any

from sovaudit.collectors import pypi
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory

NAME = "poetry-lock"
SUPPORTED = ("1.0", "1.1", "2.0", "2.1")


def _hashes(files: Any) -> list[tuple[str, str]]:
    """``[{file = "...", hash = "sha256:..."}]`` -> hashes."""
    match files:
        case list():
            return [h for f in files if isinstance(f, dict) and isinstance(f.get("hash"), str)
                    and (h := pypi.parse_hash(f["hash"]))]
        case _:
            return []


def _source(source: Any) -> list[tuple[str, str]]:
    match source:
        case {"type": str(kind), **rest}:
            props = [("python:source-type", kind)]
            if isinstance(url := rest.get("url"), str):
                props.append(("python:source-url", pypi.strip_credentials(url)))
            if isinstance(ref := rest.get("resolved_reference"), str):
                props.append(("python:vcs-commit", ref))
            if isinstance(ref := rest.get("reference"), str) and kind == "git":
                props.append(("python:vcs-requested-revision", ref))
            return props
        case _:
            return []


def _dependencies(deps: Any, shown: str) -> list[tuple[str, str, str, str, bool]]:
    """``(name, constraint, markers, extras, optional)`` for each constraint of each dependency."""
    out = []
    match deps:
        case dict():
            pass
        case None:
            return []
        case _:
            raise InputError(shown, "[package.dependencies] is not a table")
    for name, spec in deps.items():
        for one in spec if isinstance(spec, list) else [spec]:
            match one:
                case str(constraint):
                    out.append((name, constraint, "", "", False))
                case dict():
                    constraint = one.get("version", "")
                    markers = one.get("markers", "")
                    extras = one.get("extras", [])
                    out.append((
                        name,
                        constraint if isinstance(constraint, str) else "",
                        markers if isinstance(markers, str) else "",
                        ",".join(sorted(x for x in extras if isinstance(x, str))) if isinstance(extras, list) else "",
                        one.get("optional") is True,
                    ))
                case _:
                    raise InputError(shown, f"dependency {name!r} is neither a constraint string nor a table")
    return out


class PoetryLockCollector(Collector):
    name = NAME
    description = "poetry.lock (lock-version 1.0, 1.1, 2.0, 2.1)"

    def detect(self, path: TreePath) -> bool:
        return path.name == "poetry.lock"

    def collect(self, path: TreePath) -> Inventory:
        text, doc = pypi.load_toml(path)
        shown = path.display()
        match doc:
            case {"metadata": {"lock-version": str(lock_version)} as metadata}:
                pass
            case {"metadata": dict()}:
                raise InputError(shown, "[metadata] has no lock-version; is this a poetry.lock?")
            case _:
                raise InputError(shown, "no [metadata] table; is this a poetry.lock?")
        if lock_version not in SUPPORTED:
            raise InputError(shown, f"lock-version {lock_version} is not supported (known: {', '.join(SUPPORTED)})")
        match doc.get("package", []):
            case list(packages) if all(isinstance(p, dict) for p in packages):
                pass
            case _:
                raise InputError(shown, "'package' is not an array of tables")
        legacy_files = metadata.get("files", {}) if lock_version.startswith("1.") else {}
        if not isinstance(legacy_files, dict):
            raise InputError(shown, "[metadata.files] is not a table")
        legacy = {pypi.normalise_name(k): v for k, v in legacy_files.items()}

        components: list[Component] = []
        locked = pypi.Locked()
        pending: list[tuple[Component, Evidence, list[tuple[str, str, str, str, bool]]]] = []
        for i, (pkg, line) in enumerate(zip(packages, pypi.table_lines(text, "package", len(packages)), strict=True)):
            match pkg:
                case {"name": str(name), "version": str(version)}:
                    pass
                case _:
                    raise InputError(shown, f"package[{i}] has no name and version strings")
            evidence = Evidence(path=shown, collector=NAME, line=line, pointer="" if line else f"package[{i}]")
            props = _source(pkg.get("source"))
            groups = pkg.get("groups")
            if lock_version.startswith("1.") and isinstance(category := pkg.get("category"), str):
                groups = [category]
            if isinstance(groups, list):
                props += [("python:group", g) for g in groups if isinstance(g, str)]
            optional = pkg.get("optional") is True
            if optional:
                props.append(("python:optional", "true"))
            if isinstance(groups, list) and groups and "main" not in groups:
                props.append(("python:scope", "dev"))
            elif optional:
                props.append(("python:scope", "optional"))
            if isinstance(python := pkg.get("python-versions"), str) and python not in ("", "*"):
                props.append(("python:requires-python", python))
            match pkg.get("markers"):
                case str(marker):
                    props.append(("python:marker", marker))
                case dict(by_group):
                    props += [("python:marker", f"{g}: {m}") for g, m in by_group.items() if isinstance(m, str)]
            description = pkg.get("description")
            component = pypi.package(
                name,
                version,
                evidence,
                description=description if isinstance(description, str) else "",
                hashes=_hashes(pkg.get("files")) + _hashes(legacy.get(pypi.normalise_name(name))),
                properties=props,
            )
            components.append(component)
            locked.add(name, version, component.id)
            pending.append((component, evidence, _dependencies(pkg.get("dependencies"), shown)))

        edges: list[Edge] = []
        for component, evidence, deps in pending:
            for dep, constraint, markers, extras, optional in deps:
                props = [("python:specifier", constraint if constraint != "*" else ""), ("python:marker", markers),
                         ("python:extras", extras)]
                for target in locked.resolve(dep, constraint=constraint):
                    edges.append(pypi.depends_on(component.id, target, evidence,
                                                 scopes=("optional",) if optional else (),
                                                 properties=tuple(p for p in props if p[1])))
        return pypi.inventory(components, edges)
