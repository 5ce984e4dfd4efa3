"""Weight-file headers, read by header only: safetensors and GGUF.

Weights are never loaded. A reader sees a :class:`HeaderSource` — ``read(offset, size)`` over the
first bytes of the file — so a 20 GB file costs what its header costs:

* **safetensors**: a little-endian u64 ``N``, then ``N`` bytes of UTF-8 JSON (``__metadata__``
  plus, per tensor, ``dtype``, ``shape`` and ``data_offsets``). ``N`` over
  :data:`MAX_HEADER_BYTES` (or past the end of the file) is refused before anything is read;
  each tensor's byte span must match its shape and dtype.
* **GGUF** (versions 1 to 3, little- or big-endian): magic, version, tensor and key-value counts,
  the key-value pairs, then one info record per tensor (name, dimensions, type, offset). Every
  count and length is checked against what could still fit in :data:`MAX_HEADER_BYTES` before it
  is used, so a count of 2^40 is an error, not an allocation. Arrays longer than
  :data:`KEEP_ARRAY` elements (the tokenizer's vocabulary) are skipped by size arithmetic and kept
  as :class:`SkippedArray` (element type and count).

Both give the parameter count (the sum of the products of the tensor shapes) and the tensor types.
Each has a file collector for a weight file found on its own (``safetensors``, ``gguf``): one
model component named after the file (a generic ``model.safetensors`` after its folder; a GGUF
after ``general.name``), with ``model:parameters``, ``model:weight-dtypes``, ``model:tensors``
and ``model:weight-format``; a GGUF adds its ``general.*`` facts (licence, organisation,
quantisation, base models and source repository as ``derived-from`` edges). A weight file inside
a model folder is read by the folder collector (``hf-model``) through the same functions.

``fs.TreePath`` has ``read_head(n)`` only; :class:`TreeSource` grows a head buffer by doubling
(bounded by the limit), which reads at most twice the header. A ranged read on TreePath would
make it exact (see :func:`read_range`).
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sovaudit.collectors import lineage
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.model_openness import estimate_mof, level_properties, license_of
from sovaudit.errors import InputError
from sovaudit.fs import MiB, TreePath
from sovaudit.model import Component, Edge, Evidence, Inventory, Layer, component_id

#: Largest header (safetensors JSON, GGUF key-values and tensor infos) read from one file.
MAX_HEADER_BYTES = 64 * MiB
#: GGUF arrays longer than this are skipped, not decoded (token lists, scores, merges).
KEEP_ARRAY = 256
#: Nesting of GGUF arrays of arrays.
_MAX_ARRAY_DEPTH = 4
_MAX_DIMS = 8
_FIRST_READ = 64 * 1024


class HeaderSource(Protocol):
    """The first bytes of a weight file: ``read`` returns fewer bytes than asked only at the end."""

    @property
    def display(self) -> str: ...

    @property
    def size(self) -> int | None: ...

    def read(self, offset: int, size: int) -> bytes: ...


def read_range(path: TreePath, offset: int, size: int) -> bytes:
    """Bytes ``[offset, offset + size)`` of a file, through ``read_head`` (for now).

    ``fs.TreePath`` should grow ``read_range(offset, size) -> bytes`` (``os.pread`` on the
    checked descriptor, same containment and regular-file checks as ``read_head``); until then
    this reads the head up to ``offset + size``.
    """
    return path.read_head(offset + size)[offset:]


class TreeSource:
    """A HeaderSource over a file in the scanned tree: a head buffer that doubles as needed."""

    def __init__(self, path: TreePath, limit: int = MAX_HEADER_BYTES) -> None:
        self._path = path
        self._limit = limit
        self._buf = b""
        self._eof = False
        self._size = path.size() if path.is_file() else None

    @property
    def display(self) -> str:
        return self._path.display()

    @property
    def size(self) -> int | None:
        return self._size

    def read(self, offset: int, size: int) -> bytes:
        need = offset + size
        if need > len(self._buf) and not self._eof:
            want = min(max(need, 2 * len(self._buf), _FIRST_READ), self._limit + 16)
            self._buf = read_range(self._path, 0, want)
            self._eof = len(self._buf) < want
            if not self._buf and self._size:
                raise InputError(self._path.display(), "cannot be read (no permission, or not a regular file)")
        return self._buf[offset:need]


class BytesSource:
    """A HeaderSource over bytes already in memory (tests, remote headers)."""

    def __init__(self, data: bytes, display: str, size: int | None = None) -> None:
        self._data = data
        self._display = display
        self._size = len(data) if size is None else size

    @property
    def display(self) -> str:
        return self._display

    @property
    def size(self) -> int | None:
        return self._size

    def read(self, offset: int, size: int) -> bytes:
        return self._data[offset : offset + size]


# -- safetensors ------------------------------------------------------------------------------------
#: Bytes per element of the safetensors dtypes (sub-byte formats F4/F6 are not checked).
SAFETENSORS_ITEMSIZE = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1, "E4M3": 1, "E5M2": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4, "C64": 8,
    "I64": 8, "U64": 8, "F64": 8,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tensor:
    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        return math.prod(self.shape)


@dataclass(frozen=True, slots=True)
class WeightsHeader:
    """What a weight file's header says."""

    format: str  # safetensors | gguf
    tensors: tuple[Tensor, ...]
    metadata: dict[str, Any] = field(default_factory=dict)  # safetensors __metadata__ / GGUF key-values
    version: int = 0  # GGUF version
    byte_order: str = "little"
    header_size: int = 0  # bytes from the start of the file to the end of the header

    @property
    def parameters(self) -> int:
        return sum(t.numel for t in self.tensors)

    @property
    def dtypes(self) -> tuple[str, ...]:
        return tuple(sorted({t.dtype for t in self.tensors}))


