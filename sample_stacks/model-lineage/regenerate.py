"""Rebuild the weight files of this sample part (header-only safetensors and GGUF files).

Run from anywhere with a Python that has ``gguf`` and ``numpy`` (``pip install gguf``):
``python sample_stacks/model-lineage/regenerate.py``. The cards, configs and Croissant files
are written by hand; this script writes only the binary weight files, byte-for-byte the same on
every run.

The weight files are **header-only**, like the captures in syft's test data and like the files
``sovaudit``'s ``hf://`` cache keeps: a complete safetensors or GGUF header that declares the real
tensors of a model of that size (so parameter counts and dtypes are realistic), with the tensor
data left out. Readers that only read headers, as sovaudit does, see a normal model file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
HUB = HERE / "hf-cache" / "hub"
ITEMSIZE = {"F32": 4, "F16": 2, "BF16": 2, "I32": 4}


def sha(name: str) -> str:
    """The made-up commit of a sample repo (stable: derived from its name)."""
    return hashlib.sha1(f"sovaudit-sample/{name}".encode()).hexdigest()


def llama_tensors(layers: int, hidden: int, inter: int, kv: int, vocab: int, dtype: str) -> list[tuple[str, str, list[int]]]:
    out = [("model.embed_tokens.weight", dtype, [vocab, hidden])]
    for i in range(layers):
        p = f"model.layers.{i}."
        out += [
            (p + "self_attn.q_proj.weight", dtype, [hidden, hidden]),
            (p + "self_attn.k_proj.weight", dtype, [kv, hidden]),
            (p + "self_attn.v_proj.weight", dtype, [kv, hidden]),
            (p + "self_attn.o_proj.weight", dtype, [hidden, hidden]),
            (p + "mlp.gate_proj.weight", dtype, [inter, hidden]),
            (p + "mlp.up_proj.weight", dtype, [inter, hidden]),
            (p + "mlp.down_proj.weight", dtype, [hidden, inter]),
            (p + "input_layernorm.weight", dtype, [hidden]),
            (p + "post_attention_layernorm.weight", dtype, [hidden]),
        ]
    out += [("model.norm.weight", dtype, [hidden]), ("lm_head.weight", dtype, [vocab, hidden])]
    return out


def awq_tensors(layers: int, hidden: int, inter: int, kv: int, vocab: int) -> list[tuple[str, str, list[int]]]:
    """AWQ 4-bit: packed int32 weights (8 per int), zeros, fp16 scales per group of 128."""
    out = [("model.embed_tokens.weight", "F16", [vocab, hidden])]
    for i in range(layers):
        p = f"model.layers.{i}."
        for name, rows, cols in (("self_attn.q_proj", hidden, hidden), ("self_attn.k_proj", hidden, kv),
                                 ("self_attn.v_proj", hidden, kv), ("self_attn.o_proj", hidden, hidden),
                                 ("mlp.gate_proj", hidden, inter), ("mlp.up_proj", hidden, inter),
                                 ("mlp.down_proj", inter, hidden)):  # fmt: skip
            out += [
                (p + name + ".qweight", "I32", [rows, cols // 8]),
                (p + name + ".qzeros", "I32", [rows // 128, cols // 8]),
                (p + name + ".scales", "F16", [rows // 128, cols]),
            ]
        out += [(p + "input_layernorm.weight", "F16", [hidden]), (p + "post_attention_layernorm.weight", "F16", [hidden])]
    out += [("model.norm.weight", "F16", [hidden]), ("lm_head.weight", "F16", [vocab, hidden])]
    return out


def lora_tensors(layers: int, hidden: int, kv: int, r: int) -> list[tuple[str, str, list[int]]]:
    out = []
    for i in range(layers):
        p = f"base_model.model.model.layers.{i}.self_attn."
        out += [
            (p + "q_proj.lora_A.weight", "F32", [r, hidden]),
            (p + "q_proj.lora_B.weight", "F32", [hidden, r]),
            (p + "v_proj.lora_A.weight", "F32", [r, hidden]),
            (p + "v_proj.lora_B.weight", "F32", [kv, r]),
        ]
    return out


def safetensors_header(tensors: list[tuple[str, str, list[int]]], metadata: dict[str, str]) -> bytes:
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, dtype, shape in tensors:
        n = ITEMSIZE[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    return len(raw).to_bytes(8, "little") + raw


def write_safetensors(path: Path, tensors: list[tuple[str, str, list[int]]], shards: int = 1) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if shards == 1:
        path.write_bytes(safetensors_header(tensors, {"format": "pt"}))
        return
    per = -(-len(tensors) // shards)
    weight_map = {}
    total = 0
    for s in range(shards):
        part = tensors[s * per : (s + 1) * per]
        name = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        (path.parent / name).write_bytes(safetensors_header(part, {"format": "pt"}))
        for t, dtype, shape in part:
            weight_map[t] = name
            n = ITEMSIZE[dtype]
            for d in shape:
                n *= d
            total += n
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    (path.parent / "model.safetensors.index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")


def write_gguf(path: Path) -> None:
    import numpy as np
    from gguf import GGMLQuantizationType, GGUFWriter

    w = GGUFWriter(str(path), "llama")
    w.add_name("Llama31 Support Ft")
    w.add_basename("llama31-support-ft")
    w.add_size_label("8B")
    w.add_organization("Acme Ai")
    w.add_license("apache-2.0")  # what the quantiser wrote; the Llama 3.1 licence still applies
    w.add_file_type(15)  # MOSTLY_Q4_K_M
    w.add_quantization_version(2)
    w.add_base_model_count(1)
    w.add_base_model_name(0, "Llama31 Support Ft")
    w.add_base_model_organization(0, "Acme Ai")
    w.add_base_model_repo_url(0, "https://huggingface.co/acme-ai/llama31-support-ft")
    w.add_context_length(131072)
    w.add_block_count(32)
    w.add_tokenizer_model("gpt2")
    w.add_token_list([f"tok{i}" for i in range(2000)])
    w.add_token_types([1] * 2000)
    for name, _, shape in llama_tensors(32, 4096, 14336, 1024, 128256, "F32"):
        gg_name = name.replace("model.layers.", "blk.").replace("model.", "")
        quant = len(shape) == 2
        n = 1
        for d in shape:
            n *= d
        w.add_tensor_info(
            gg_name,
            list(reversed(shape)),
            np.dtype(np.float32),
            n // 256 * 144 if quant else n * 4,
            raw_dtype=GGMLQuantizationType.Q4_K if quant else GGMLQuantizationType.F32,
        )
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    w.close()


def snapshot(org: str, name: str) -> Path:
    repo = HUB / f"models--{org}--{name}"
    return repo / "snapshots" / sha(f"{org}/{name}")


def main() -> None:
    eurollm = llama_tensors(42, 4096, 12288, 1024, 128000, "BF16")
    write_safetensors(snapshot("utter-project", "EuroLLM-9B") / "model.safetensors", eurollm, shards=2)
    write_safetensors(snapshot("eu-hpc-lab", "EuroLLM-9B-legal-fr") / "model.safetensors", eurollm, shards=2)
    llama = llama_tensors(32, 4096, 14336, 1024, 128256, "BF16")
    write_safetensors(snapshot("acme-ai", "llama31-support-ft") / "model.safetensors", llama, shards=2)
    write_safetensors(
        snapshot("acme-ai", "llama31-support-ft-AWQ") / "model.safetensors", awq_tensors(32, 4096, 14336, 1024, 128256)
    )
    write_safetensors(
        snapshot("acme-ai", "llama31-support-lora") / "adapter_model.safetensors", lora_tensors(32, 4096, 1024, 16)
    )
    gguf_dir = snapshot("acme-ai", "llama31-support-ft-GGUF")
    gguf_dir.mkdir(parents=True, exist_ok=True)
    write_gguf(gguf_dir / "llama31-support-ft.Q4_K_M.gguf")
    for repo in HUB.glob("models--*"):
        (repo / "refs").mkdir(exist_ok=True)
        org, name = repo.name.split("--")[1:3]
        (repo / "refs" / "main").write_text(sha(f"{org}/{name}"))
    for repo in HUB.glob("datasets--*"):
        (repo / "refs").mkdir(exist_ok=True)
        org, name = repo.name.split("--")[1:3]
        (repo / "refs" / "main").write_text(sha(f"datasets/{org}/{name}"))


if __name__ == "__main__":
    main()
