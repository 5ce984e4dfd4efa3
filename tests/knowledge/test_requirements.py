"""What an entry needs to run, followed through the entries it requires (KnowledgeBase.needs)."""

from __future__ import annotations

from sovaudit.knowledge import Entry, KnowledgeBase, load
from sovaudit.model import Layer

HARDWARE = frozenset({"accelerator", "cpu", "interconnect"})


def entry(eid: str, category: str, *requires: str) -> Entry:
    return Entry(
        id=eid,
        name=eid,
        category=category,
        layers=(Layer.SOFTWARE,),
        vendor="v",
        openness="open-standard",
        lock_in="low",
        substitutability=0,
        requires=requires,
    )


def test_requirements_are_followed_through_software_and_stop_at_hardware() -> None:
    kb = KnowledgeBase(
        entries={
            e.id: e
            for e in (
                entry("lib", "math-library", "runtime", "missing"),
                entry("runtime", "accelerator-runtime", "gpu", "lib"),  # a cycle back to lib
                entry("gpu", "accelerator", "host-cpu"),
                entry("host-cpu", "cpu"),
            )
        }
    )
    assert kb.needs("lib", HARDWARE) == ("gpu",)  # not the GPU's own host CPU, no unknown id, no loop
    assert kb.needs("runtime", HARDWARE) == ("gpu",)
    assert kb.needs("gpu", HARDWARE) == ("host-cpu",)
    assert kb.needs("unknown", HARDWARE) == ()


def test_the_cuda_libraries_need_nvidia_gpus_and_the_rocm_libraries_amd_ones() -> None:
    kb = load()
    for library in ("nvidia-cudnn", "nvidia-math-libs", "nvidia-nccl", "nvidia-cuda"):
        assert kb.needs(library, HARDWARE) == ("nvidia-gpu",), library
    assert "nvidia-gpu" not in kb.entries["nvidia-cudnn"].requires  # found through nvidia-cuda, not written twice
    assert kb.needs("amd-rocm-libs", HARDWARE) == ("amd-instinct",)
    assert kb.needs("pytorch", HARDWARE) == ()  # a portable framework needs no particular hardware
