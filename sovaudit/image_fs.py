"""Container images as a read-only tree: the merged layers of an image behind TreePath's interface.

:class:`ImageFS` indexes the layers of one image (an OCI layout, a ``docker save`` archive ...; the
caller hands it the layer blobs) and :class:`ImageTreePath` is a :class:`~sovaudit.fs.TreePath`
over the merged result, so every collector, and the scan's walker, runs inside an image unchanged.
Nothing is extracted to disk and nothing in the image is run.

How it reads, and why it stays bounded:

* **One streaming pass per layer** (in image order) decompresses the blob (gzip, zstd or plain tar,
  told by the magic bytes, never by the media type), hashes the compressed bytes (the blob digest
  is checked at the end of the pass: a mismatch is an error), and parses tar headers with its own
  reader (bounded GNU long names and PAX records; no ``tarfile`` member list growing with the
  archive). It records, per member, the layer and the offset of its data in the *decompressed*
  stream: an index of the merged tree, in nested dictionaries, with whiteouts (``.wh.<name>``) and
  opaque folders (``.wh..wh..opq``) applied layer by layer, as overlayfs would.
* **Small files collectors ask for are kept in memory during that pass** (package databases,
  ``*.dist-info`` metadata, ``conda-meta/*.json``, ``.spack/spec.json``, ``os-release``, Debian
  ``copyright`` files ...; :data:`KEEP`), up to :attr:`ImageLimits.prefetch_bytes` in all and
  :attr:`ImageLimits.prefetch_file_bytes` each. These are almost every byte a scan reads, and they
  cost nothing extra: the pass decompresses them anyway.
* **Any other read re-opens the layer at the member**: a plain layer is read in place; a gzip or
  zstd layer through a decompressing cursor that moves forward only. The walk visits files in
  name order, the order in which image builders write layers, so the heads that ``detect`` reads
  come in stream order and a layer is decompressed about once more per scan (the head read last
  is kept, since several collectors sniff the same file in turn: 8 bytes, 8 KiB, 256 KiB). A read behind the
  cursor restarts from the nearest gzip checkpoint (a copy of the inflate state saved every
  :attr:`ImageLimits.checkpoint_every` decompressed bytes during the index pass, ~40 KB each), so
  it costs at most that span; zstd (whose decoder cannot be copied) restarts from the start.
* Memory is the index (about 200 bytes per file), the kept files, the checkpoints and at most
  :data:`_CURSORS` open decoders, whatever the size of the image.

Hostile layers are clean :class:`~sovaudit.errors.InputError` naming the image, the layer and the
member: ``..`` or absolute member names, hard links out of the tree or to nothing, device files,
link loops, a decompression bomb (:attr:`ImageLimits.max_layer_bytes`, ``max_image_bytes`` for all
layers together, and a ratio limit: the fields of the one policy, :class:`sovaudit.limits.Limits`), a
digest mismatch, a truncated layer. A symbolic link is resolved inside the image: an absolute
target from the image root (what it means in a container), a relative one from its folder; one
that climbs above the root leaves the tree and is not followed, as with :class:`TreePath`.
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import zlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, NoReturn

from sovaudit.errors import InputError
from sovaudit.fs import LINK_LEAVES, TreePath, read_cap, too_big
from sovaudit.limits import DEFAULT_LIMITS, KiB, Limits, MiB

#: The image limits are fields of the one policy (:class:`sovaudit.limits.Limits`): ``max_layer_bytes``,
#: ``max_image_bytes``, ``max_ratio`` ... These names stay for the callers that spell them so.
ImageLimits = Limits
DEFAULT_IMAGE_LIMITS = DEFAULT_LIMITS

#: Paths (inside the image, without a leading "/") of the files kept in memory while indexing:
#: what the OS, Python, conda, Spack and module collectors read whole.
KEEP = re.compile(
    r"""(?x)
    (?:^|/)var/lib/dpkg/(?:status|status\.d/[^/]+)$
    | ^usr/share/doc/[^/]+/copyright$
    | (?:^|/)lib/apk/db/installed$
    | (?:^|/)(?:var/lib/rpm|usr/lib/sysimage/rpm)/(?:rpmdb\.sqlite|Packages(?:\.db)?)$
    | ^(?:etc|usr/lib)/os-release$
    | \.dist-info/(?:METADATA|INSTALLER|REQUESTED|direct_url\.json|WHEEL|top_level\.txt|entry_points\.txt)$
    | \.egg-info(?:/(?:PKG-INFO|requires\.txt|installed-files\.txt|top_level\.txt))?$
    | (?:^|/)pyvenv\.cfg$
    | (?:^|/)conda-meta/(?:[^/]+\.json|history)$
    | (?:^|/)\.spack/spec\.(?:json|yaml)$
    | (?:^|/)(?:spack\.lock|spack\.ya?ml|uv\.lock|poetry\.lock|pylock(?:\.[^/]+)?\.toml|environment\.ya?ml)$
    | (?:^|/)requirements[^/]*\.txt$
    | \.eb$
    | (?:^|/)(?:modulefiles|modules|lmod)/(?:.*/)?[^/]+$
    """
)

# Tar type flags.
_REG = frozenset({b"0", b"\x00", b"7"})
_HARD = b"1"
_SYM = b"2"
_CHR = b"3"
_BLK = b"4"
_DIR = b"5"
_FIFO = b"6"
_GNU_LONGNAME = b"L"
_GNU_LONGLINK = b"K"
_PAX = b"x"
_PAX_GLOBAL = b"g"
_GNU_SPARSE = b"S"
_ZERO_BLOCK = bytes(512)
_HEADER_ONLY = frozenset({_HARD, _SYM, _CHR, _BLK, _DIR, _FIFO})

_GZIP_MAGIC = b"\x1f\x8b"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_OTHER_MAGIC = ((b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"), (b"\x04\x22\x4d\x18", "lz4"))

_RAW_CHUNK = 256 * KiB
_OUT_CHUNK = 1 * MiB
#: Decoders kept open for reads outside the kept files (each holds a file offset and a window).
_CURSORS = 3
#: The head of the file read last is kept up to this size (collectors sniff one file several times).
_LAST_HEAD = 1 * MiB


# -- blobs ------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Blob:
    """A byte range of an open file: a blob in a layout folder, or a member of an outer tar."""

    fd: int
    start: int
    size: int

    def read_at(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset`` (positional reads: cursors never disturb one another)."""
        if offset >= self.size or n <= 0:
            return b""
        return os.pread(self.fd, min(n, self.size - offset), self.start + offset)