def _fail(src: HeaderSource, reason: str) -> InputError:
    return InputError(src.display, reason)


def read_safetensors(src: HeaderSource) -> WeightsHeader:
    """The header of a safetensors file; InputError if it is not one or is hostile."""
    head = src.read(0, 8)
    if len(head) < 8:
        raise _fail(src, "is shorter than the 8-byte safetensors header length; not a safetensors file")
    n = int.from_bytes(head, "little")
    if n > MAX_HEADER_BYTES:
        raise _fail(src, f"safetensors header length {n:,} is over the {MAX_HEADER_BYTES:,}-byte limit; not read")
    if src.size is not None and 8 + n > src.size:
        raise _fail(src, f"safetensors header length {n:,} runs past the end of the file ({src.size:,} bytes)")
    raw = src.read(8, n)
    if len(raw) < n:
        raise _fail(src, f"ends inside its safetensors header ({len(raw) + 8:,} of {n + 8:,} bytes)")
    try:
        doc = json.loads(raw.decode("utf-8").rstrip(" \x00"))
    except UnicodeDecodeError as err:
        raise _fail(src, f"safetensors header is not UTF-8 (byte {err.start + 8})") from err
    except json.JSONDecodeError as err:
        raise _fail(src, f"safetensors header is not JSON: {err.msg} (byte {err.pos + 8})") from err
    except RecursionError as err:
        raise _fail(src, "safetensors header is nested too deeply to read") from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise _fail(src, "safetensors header is not JSON: a number too long to read") from err
    if not isinstance(doc, dict):
        raise _fail(src, "safetensors header is not a JSON object")
    metadata: dict[str, Any] = {}
    tensors = []
    for name, entry in doc.items():
        if name == "__metadata__":
            if isinstance(entry, dict):
                metadata = {str(k): v for k, v in entry.items() if isinstance(v, str)}
            continue
        match entry:
            case {"dtype": str(dtype), "shape": list(shape), "data_offsets": [int(begin), int(end)]} if (
                all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape) and 0 <= begin <= end
            ):
                tensor = Tensor(name=name, dtype=dtype, shape=tuple(shape))
            case _:
                raise _fail(src, f"safetensors tensor {name[:80]!r} has no valid dtype, shape and data_offsets")
        size = SAFETENSORS_ITEMSIZE.get(dtype)
        if size is not None and end - begin != tensor.numel * size:
            raise _fail(
                src,
                f"safetensors tensor {name[:80]!r}: data_offsets span {end - begin:,} bytes, "
                f"but shape {list(shape)} of {dtype} needs {tensor.numel * size:,}",
            )
        tensors.append(tensor)
    return WeightsHeader(format="safetensors", tensors=tuple(tensors), metadata=metadata, header_size=8 + n)


