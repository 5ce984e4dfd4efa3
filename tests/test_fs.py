"""TreePath never leaves the scanned root and never reads past its limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sovaudit.errors import InputError
from sovaudit.fs import Limits, TreePath


def test_display_names_are_relative_to_the_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "stack" / "sub").mkdir(parents=True)
    (tmp_path / "stack" / "sub" / "f.txt").write_text("x")
    monkeypatch.chdir(tmp_path)
    root = TreePath.for_input("stack")
    assert (root / "sub" / "f.txt").display() == "stack/sub/f.txt"
    single = TreePath.for_input("stack/sub/f.txt")
    assert single.display() == "stack/sub/f.txt"
    assert single.read_text() == "x"
    assert TreePath.for_input("./stack/").display() == "stack"


def test_a_link_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "secret").write_text("s3cret")
    (tmp_path / "root" / "leak").symlink_to(tmp_path / "secret")
    (tmp_path / "root" / "etc").symlink_to("/etc")
    root = TreePath.for_input(tmp_path / "root")
    with pytest.raises(InputError, match="leaves the scanned tree") as err:
        (root / "leak").read_bytes()
    assert err.value.path.endswith("root/leak")
    assert (root / "etc").escapes()
    assert not (root / "etc").is_dir()  # not followed, so not a folder of ours
    with pytest.raises(InputError, match="leaves the scanned tree"):
        list((root / "etc").iterdir())


def test_a_link_inside_the_tree_is_followed(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("hello")
    (tmp_path / "b.txt").symlink_to("a.txt")
    assert (TreePath.for_input(tmp_path) / "b.txt").read_text() == "hello"


def test_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "METADATA"
    with open(big, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: no disk used
    with pytest.raises(InputError, match="over the 67,108,864-byte limit") as err:
        TreePath.for_input(big).read_bytes()
    assert err.value.path.endswith("METADATA")
    assert err.value.reason.endswith("(raise it with --limit max_file_bytes=...)")
    small = TreePath.for_input(big, limits=Limits(max_file_bytes=10))
    with pytest.raises(InputError, match="10-byte limit"):
        small.read_bytes()
    with pytest.raises(InputError, match="over the 4,096-byte limit for one file$"):  # a collector's own cap
        TreePath.for_input(big).read_bytes(4096)
    with pytest.raises(InputError, match="--limit max_database_bytes="):
        TreePath.for_input(big, limits=Limits(max_database_bytes=100)).read_bytes(database=True)


def test_named_pipe_is_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "requirements.txt"
    os.mkfifo(fifo)
    tp = TreePath.for_input(fifo)
    assert not tp.is_file()
    with pytest.raises(InputError, match="not a regular file"):
        tp.read_bytes()  # must return at once, not block on the pipe
    assert tp.read_head(10) == b""


def test_invalid_utf8_is_an_input_error(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes(b"ok\xff\xfe")
    with pytest.raises(InputError, match="not UTF-8"):
        TreePath.for_input(f).read_text()


def test_bom_is_dropped(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_bytes(b"\xef\xbb\xbfName: x")
    assert TreePath.for_input(f).read_text() == "Name: x"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file(tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("x")
    f.chmod(0)
    with pytest.raises(InputError, match="cannot open"):
        TreePath.for_input(f).read_bytes()


def test_read_head_is_read_once_per_path_and_kept_for_one_path(tmp_path: Path) -> None:
    f = tmp_path / "modulefile"
    f.write_bytes(b"#%Module1.0\n" + b"x" * 20_000)
    tp = TreePath.for_input(tmp_path) / "modulefile"
    assert tp.read_head(8) == b"#%Module"
    assert tp.read_head(12) == b"#%Module1.0\n"
    assert len(tp.read_head(16_384)) == 16_384  # more than was kept: read again
    f.write_bytes(b"changed")
    assert (TreePath.for_input(tmp_path) / "modulefile").read_head(8) == b"changed"  # a new path reads anew
    small = tmp_path / "small"
    small.write_bytes(b"abc")
    assert (TreePath.for_input(tmp_path) / "small").read_head(100_000) == b"abc"
