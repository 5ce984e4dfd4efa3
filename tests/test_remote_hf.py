"""``hf://`` against a local HTTP server on 127.0.0.1 that serves model repos in the Hub's URL layout.

The server (started here, in a thread) answers ``/api/models/<repo>/revision/<rev>`` with the
commit and file list, and ``/<repo>/resolve/<commit>/<file>`` with the file, honouring ``Range``
like the Hub's CDN. The served repo is a Hub cache folder (``models--org--name``), so the same
folder can be scanned locally: the inventory from ``hf://`` equals the folder's, evidence paths
aside. Weights are fetched by header only (the server counts the bytes it sends), the cache then
answers offline, and an uncached repo offline, a gated repo, a dead or silent endpoint are clear
errors within the timeout.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from sovaudit import inventory_json, remote_hf
from sovaudit.collectors.modelcard import HfModelFolderCollector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory, Relation
from tests.conftest import REPO

np = pytest.importorskip("numpy")
st = pytest.importorskip("safetensors.numpy")
gguf = pytest.importorskip("gguf")


def sha(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


def make_repo(hub: Path, repo: str, files: dict[str, bytes], *, gguf_file: str = "", weights: bool = False) -> Path:
    org, name = repo.split("/")
    root = hub / f"models--{org}--{name}"
    snap = root / "snapshots" / sha(repo)
    snap.mkdir(parents=True)
    (root / "refs").mkdir()
    (root / "refs" / "main").write_text(sha(repo))
    for rel, data in files.items():
        (snap / rel).parent.mkdir(parents=True, exist_ok=True)
        (snap / rel).write_bytes(data)
    if weights:
        tensors = {"embed.weight": np.ones((512, 1024), dtype=np.float32), "norm": np.ones((1024,), dtype=np.float16)}
        st.save_file(tensors, str(snap / "model.safetensors"), metadata={"format": "pt"})
    if gguf_file:
        w = gguf.GGUFWriter(str(snap / gguf_file), "llama")
        w.add_name("Tiny Llama")
        w.add_license("apache-2.0")
        w.add_file_type(7)
        w.add_token_list([f"token-{i}" for i in range(5000)])
        w.add_tensor("token_embd.weight", np.ones((1024, 512), dtype=np.float32))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
    return root


class Hub:
    """Repos served by the local server, what it sent, and which repos are gated."""

    def __init__(self, hub: Path) -> None:
        self.hub = hub
        self.sent: Counter[str] = Counter()
        self.requests = 0
        self.gated: set[str] = set()

    def snapshot(self, repo: str, kind: str = "models") -> Path | None:
        org, name = repo.split("/")
        found = list((self.hub / f"{kind}--{org}--{name}" / "snapshots").glob("*"))
        return found[0] if found else None


def handler_for(hub: Hub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            hub.requests += 1
            path = unquote(self.path.split("?", 1)[0]).strip("/").split("/")
            kind = "models"
            if path[:1] == ["datasets"]:
                kind, path = "datasets", path[1:]
            if path[:1] == ["api"] and len(path) == 6 and path[1] in ("models", "datasets") and path[4] == "revision":
                repo, kind = "/".join(path[2:4]), path[1]
                if repo in hub.gated:
                    return self._send(401, b'{"error": "gated"}')
                snap = hub.snapshot(repo, kind)
                if snap is None:
                    return self._send(404, b'{"error": "not found"}')
                files = sorted(str(p.relative_to(snap)) for p in snap.rglob("*") if p.is_file())
                doc = {"id": repo, "sha": snap.name, "siblings": [{"rfilename": f} for f in files]}
                return self._send(200, json.dumps(doc).encode(), {"Content-Type": "application/json"})
            if len(path) >= 5 and path[2] == "resolve":
                repo, name = "/".join(path[:2]), "/".join(path[4:])
                if repo in hub.gated:
                    return self._send(403, b"gated")
                snap = hub.snapshot(repo, kind)
                if snap is None or not (snap / name).is_file():
                    return self._send(404, b"not found")
                data = (snap / name).read_bytes()
                headers = {"X-Repo-Commit": snap.name}
                rng = self.headers.get("Range", "")
                if rng.startswith("bytes="):
                    start_s, _, end_s = rng[6:].partition("-")
                    start, end = int(start_s), min(int(end_s) if end_s else len(data) - 1, len(data) - 1)
                    if start >= len(data):
                        return self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                    body = data[start : end + 1]
                    headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
                    hub.sent[name] += len(body)
                    return self._send(206, body, headers)
                hub.sent[name] += len(data)
                return self._send(200, data, headers)
            return self._send(404, b"no route")

    return Handler


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Hub, str]]:
    hub_dir = tmp_path / "served-hub"
    card = b"""---
license: apache-2.0
base_model: acme/base-model
datasets:
- acme/support-data
library_name: transformers
pipeline_tag: text-generation
---
# tiny-llama

