"""Read floors: about the least plain Python does to see every record of an input (run as a script).

    python benchmarks/floors.py KIND PATH...

Each floor reads what a reader of that input cannot skip, with the standard library only, builds
one small tuple per record and prints how many it saw. sovaudit's time divided by the floor's is
the price of everything else it does (validation, identity, licences, evidence, merging, writing).

* ``metadata SITE... [--dpkg STATUS]``: ``email.parser.BytesHeaderParser`` over every
  ``*.dist-info/METADATA`` of the site folders (and the stanzas of a dpkg status file);
* ``oci LAYOUT``: every layer of the first image decompressed and its tar headers iterated;
* ``docker TAR``: the same through a ``docker save`` archive's ``manifest.json``;
* ``spack LOCK``: ``json.load`` and (name, version, hash, dependency hashes) per concrete spec;
* ``inventory FILE``: ``json.load`` and (id, name, version, purl) per component, (source, target)
  per edge of a sovaudit inventory.
"""

from __future__ import annotations

import email.parser
import gzip
import json
import os
import sys
import tarfile
from pathlib import Path
from typing import IO, Any, cast


def metadata(args: list[str]) -> int:
    parser = email.parser.BytesHeaderParser()
    seen: set[tuple[str | None, str]] = set()
    sites, status = args, None
    if "--dpkg" in args:
        at = args.index("--dpkg")
        sites, status = args[:at] + args[at + 2 :], args[at + 1]
    for site in sites:
        for entry in os.scandir(site):
            if entry.name.endswith(".dist-info"):
                try:
                    with open(os.path.join(entry.path, "METADATA"), "rb") as fh:
                        seen.add((parser.parse(fh)["Name"], entry.path))
                except OSError:
                    continue
    if status:
        for stanza in Path(status).read_bytes().split(b"\n\n"):
            fields = dict(line.split(b": ", 1) for line in stanza.splitlines() if b": " in line and line[:1] != b" ")
            if b"Package" in fields:
                seen.add((fields[b"Package"].decode(), fields.get(b"Version", b"").decode()))
    return len(seen)


def _members(stream: IO[bytes]) -> int:
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        return sum(1 for _ in tar)


def _open_layer(path: Path, media_type: str) -> IO[bytes]:
    raw = path.open("rb")
    if media_type.endswith("+zstd"):
        import zstandard

        reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, closefd=True)
        return reader
    if media_type.endswith("+gzip"):
        return cast(IO[bytes], gzip.open(raw))
    return raw


def oci(args: list[str]) -> int:
    layout = Path(args[0])
    blobs = layout / "blobs" / "sha256"
    index = json.loads((layout / "index.json").read_bytes())
    manifest = json.loads((blobs / index["manifests"][0]["digest"].split(":")[1]).read_bytes())
    total = 0
    for layer in manifest["layers"]:
        with _open_layer(blobs / layer["digest"].split(":")[1], layer["mediaType"]) as stream:
            total += _members(stream)
    return total


def docker(args: list[str]) -> int:
    total = 0
    with tarfile.open(args[0], "r:") as outer:
        manifest_file = outer.extractfile("manifest.json")
        assert manifest_file is not None
        for name in json.load(manifest_file)[0]["Layers"]:
            layer = outer.extractfile(name)
            assert layer is not None
            total += _members(layer)
    return total


def spack(args: list[str]) -> int:
    doc: dict[str, Any] = json.loads(Path(args[0]).read_bytes())
    specs = [
        (s["name"], s["version"], h, tuple(d["hash"] for d in s.get("dependencies", ())))
        for h, s in doc["concrete_specs"].items()
    ]
    return len(specs)


def inventory(args: list[str]) -> int:
    doc: dict[str, Any] = json.loads(Path(args[0]).read_bytes())
    comps = [(c["id"], c["name"], c.get("version"), c.get("purl")) for c in doc["components"]]
    edges = [(e["source"], e["target"]) for e in doc["edges"]]
    assert len(edges) == len(doc["edges"])
    return len(comps)


FLOORS = {"metadata": metadata, "oci": oci, "docker": docker, "spack": spack, "inventory": inventory}

if __name__ == "__main__":
    print(FLOORS[sys.argv[1]](sys.argv[2:]))