def open_input(path: TreePath) -> tuple[int, int]:
    """``(descriptor, size)`` of a regular file the user gave, for streaming reads of large blobs.

    :class:`TreePath` only hands out whole files (bounded by ``max_file_bytes``); image blobs are
    gigabytes. The file is opened at the target TreePath resolved and checked to stay in the tree
    (a link out of it raises InputError), without following a last link. The caller closes it.
    """
    if isinstance(path, ImageTreePath):
        raise InputError(path.display(), "an image inside an image is not read")
    real = str(path._real())  # the containment check of TreePath; raises InputError on escape
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)
    except OSError as err:
        raise InputError(path.display(), f"cannot open: {err.strerror or err}") from err
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise InputError(path.display(), "is not a regular file; not read")
    return fd, st.st_size


def compression_of(head: bytes) -> str:
    """``gzip``, ``zstd`` or ``plain`` from a blob's first bytes; other compressions by name."""
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_ZSTD_MAGIC):
        return "zstd"
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic):
            return name
    return "plain"


@dataclass(frozen=True, slots=True)
class Where:
    """How errors name what they are about: the image (the error's path) and the part of it."""

    path: str
    part: str = ""  # "layer 2 (sha256:ab12...)"; "" for the archive as a whole

    def err(self, reason: str) -> InputError:
        return InputError(self.path, f"{self.part}: {reason}" if self.part else reason)


# -- decompression ----------------------------------------------------------------------------------
@dataclass(slots=True)
class _Checkpoint:
    raw_pos: int
    out_pos: int
    state: Any  # zlib.Decompress


class _RawReader:
    """A blob as a file object for zstandard's stream reader, hashing what it hands out."""

    def __init__(self, blob: Blob, pos: int, hasher: Any | None) -> None:
        self.blob = blob
        self.pos = pos
        self.hasher = hasher

    def read(self, n: int = -1) -> bytes:
        data = self.blob.read_at(self.pos, _RAW_CHUNK if n is None or n < 0 else n)
        self.pos += len(data)
        if self.hasher is not None:
            self.hasher.update(data)
        return data


