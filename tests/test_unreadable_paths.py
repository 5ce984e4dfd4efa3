"""``sovaudit sbom /``: a path the tool may not read is a recorded skip, never a crash, and the
running system's /proc, /sys and /dev are not walked (issue 9)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from sovaudit import fs
from sovaudit.cli import main
from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import InputStatus, Inventory
from sovaudit.pipeline import KERNEL_SKIP, load_collectors, scan
from tests.test_image_fs import blobs, build, tar_bytes

__all__ = ["blobs"]  # the fixture, used by name

REQUIREMENTS = "requests==2.31.0\nnumpy==1.26.4\n"


def unreadable_links(monkeypatch: pytest.MonkeyPatch, *prefixes: Path) -> None:
    """``os.path.realpath`` fails as on ``/proc/1/fd/0`` for a path under one of ``prefixes``."""
    real = os.path.realpath

    def realpath(path: str | os.PathLike[str], *, strict: bool = False) -> str:
        text = os.fspath(path)
        if any(text == str(p) or text.startswith(f"{p}/") for p in prefixes):
            raise PermissionError(13, "Permission denied", text)
        return real(path, strict=strict)

    monkeypatch.setattr(os.path, "realpath", realpath)


def statuses(inv: Inventory, root: Path) -> dict[str, tuple[str, str]]:
    return {
        Path(r.path).relative_to(root).as_posix(): (r.status.value, r.reason)
        for r in inv.inputs
        if r.path.startswith(str(root))
    }


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "app").mkdir(parents=True)
    (root / "app" / "requirements.txt").write_text(REQUIREMENTS)
    (root / "fd").mkdir()
    (root / "fd" / "0").symlink_to("../app/requirements.txt")  # a link to a file inside
    (root / "cwd").symlink_to("app")  # a link to a folder inside
    return root


def test_a_link_that_cannot_be_read_is_skipped_and_the_scan_goes_on(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unreadable_links(monkeypatch, tree / "fd" / "0", tree / "cwd")
    result = scan([tree])
    assert result.crashes == ()
    assert statuses(result.inventory, tree) == {
        "app/requirements.txt": ("read", ""),
        "cwd": ("skipped", "is a link that cannot be read (Permission denied); not followed"),
        "fd/0": ("skipped", "is a link that cannot be read (Permission denied); not followed"),
    }
    assert sorted(c.name for c in result.inventory.components) == ["numpy", "requests"]


def test_without_the_failure_the_same_links_are_followed_or_left_to_their_target(tree: Path) -> None:
    """The reference: the links inside are fine, so neither is recorded (the folder's is not
    followed, its target being walked; no collector reads a file named 0)."""
    result = scan([tree])
    assert statuses(result.inventory, tree) == {"app/requirements.txt": ("read", "")}


def test_a_file_in_a_folder_whose_link_cannot_be_read_is_not_read(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The walker never follows the link; a collector reading through it gets an InputError."""
    unreadable_links(monkeypatch, tree / "cwd")
    inside = TreePath.for_input(tree) / "cwd" / "requirements.txt"
    assert inside.escapes()
    assert inside.link_problem() == "is a link that cannot be read (Permission denied); not followed"
    assert inside.read_head(10) == b""
    with pytest.raises(InputError, match=r"cwd/requirements.txt: is a link that cannot be read"):
        inside.read_bytes()
    with pytest.raises(InputError, match="cannot be read"):
        (TreePath.for_input(tree) / "cwd").names()


