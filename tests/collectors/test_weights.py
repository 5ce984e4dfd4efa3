"""Weight-file headers: safetensors and GGUF, cross-checked against the formats' own libraries.

* safetensors files written here with the ``safetensors`` package: our parameter count, tensor
  names, shapes and dtypes equal what ``safe_open`` reports.
* GGUF files written here with the ``gguf`` package (llama.cpp's writer): every header key and
  value equals what ``gguf.GGUFReader`` returns, and so do the tensor infos; big-endian too.
* Real sample: syft's header-only capture of a 475M-parameter model.
* Hostile files: a safetensors header length of 2^63, GGUF arrays of 2^40 elements, every
  truncation of a real GGUF header, absurd counts — each an InputError naming the file, with
  bounded memory; a sparse 20 GB file costs what a small one does.
"""

from __future__ import annotations

import math
import os
import struct
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from sovaudit import inventory_json
from sovaudit.collectors.weights import (
    GGML_TYPES,
    GGUF_FILE_TYPES,
    KEEP_ARRAY,
    BytesSource,
    GgufCollector,
    SafetensorsCollector,
    SkippedArray,
    TreeSource,
    read_gguf,
    read_safetensors,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Relation
from tests.conftest import GOLDEN, SAMPLES, assert_golden

GOOD = SAMPLES / "models" / "good"
BAD = SAMPLES / "models" / "bad"

np = pytest.importorskip("numpy")


def source(path: Path) -> TreeSource:
    return TreeSource(TreePath.for_input(path))


# -- safetensors, cross-checked -------------------------------------------------------------------
SAFETENSORS_CASES: dict[str, dict[str, Any]] = {
    "mixed": {
        "embed.weight": np.ones((128, 16), dtype=np.float16),
        "layer.0.weight": np.ones((16, 16), dtype=np.float32),
        "layer.0.bias": np.zeros((16,), dtype=np.float64),
        "ids": np.arange(10, dtype=np.int64),
        "mask": np.zeros((3, 3), dtype=np.bool_),
        "q": np.zeros((2, 2, 2), dtype=np.int8),
        "u": np.zeros((5,), dtype=np.uint8),
        "h": np.zeros((4,), dtype=np.int16),
        "i": np.zeros((4,), dtype=np.int32),
        "scalar": np.array(3.0, dtype=np.float32),
        "empty": np.zeros((0, 7), dtype=np.float32),
    },
    "single": {"w": np.ones((1000, 3), dtype=np.float32)},
}


@pytest.mark.parametrize("case", sorted(SAFETENSORS_CASES))
def test_safetensors_agrees_with_the_safetensors_package(case: str, tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    path = tmp_path / "model.safetensors"
    st.save_file(SAFETENSORS_CASES[case], str(path), metadata={"format": "np", "note": case})
    header = read_safetensors(source(path))
    with safe_open(str(path), "np") as f:
        theirs = {k: (tuple(f.get_slice(k).get_shape()), f.get_slice(k).get_dtype()) for k in f.keys()}  # noqa: SIM118
        metadata = f.metadata()
    ours = {t.name: (t.shape, t.dtype) for t in header.tensors}
    assert ours == theirs
    assert header.parameters == sum(math.prod(shape) for shape, _ in theirs.values())
    assert set(header.dtypes) == {dtype for _, dtype in theirs.values()}
    assert header.metadata == metadata
    assert header.header_size == 8 + int.from_bytes(path.read_bytes()[:8], "little")


def test_safetensors_collector_on_a_file_the_package_wrote(tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.numpy")
    folder = tmp_path / "my-encoder"
    folder.mkdir()
    st.save_file(SAFETENSORS_CASES["mixed"], str(folder / "model.safetensors"))
    tp = TreePath.for_input(folder / "model.safetensors")
    collector = SafetensorsCollector()
    assert collector.detect(tp)
    (model,) = collector.collect(tp).components
    expected = sum(a.size for a in SAFETENSORS_CASES["mixed"].values())
    assert model.id == "model/model/my-encoder"  # a generic file name is named after its folder
    assert model.prop("model:parameters") == str(expected) == "2361"
    assert model.prop("model:weight-dtypes") == "BOOL,F16,F32,F64,I16,I32,I64,I8,U8"
    assert model.prop("model:tensors") == "11"


def test_real_header_only_capture() -> None:
    """syft's capture of nomic-embed-text-v2-moe (475M): only the header, as our remote cache keeps."""
    path = GOOD / "safetensors" / "syft_nomic-embed-475M.header.safetensors"
    header = read_safetensors(source(path))
    raw = path.read_bytes()
    assert header.header_size == len(raw)  # the file is exactly the header
    assert len(header.tensors) == raw.count(b'"data_offsets"') == 148
    assert header.parameters == 475_292_928
    assert header.dtypes == ("F32",)
    assert header.metadata == {"format": "pt"}


# -- GGUF, cross-checked -------------------------------------------------------------------------
def _write_gguf(path: Path, *, big_endian: bool = False, tokens: int = 10) -> None:
    gguf = pytest.importorskip("gguf")
    w = gguf.GGUFWriter(str(path), "llama", endianess=gguf.GGUFEndian.BIG if big_endian else gguf.GGUFEndian.LITTLE)
    w.add_name("Cross Check")
    w.add_license("apache-2.0")
    w.add_file_type(15)
    w.add_uint8("t.u8", 200)
    w.add_int8("t.i8", -100)
    w.add_uint16("t.u16", 60000)
    w.add_int16("t.i16", -30000)
    w.add_uint32("t.u32", 4_000_000_000)
    w.add_int32("t.i32", -2_000_000_000)
    w.add_float32("t.f32", 0.25)
    w.add_uint64("t.u64", 2**63 + 5)
    w.add_int64("t.i64", -(2**62))
    w.add_float64("t.f64", 3.141592653589793)
    w.add_bool("t.bool", True)
    w.add_string("t.str", "héllo ✓")
    w.add_array("t.ints", [1, 2, 3])
    w.add_array("t.floats", [0.5, 1.5])
    w.add_array("t.strings", ["a", "bc", ""])
    w.add_array("t.empty", [])
    w.add_token_list([f"tok{i}" for i in range(tokens)])
    w.add_tensor("token_embd.weight", np.ones((32, 8), dtype=np.float16))
    w.add_tensor("blk.0.attn_q.weight", np.ones((8, 8), dtype=np.float32))
    w.add_tensor("blk.0.ffn.weight", np.ones((8, 24), dtype=np.float32))
    w.add_tensor("output_norm.weight", np.ones((8,), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def _their_fields(path: Path) -> tuple[dict[str, Any], list[tuple[str, list[int], str]]]:
    gguf = pytest.importorskip("gguf")
    reader = gguf.GGUFReader(str(path))
    fields = {name: f.contents() for name, f in reader.fields.items() if not name.startswith("GGUF.")}
    tensors = [(t.name, [int(d) for d in t.shape], t.tensor_type.name) for t in reader.tensors]
    return fields, tensors


@pytest.mark.parametrize("big_endian", [False, True], ids=["little-endian", "big-endian"])
def test_gguf_every_key_equals_what_gguf_reader_returns(big_endian: bool, tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    _write_gguf(path, big_endian=big_endian)
    header = read_gguf(source(path))
    fields, tensors = _their_fields(path)
    assert set(header.metadata) == set(fields)
    for key, value in fields.items():
        ours = header.metadata[key]
        if isinstance(value, float):
            assert ours == pytest.approx(value, rel=1e-7), key
        elif isinstance(value, list) and value and isinstance(value[0], float):
            assert ours == pytest.approx(value), key
        else:
            assert ours == value, key
    assert [(t.name, list(t.shape), t.dtype) for t in header.tensors] == tensors
    assert header.parameters == 32 * 8 + 8 * 8 + 8 * 24 + 8
    assert header.byte_order == ("big" if big_endian else "little")
    assert header.version == 3


def test_gguf_long_arrays_are_skipped_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    _write_gguf(path, tokens=KEEP_ARRAY + 1000)
    header = read_gguf(source(path))
    fields, _ = _their_fields(path)
    assert header.metadata["tokenizer.ggml.tokens"] == SkippedArray(
        element_type=8, count=len(fields["tokenizer.ggml.tokens"])
    )
    assert header.metadata["general.name"] == fields["general.name"] == "Cross Check"


def test_gguf_type_tables_match_the_gguf_package() -> None:
    gguf = pytest.importorskip("gguf")
    for t in gguf.GGMLQuantizationType:
        assert GGML_TYPES[t.value] == t.name
    for ft in gguf.LlamaFileType:
        assert GGUF_FILE_TYPES[ft.value] == ft.name


def test_gguf_collector_reads_general_facts() -> None:
    tp = TreePath.for_input(GOOD / "gguf" / "tiny-llama-sample.gguf")
    collector = GgufCollector()
    assert collector.detect(tp)
    inv = collector.collect(tp)
    model = next(c for c in inv.components if not c.unresolved)
    assert (model.name, model.version, model.supplier) == ("Tiny Llama Sample", "v0.1", "Sovaudit Samples")
    assert (model.licenses, model.license_declared) == ("LicenseRef-Llama-3.2-Community", "other: llama3.2")
    assert model.prop("model:license-level") == "L3"
    assert model.prop("model:quantization") == "Q8_0"
    assert model.prop("model:parameters") == str(300 * 16 + 16 * 16 + 16)
    edges = {(e.relation, e.target) for e in inv.edges}
    assert edges == {
        (Relation.DERIVED_FROM, "pkg:huggingface/meta-llama/llama-3.2-1b"),
        (Relation.TRAINED_ON, "data/dataset/roneneldan/tinystories"),
    }


def test_big_endian_gguf_reads_like_little_endian() -> None:
    little = read_gguf(source(GOOD / "gguf" / "tiny-llama-sample.gguf"))
    big = read_gguf(source(GOOD / "gguf" / "tiny-llama-sample.big-endian.gguf"))
    assert big.byte_order == "big"
    assert big.metadata == little.metadata
    assert big.tensors == little.tensors


@pytest.mark.parametrize(
    ("sample", "collector"),
    [
        ("gguf/tiny-llama-sample.gguf", GgufCollector),
        ("safetensors/tiny-classifier.safetensors", SafetensorsCollector),
        ("safetensors/syft_nomic-embed-475M.header.safetensors", SafetensorsCollector),
    ],
)
def test_golden_weight_files(sample: str, collector: type, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input(sample)
    assert collector().detect(tp)
    name = Path(sample).name.rsplit(".", 1)[0]
    assert_golden(inventory_json.dump(collector().collect(tp)), GOLDEN / "models" / f"weights_{name}.inventory.json")


# -- hostile files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("header-2pow63.safetensors", "safetensors header length 9,223,372,036,854,775,808 is over the"),
        ("header-past-end.safetensors", "runs past the end of the file"),
        ("not-json.safetensors", "safetensors header is not JSON"),
        ("offsets-mismatch.safetensors", "data_offsets span 8 bytes, but shape [4, 4] of F32 needs 64"),
    ],
)
def test_hostile_safetensors(sample: str, reason: str) -> None:
    path = BAD / sample
    with pytest.raises(InputError) as err:
        read_safetensors(source(path))
    assert err.value.path.endswith(sample)
    assert reason in err.value.reason
    assert "\n" not in err.value.reason


@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("array-2pow40.gguf", "GGUF array count 1,099,511,627,776 cannot fit"),
        ("string-array-2pow40.gguf", "GGUF array count 1,099,511,627,776 cannot fit"),
        ("key-length-huge.gguf", "GGUF string length 4,611,686,018,427,387,904 cannot fit"),
        ("version-9.gguf", "GGUF version 9 is not supported"),
        ("tensor-count-huge.gguf", "GGUF tensor count 1,125,899,906,842,624 cannot fit"),
    ],
)
def test_hostile_gguf_is_refused_with_bounded_memory(sample: str, reason: str) -> None:
    path = BAD / sample
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as err:
            read_gguf(source(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert err.value.path.endswith(sample)
    assert reason in err.value.reason
    assert peak < 1_000_000


def test_every_truncation_of_a_gguf_header_is_a_clear_error(tmp_path: Path) -> None:
    whole = tmp_path / "whole.gguf"
    _write_gguf(whole)
    size = read_gguf(source(whole)).header_size
    data = whole.read_bytes()
    cut = tmp_path / "cut.gguf"
    for n in range(0, size):
        cut.write_bytes(data[:n])
        with pytest.raises(InputError) as err:
            read_gguf(source(cut))
        assert err.value.path.endswith("cut.gguf")
        assert ("truncated" in err.value.reason) or ("does not start with a GGUF header" in err.value.reason), n
    cut.write_bytes(data[:size])  # the header alone is a complete (header-only) file
    assert read_gguf(source(cut)).parameters == read_gguf(source(whole)).parameters
    # A vocabulary long enough to be skipped, not decoded, cut anywhere: the same clear error.
    _write_gguf(whole, tokens=KEEP_ARRAY + 500)
    data = whole.read_bytes()
    for n in range(100, read_gguf(source(whole)).header_size, 97):
        cut.write_bytes(data[:n])
        with pytest.raises(InputError) as err:
            read_gguf(source(cut))
        assert "truncated" in err.value.reason, n


def test_collectors_report_hostile_files_through_collect() -> None:
    for name, collector in (
        ("header-2pow63.safetensors", SafetensorsCollector()),
        ("array-2pow40.gguf", GgufCollector()),
    ):
        with pytest.raises(InputError) as err:
            collector.collect(TreePath.for_input(BAD / name))
        assert err.value.path.endswith(name)


def _sparse(path: Path, head: bytes, size: int) -> None:
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)


def test_a_20_gb_weight_file_costs_what_a_small_one_does(tmp_path: Path) -> None:
    """Sparse files: the header is all that is read, whatever the file's size."""
    st = pytest.importorskip("safetensors.numpy")
    small = tmp_path / "small.safetensors"
    st.save_file({"w": np.ones((64, 64), dtype=np.float32)}, str(small))
    header = small.read_bytes()[: read_safetensors(source(small)).header_size]
    big = tmp_path / "big.safetensors"
    _sparse(big, header, 20 * 1024**3)
    gguf_small = tmp_path / "small.gguf"
    _write_gguf(gguf_small)
    gguf_big = tmp_path / "big.gguf"
    _sparse(gguf_big, gguf_small.read_bytes(), 20 * 1024**3)

    def cost(reader: Any, path: Path) -> tuple[float, int]:
        tracemalloc.start()
        start = time.perf_counter()
        try:
            reader(source(path))
            return time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    for reader, small_path, big_path in ((read_safetensors, small, big), (read_gguf, gguf_small, gguf_big)):
        _, m_small = cost(reader, small_path)
        t_big, m_big = cost(reader, big_path)
        assert os.path.getsize(big_path) == 20 * 1024**3
        assert m_big < 2 * m_small + 200_000, (reader.__name__, m_small, m_big)
        assert t_big < 0.5, (reader.__name__, t_big)


def test_bytes_source_and_structs() -> None:
    """A header given as bytes (what the remote fetch reads) parses like the file."""
    data = (GOOD / "gguf" / "tiny-llama-sample.gguf").read_bytes()
    header = read_gguf(BytesSource(data, "mem.gguf"))
    assert header.metadata["general.name"] == "Tiny Llama Sample"
    # A GGUF v1 header: 32-bit counts and lengths.
    key = b"general.name"
    v1 = b"GGUF" + struct.pack("<III", 1, 0, 1) + struct.pack("<I", len(key)) + key + struct.pack("<I", 8)
    v1 += struct.pack("<I", 2) + b"v1"
    old = read_gguf(BytesSource(v1, "v1.gguf"))
    assert (old.version, old.metadata) == (1, {"general.name": "v1"})