class _Stream:
    """The decompressed bytes of one layer blob, read forward, with every limit checked."""

    def __init__(
        self,
        blob: Blob,
        kind: str,
        where: Where,
        limits: ImageLimits,
        *,
        hasher: Any | None = None,
        checkpoints: list[_Checkpoint] | None = None,
        start: _Checkpoint | None = None,
        total_before: int = 0,
    ) -> None:
        self.blob = blob
        self.kind = kind
        self.where = where
        self.limits = limits
        self.hasher = hasher
        self.checkpoints = checkpoints
        self.total_before = total_before  # decompressed bytes of the image's earlier layers
        self.pos = 0  # decompressed bytes handed out
        self._produced = 0  # decompressed bytes made (handed out + buffered)
        self._buf = b""
        self._buf_at = 0
        self._raw_pos = 0
        self._in = b""  # compressed input not yet given to the decoder
        self._ended = False
        self._dobj: Any = None
        self._zreader: Any = None
        self._raw: _RawReader | None = None
        if kind == "gzip":
            if start is not None:
                self._dobj = start.state.copy()
                self._raw_pos = start.raw_pos
                self.pos = self._produced = start.out_pos
            else:
                self._dobj = zlib.decompressobj(wbits=31)
        elif kind == "zstd":
            try:
                import zstandard
            except ImportError as err:  # pragma: no cover - a declared dependency
                raise where.err("is zstd-compressed, and the zstandard package is not installed") from err
            self._raw = _RawReader(blob, 0, hasher)
            dctx = zstandard.ZstdDecompressor(max_window_size=limits.max_zstd_window)
            self._zreader = dctx.stream_reader(self._raw, read_size=_RAW_CHUNK, read_across_frames=True)  # type: ignore[arg-type]
        elif kind != "plain":
            raise where.err(f"is compressed with {kind}; only gzip, zstd and plain tar layers are read")

    @property
    def raw_consumed(self) -> int:
        return self._raw.pos if self._raw is not None else self._raw_pos

    def _check(self) -> None:
        lim = self.limits
        if self._produced > lim.max_layer_bytes:
            raise self.where.err(
                f"decompresses to more than {lim.max_layer_bytes:,} bytes (the limit for one layer); "
                "a decompression bomb?",
            )
        if self.total_before + self._produced > lim.max_image_bytes:
            raise self.where.err(
                f"takes the image past {lim.max_image_bytes:,} decompressed bytes (the limit for all its layers); "
                "a decompression bomb?",
            )
        if self._produced > lim.ratio_after and self._produced > lim.max_ratio * max(self.raw_consumed, 1):
            raise self.where.err(
                f"decompresses more than {lim.max_ratio} times its compressed size; a decompression bomb?",
            )

    def _raw_read(self, n: int) -> bytes:
        data = self.blob.read_at(self._raw_pos, n)
        self._raw_pos += len(data)
        if self.hasher is not None:
            self.hasher.update(data)
        return data

    def _produce(self) -> bytes:
        """The next decompressed bytes; b"" at the end of the stream."""
        if self._ended:
            return b""
        if self.kind == "plain":
            out = self._raw_read(_OUT_CHUNK)
        elif self.kind == "zstd":
            try:
                out = self._zreader.read(_OUT_CHUNK)
            except Exception as err:  # zstandard.ZstdError and friends
                raise self.where.err(f"is not valid zstd data ({err})") from err
        else:
            out = self._inflate()
        if not out:
            self._ended = True
            return b""
        self._produced += len(out)
        self._check()
        return out

    def _inflate(self) -> bytes:
        while True:
            if not self._in:
                self._in = self._raw_read(_RAW_CHUNK)
                if not self._in:
                    if self._dobj is not None:
                        raise self.where.err("is truncated: the compressed stream ends early")
                    return b""
            if self._dobj is None:  # between gzip members: another member, or trailing bytes
                if len(self._in) < 2:
                    self._in += self._raw_read(_RAW_CHUNK)
                if not self._in.startswith(_GZIP_MAGIC):
                    self._drain_raw()
                    return b""
                self._dobj = zlib.decompressobj(wbits=31)
            try:
                out: bytes = self._dobj.decompress(self._in, _OUT_CHUNK)
            except zlib.error as err:
                raise self.where.err(f"is not valid gzip data ({err})") from err
            if self._dobj.eof:
                self._in = self._dobj.unused_data
                self._dobj = None
            else:
                self._in = self._dobj.unconsumed_tail
                if (
                    self.checkpoints is not None
                    and not self._in
                    and len(out) < _OUT_CHUNK
                    and len(self.checkpoints) < self.limits.max_checkpoints
                ):
                    last = self.checkpoints[-1].out_pos if self.checkpoints else 0
                    made = self._produced + len(out)
                    if made - last >= self.limits.checkpoint_every:
                        self.checkpoints.append(_Checkpoint(self._raw_pos, made, self._dobj.copy()))
            if out:
                return out

    def _drain_raw(self) -> None:
        """Trailing bytes after the last gzip member: not decompressed, but part of the digest."""
        self._in = b""
        while self._raw_read(_RAW_CHUNK):
            pass

    def read(self, n: int) -> bytes:
        """Up to ``n`` bytes (fewer only at the end of the stream)."""
        parts = []
        want = n
        while want > 0:
            avail = len(self._buf) - self._buf_at
            if avail == 0:
                self._buf = self._produce()
                self._buf_at = 0
                if not self._buf:
                    break
                avail = len(self._buf)
            take = min(avail, want)
            parts.append(self._buf[self._buf_at : self._buf_at + take])
            self._buf_at += take
            want -= take
        data = b"".join(parts) if len(parts) != 1 else parts[0]
        self.pos += len(data)
        return data

    def skip(self, n: int) -> None:
        """Move forward ``n`` bytes (read in place for a plain blob)."""
        if n <= 0:
            return
        if self.kind == "plain":
            avail = len(self._buf) - self._buf_at
            if n <= avail:
                self._buf_at += n
                self.pos += n
                return
            n -= avail
            self.pos += avail
            self._buf, self._buf_at = b"", 0
            if self.hasher is None:
                jump = min(n, self.blob.size - self._raw_pos)
                self._raw_pos += jump
                self._produced += jump
                self.pos += jump
                n -= jump
                if n:
                    self._ended = True
                return
        while n > 0:
            got = len(self.read(min(n, _OUT_CHUNK)))
            if got == 0:
                return
            n -= got

    def finish(self) -> int:
        """Read to the end (the digest covers every byte); the number of compressed bytes."""
        while self._produce():
            pass
        if self.kind == "zstd" and self._raw is not None:
            while self._raw.read(_RAW_CHUNK):
                pass
            problem = zstd_frames_problem(self.blob)
            if problem:
                raise self.where.err(problem)
        elif self.kind == "gzip":
            self._drain_raw()
        return self.raw_consumed


_ZSTD_SKIPPABLE = range(0x184D2A50, 0x184D2A60)


def zstd_frames_problem(blob: Blob) -> str:
    """Why the zstd frames of ``blob`` are incomplete, or "" when they are whole.

    zstandard's stream reader ends quietly at a frame cut short, so a truncated layer would look
    like a shorter one. Walking the frame and block headers (one small read per block of at most
    128 KiB) tells: each frame must end with its last block (and checksum) inside the blob.
    """
    pos = 0
    size = blob.size
    while pos < size:
        head = blob.read_at(pos, 14)
        if len(head) < 4:
            return "is truncated: a zstd frame is cut short"
        magic = int.from_bytes(head[:4], "little")
        if magic in _ZSTD_SKIPPABLE:
            if len(head) < 8:
                return "is truncated: a zstd frame is cut short"
            pos += 8 + int.from_bytes(head[4:8], "little")
            continue
        if head[:4] != _ZSTD_MAGIC:
            return "has bytes after its zstd frames that are not a zstd frame"
        if len(head) < 5:
            return "is truncated: a zstd frame is cut short"
        fhd = head[4]
        single = (fhd >> 5) & 1
        fcs_size = (1 if single else 0, 2, 4, 8)[fhd >> 6]
        pos += 5 + (0 if single else 1) + (0, 1, 2, 4)[fhd & 3] + fcs_size
        while True:
            block = blob.read_at(pos, 3)
            if len(block) < 3:
                return "is truncated: a zstd frame is cut short"
            value = int.from_bytes(block, "little")
            btype = (value >> 1) & 3
            if btype == 3:
                return "is not valid zstd data (a reserved block type)"
            pos += 3 + (1 if btype == 1 else value >> 3)
            if value & 1:
                break
        if (fhd >> 2) & 1:
            pos += 4
    if pos > size:
        return "is truncated: a zstd frame is cut short"
    return ""


