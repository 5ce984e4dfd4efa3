"""Remote Hugging Face models, only when asked: ``hf://org/name[@revision]`` (and ``hf://datasets/org/name``).

:func:`fetch` downloads what the model collectors read — the card, ``config.json``,
``adapter_config.json``, ``generation_config.json``, the safetensors index, licence files and
``*.py`` files (names only matter for code; nothing is ever run) — and, for weights, **only
their headers**, by HTTP range requests (``Range: bytes=...``): 8 bytes then the JSON header of
each safetensors file, a growing prefix of each GGUF file until its header parses. Weight files
the collectors only need the names of (pickles, ONNX) are recorded as empty files. A 20 GB
model costs a few requests and a few megabytes.

Everything lands in a disk cache laid out like the Hub's own (``<cache>/models--org--name/``
with ``refs/<revision>`` -> commit and ``snapshots/<commit>/<files>``; a weight file there holds
only its header), so the model folder collector reads a fetched model exactly as it reads a
local snapshot, and a later run with ``offline=True`` reads the cache and never the network.
The returned :class:`~sovaudit.fs.TreePath` is rooted at the snapshot and displays as
``hf://org/name@<commit>``: evidence names the remote file, and the collector takes the repo
and revision from that name.

A stage never reads the environment: the endpoint (the CLI passes ``HF_ENDPOINT``), the cache
folder, ``offline``, the timeout, a token for gated repos and proxies are parameters; requests'
own environment lookups (proxies, ``.netrc``) are off. Every request has a connect and read
timeout and every download an overall deadline, so a stalled server gives an error, not a hang.
Any failure is an :class:`~sovaudit.errors.InputError` naming the ``hf://`` reference:
``offline`` and not cached, unreachable, gated (401/403), no such repo or revision (404).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit, urlunsplit

from sovaudit.collectors import lineage, modelcard, weights
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.model import InputRecord, InputStatus, Inventory, Relation

if TYPE_CHECKING:
    import requests

DEFAULT_ENDPOINT = "https://huggingface.co"
DEFAULT_TIMEOUT = 15.0
#: Largest small file (card, config, licence, code) fetched whole.
MAX_SMALL_FILE = 8 * MiB
#: Files fetched whole, by name.
_SMALL = re.compile(
    r"^(README\.md|config\.json|adapter_config\.json|generation_config\.json|model\.safetensors\.index\.json"
    r"|(?:licen[cs]e|copying|notice|use_policy)(?:[._-][^/]*)?|[^/]+\.py)$",
    re.I,
)
#: Weight files whose names (not contents) the collector uses: written empty.
_NAME_ONLY = re.compile(r"^(pytorch_model.*\.bin|adapter_model\.bin|[^/]+\.(pt|pth|ckpt|pkl|pickle|onnx|h5|msgpack))$")
_REF = re.compile(r"^hf://(?:(models|datasets)/)?([^/@\s]+(?:/[^/@\s]+)?)(?:@([^/\s]+))?/?$")
_COMPLETE = ".sovaudit-complete"
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class HfRef:
    """A parsed ``hf://`` reference."""

    kind: str  # models | datasets
    repo: lineage.Repo
    revision: str  # as asked ("main" when not given)
    text: str

    @property
    def cache_name(self) -> str:
        return f"{self.kind}--{self.repo.org}--{self.repo.name}" if self.repo.org else f"{self.kind}--{self.repo.name}"


def parse_ref(text: str) -> HfRef:
    """``hf://org/name[@revision]`` or ``hf://datasets/org/name[@revision]``; InputError otherwise."""
    m = _REF.match(text.strip())
    repo = lineage.parse_repo(m.group(2), dataset=m.group(1) == "datasets") if m else None
    if not m or repo is None:
        raise InputError(text, "is not an hf:// reference (hf://org/name[@revision] or hf://datasets/org/name)")
    revision = m.group(3) or "main"
    if ".." in revision or "/" in revision:
        raise InputError(text, f"revision {revision!r} is not a branch, tag or commit name")
    return HfRef(kind=m.group(1) or "models", repo=repo, revision=revision, text=text.strip())


