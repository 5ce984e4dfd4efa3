"""``pylock.toml`` / ``pylock.<name>.toml``: the standard lock file of PEP 751, lock-version 1.x.

Each ``[[packages]]`` entry is a component. Its source is exactly one of ``vcs``, ``directory``,
``archive``, or ``sdist`` and/or ``wheels`` from an index; hashes come from every artefact listed.
``version`` is optional (a directory or VCS source may have none). ``dependencies`` name other
entries by their keys (usually ``name``, with ``version`` when the name is ambiguous). The same
data may be written with inline tables or arrays of tables; a TOML parser does not care.
"""

from __future__ import annotations

from typing import Any

from sovaudit.collectors import pypi
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory

NAME = "pylock"


def _artefact_hashes(artefact: Any) -> list[tuple[str, str]]:
    match artefact:
        case {"hashes": dict(table)}:
            return pypi.hashes_of(table)
        case _:
            return []


def _location(artefact: dict[str, Any]) -> str:
    where = artefact.get("url", artefact.get("path", ""))
    return pypi.strip_credentials(where) if isinstance(where, str) else ""


def _source(pkg: dict[str, Any]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Properties and hashes of a package's source."""
    props: list[tuple[str, str]] = []
    hashes: list[tuple[str, str]] = []
    match pkg:
        case {"vcs": dict(vcs)}:
            props += [("python:source-type", "vcs"), ("python:source-url", _location(vcs))]
            for key, prop in (("type", "vcs"), ("commit-id", "vcs-commit"), ("requested-revision",
                                                                             "vcs-requested-revision")):
                if isinstance(value := vcs.get(key), str):
                    props.append((f"python:{prop}", value))
        case {"directory": dict(directory)}:
            props += [("python:source-type", "directory"), ("python:source-url", _location(directory))]
            if directory.get("editable") is True:
                props.append(("python:editable", "true"))
        case {"archive": dict(archive)}:
            props += [("python:source-type", "archive"), ("python:source-url", _location(archive))]
            hashes += _artefact_hashes(archive)
        case _:
            wheels = pkg.get("wheels")
            for artefact in [pkg.get("sdist"), *(wheels if isinstance(wheels, list) else [])]:
                hashes += _artefact_hashes(artefact)
            if hashes or "sdist" in pkg or "wheels" in pkg:
                props.append(("python:source-type", "registry"))
    if isinstance(index := pkg.get("index"), str):
        props.append(("python:index-url", pypi.strip_credentials(index)))
    return [(k, v) for k, v in props if v], hashes


class PylockCollector(Collector):
    name = NAME
    description = "pylock.toml and pylock.*.toml (PEP 751 lock files, lock-version 1.x)"

    def detect(self, path: TreePath) -> bool:
        return path.name == "pylock.toml" or (path.name.startswith("pylock.") and path.name.endswith(".toml"))

    def collect(self, path: TreePath) -> Inventory:
        text, doc = pypi.load_toml(path)
        shown = path.display()
        match doc:
            case {"lock-version": str(version)} if version.split(".")[0] == "1":
                pass
            case {"lock-version": version}:
                raise InputError(shown, f"lock-version {version} is not supported (known: 1.x)")
            case _:
                raise InputError(shown, "no lock-version; is this a pylock.toml?")
        match doc.get("packages", []):
            case list(packages) if all(isinstance(p, dict) for p in packages):
                pass
            case _:
                raise InputError(shown, "'packages' is not an array of tables")

        locked = pypi.Locked()
        rows: list[tuple[dict[str, Any], Component, Evidence]] = []
        lines = pypi.table_lines(text, "packages", len(packages))
        for i, (pkg, line) in enumerate(zip(packages, lines, strict=True)):
            match pkg:
                case {"name": str(name)}:
                    version = pkg.get("version", "")
                    if not isinstance(version, str):
                        raise InputError(shown, f"packages[{i}] ({name}): 'version' is not a string")
                case _:
                    raise InputError(shown, f"packages[{i}] has no name")
            evidence = Evidence(path=shown, collector=NAME, line=line, pointer="" if line else f"packages[{i}]")
            props, hashes = _source(pkg)
            for key, prop in (("marker", "python:marker"), ("requires-python", "python:requires-python")):
                if isinstance(value := pkg.get(key), str):
                    props.append((prop, value))
            identities = pkg.get("attestation-identities")
            for identity in identities if isinstance(identities, list) else []:
                match identity:
                    case {"kind": str(kind), **rest}:
                        repository = rest.get("repository")
                        label = f"{kind}:{repository}" if isinstance(repository, str) else kind
                        props.append(("python:attestation-identity", label))
            component = pypi.package(name, version, evidence, hashes=hashes, properties=props)
            locked.add(name, version, component.id)
            rows.append((pkg, component, evidence))

        edges: list[Edge] = []
        for pkg, component, evidence in rows:
            deps: list[Any] = []
            match pkg.get("dependencies"):
                case None:
                    pass
                case list(listed) if all(isinstance(d, dict) for d in listed):
                    deps = listed
                case _:
                    raise InputError(shown, f"package {component.name}: 'dependencies' is not an array of tables")
            for dep in deps:
                match dep:
                    case {"name": str(name)}:
                        version = dep.get("version")
                        for target in locked.resolve(name, version=version if isinstance(version, str) else ""):
                            edges.append(pypi.depends_on(component.id, target, evidence))
        return pypi.inventory([c for _, c, _ in rows], edges)