# -- tar --------------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Member:
    name: str
    type: bytes
    size: int
    offset: int  # of the data, in the decompressed stream
    linkname: str
    mode: int


def _octal(field_: bytes, what: str, where: Where) -> int:
    if field_ and field_[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field_[1:], "big")
        if field_[0] & 0x40:
            raise where.err(f"negative {what} in a tar header")
        return value
    text = field_.split(b"\x00", 1)[0].strip(b" ")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise where.err(f"bad {what} {text[:20]!r} in a tar header; not a tar archive?") from None


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="surrogateescape")


def _pax_records(data: bytes, where: Where) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if not data[pos:].strip(b"\x00"):
            break
        sp = data.find(b" ", pos)
        if sp < 0:
            raise where.err("malformed PAX header")
        try:
            length = int(data[pos:sp])
        except ValueError:
            raise where.err("malformed PAX header") from None
        if length <= sp - pos or pos + length > len(data):
            raise where.err("malformed PAX header")
        record = data[sp + 1 : pos + length - 1]
        key, eq, value = record.partition(b"=")
        if eq:
            out[key.decode("utf-8", errors="replace")] = value.decode("utf-8", errors="surrogateescape")
        pos += length
    return out


def tar_members(stream: _Stream, where: Where, limits: ImageLimits) -> Iterator[_Member]:
    """The members of a tar stream; the caller may read each member's data before the next."""
    long_name: str | None = None
    long_link: str | None = None
    pax: dict[str, str] = {}
    first = True
    while True:
        header_at = stream.pos
        hdr = stream.read(512)
        if not hdr:
            if first:
                return  # an empty stream: an empty layer
            raise where.err("is truncated: the tar stream ends without its end-of-archive block")
        if len(hdr) < 512:
            if first:
                raise where.err(f"is not a tar archive ({len(hdr)} bytes, less than one tar header)")
            raise where.err("is truncated in the middle of a tar header")
        if hdr == _ZERO_BLOCK:
            return
        try:
            stored = _octal(hdr[148:156], "checksum", where)
        except InputError:
            if first:
                raise where.err("is not a tar archive (no tar header at its start)") from None
            raise
        unsigned = sum(hdr[:148]) + 256 + sum(hdr[156:])
        if stored != unsigned:  # old tars summed signed chars
            signed = unsigned - 256 * (sum(1 for b in hdr[:148] if b > 127) + sum(1 for b in hdr[156:] if b > 127))
        else:
            signed = unsigned
        if stored not in (unsigned, signed):
            if first:
                raise where.err("is not a tar archive (no tar header at its start)")
            raise where.err(f"bad tar header checksum at byte {header_at:,}; not a tar archive, or corrupt")
        first = False
        size = _octal(hdr[124:136], "size", where)
        tflag = hdr[156:157]
        data_at = stream.pos
        padded = (size + 511) & ~511
        if tflag in (_GNU_LONGNAME, _GNU_LONGLINK, _PAX, _PAX_GLOBAL):
            cap = limits.max_name_bytes if tflag in (_GNU_LONGNAME, _GNU_LONGLINK) else limits.max_pax_bytes
            if size > cap:
                raise where.err(f"a tar extension header of {size:,} bytes (limit {cap:,})")
            data = stream.read(size)
            if len(data) < size:
                raise where.err("is truncated inside a tar extension header")
            stream.skip(padded - size)
            if tflag == _GNU_LONGNAME:
                long_name = _text(data)
            elif tflag == _GNU_LONGLINK:
                long_link = _text(data)
            elif tflag == _PAX:
                pax = _pax_records(data, where)
            continue
        name = _text(hdr[0:100])
        if hdr[257:263] == b"ustar\x00" and hdr[345] != 0:
            name = _text(hdr[345:500]) + "/" + name
        linkname = _text(hdr[157:257])
        if long_name is not None:
            name = long_name
        if long_link is not None:
            linkname = long_link
        if "path" in pax:
            name = pax["path"]
        if "linkpath" in pax:
            linkname = pax["linkpath"]
        if "size" in pax:
            try:
                size = int(pax["size"])
            except ValueError:
                raise where.err("malformed PAX size") from None
            padded = (size + 511) & ~511
        long_name = long_link = None
        pax = {}
        if len(name.encode("utf-8", errors="surrogateescape")) > limits.max_name_bytes:
            raise where.err(f"a member name longer than {limits.max_name_bytes:,} bytes")
        member = _Member(name, tflag, size, data_at, linkname, _octal(hdr[100:108], "mode", where))
        yield member
        if tflag in _HEADER_ONLY:
            padded = 0  # whatever the size field says, these carry no data (as tar and Go's reader do)
        consumed = stream.pos - data_at
        stream.skip(padded - consumed)
        if stream.pos != data_at + padded:
            raise where.err(f"is truncated inside member {name!r}")


def normalise_member(name: str, where: Where) -> str:
    """A member name as a path inside the image ("" for the root), or InputError when hostile."""
    if "\x00" in name:
        raise where.err(f"member {name!r} has a NUL byte in its name")
    if name.startswith("/"):
        raise where.err(f"member {name!r} has an absolute name; a layer holds relative names only")
    parts = []
    for p in name.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            raise where.err(f"member {name!r} climbs out of the image with '..'")
        parts.append(p)
    return "/".join(parts)