def is_ref(text: str) -> bool:
    return text.strip().startswith("hf://")


# -- HTTP ------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Client:
    ref: HfRef
    endpoint: str
    timeout: float
    session: requests.Session
    headers: dict[str, str]

    def url(self, *parts: str) -> str:
        return self.endpoint.rstrip("/") + "/" + "/".join(quote(p, safe="/") for p in parts)

    def _fail(self, what: str, reason: str) -> InputError:
        return InputError(self.ref.text, f"{what}: {reason}")

    @property
    def shown(self) -> str:
        """The endpoint as messages name it: without a user name or password (HF_ENDPOINT may hold them)."""
        parts = urlsplit(self.endpoint)
        if "@" not in parts.netloc:
            return self.endpoint
        return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))

    def get(
        self, url: str, what: str, *, start: int = 0, length: int | None = None, limit: int = MAX_SMALL_FILE
    ) -> bytes:
        """At most ``limit`` bytes (``length`` from ``start`` with a Range request), within a deadline."""
        import requests

        headers = dict(self.headers)
        if length is not None:
            headers["Range"] = f"bytes={start}-{start + length - 1}"
        deadline = time.monotonic() + 4 * self.timeout
        try:
            with self.session.get(url, headers=headers, stream=True, timeout=(self.timeout, self.timeout)) as resp:
                if resp.status_code in (401, 403):
                    reason = f"HTTP {resp.status_code}: gated or private (accept the licence, pass a token)"
                    raise self._fail(what, reason)
                if resp.status_code == 404:
                    raise self._fail(what, "HTTP 404: no such repository, revision or file")
                if resp.status_code == 416:
                    return b""
                if resp.status_code not in (200, 206):
                    raise self._fail(what, f"HTTP {resp.status_code} from {self.shown}")
                skip = start if (length is not None and resp.status_code == 200) else 0  # Range ignored
                want = length if length is not None else limit + 1
                out = bytearray()
                for chunk in resp.iter_content(_CHUNK):
                    if time.monotonic() > deadline:
                        raise self._fail(what, f"download took longer than {4 * self.timeout:.0f} s; abandoned")
                    if skip:
                        cut = min(skip, len(chunk))
                        chunk, skip = chunk[cut:], skip - cut
                    out += chunk
                    if len(out) >= want:
                        break
                if length is None and len(out) > limit:
                    raise self._fail(what, f"is over the {limit:,}-byte limit for a metadata file")
                return bytes(out[:want])
        except InputError:
            raise
        except requests.Timeout as err:
            raise self._fail(what, f"no answer from {self.shown} within {self.timeout:.0f} s") from err
        except requests.RequestException as err:
            raise self._fail(what, f"cannot reach {self.shown}: {type(err).__name__}") from err

    def info(self) -> dict[str, Any]:
        ref = self.ref
        url = self.url("api", ref.kind, ref.repo.id, "revision", ref.revision)
        data = self.get(url, "repository information")
        try:
            doc = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise self._fail("repository information", "the Hub answered with something that is not JSON") from err
        if not (isinstance(doc, dict) and isinstance(doc.get("sha"), str) and isinstance(doc.get("siblings"), list)):
            raise self._fail("repository information", "no commit (sha) or file list (siblings) in the answer")
        return doc

    def file_url(self, sha: str, name: str) -> str:
        prefix = ("datasets",) if self.ref.kind == "datasets" else ()
        return self.url(*prefix, self.ref.repo.id, "resolve", sha, name)