def test_the_cli_exits_0_and_lists_the_skip(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    unreadable_links(monkeypatch, tree / "fd" / "0")
    with pytest.raises(SystemExit) as exc:
        main(["-v", "sbom", str(tree), "-o", str(tree.parent / "out.cdx.json")])
    err = capsys.readouterr().err
    assert exc.value.code == 0, err
    assert f"sovaudit: skipped: {tree}/fd/0: is a link that cannot be read (Permission denied); not followed" in err
    assert "1 read, 1 skipped, 0 failed; 2 components" in err
    assert "Traceback" not in err and "internal error" not in err


def test_a_detect_that_raises_is_a_crash_record_and_the_scan_goes_on(tree: Path) -> None:
    class Broken(Collector):
        name = "broken-plugin"

        def detect(self, path: TreePath) -> bool:
            if path.name == "0":
                raise PermissionError(13, "Permission denied", path.display())
            return False

        def collect(self, path: TreePath) -> Inventory:
            raise AssertionError("never claims")

    collectors = sorted([*load_collectors(), Broken()], key=lambda c: c.name)
    (tree / "fd" / "0").unlink()
    (tree / "fd" / "0").write_text(REQUIREMENTS)
    result = scan([tree], collectors=collectors)
    assert [c.split(": ", 1)[0] for c in result.crashes] == [f"{tree}/fd/0"]
    assert "PermissionError" in result.crashes[0]
    assert statuses(result.inventory, tree)["app/requirements.txt"] == ("read", "")
    assert statuses(result.inventory, tree)["fd/0"][0] == "failed"


# -- /proc, /sys and /dev of the running system ------------------------------------------------------
@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    """A root file system with the three folders, and what collectors would read in them."""
    root = tmp_path / "rootfs"
    (root / "proc").mkdir(parents=True)
    (root / "proc" / "cpuinfo").write_text(
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n\n"
    )
    (root / "sys" / "bus" / "pci" / "devices").mkdir(parents=True)
    (root / "dev").mkdir()
    (root / "dev" / "requirements.txt").write_text("torch==2.3.0\n")
    (root / "srv").mkdir()
    (root / "srv" / "requirements.txt").write_text(REQUIREMENTS)
    return root


def kernel_folders_are(monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
    monkeypatch.setattr(fs, "KERNEL_FOLDERS", frozenset(str(root.resolve() / n) for n in ("proc", "sys", "dev")))


def test_the_running_systems_kernel_folders_are_not_walked(rootfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kernel_folders_are(monkeypatch, rootfs)
    result = scan([rootfs])
    assert statuses(result.inventory, rootfs) == {
        "dev": ("skipped", KERNEL_SKIP),
        "proc": ("skipped", KERNEL_SKIP),
        "srv/requirements.txt": ("read", ""),
        "sys": ("skipped", KERNEL_SKIP),
    }
    assert sorted(c.name for c in result.inventory.components) == ["numpy", "requests"]


def test_folders_of_those_names_elsewhere_are_walked(rootfs: Path) -> None:
    """An extracted root file system (not the running system's): everything in it is read."""
    result = scan([rootfs])
    got = statuses(result.inventory, rootfs)
    assert got["proc/cpuinfo"] == ("read", "")
    assert got["dev/requirements.txt"] == ("read", "")
    assert "torch" in {c.name for c in result.inventory.components}


def test_a_kernel_folder_given_itself_is_read(rootfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``sovaudit scan /proc/cpuinfo`` or ``scan /dev``: what the user names is read."""
    kernel_folders_are(monkeypatch, rootfs)
    result = scan([rootfs / "dev"])
    assert [(Path(r.path).name, r.status) for r in result.inventory.inputs] == [("requirements.txt", InputStatus.READ)]


def test_the_host_folders_are_the_kernel_ones() -> None:
    root = TreePath.for_input("/")
    assert [(root / n).is_kernel_interface() for n in ("proc", "sys", "dev", "usr", "tmp")] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_inside_an_image_no_folder_is_the_kernels_and_a_link_out_says_so(blobs: Any) -> None:
    layer = tar_bytes(
        [
            ("proc", "dir", None),
            ("proc/cpuinfo", "file", b"processor : 0\n"),
            ("etc", "dir", None),
            ("etc/out", "symlink", "../../../etc/shadow"),
            ("etc/in", "symlink", "../proc/cpuinfo"),
        ]
    )
    root = build(blobs, [(layer, "plain")]).tree()
    assert not (root / "proc").is_kernel_interface()
    assert (root / "etc" / "out").link_problem() == "link leaves the scanned tree; not followed"
    assert (root / "etc" / "in").link_problem() is None