def index_outer_tar(fd: int, size: int, display: str, limits: ImageLimits) -> dict[str, tuple[int, int]]:
    """Regular members of a plain (uncompressed) tar file: normalised name -> (data offset, size).

    Headers are read in place, member data skipped with positional reads: one small read per member.
    Links between members are aliases (skopeo's docker-archive writes ``<id>/layer.tar`` as a link
    to ``../<diff id>.tar``); one that leaves the archive is an error.
    """
    where = Where(display)
    blob = Blob(fd, 0, size)
    kind = compression_of(blob.read_at(0, 8))
    if kind != "plain":
        raise where.err(f"is a {kind}-compressed archive; decompress it first (docker save writes plain tar)")
    stream = _Stream(blob, "plain", where, limits)
    out: dict[str, tuple[int, int]] = {}
    aliases: dict[str, str] = {}
    count = 0
    for m in tar_members(stream, where, limits):
        count += 1
        if count > limits.max_members:
            raise where.err(f"has more than {limits.max_members:,} members")
        path = normalise_member(m.name, where)
        if m.type in (_CHR, _BLK):
            raise where.err(f"member {m.name!r} is a device file; an image archive holds none")
        if m.type in (_HARD, _SYM):
            base = path.rpartition("/")[0] if m.type == _SYM else ""
            target = posixpath.normpath(posixpath.join(base, m.linkname)) if m.linkname else ".."
            if m.linkname.startswith("/") or target == ".." or target.startswith("../"):
                raise where.err(f"member {m.name!r} is a link that leaves the archive ({m.linkname!r})")
            aliases[path] = target
            continue
        if m.type in _REG:
            out[path] = (m.offset, m.size)
    for path, target in aliases.items():
        hops = 0
        while target in aliases and hops <= limits.max_link_hops:
            target = aliases[target]
            hops += 1
        if target in out:
            out[path] = out[target]
    return out


# -- the index --------------------------------------------------------------------------------------
_FILE = 0
_SYMLINK = 1
_HARDLINK = 2  # pending, resolved at the end of its layer
_SPECIAL = 3  # FIFO, sparse file: listed, never read


class _Entry:
    """A non-directory in the merged tree."""

    __slots__ = ("data", "kind", "layer", "offset", "size", "target")

    def __init__(self, kind: int, layer: int, offset: int, size: int, target: str = "") -> None:
        self.kind = kind
        self.layer = layer
        self.offset = offset
        self.size = size
        self.target = target
        self.data: bytes | None = None


class _Dir:
    __slots__ = ("children", "opaque", "whiteouts")

    def __init__(self) -> None:
        self.children: dict[str, _Dir | _Entry] = {}
        self.opaque = False
        self.whiteouts: set[str] | None = None


_Node = _Dir | _Entry

# Resolution results.
_OK = 0
_MISSING = 1
_ESCAPE = 2
_LOOP = 3


@dataclass(slots=True)
class LayerInfo:
    """What the index pass learnt about one layer."""

    blob: Blob
    digest: str  # "sha256:..." expected of the blob ("" when unknown)
    where: Where  # for messages: the image, and "layer 2 (sha256:abc...)"
    compression: str = ""
    checkpoints: list[_Checkpoint] = field(default_factory=list)
    members: int = 0
    size: int = 0  # decompressed


@dataclass(frozen=True, slots=True)
class LayerInput:
    """A layer blob to index, and the digest it must have."""

    blob: Blob
    digest: str = ""  # "sha256:<hex>"; "" when the format gives none (then not verified)
    label: str = ""  # how messages name the layer ("layer 2 (sha256:ab12...)")


