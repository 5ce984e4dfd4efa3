"""The security model (docs/security.md), checked: credentials never reach an output, limits are one policy.

**Credentials.** A stack's files hold credentials in URLs (``--index-url https://user:token@...``,
a conda channel ``/t/<token>/``, a proxy in a Dockerfile ``ENV``, a ``direct_url.json``). A tree
full of them, each a distinct canary, is scanned and written in every inventory, SBOM and report
format there is; no canary may appear in any of them, nor on stderr. The ``hf://`` client's own
messages name the endpoint without the user and password it may carry.

**Limits.** The policy's fields, the table in docs/security.md, ``--limit`` and ``SOVAUDIT_LIMITS``
agree, and the readers apply them.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sovaudit import limits
from sovaudit.cli import main
from sovaudit.errors import ConfigError, InputError
from sovaudit.fs import TreePath
from tests.conftest import REPO

CANARY = "CANARY"


def canary(n: int) -> str:
    return f"{CANARY}{n:02d}x"


def credential_tree(root: Path) -> Path:
    """A stack whose files hold credentials in every place a URL can be written."""
    root.mkdir()
    (root / "requirements.txt").write_text(
        f"--index-url https://alice:{canary(1)}@pypi.example.org/simple\n"
        f"--extra-index-url https://{canary(2)}@mirror.example.org/simple\n"
        "numpy==1.26.4\n"
        f"private-pkg @ https://bob:{canary(3)}@files.example.org/private_pkg-1.0-py3-none-any.whl\n"
        f"tool @ git+https://oauth2:{canary(4)}@gitlab.example.org/team/tool.git@v1.2\n"
        f"other @ https://files.example.org/other-1.0.tar.gz?token={canary(5)}\n"
    )
    (root / "environment.yml").write_text(
        "name: app\nchannels:\n"
        f"  - https://carol:{canary(6)}@conda.example.org/channel\n"
        f"  - https://conda.example.org/t/{canary(7)}/private\n"
        "dependencies:\n  - numpy=1.26.4\n  - pip\n  - pip:\n"
        f"    - --index-url https://dan:{canary(8)}@pypi.example.org/simple\n"
        "    - requests==2.31.0\n"
    )
    (root / "Dockerfile").write_text(
        "FROM debian:12\n"
        f"ENV HTTP_PROXY=http://erin:{canary(9)}@proxy.example.org:3128\n"
        f"ARG PIP_INDEX_URL=https://frank:{canary(10)}@pypi.example.org/simple\n"
        f"RUN pip install --index-url https://gina:{canary(11)}@pypi.example.org/simple numpy\n"
        f'LABEL org.opencontainers.image.source="https://hal:{canary(12)}@git.example.org/app"\n'
    )
    dist = root / "venv" / "lib" / "python3.11" / "site-packages" / "private_pkg-1.0.dist-info"
    dist.mkdir(parents=True)
    (root / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: private-pkg\nVersion: 1.0\nHome-page: https://ivy:{canary(13)}@example.org\n"
    )
    (dist / "INSTALLER").write_text("pip\n")
    (dist / "direct_url.json").write_text(
        json.dumps({"url": f"https://jack:{canary(14)}@files.example.org/private_pkg-1.0.whl", "archive_info": {}})
    )
    (root / "app.def").write_text(
        "Bootstrap: docker\nFrom: debian:12\n\n%environment\n"
        f"    export HTTPS_PROXY=http://kate:{canary(15)}@proxy.example.org:3128\n"
        "%labels\n"
        f"    Source https://leo:{canary(16)}@git.example.org/app\n"
    )
    (root / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: app\n          image: registry.example.org/app:1.0\n"
        "          env:\n            - name: DATABASE_URL\n"
        f"              value: postgres://mike:{canary(17)}@db.example.org:5432/app\n"
    )
    (root / "uv.lock").write_text(
        'version = 1\nrequires-python = ">=3.11"\n\n[[package]]\nname = "private-pkg"\nversion = "1.0"\n'
        f'source = {{ registry = "https://nick:{canary(18)}@pypi.example.org/simple" }}\n'
        f'wheels = [{{ url = "https://nick:{canary(19)}@files.example.org/private_pkg-1.0-py3-none-any.whl" }}]\n'
    )
    return root


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[bytes]) -> tuple[int, bytes, bytes]:
    """``sovaudit ARGV`` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def _render_everything(inputs: list[str], tmp: Path, capsys: pytest.CaptureFixture[bytes]) -> dict[str, bytes]:
    """The tree in every inventory/SBOM format and every report format, as the CLI writes them."""
    from sovaudit.emitters import EMITTERS
    from sovaudit.reports import FORMATS

    out: dict[str, bytes] = {}
    for fmt in EMITTERS.names():
        code, stdout, stderr = run_cli(["scan", "-f", fmt, *inputs], capsys)
        assert code == 0, stderr
        out[f"scan -f {fmt}"] = stdout + stderr
    for fmt in sorted(FORMATS):
        target = tmp / f"audit.{fmt}"
        code, stdout, stderr = run_cli(["audit", "-f", fmt, "-o", str(target), *inputs], capsys)
        assert code in (0, 1), stderr
        out[f"audit -f {fmt}"] = target.read_bytes() + stdout + stderr
    code, stdout, stderr = run_cli(["audit", *inputs], capsys)
    out["audit (terminal)"] = stdout + stderr
    return out