def looks_like_safetensors(head: bytes) -> bool:
    """An 8-byte length that is not absurd, then the start of a JSON object."""
    return len(head) >= 9 and 2 <= int.from_bytes(head[:8], "little") <= MAX_HEADER_BYTES and head[8:9] == b"{"


# -- GGUF -------------------------------------------------------------------------------------------
GGUF_MAGIC = b"GGUF"
#: GGML tensor types (ggml.h ``ggml_type``), by number.
GGML_TYPES = {
    0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1", 10: "Q2_K",
    11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS",
    19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S", 23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32",
    27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4", 40: "NVFP4",
    41: "Q1_0",
}  # fmt: skip
#: ``general.file_type`` (llama.h ``llama_ftype``): the quantisation of the whole file.
GGUF_FILE_TYPES = {
    0: "ALL_F32", 1: "MOSTLY_F16", 2: "MOSTLY_Q4_0", 3: "MOSTLY_Q4_1", 7: "MOSTLY_Q8_0", 8: "MOSTLY_Q5_0",
    9: "MOSTLY_Q5_1", 10: "MOSTLY_Q2_K", 11: "MOSTLY_Q3_K_S", 12: "MOSTLY_Q3_K_M", 13: "MOSTLY_Q3_K_L",
    14: "MOSTLY_Q4_K_S", 15: "MOSTLY_Q4_K_M", 16: "MOSTLY_Q5_K_S", 17: "MOSTLY_Q5_K_M", 18: "MOSTLY_Q6_K",
    19: "MOSTLY_IQ2_XXS", 20: "MOSTLY_IQ2_XS", 21: "MOSTLY_Q2_K_S", 22: "MOSTLY_IQ3_XS", 23: "MOSTLY_IQ3_XXS",
    24: "MOSTLY_IQ1_S", 25: "MOSTLY_IQ4_NL", 26: "MOSTLY_IQ3_S", 27: "MOSTLY_IQ3_M", 28: "MOSTLY_IQ2_S",
    29: "MOSTLY_IQ2_M", 30: "MOSTLY_IQ4_XS", 31: "MOSTLY_IQ1_M", 32: "MOSTLY_BF16", 36: "MOSTLY_TQ1_0",
    37: "MOSTLY_TQ2_0", 38: "MOSTLY_MXFP4_MOE", 39: "MOSTLY_NVFP4", 40: "MOSTLY_Q1_0", 1024: "GUESSED",
}  # fmt: skip
# Value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32, 7 bool, 8 string, 9 array, 10 u64, 11 i64, 12 f64.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True, slots=True)
class SkippedArray:
    """A GGUF array too long to keep: its element type (GGUF value type) and length."""

    element_type: int
    count: int