class ImageFS:
    """The merged file system of one image, indexed from its layers (bottom first)."""

    def __init__(
        self,
        name: str,
        *,
        limits: Limits = DEFAULT_LIMITS,
        image_limits: ImageLimits | None = None,
    ) -> None:
        #: How messages name the image: ``<input>@sha256:<manifest digest>``.
        self.name = name
        #: Evidence prefix: ``<name>:``; paths inside the image follow as ``/var/lib/dpkg/status``.
        self.display_root = f"{name}:"
        self.limits = limits
        #: The image fields of the policy (``limits`` unless a caller gives others).
        self.image_limits = limits if image_limits is None else image_limits
        #: Decompressed bytes of the layers indexed so far (bounded by ``max_image_bytes``).
        self.decompressed = 0
        self.root = _Dir()
        self.layers: list[LayerInfo] = []
        self.kept_bytes = 0
        self.members = 0
        self._cursors: OrderedDict[int, _Stream] = OrderedDict()
        self._dir_cache: dict[str, tuple[_Dir | None, int]] = {}
        self._last: tuple[_Entry, bytes] | None = None

    # -- building ----------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        name: str,
        layers: Sequence[LayerInput],
        *,
        limits: Limits = DEFAULT_LIMITS,
        image_limits: ImageLimits | None = None,
    ) -> ImageFS:
        """The merged tree of ``layers`` (bottom first); ``name`` is how evidence names the image."""
        fs = cls(name, limits=limits, image_limits=image_limits)
        for layer in layers:
            fs.add_layer(layer)
        return fs

    def add_layer(self, layer: LayerInput) -> LayerInfo:
        """Index one more layer (on top of those added before) in one streaming pass."""
        n = len(self.layers)
        label = layer.label or f"layer {n + 1}" + (f" ({layer.digest})" if layer.digest else "")
        where = Where(self.name, label)
        info = LayerInfo(blob=layer.blob, digest=layer.digest, where=where)
        info.compression = compression_of(layer.blob.read_at(0, 8))
        algorithm, _, expected = layer.digest.partition(":")
        hasher = None
        if layer.digest:
            if algorithm not in ("sha256", "sha512") or not re.fullmatch(r"[0-9a-f]+", expected):
                raise where.err(f"unsupported digest {layer.digest!r}")
            import hashlib  # here: loading OpenSSL is wasted on a scan that meets no image layer

            hasher = hashlib.new(algorithm)
        stream = _Stream(
            layer.blob,
            info.compression,
            where,
            self.image_limits,
            hasher=hasher,
            checkpoints=info.checkpoints,
            total_before=self.decompressed,
        )
        upper = _Dir()
        hardlinks: list[tuple[_Dir, str, _Entry, str]] = []
        for m in tar_members(stream, where, self.image_limits):
            self.members += 1
            info.members += 1
            if self.members > self.image_limits.max_members:
                raise where.err(f"the image has more than {self.image_limits.max_members:,} files")
            self._add_member(upper, m, n, where, stream, hardlinks)
        stream.finish()
        info.size = stream._produced
        self.decompressed += info.size
        if hasher is not None and hasher.hexdigest() != expected:
            raise where.err(f"digest mismatch: the blob hashes to {algorithm}:{hasher.hexdigest()}, not {layer.digest}")
        self._resolve_hardlinks(upper, hardlinks, where)
        _merge(self.root, upper)
        self.layers.append(info)
        self._dir_cache.clear()
        return info

    def _add_member(
        self,
        upper: _Dir,
        m: _Member,
        layer: int,
        where: Where,
        stream: _Stream,
        hardlinks: list[tuple[_Dir, str, _Entry, str]],
    ) -> None:
        path = normalise_member(m.name, where)
        if not path:
            return
        parent_path, _, base = path.rpartition("/")
        pdir = _ensure_dir(upper, parent_path)
        if base.startswith(".wh."):
            if base == ".wh..wh..opq":
                pdir.opaque = True
            elif not base.startswith(".wh..wh."):  # other ".wh..wh." names are aufs bookkeeping
                hidden = base[4:]
                if hidden in ("", ".", ".."):
                    raise where.err(f"member {m.name!r} is a malformed whiteout")
                if pdir.whiteouts is None:
                    pdir.whiteouts = set()
                pdir.whiteouts.add(hidden)
            return
        t = m.type
        if t == _DIR:
            existing = pdir.children.get(base)
            if not isinstance(existing, _Dir):
                pdir.children[base] = _Dir()
            return
        if t in (_CHR, _BLK):
            raise where.err(f"member {m.name!r} is a device file; an image layer must not hold one")
        if t == _SYM:
            if not m.linkname or "\x00" in m.linkname:
                raise where.err(f"member {m.name!r} is a symbolic link without a target")
            pdir.children[base] = _Entry(_SYMLINK, layer, 0, 0, m.linkname)
            return
        if t == _HARD:
            if m.linkname.startswith("/"):
                raise where.err(f"member {m.name!r} is a hard link out of the tree ({m.linkname!r})")
            target = m.linkname
            if ".." in target.split("/"):
                raise where.err(f"member {m.name!r} is a hard link out of the tree ({m.linkname!r})")
            entry = _Entry(_HARDLINK, layer, 0, 0, normalise_member(target, where))
            pdir.children[base] = entry
            hardlinks.append((pdir, base, entry, m.name))
            return
        if t in (_FIFO, _GNU_SPARSE):
            pdir.children[base] = _Entry(_SPECIAL, layer, m.offset, m.size)
            return
        entry = _Entry(_FILE, layer, m.offset, m.size)
        lim = self.image_limits
        if (
            m.size <= lim.prefetch_file_bytes
            and self.kept_bytes + m.size <= lim.prefetch_bytes
            and KEEP.search(path) is not None
        ):
            data = stream.read(m.size)
            if len(data) < m.size:
                raise where.err(f"is truncated inside member {m.name!r}")
            entry.data = data
            self.kept_bytes += m.size
        pdir.children[base] = entry

    def _resolve_hardlinks(self, upper: _Dir, pending: list[tuple[_Dir, str, _Entry, str]], where: Where) -> None:
        for _pdir, _base, entry, name in pending:
            target: _Dir | _Entry | None = entry
            hops = 0
            while isinstance(target, _Entry) and target.kind == _HARDLINK:
                hops += 1
                if hops > self.image_limits.max_link_hops:
                    raise where.err(f"member {name!r} is a hard link loop")
                path = target.target
                found = _find(upper, path)
                if found is None:
                    found = _find(self.root, path)
                target = found
            if not isinstance(target, _Entry) or target.kind not in (_FILE, _SPECIAL):
                raise where.err(f"member {name!r} is a hard link to {entry.target!r}, which the image does not hold")
            entry.kind, entry.layer, entry.offset, entry.size = target.kind, target.layer, target.offset, target.size
            entry.data = target.data
            entry.target = ""

    # -- resolution --------------------------------------------------------------------------------
    def _resolve(self, path: str, follow: bool) -> tuple[_Node | None, int]:
        """The node at ``path`` (links in folders always followed, the last one if ``follow``)."""
        parent, _, name = path.rpartition("/")
        if name in ("", ".", "..") or path.startswith("/") or "//" in path:
            return self._resolve_full(path, follow)
        pdir, status = self._resolve_dir(parent)
        if pdir is None:
            return None, status
        node = pdir.children.get(name)
        if node is None:
            return None, _MISSING
        if follow and isinstance(node, _Entry) and node.kind == _SYMLINK:
            return self._resolve_full(path, follow)
        return node, _OK

    def _resolve_dir(self, path: str) -> tuple[_Dir | None, int]:
        cached = self._dir_cache.get(path)
        if cached is not None:
            return cached
        node, status = self._resolve_full(path, True)
        result: tuple[_Dir | None, int] = (node, _OK) if isinstance(node, _Dir) else (None, status or _MISSING)
        if len(self._dir_cache) < 1_000_000:
            self._dir_cache[path] = result
        return result

    def _resolve_full(self, path: str, follow: bool) -> tuple[_Node | None, int]:
        todo = [p for p in reversed(path.split("/")) if p and p != "."]
        dirs: list[_Dir] = [self.root]
        node: _Node = self.root
        hops = 0
        while todo:
            p = todo.pop()
            if p == "..":
                if len(dirs) == 1:
                    return None, _ESCAPE
                dirs.pop()
                node = dirs[-1]
                continue
            here = dirs[-1]
            child = here.children.get(p)
            if child is None:
                return None, _MISSING
            if isinstance(child, _Dir):
                dirs.append(child)
                node = child
                continue
            if child.kind == _SYMLINK and (todo or follow):
                hops += 1
                if hops > self.image_limits.max_link_hops:
                    return None, _LOOP
                target = child.target
                if target.startswith("/"):
                    dirs = [self.root]
                todo.extend(q for q in reversed(target.split("/")) if q and q != ".")
                node = dirs[-1]
                continue
            if todo:
                return None, _MISSING  # a file used as a folder
            node = child
        return node, _OK

    # -- reading -----------------------------------------------------------------------------------
    def read_entry(self, entry: _Entry, n: int, where: str) -> bytes:
        """The first ``n`` bytes of a file's data (all of it when ``n`` >= its size).

        Several collectors sniff the same file one after the other (8 bytes, then 8 KiB, then
        256 KiB): the head last read is kept (up to :data:`_LAST_HEAD` bytes), and a longer read of
        the same file goes on from where the cursor stopped, so a forward-only decoder never has to
        go back to the start of the member.
        """
        n = min(n, entry.size)
        if entry.data is not None:
            return entry.data[:n]
        if n <= 0:
            return b""
        layer = self.layers[entry.layer]
        if layer.compression == "plain":
            data = layer.blob.read_at(entry.offset, n)
        else:
            have = self._last[1] if self._last is not None and self._last[0] is entry else b""
            if len(have) >= n:
                return have[:n]
            stream = self._cursor(entry.layer, entry.offset + len(have)) if have else None
            if stream is None or stream.pos != entry.offset + len(have):
                have = b""
                stream = self._cursor(entry.layer, entry.offset)
                stream.skip(entry.offset - stream.pos)
            data = have + stream.read(n - len(have))
            self._last = (entry, data) if len(data) <= _LAST_HEAD else None
        if len(data) < n:
            raise InputError(where, f"cannot read: {layer.where.part} ends inside this file")
        return data

    def _cursor(self, index: int, offset: int) -> _Stream:
        layer = self.layers[index]
        cur = self._cursors.get(index)
        best: _Checkpoint | None = None
        if layer.compression == "gzip":
            for cp in reversed(layer.checkpoints):  # few: linear is fine
                if cp.out_pos <= offset:
                    best = cp
                    break
        if cur is not None and cur.pos <= offset and (best is None or best.out_pos <= cur.pos):
            self._cursors.move_to_end(index)
            return cur
        cur = _Stream(layer.blob, layer.compression, layer.where, self.image_limits, start=best)
        self._cursors[index] = cur
        self._cursors.move_to_end(index)
        while len(self._cursors) > _CURSORS:
            self._cursors.popitem(last=False)
        return cur

    def close(self) -> None:
        """Drop open decoders (the blobs' descriptors belong to the caller)."""
        self._cursors.clear()
        self._last = None

    def tree(self) -> ImageTreePath:
        """The root of the merged tree."""
        return ImageTreePath(self, "")

    def paths(self) -> Iterator[tuple[str, str]]:
        """Every path in the merged tree with its kind (``dir``, ``file``, ``link``, ``special``), sorted."""
        stack: list[tuple[str, _Dir]] = [("", self.root)]
        while stack:
            prefix, d = stack.pop()
            for name in sorted(d.children, reverse=True):
                child = d.children[name]
                path = f"{prefix}/{name}" if prefix else name
                if isinstance(child, _Dir):
                    stack.append((path, child))
            for name in sorted(d.children):
                child = d.children[name]
                path = f"{prefix}/{name}" if prefix else name
                kind = "dir" if isinstance(child, _Dir) else ("file", "link", "file", "special")[child.kind]
                yield path, kind