## Limitations
Tiny.
"""
    config = json.dumps({
        "architectures": ["TinyForCausalLM"], "model_type": "tiny", "torch_dtype": "float32",
        "auto_map": {"AutoModelForCausalLM": "modeling_tiny.TinyForCausalLM"}, "transformers_version": "4.44.0",
    }).encode()  # fmt: skip
    make_repo(
        hub_dir,
        "acme/tiny-llama",
        {
            "README.md": card,
            "config.json": config,
            "generation_config.json": b'{"do_sample": true}',
            "modeling_tiny.py": b"raise SystemExit('never run')\n",
            "LICENSE": b"Apache License, Version 2.0\n",
            "tokenizer.json": b"x" * (3 * 1024 * 1024),
            "pytorch_model.bin": b"\x80\x02" + b"p" * (1024 * 1024),
            "checkpoint-100/optimizer.pt": b"o" * 1000,
        },
        gguf_file="tiny-llama.Q8_0.gguf",
        weights=True,
    )
    make_repo(
        hub_dir,
        "acme/base-model",
        {
            "README.md": b"---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n---\n",
            "config.json": b'{"model_type": "llama"}',
        },
    )
    hub = Hub(hub_dir)
    hub.gated.add("meta-llama/Llama-3.1-8B")
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(hub))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield hub, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def normalised(inv: Inventory, prefixes: list[str]) -> str:
    """The inventory JSON with each evidence/input path prefix replaced by one placeholder."""
    text = inventory_json.dump(inv).decode()
    for p in prefixes:
        text = text.replace(json.dumps(p)[1:-1], "<repo>")
    return text


def test_hf_fetch_gives_the_same_inventory_as_scanning_the_folder(served: tuple[Hub, str], tmp_path: Path) -> None:
    hub, endpoint = served
    cache = tmp_path / "cache"
    remote = remote_hf.collect("hf://acme/tiny-llama", cache_dir=cache, endpoint=endpoint, follow_bases=0, timeout=5)
    folder = hub.hub / "models--acme--tiny-llama"
    local = HfModelFolderCollector().collect(TreePath.for_input(folder))
    commit = sha("acme/tiny-llama")
    local_prefix = f"{TreePath.for_input(folder).display()}/snapshots/{commit}"
    assert normalised(remote, [f"hf://acme/tiny-llama@{commit}"]) == normalised(local, [local_prefix])
    model = next(c for c in remote.components if c.layer.value == "model" and not c.unresolved)
    assert model.id == f"pkg:huggingface/acme/tiny-llama@{commit}"
    assert model.prop("model:custom-code") == "true"
    assert model.prop("model:pickle-weights") == "pytorch_model.bin"
    assert model.prop("model:parameters") == str(512 * 1024 + 1024)  # safetensors counts first
    assert model.prop("model:checkpoints") == "1"
    assert {e.evidence[0].path for e in remote.edges} == {f"hf://acme/tiny-llama@{commit}/README.md"}
    # Weights by header only: the server sent far less than the files hold, and no tokenizer.
    snap = hub.snapshot("acme/tiny-llama")
    assert snap is not None
    header_size = 8 + int.from_bytes((snap / "model.safetensors").read_bytes()[:8], "little")
    assert hub.sent["model.safetensors"] == header_size < (snap / "model.safetensors").stat().st_size
    assert hub.sent["tiny-llama.Q8_0.gguf"] <= 256 * 1024 < (snap / "tiny-llama.Q8_0.gguf").stat().st_size
    assert "tokenizer.json" not in hub.sent and "pytorch_model.bin" not in hub.sent
    # The cache is laid out like the Hub's, and a cached weight file is its header.
    cached = cache / "models--acme--tiny-llama"
    assert (cached / "refs" / "main").read_text() == commit
    assert (cached / "snapshots" / commit / "model.safetensors").stat().st_size == header_size


def test_offline_reads_the_cache_and_never_the_network(served: tuple[Hub, str], tmp_path: Path) -> None:
    hub, endpoint = served
    cache = tmp_path / "cache"
    first = remote_hf.collect("hf://acme/tiny-llama", cache_dir=cache, endpoint=endpoint, follow_bases=0)
    before = hub.requests
    again = remote_hf.collect("hf://acme/tiny-llama", cache_dir=cache, endpoint=endpoint, offline=True, follow_bases=0)
    assert hub.requests == before
    assert inventory_json.dump(again) == inventory_json.dump(first)
    by_commit = remote_hf.fetch(f"hf://acme/tiny-llama@{sha('acme/tiny-llama')}", cache_dir=cache, endpoint=endpoint)
    assert hub.requests == before  # a commit that is cached needs no question
    assert by_commit.display() == f"hf://acme/tiny-llama@{sha('acme/tiny-llama')}"


def test_offline_and_not_cached_is_a_clear_error(served: tuple[Hub, str], tmp_path: Path) -> None:
    hub, endpoint = served
    start = time.perf_counter()
    with pytest.raises(InputError) as err:
        remote_hf.collect("hf://acme/tiny-llama", cache_dir=tmp_path / "empty", endpoint=endpoint, offline=True)
    assert time.perf_counter() - start < 0.5
    assert hub.requests == 0
    assert err.value.path == "hf://acme/tiny-llama"
    assert "--offline" in err.value.reason and "not in the cache" in err.value.reason


def test_bases_are_followed_and_a_gated_one_is_a_failed_record(served: tuple[Hub, str], tmp_path: Path) -> None:
    _, endpoint = served
    inv = remote_hf.collect("hf://acme/tiny-llama", cache_dir=tmp_path / "c", endpoint=endpoint, follow_bases=3)
    base = next(c for c in inv.components if c.prop("hf:repo") == "acme/base-model" and not c.unresolved)
    assert base.licenses == "LicenseRef-Llama-3.1-Community"
    failed = [r for r in inv.inputs if r.status is InputStatus.FAILED]
    assert [(r.path, r.reason) for r in failed] == [
        (
            "hf://meta-llama/Llama-3.1-8B",
            "repository information: HTTP 401: gated or private (accept the licence, pass a token)",
        )
    ]
    assert any(
        e.relation is Relation.DERIVED_FROM and e.target == "pkg:huggingface/meta-llama/llama-3.1-8b" for e in inv.edges
    )


def test_missing_repo_dead_and_silent_endpoints(served: tuple[Hub, str], tmp_path: Path) -> None:
    _, endpoint = served
    with pytest.raises(InputError) as err:
        remote_hf.fetch("hf://acme/nothing", cache_dir=tmp_path, endpoint=endpoint)
    assert err.value.reason == "repository information: HTTP 404: no such repository, revision or file"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError) as err:
        remote_hf.fetch("hf://acme/tiny-llama", cache_dir=tmp_path, endpoint=f"http://127.0.0.1:{port}", timeout=1)
    assert err.value.reason.startswith("repository information: cannot reach http://127.0.0.1:")
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts connections, never answers
    try:
        start = time.perf_counter()
        with pytest.raises(InputError) as err:
            remote_hf.fetch(
                "hf://acme/tiny-llama",
                cache_dir=tmp_path,
                endpoint=f"http://127.0.0.1:{silent.getsockname()[1]}",
                timeout=0.5,
            )
        assert time.perf_counter() - start < 5
        assert "no answer from" in err.value.reason
    finally:
        silent.close()


def test_references_are_parsed_strictly() -> None:
    ref = remote_hf.parse_ref("hf://Org/Name@v1.0")
    assert (ref.kind, ref.repo.id, ref.revision, ref.cache_name) == ("models", "Org/Name", "v1.0", "models--Org--Name")
    assert remote_hf.parse_ref("hf://datasets/org/set").kind == "datasets"
    assert remote_hf.parse_ref("hf://gpt2").revision == "main"
    for bad in ("hf://", "hf://a/b/c", "https://huggingface.co/a/b", "hf://a/b@../x", "hf://a/../b"):
        with pytest.raises(InputError):
            remote_hf.parse_ref(bad)


def test_hostile_weights_on_the_server_are_refused(served: tuple[Hub, str], tmp_path: Path) -> None:
    hub, endpoint = served
    snap = hub.snapshot("acme/tiny-llama")
    assert snap is not None
    (snap / "model.safetensors").write_bytes((2**63).to_bytes(8, "little") + b"{}")
    with pytest.raises(InputError) as err:
        remote_hf.fetch("hf://acme/tiny-llama", cache_dir=tmp_path, endpoint=endpoint)
    assert err.value.path == f"hf://acme/tiny-llama@{snap.name}/model.safetensors"
    assert "over the" in err.value.reason
    assert hub.sent["model.safetensors"] <= 64 * 1024 + 16
    shutil.rmtree(tmp_path / "models--acme--tiny-llama", ignore_errors=True)


def test_a_dataset_card_over_hf(served: tuple[Hub, str], tmp_path: Path) -> None:
    hub, endpoint = served
    source = (
        REPO / "sample_stacks" / "model-lineage" / "hf-cache" / "hub" / "datasets--acme-ai--support-tickets"
    )
    shutil.copytree(source, hub.hub / source.name)
    inv = remote_hf.collect("hf://datasets/acme-ai/support-tickets", cache_dir=tmp_path, endpoint=endpoint)
    (dataset,) = [c for c in inv.components if c.kind == "dataset"]
    commit = next((source / "snapshots").iterdir()).name
    assert (dataset.id, dataset.version) == ("data/dataset/acme-ai/support-tickets", commit)
    assert dataset.evidence[0].path == f"hf://datasets/acme-ai/support-tickets@{commit}/README.md"
    assert [e.target for e in inv.edges if e.relation is Relation.STORED_IN] == ["data/data-location/huggingface.co"]