class _Cursor:
    """Sequential reads over a HeaderSource with GGUF's byte order and length widths."""

    def __init__(self, src: HeaderSource, byte_order: str, version: int) -> None:
        self.src = src
        self.pos = 0
        self.order = "<" if byte_order == "little" else ">"
        self.wide = version >= 2  # v1 used 32-bit counts and lengths

    def take(self, n: int) -> bytes:
        if self.pos + n > MAX_HEADER_BYTES:
            raise _fail(self.src, f"GGUF header runs past the {MAX_HEADER_BYTES:,}-byte limit; not read")
        data = self.src.read(self.pos, n)
        if len(data) < n:
            raise _fail(self.src, f"is truncated: ends inside its GGUF header (byte {self.pos + len(data):,})")
        self.pos += n
        return data

    def skip(self, n: int) -> None:
        if n > 0:
            # Reading the last byte proves the span exists; nothing in between is kept.
            self.pos += n - 1
            self.take(1)

    def scalar(self, code: str) -> Any:
        return struct.unpack(self.order + code, self.take(struct.calcsize(code)))[0]

    def count(self) -> int:
        return int(self.scalar("Q" if self.wide else "I"))

    def room(self, count: int, each: int, what: str) -> None:
        """Refuse a count whose elements could not fit in what is left of the header limit."""
        if count * each > MAX_HEADER_BYTES - self.pos:
            raise _fail(
                self.src,
                f"GGUF {what} {count:,} cannot fit in the {MAX_HEADER_BYTES:,}-byte header limit; not read",
            )

    def string(self, keep: bool = True) -> str:
        n = self.count()
        self.room(n, 1, "string length")
        if not keep:
            self.skip(n)
            return ""
        return self.take(n).decode("utf-8", errors="replace")

    def skip_strings(self, n: int) -> None:
        """Skip ``n`` strings, walking their lengths 64 KiB at a time (a vocabulary: 400,000 of them)."""
        width = 8 if self.wide else 4
        code = self.order + ("Q" if self.wide else "I")
        remaining = n
        while remaining:
            chunk = self.src.read(self.pos, 64 * 1024)
            off = 0
            while remaining and off + width <= len(chunk):
                length = struct.unpack_from(code, chunk, off)[0]
                if off + width + length > len(chunk):
                    break
                off += width + length
                remaining -= 1
            if off == 0:  # a string longer than the chunk, a hostile length, or the end of the file
                self.string(keep=False)
                remaining -= 1
                continue
            if self.pos + off > MAX_HEADER_BYTES:
                raise _fail(self.src, f"GGUF header runs past the {MAX_HEADER_BYTES:,}-byte limit; not read")
            self.pos += off

    def value(self, vtype: int, depth: int = 0) -> Any:
        if vtype in _SCALARS:
            return self.scalar(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            if depth >= _MAX_ARRAY_DEPTH:
                raise _fail(self.src, f"GGUF arrays nested deeper than {_MAX_ARRAY_DEPTH}; not read")
            etype = int(self.scalar("I"))
            n = self.count()
            if etype in _SCALARS:
                each = struct.calcsize(_SCALARS[etype])
                self.room(n, each, "array count")
                if n > KEEP_ARRAY:
                    self.skip(n * each)
                    return SkippedArray(etype, n)
                return list(struct.unpack(f"{self.order}{n}{_SCALARS[etype]}", self.take(n * each)))
            if etype == _STRING:
                self.room(n, 8 if self.wide else 4, "array count")
                if n > KEEP_ARRAY:
                    self.skip_strings(n)
                    return SkippedArray(etype, n)
                return [self.string() for _ in range(n)]
            if etype == _ARRAY:
                self.room(n, 12 if self.wide else 8, "array count")
                items = [self.value(_ARRAY, depth + 1) for _ in range(n)]
                return items if n <= KEEP_ARRAY else SkippedArray(etype, n)
            raise _fail(self.src, f"GGUF array of unknown value type {etype} at byte {self.pos:,}")
        raise _fail(self.src, f"GGUF value of unknown type {vtype} at byte {self.pos:,}")


def gguf_byte_order(head: bytes) -> tuple[str, int] | None:
    """``(byte order, version)`` of a GGUF header start, or None if it is not one."""
    if len(head) < 8 or head[:4] != GGUF_MAGIC:
        return None
    little, big = struct.unpack("<I", head[4:8])[0], struct.unpack(">I", head[4:8])[0]
    if 1 <= little <= 3:
        return "little", little
    if 1 <= big <= 3:
        return "big", big
    return None


def read_gguf(src: HeaderSource) -> WeightsHeader:
    """The header of a GGUF file: key-values and tensor infos; InputError if it is not one or is hostile."""
    head = src.read(0, 8)
    found = gguf_byte_order(head)
    if found is None:
        if head[:4] == GGUF_MAGIC and len(head) == 8:
            raise _fail(src, f"GGUF version {struct.unpack('<I', head[4:8])[0]} is not supported (1 to 3)")
        raise _fail(src, "does not start with a GGUF header (magic and version)")
    byte_order, version = found
    cur = _Cursor(src, byte_order, version)
    cur.pos = 8
    tensor_count = cur.count()
    kv_count = cur.count()
    cur.room(kv_count, 13 if cur.wide else 9, "key-value count")
    cur.room(tensor_count, 24 if cur.wide else 16, "tensor count")
    kv: dict[str, Any] = {}
    try:
        for _ in range(kv_count):
            key = cur.string()
            vtype = int(cur.scalar("I"))
            kv[key] = cur.value(vtype)
        tensors = []
        for _ in range(tensor_count):
            name = cur.string()
            n_dims = int(cur.scalar("I"))
            if n_dims > _MAX_DIMS:
                raise _fail(src, f"GGUF tensor {name[:80]!r} has {n_dims} dimensions (at most {_MAX_DIMS})")
            dims = tuple(cur.count() for _ in range(n_dims))
            ttype = int(cur.scalar("I"))
            cur.scalar("Q")  # offset into the data section
            tensors.append(Tensor(name=name, dtype=GGML_TYPES.get(ttype, f"TYPE_{ttype}"), shape=dims))
    except struct.error as err:  # pragma: no cover - take() always returns the bytes asked for
        raise _fail(src, f"GGUF header is malformed ({err})") from err
    return WeightsHeader(
        format="gguf",
        tensors=tuple(tensors),
        metadata=kv,
        version=version,
        byte_order=byte_order,
        header_size=cur.pos,
    )


# -- what a header says about its model ------------------------------------------------------------
def header_properties(header: WeightsHeader) -> list[tuple[str, str]]:
    """The ``model:`` properties every weight header gives (safetensors metadata, GGUF general.* facts)."""
    props = [
        ("model:weight-format", header.format),
        ("model:parameters", str(header.parameters)),
        ("model:tensors", str(len(header.tensors))),
    ]
    if header.dtypes:
        props.append(("model:weight-dtypes", ",".join(header.dtypes)))
    if header.format == "safetensors":
        for key in sorted(header.metadata)[:20]:
            value = header.metadata[key]
            if isinstance(value, str) and len(value) <= 200:
                props.append((f"safetensors:metadata.{key[:60]}", value))
        return props
    kv = header.metadata
    props.append(("gguf:version", str(header.version)))
    if header.byte_order != "little":
        props.append(("gguf:byte-order", header.byte_order))
    arch = _text(kv.get("general.architecture"))
    if arch:
        props.append(("model:type", arch))
        if isinstance(ctx := kv.get(f"{arch}.context_length"), int):
            props.append(("model:context-length", str(ctx)))
    if isinstance(ft := kv.get("general.file_type"), int):
        name = GGUF_FILE_TYPES.get(ft, f"TYPE_{ft}")
        props.append(("gguf:file-type", name))
        props.append(("model:quantization", name.removeprefix("MOSTLY_").removeprefix("ALL_")))
    for key, prop in (
        ("general.quantization_version", "gguf:quantization-version"),
        ("general.size_label", "gguf:size-label"),
        ("general.basename", "gguf:basename"),
        ("general.finetune", "gguf:finetune"),
        ("general.quantized_by", "gguf:quantized-by"),
        ("general.source.url", "gguf:source-url"),
        ("general.source.huggingface.repository", "gguf:source-repository"),
        ("general.url", "gguf:url"),
    ):
        value = kv.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            props.append((prop, str(value)[:300]))
    for key, prop in (("general.tags", "gguf:tags"), ("general.languages", "gguf:languages")):
        value = kv.get(key)
        if isinstance(value, list) and value:
            props.append((prop, ",".join(str(v) for v in value[:50])))
    return props


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


#: ``https://huggingface.co/<org>/<name>`` (or hf.co) in GGUF repo URLs.
_HF_URL = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/(?!datasets/)([^/\s]+/[^/\s?#]+)")
_HF_DATASET_URL = re.compile(r"^https?://(?:www\.)?(?:huggingface\.co|hf\.co)/datasets/([^/\s]+/[^/\s?#]+)")


def gguf_bases(kv: dict[str, Any]) -> list[str]:
    """Hugging Face repo ids (or plain names) of the GGUF's base models (``general.base_model.{i}.*``)."""
    out = []
    count = kv.get("general.base_model.count")
    for i in range(min(count, 64) if isinstance(count, int) and not isinstance(count, bool) else 0):
        url = _text(kv.get(f"general.base_model.{i}.repo_url"))
        org = _text(kv.get(f"general.base_model.{i}.organization"))
        name = _text(kv.get(f"general.base_model.{i}.name"))
        if m := _HF_URL.match(url):
            out.append(m.group(1))
        elif name:
            out.append(name)
        elif org:
            out.append(org)
    return out


def gguf_source(kv: dict[str, Any]) -> str:
    """The Hugging Face repo id the GGUF was converted from, or ``""``."""
    repo = _text(kv.get("general.source.huggingface.repository"))
    if repo:
        return repo
    m = _HF_URL.match(_text(kv.get("general.source.url")))
    return m.group(1) if m else ""


def gguf_datasets(kv: dict[str, Any]) -> list[str]:
    """Hugging Face dataset repo ids (or names) the GGUF names (``general.dataset.{i}.*``)."""
    out = []
    count = kv.get("general.dataset.count")
    for i in range(min(count, 64) if isinstance(count, int) and not isinstance(count, bool) else 0):
        url = _text(kv.get(f"general.dataset.{i}.repo_url"))
        name = _text(kv.get(f"general.dataset.{i}.name"))
        if m := _HF_DATASET_URL.match(url):
            out.append(m.group(1))
        elif name:
            out.append(name)
    return out


def gguf_license(kv: dict[str, Any]) -> tuple[str, str]:
    return license_of(
        _text(kv.get("general.license")), _text(kv.get("general.license.name")), _text(kv.get("general.license.link"))
    )


# -- stand-alone weight files ------------------------------------------------------------------------
_GENERIC_STEMS = re.compile(r"^(model|pytorch_model|adapter_model|diffusion_pytorch_model|consolidated)(\.\w+)?$")


def _stand_alone_name(path: TreePath) -> str:
    stem = path.name.rsplit(".", 1)[0]
    if _GENERIC_STEMS.match(stem) and path.parent.name not in ("", "."):
        return path.parent.name
    return stem


def _collect_one(path: TreePath, collector: str, reader: Callable[[HeaderSource], WeightsHeader]) -> Inventory:
    header = reader(TreeSource(path))
    ev = Evidence(path=path.display(), collector=collector)
    props = header_properties(header)
    name = _stand_alone_name(path)
    version = supplier = ""
    licence = ("", "")
    bases: list[tuple[str, str]] = []
    datasets: list[str] = []
    if header.format == "gguf":
        kv = header.metadata
        name = _text(kv.get("general.name")) or name
        version = _text(kv.get("general.version"))
        supplier = _text(kv.get("general.organization"))
        licence = gguf_license(kv)
        source = gguf_source(kv)
        if source:
            bases.append((source, "quantized"))
        bases += [(b, "quantized" if not source else "finetune") for b in gguf_bases(kv) if b != source]
        datasets = gguf_datasets(kv)
    cid = component_id(Layer.MODEL, "model", name, version)
    props += level_properties("model", *licence)
    present = {"model-parameters": licence[0]}
    if any(k == "model:type" for k, _ in props):
        present["model-architecture"] = licence[0]
    props += estimate_mof(present).properties()
    model = Component(
        id=cid,
        layer=Layer.MODEL,
        kind="model",
        name=name,
        version=version,
        licenses=licence[0],
        license_declared=licence[1],
        supplier=supplier,
        properties=tuple(sorted(set(props))),
        evidence=(ev,),
    )
    edges = [lineage.base_edge(cid, repo, relation, ev, inferred=True) for repo, relation in bases]
    edges += [lineage.dataset_edge(cid, d, ev) for d in datasets]
    refs = [lineage.base_reference(repo, ev) for repo, _ in bases]
    refs += [lineage.dataset_reference(d, ev) for d in datasets]
    return Inventory(components=(model, *_unique_components(refs)), edges=tuple(_unique(edges)))


def _unique_components(components: Iterable[Component]) -> list[Component]:
    seen: dict[str, Component] = {}
    for c in components:
        seen.setdefault(c.id, c)
    return list(seen.values())


def _unique(edges: Iterable[Edge]) -> list[Edge]:
    seen: dict[tuple[str, str, str], Edge] = {}
    for e in edges:
        seen.setdefault(e.key, e)
    return list(seen.values())


class SafetensorsCollector(Collector):
    name = "safetensors"
    description = "a safetensors weight file on its own: tensors, dtypes, parameter count (header only)"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".safetensors" and looks_like_safetensors(path.read_head(9))

    def collect(self, path: TreePath) -> Inventory:
        return _collect_one(path, self.name, read_safetensors)


class GgufCollector(Collector):
    name = "gguf"
    description = "a GGUF model file: architecture, licence, quantisation, parameter count, base models (header only)"

    def detect(self, path: TreePath) -> bool:
        return path.suffix == ".gguf" and gguf_byte_order(path.read_head(8)) is not None

    def collect(self, path: TreePath) -> Inventory:
        return _collect_one(path, self.name, read_gguf)


def dtype_counts(header: WeightsHeader) -> Counter[str]:
    """How many tensors of each dtype (for reports and tests)."""
    return Counter(t.dtype for t in header.tensors)