def _ensure_dir(root: _Dir, path: str) -> _Dir:
    d = root
    if not path:
        return d
    for p in path.split("/"):
        child = d.children.get(p)
        if not isinstance(child, _Dir):
            child = _Dir()
            d.children[p] = child
        d = child
    return d


def _find(root: _Dir, path: str) -> _Node | None:
    node: _Node = root
    for p in path.split("/"):
        if not p:
            continue
        if not isinstance(node, _Dir):
            return None
        nxt = node.children.get(p)
        if nxt is None:
            return None
        node = nxt
    return node


def _merge(lower: _Dir, upper: _Dir) -> None:
    """Apply one layer's tree on the merged tree: opaque folders, whiteouts, then its entries."""
    stack = [(lower, upper)]
    while stack:
        lo, up = stack.pop()
        if up.opaque:
            lo.children.clear()
        if up.whiteouts:
            for name in up.whiteouts:
                lo.children.pop(name, None)
        for name, node in up.children.items():
            if isinstance(node, _Dir):
                existing = lo.children.get(name)
                if isinstance(existing, _Dir):
                    stack.append((existing, node))
                else:
                    fresh = _Dir()
                    lo.children[name] = fresh
                    stack.append((fresh, node))
            else:
                lo.children[name] = node


# -- the TreePath view ------------------------------------------------------------------------------
_HERE = PurePosixPath()