class _HttpSource:
    """A HeaderSource over HTTP range requests: a prefix that grows by doubling, bounded."""

    def __init__(self, client: _Client, url: str, display: str, *, first: int) -> None:
        self._first = first
        self._client = client
        self._url = url
        self._display = display
        self._buf = b""
        self._eof = False

    @property
    def display(self) -> str:
        return self._display

    @property
    def size(self) -> int | None:
        return None

    def read(self, offset: int, size: int) -> bytes:
        need = offset + size
        if need > len(self._buf) and not self._eof:
            grow = 2 * len(self._buf) if self._buf else 0
            want = min(max(need, grow, self._first), weights.MAX_HEADER_BYTES + 16)
            more = self._client.get(self._url, self._display, start=len(self._buf), length=want - len(self._buf))
            self._eof = len(more) < want - len(self._buf)
            self._buf += more
        return self._buf[offset:need]


# -- the cache -------------------------------------------------------------------------------------
def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _safe_name(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and "\\" not in name and not name.startswith(".")


def _cached(ref: HfRef, cache_dir: Path) -> Path | None:
    repo_dir = cache_dir / ref.cache_name
    sha = ref.revision
    ref_file = repo_dir / "refs" / ref.revision
    if ref_file.is_file():
        sha = ref_file.read_text(encoding="utf-8").strip()
    snap = repo_dir / "snapshots" / sha
    return snap if (snap / _COMPLETE).is_file() else None


def _tree(ref: HfRef, snapshot: Path) -> TreePath:
    kind = "datasets/" if ref.kind == "datasets" else ""
    return TreePath(snapshot.resolve(), display_root=f"hf://{kind}{ref.repo.id}@{snapshot.name}")


def fetch(
    ref: str,
    *,
    cache_dir: str | os.PathLike[str],
    endpoint: str = DEFAULT_ENDPOINT,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    token: str | None = None,
    proxies: dict[str, str] | None = None,
    session: requests.Session | None = None,
) -> TreePath:
    """The snapshot of ``ref`` in the cache (fetched first unless cached or ``offline``)."""
    parsed = parse_ref(ref)
    cache = Path(cache_dir)
    found = _cached(parsed, cache)
    if found is not None and (offline or found.name == parsed.revision):
        return _tree(parsed, found)
    if offline:
        raise InputError(
            parsed.text,
            f"not in the cache ({cache}) and the network is off (--offline); fetch it once without --offline",
        )
    import requests

    own = session is None
    sess = session or requests.Session()
    if own:
        sess.trust_env = False  # no proxies or .netrc from the environment: parameters only
    if proxies:
        sess.proxies.update(proxies)
    headers = {"User-Agent": "sovaudit"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    client = _Client(ref=parsed, endpoint=endpoint, timeout=timeout, session=sess, headers=headers)
    try:
        return _download(client, parsed, cache)
    finally:
        if own:
            sess.close()


def _download(client: _Client, ref: HfRef, cache: Path) -> TreePath:
    info = client.info()
    sha = str(info["sha"]).lower()
    if not re.fullmatch(r"[0-9a-f]{7,64}", sha):
        raise InputError(ref.text, f"the Hub gave {sha[:80]!r} as the commit; not a commit hash")
    repo_dir = cache / ref.cache_name
    snap = repo_dir / "snapshots" / sha
    if (snap / _COMPLETE).is_file():
        if ref.revision != sha:
            _write(repo_dir / "refs" / ref.revision, sha.encode())
        return _tree(ref, snap)
    names = sorted({str(s.get("rfilename", "")) for s in info["siblings"] if isinstance(s, dict)})
    display = f"hf://{'datasets/' if ref.kind == 'datasets' else ''}{ref.repo.id}@{sha}"
    for name in names:
        if not _safe_name(name):
            continue
        if "/" in name:
            # Sub-folders are not fetched; an intermediate checkpoint's folder is kept (empty): its name matters.
            top = name.split("/", 1)[0]
            if modelcard.CHECKPOINT_DIR.match(top):
                (snap / top).mkdir(parents=True, exist_ok=True)
            continue
        target = snap / name
        url = client.file_url(sha, name)
        if _SMALL.match(name):
            _write(target, client.get(url, name))
        elif name.endswith(".safetensors"):
            # Exact reads: 8 bytes, then the header they announce.
            src = _HttpSource(client, url, f"{display}/{name}", first=8)
            header = weights.read_safetensors(src)
            _write(target, src.read(0, header.header_size))
        elif name.endswith(".gguf"):
            # A prefix that doubles until the key-values and tensor infos parse.
            src = _HttpSource(client, url, f"{display}/{name}", first=256 * 1024)
            header = weights.read_gguf(src)
            _write(target, src.read(0, header.header_size))
        elif _NAME_ONLY.match(name):
            _write(target, b"")
    _write(snap / _COMPLETE, json.dumps({"repo": ref.repo.id, "sha": sha, "files": names}).encode())
    if ref.revision != sha:
        _write(repo_dir / "refs" / ref.revision, sha.encode())
    return _tree(ref, snap)


def collect(
    ref: str,
    *,
    cache_dir: str | os.PathLike[str],
    endpoint: str = DEFAULT_ENDPOINT,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    token: str | None = None,
    proxies: dict[str, str] | None = None,
    follow_bases: int = 3,
    session: requests.Session | None = None,
) -> Inventory:
    """The inventory of a remote model (or dataset card), and of its base models up to ``follow_bases`` deep.

    A base that cannot be fetched (gated, missing, offline and not cached) is a failed input
    record; its reference stays in the inventory. The input itself failing is an InputError.
    """
    from sovaudit.collectors import datacard

    options: dict[str, Any] = {
        "cache_dir": cache_dir, "endpoint": endpoint, "offline": offline, "timeout": timeout,
        "token": token, "proxies": proxies, "session": session,
    }  # fmt: skip
    parsed = parse_ref(ref)
    tree = fetch(ref, **options)
    if parsed.kind == "datasets":
        card = tree / "README.md"
        if not card.is_file():
            raise InputError(parsed.text, "the dataset has no README.md card")
        return datacard.collect_dataset_card(card)
    inventories = [_collect_model(tree, parsed, Path(cache_dir))]
    seen = {parsed.repo.id.lower()}
    frontier = _bases(inventories[0])
    for _ in range(max(0, follow_bases)):
        next_frontier: list[str] = []
        for base in frontier:
            if base.lower() in seen:
                continue
            seen.add(base.lower())
            try:
                base_ref = parse_ref(f"hf://{base}")
                inv = _collect_model(fetch(base_ref.text, **options), base_ref, Path(cache_dir))
            except InputError as err:
                inventories.append(
                    Inventory(inputs=(InputRecord(path=f"hf://{base}", status=InputStatus.FAILED, reason=err.reason),))
                )
                continue
            inventories.append(inv)
            next_frontier += _bases(inv)
        frontier = next_frontier
    return _merge(inventories)


def _collect_model(tree: TreePath, ref: HfRef, cache: Path) -> Inventory:
    """The model folder collector on a cached snapshot, with the refs that name it (as a local cache scan sees it)."""
    commit = tree.name.rsplit("@", 1)[-1]
    refs_dir = cache / ref.cache_name / "refs"
    names = sorted(
        p.name for p in refs_dir.iterdir() if p.is_file() and p.read_text(encoding="utf-8").strip() == commit
    ) if refs_dir.is_dir() else []  # fmt: skip
    identity = modelcard.Identity(repo=ref.repo, revision=commit, refs=tuple(names))
    return modelcard.collect_folder(tree, modelcard.FOLDER, identity)


def _bases(inventory: Inventory) -> list[str]:
    """Hub repo ids of the bases an inventory's models are derived from."""
    refs = {c.id: c.prop("hf:repo") for c in inventory.components if c.unresolved}
    derived = [e.target for e in inventory.edges if e.relation is Relation.DERIVED_FROM]
    return sorted({refs[t] for t in derived if refs.get(t)})


def _merge(inventories: Iterable[Inventory]) -> Inventory:
    """All components, edges and inputs (the scan's graph merges duplicates)."""
    invs = list(inventories)
    return Inventory(
        components=tuple(c for i in invs for c in i.components),
        edges=tuple(e for i in invs for e in i.edges),
        inputs=tuple(r for i in invs for r in i.inputs),
    )