def test_no_credential_reaches_any_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = credential_tree(tmp_path / "stack")
    outputs = _render_everything([str(root)], tmp_path, capsysbinary)
    assert len(outputs) >= 4
    leaks = {
        name: sorted(set(re.findall(rf"{CANARY}\d\dx", data.decode("utf-8", errors="replace"))))
        for name, data in outputs.items()
    }
    assert {name: found for name, found in leaks.items() if found} == {}
    # ... and the files were read: the canaries were in front of sovaudit, not skipped
    inventory = outputs["scan -f inventory-json"].decode()
    for name in ("numpy", "private-pkg", "requests"):
        assert f'"name": "{name}"' in inventory


class _Failing(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(500)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def failing_server() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_hf_endpoint_is_named_without_its_credentials(tmp_path: Path, failing_server: int) -> None:
    from sovaudit import remote_hf

    secret = canary(90)
    for endpoint in (f"http://user:{secret}@127.0.0.1:{failing_server}", f"http://{secret}@127.0.0.1:1"):
        with pytest.raises(InputError) as err:
            remote_hf.fetch("hf://acme/model", cache_dir=tmp_path, endpoint=endpoint, timeout=5)
        assert secret not in err.value.one_line() and "127.0.0.1" in err.value.one_line()


# -- limits --------------------------------------------------------------------------------------------
def test_security_doc_lists_every_limit_with_its_default() -> None:
    text = (REPO / "docs" / "security.md").read_text()
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", text, re.M))
    assert rows == {name: default for name, default, _ in limits.describe()}


def test_limits_from_environment_and_options() -> None:
    got = limits.from_settings(
        {"SOVAUDIT_LIMITS": "max_file_bytes=1MiB, max-nesting=200 max_seconds_per_file=2min"},
        ["max_file_bytes=2k", "max_image_bytes=1_000_000"],
    )
    assert (got.max_file_bytes, got.max_nesting, got.max_seconds_per_file) == (2048, 200, 120.0)
    assert got.max_image_bytes == 1_000_000 and got.max_layer_bytes == limits.DEFAULT_LIMITS.max_layer_bytes
    assert limits.from_settings({}) is limits.DEFAULT_LIMITS
    for bad, message in (
        (["nope=1"], "no limit named 'nope'"),
        (["max_file_bytes"], "is not NAME=VALUE"),
        (["max_file_bytes=lots"], "not a number"),
        (["max_file_bytes=1.5"], "not a whole number"),
        (["max_file_bytes=0"], "must be greater than 0"),
        (["max_seconds_per_file=3 parsecs"], "unknown unit 'parsecs'"),
        (["max_file_bytes=3 furlongs"], "unknown unit 'furlongs'"),
        (["max_files=2X"], "unknown unit"),
    ):
        with pytest.raises(ConfigError, match=message):
            limits.from_settings({}, bad)


def test_limit_option_reaches_the_readers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n" * 100)
    code, _, err = run_cli(["--limit", "max_file_bytes=1KiB", "scan", str(tmp_path / "requirements.txt")], capsysbinary)
    assert code == 2 and b"over the 1,024-byte limit for one file (raise it with --limit max_file_bytes=...)" in err
    monkeypatch.setenv("SOVAUDIT_LIMITS", "max_file_bytes=100")
    code, _, err = run_cli(["scan", str(tmp_path)], capsysbinary)
    assert b"over the 100-byte limit" in err
    code, _, err = run_cli(["--limit", "max_file_bytes=big", "scan", str(tmp_path)], capsysbinary)
    assert (
        code == 2
        and err == b"sovaudit: error: --limit: limit max_file_bytes=big: not a number (examples: 64MiB, 2000, 30s)\n"
    )


def test_a_collector_cap_is_never_looser_than_the_policy(tmp_path: Path) -> None:
    """A collector may pass its own, tighter cap; a bigger one is cut to the policy's."""
    (tmp_path / "f").write_bytes(b"x" * 5000)
    tree = TreePath.for_input(tmp_path / "f", limits=limits.Limits(max_file_bytes=4096))
    with pytest.raises(InputError, match="over the 4,096-byte limit"):
        tree.read_bytes(1_000_000)
    with pytest.raises(InputError, match="over the 1,000-byte limit"):
        tree.read_bytes(1000)
    assert len(tree.read_bytes(database=True)) == 5000  # a package database: max_database_bytes


def test_folder_with_too_many_entries(tmp_path: Path) -> None:
    for i in range(12):
        (tmp_path / f"f{i}").touch()
    with pytest.raises(InputError, match="more than 10 entries"):
        TreePath.for_input(tmp_path, limits=limits.Limits(max_entries=10)).names()


def test_a_device_is_refused_before_it_is_opened(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import stat

    fifo = tmp_path / "requirements.txt"
    os.mkfifo(fifo)
    opened: list[str] = []
    real_open = os.open

    def spy(path: str, *args: Any, **kw: Any) -> int:
        opened.append(str(path))
        return real_open(path, *args, **kw)

    monkeypatch.setattr(os, "open", spy)
    with pytest.raises(InputError, match="is not a regular file"):
        TreePath.for_input(tmp_path / "requirements.txt").read_bytes()
    assert TreePath.for_input(tmp_path / "requirements.txt").read_head(10) == b""
    assert opened == [] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_guard_turns_limits_into_input_errors() -> None:
    import time

    policy = limits.Limits(max_seconds_per_file=0.2, max_nesting=50)
    with pytest.raises(InputError, match=r"still being read after 0\.2 s") as err, limits.guard("slow.txt", policy):
        while True:  # a collector that never ends, and swallows what it can: the budget is not an Exception
            with contextlib.suppress(Exception):
                time.sleep(0.05)
    assert err.value.path == "slow.txt"

    def deep(n: int) -> int:
        return deep(n + 1) + 1

    with pytest.raises(InputError, match="max_nesting limit is 50"), limits.guard("deep.json", policy):
        deep(0)
    with pytest.raises(InputError, match="nested too deeply"), limits.guard("deep.json", policy):
        json.loads("[" * 100 + "]" * 100)
    with limits.guard("ok.json", policy):
        assert json.loads("[" * 20 + "]" * 20) == [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]


def test_the_image_limits_are_the_policy_s() -> None:
    from sovaudit.image_fs import DEFAULT_IMAGE_LIMITS, ImageFS, ImageLimits

    assert ImageLimits is limits.Limits and DEFAULT_IMAGE_LIMITS is limits.DEFAULT_LIMITS
    policy = limits.Limits(max_layer_bytes=123)
    assert ImageFS("img", limits=policy).image_limits is policy


def test_config_error_names_the_origin() -> None:
    with pytest.raises(ConfigError, match="^SOVAUDIT_LIMITS: limit max_depth=x: not a number"):
        limits.from_settings({"SOVAUDIT_LIMITS": "max_depth=x"})


def test_sanitise_takes_credentials_out_and_escapes_surrogates() -> None:
    from sovaudit.model import Component, Edge, Evidence, InputRecord, InputStatus, Inventory, Layer, Relation
    from sovaudit.sanitise import sanitise

    ev = Evidence(path="image@sha256:ab:/usr/lib/x\udcff.dist-info/METADATA", collector="python-environment")
    dirty = Inventory(
        components=(
            Component(
                id="pkg:pypi/a\ud800",
                layer=Layer.SOFTWARE,
                kind="package",
                name="a\ud800",
                description="from https://u:pw@example.org/simple",
                properties=(("python:index-url", "https://u:pw@example.org/simple?token=abc&x=1"),),
                evidence=(ev,),
            ),
            Component(id="pkg:pypi/b", layer=Layer.SOFTWARE, kind="package", name="b"),
        ),
        edges=(Edge(source="pkg:pypi/b", target="pkg:pypi/a\ud800", relation=Relation.DEPENDS_ON),),
        inputs=(InputRecord(path="x", status=InputStatus.FAILED, reason="cannot reach https://u:pw@host: HTTP 500"),),
    )
    clean = sanitise(dirty)
    a, b = clean.components
    assert (a.id, a.name) == ("pkg:pypi/a\\ud800", "a\\ud800")
    assert a.description == "from https://example.org/simple"
    assert a.properties == (("python:index-url", "https://example.org/simple?token=***&x=1"),)
    assert a.evidence[0].path == "image@sha256:ab:/usr/lib/x\\udcff.dist-info/METADATA"
    assert b is dirty.components[1]  # clean ones are the same objects
    assert clean.edges[0].target == a.id  # ids and the edges naming them change together
    assert clean.inputs[0].reason == "cannot reach https://host: HTTP 500"
    assert sanitise(clean) is clean
    from sovaudit.emitters import EMITTERS, RenderContext

    for name in EMITTERS.names():  # writable in every format (the inventory JSON failed on the surrogate)
        assert EMITTERS.get(name)().render(clean, RenderContext(tool_version="0", timestamp=None))


def test_the_total_decompressed_size_of_an_image_is_bounded() -> None:
    import tempfile

    from sovaudit.image_fs import Blob, ImageFS, LayerInput
    from tests.test_image_fs import tar_bytes

    layer = tar_bytes([("f", "file", b"x" * 10_000)])
    with tempfile.TemporaryFile() as fh:
        fh.write(layer)
        fh.flush()
        blob = Blob(fh.fileno(), 0, len(layer))
        policy = limits.Limits(max_image_bytes=len(layer) + 100)
        fs = ImageFS.build("img", [LayerInput(blob=blob)], limits=policy)
        assert fs.decompressed == len(layer)
        with pytest.raises(InputError, match="past 20,580 decompressed bytes .* all its layers") as err:
            ImageFS.build("img", [LayerInput(blob=blob), LayerInput(blob=blob)], limits=policy)
        assert err.value.path == "img" and "layer 2" in err.value.reason