class ImageTreePath(TreePath):
    """A path in an image's merged tree, with :class:`TreePath`'s interface and guarantees.

    A subclass so that collectors (typed against TreePath) and the scan's walker take it as it is.
    It never calls ``TreePath.__init__``: the host-disk state of the base class is never set, so a
    base-class method this class did not override fails loudly instead of reading the host disk.
    """

    __slots__ = ("_image", "_memo", "_path")

    _image: ImageFS
    _path: str
    _memo: tuple[_Node | None, int] | None

    def __init__(self, image: ImageFS, path: str = "") -> None:  # no super().__init__: see the class docstring
        self._image = image
        self._path = path
        self._memo = None

    def _child(self, rel: str) -> ImageTreePath:
        return ImageTreePath(self._image, rel)

    def __truediv__(self, name: str) -> ImageTreePath:
        if name and name != "." and "/" not in name and name != "..":
            return ImageTreePath(self._image, f"{self._path}/{name}" if self._path else name)
        joined = str(PurePosixPath(self._path) / name)
        return ImageTreePath(self._image, "" if joined == "." else joined)

    # -- names -------------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._path.rpartition("/")[2]

    @property
    def suffix(self) -> str:
        name = self.name
        i = name.rfind(".")
        return name[i:] if 0 < i < len(name) - 1 else ""

    @property
    def rel(self) -> PurePosixPath:
        return PurePosixPath(self._path) if self._path else _HERE

    @property
    def parent(self) -> ImageTreePath:
        if "/" not in self._path.lstrip("/"):
            return ImageTreePath(self._image, "")
        return ImageTreePath(self._image, self._path.rstrip("/").rpartition("/")[0])

    @property
    def limits(self) -> Limits:
        return self._image.limits

    @property
    def image(self) -> ImageFS:
        return self._image

    def display(self) -> str:
        """``<input>@sha256:<digest>:/path``: the image, then the path inside it."""
        return f"{self._image.display_root}/{self._path.lstrip('/')}"

    def __str__(self) -> str:
        return self.display()

    def __repr__(self) -> str:
        return f"ImageTreePath({self.display()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ImageTreePath) and other._image is self._image and other._path == self._path

    def __hash__(self) -> int:
        return hash((id(self._image), self._path))

    # -- the tree, bounded -------------------------------------------------------------------------
    def _node(self) -> tuple[_Node | None, int]:
        if self._memo is None:
            self._memo = self._image._resolve(self._path, True)
        return self._memo

    def is_link(self) -> bool:
        node, _ = self._image._resolve(self._path, False)
        return isinstance(node, _Entry) and node.kind == _SYMLINK

    def escapes(self) -> bool:
        return self._node()[1] == _ESCAPE

    def link_problem(self) -> str | None:
        return LINK_LEAVES if self.escapes() else None

    def exists(self) -> bool:
        return self._node()[0] is not None

    def is_dir(self) -> bool:
        return isinstance(self._node()[0], _Dir)

    def is_file(self) -> bool:
        node = self._node()[0]
        return isinstance(node, _Entry) and node.kind == _FILE

    def size(self) -> int:
        node = self._node()[0]
        return node.size if isinstance(node, _Entry) and node.kind == _FILE else 0

    def _fail(self, status: int, verb: str) -> InputError:
        if status == _ESCAPE:
            return InputError(self.display(), "is a link that leaves the image; not followed")
        if status == _LOOP:
            return InputError(self.display(), f"cannot {verb}: a loop of symbolic links")
        return InputError(self.display(), f"cannot {verb}: no such file or folder in the image")

    def iterdir(self) -> Iterator[TreePath]:
        for n in self.names():
            yield self / n

    def names(self) -> list[str]:
        node, status = self._node()
        if node is None:
            raise self._fail(status, "list folder")
        if not isinstance(node, _Dir):
            raise InputError(self.display(), "cannot list folder: not a folder")
        return sorted(node.children)

    def read_bytes(self, limit: int | None = None, *, database: bool = False) -> bytes:
        cap = read_cap(self._image.limits, limit, database=database)
        node, status = self._node()
        if node is None:
            raise self._fail(status, "open")
        if not isinstance(node, _Entry) or node.kind != _FILE:
            raise InputError(self.display(), "is not a regular file; not read")
        if node.size > cap:
            raise InputError(self.display(), too_big(node.size, cap, self._image.limits, database=database))
        return self._image.read_entry(node, node.size, self.display())

    def read_text(self, limit: int | None = None) -> str:
        data = self.read_bytes(limit)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as err:
            raise InputError(self.display(), f"is not UTF-8 text (byte {err.start})") from err

    def read_head(self, n: int) -> bytes:
        node, _ = self._node()
        if not isinstance(node, _Entry) or node.kind != _FILE:
            return b""
        try:
            return self._image.read_entry(node, n, self.display())
        except InputError:
            return b""

    # Base-class internals that touch the host disk: never valid here.
    def _real(self) -> NoReturn:
        raise InputError(self.display(), "is inside an image; it has no path on disk")

    def _full(self) -> NoReturn:
        raise InputError(self.display(), "is inside an image; it has no path on disk")


def summarise(fs: ImageFS) -> dict[str, int]:
    """Counts for messages and benchmarks: files, folders, links, kept bytes."""
    counts = {"dir": 0, "file": 0, "link": 0, "special": 0}
    for _, kind in fs.paths():
        counts[kind] += 1
    counts["kept_bytes"] = fs.kept_bytes
    counts["members"] = fs.members
    return counts
