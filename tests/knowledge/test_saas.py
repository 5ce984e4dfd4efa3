"""SaaS an operational manifest names are matched to the knowledge base, by host or by name.

A manifest lists the hosted services its people use; the knowledge base knows who controls them
(Delaware, Salesforce, CoreWeave ...), which is not always the country the site wrote down, and
which self-hosted or EU alternative exists. Look-alikes (a self-hosted GitLab, GitHub Enterprise
Server, a random host ending in a vendor's name) must not match.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sovaudit.collectors.operational import OperationalManifestCollector
from sovaudit.fs import TreePath
from sovaudit.knowledge import KnowledgeBase, annotate, load
from sovaudit.model import Component, Layer

MANIFEST = """\
schema: sovaudit-operational
version: 1
site: {id: lab, name: Example lab, country: DE}
saas:
  - {name: Okta Workforce Identity, category: identity, vendor: "Okta, Inc.", country: US, host: lab.okta.com}
  - {name: Datadog, category: monitoring, vendor: "Datadog, Inc.", country: US, host: app.datadoghq.eu}
  - {name: Team chat, category: communication, vendor: Salesforce, country: US, host: lab.slack.com}
  - {name: Jira Service Management, category: ticketing, vendor: Atlassian, country: AU}
  - {name: Confluence, category: collaboration, vendor: Atlassian, country: AU, host: lab.atlassian.net}
  - {name: Experiment tracking, category: other, vendor: W&B, country: US, host: api.wandb.ai}
  - {name: GitHub Enterprise Cloud, category: code-hosting, vendor: GitHub, country: US}
  - {name: Code mirror, category: code-hosting, vendor: GitLab, country: US, host: gitlab.com}
  - {name: PagerDuty, category: other, vendor: PagerDuty, country: US, host: lab.pagerduty.com}
  - {name: Warehouse, category: storage, vendor: Snowflake, country: US, host: ab1.eu-central-1.snowflakecomputing.com}
  - {name: Databricks, category: other, vendor: Databricks, country: US, host: dbc-1234.cloud.databricks.com}
  - {name: Hugging Face Hub, category: ai-api, vendor: Hugging Face, country: US, host: huggingface.co}
  - {name: GitLab, category: code-hosting, vendor: the lab, country: DE, host: gitlab.lab.example.de}
  - {name: GitHub Enterprise Server, category: code-hosting, vendor: GitHub, country: US, host: git.lab.example.de}
  - {name: Wiki, category: collaboration, vendor: the lab, country: DE, host: okta.com.lab.example.de}
  - {name: Chat, category: communication, vendor: the lab, country: DE, host: matrix.lab.example.de}
"""

#: component name -> (entry, vendor id, controlling jurisdiction)
EXPECTED = {
    "Okta Workforce Identity": ("okta", "okta", "US"),
    "Datadog": ("datadog", "datadog", "US"),
    "Team chat": ("slack", "slack", "US"),
    "Jira Service Management": ("atlassian-cloud", "atlassian", "US"),
    "Confluence": ("atlassian-cloud", "atlassian", "US"),
    "Experiment tracking": ("wandb", "weights-and-biases", "US"),
    "GitHub Enterprise Cloud": ("github", "github", "US"),
    "Code mirror": ("gitlab-com", "gitlab", "US"),
    "PagerDuty": ("pagerduty", "pagerduty", "US"),
    "Warehouse": ("snowflake", "snowflake", "US"),
    "Databricks": ("databricks", "databricks", "US"),
    "Hugging Face Hub": ("huggingface-hub", "hugging-face", "US"),
}
LOOK_ALIKES = ("GitLab", "GitHub Enterprise Server", "Wiki", "Chat")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load()


@pytest.fixture(scope="module")
def saas(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> dict[str, tuple[Component, list[str]]]:
    path = tmp_path_factory.mktemp("site") / "sovaudit-operational.yaml"
    path.write_text(MANIFEST)
    collector = OperationalManifestCollector()
    tree = TreePath.for_input(path)
    assert collector.detect(tree)
    comps = [c for c in collector.collect(tree).components if c.kind == "saas"]
    matches = annotate(kb, comps)
    return {c.name: (c, [m.entry for m in matches.get(c.id, ())]) for c in comps}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_manifest_saas_matches_its_entry_and_the_controlling_jurisdiction(
    kb: KnowledgeBase, saas: dict[str, tuple[Component, list[str]]], name: str
) -> None:
    entry_id, vendor_id, jurisdiction = EXPECTED[name]
    _, entries = saas[name]
    assert entries == [entry_id]
    entry = kb.entries[entry_id]
    assert entry.vendor == vendor_id
    j = kb.jurisdiction_of(entry)
    assert j is not None and j.id == jurisdiction
    assert "operational" in {layer.value for layer in entry.layers}


def test_look_alikes_match_nothing(saas: dict[str, tuple[Component, list[str]]]) -> None:
    assert {name: saas[name][1] for name in LOOK_ALIKES} == {name: [] for name in LOOK_ALIKES}


def test_every_saas_entry_names_an_alternative_the_kb_knows_and_cites_sources(kb: KnowledgeBase) -> None:
    """The way out is part of the entry: an EU or self-hosted product, itself an entry with a known vendor."""
    for entry_id in sorted({e for e, _, _ in EXPECTED.values()} - {"huggingface-hub"}):
        entry = kb.entries[entry_id]
        assert entry.category == "saas" and entry.openness == "cloud-service", entry_id
        assert entry.alternatives, entry_id
        for alt in entry.alternatives:
            other = kb.entries[alt]
            assert other.openness in ("open-source-foundation", "open-source-vendor-led", "open-standard"), alt
            assert "self-hosted" in other.tags, alt
        assert entry.sources and entry.as_of == "2026-11-27", entry_id


def test_control_chains_of_the_saas_vendors(kb: KnowledgeBase) -> None:
    v = kb.vendors
    assert (v["slack"].jurisdiction, v["slack"].parent) == ("US", "Salesforce, Inc.")
    assert (v["weights-and-biases"].jurisdiction, v["weights-and-biases"].parent) == ("US", "CoreWeave, Inc.")
    assert v["github"].parent == "Microsoft Corporation"
    # Atlassian: founded in Sydney, a Delaware parent since September 2022
    assert (v["atlassian"].country, v["atlassian"].jurisdiction) == ("US", "US")
    assert "Delaware" in v["atlassian"].notes
    # the alternatives' stewards: EU and UK bodies where there is one
    assert {v[k].jurisdiction for k in ("codeberg", "openproject-gmbh", "xwiki-sas", "matrix-foundation")} == {
        "DE",
        "FR",
        "GB",
    }


def test_official_client_packages_match_their_service(kb: KnowledgeBase) -> None:
    from sovaudit.collectors import pypi

    def entries(name: str) -> list[str]:
        purl = pypi.purl(name, "1.0")
        comp = Component(id=purl, layer=Layer.SOFTWARE, kind="package", name=name, version="1.0", purl=purl)
        return [m.entry for m in kb.match(comp)]

    assert entries("wandb") == ["wandb"]
    assert entries("ddtrace") == ["datadog"]
    assert entries("slack_sdk") == ["slack"]
    assert entries("snowflake-connector-python") == ["snowflake"]
    assert entries("databricks-sdk") == ["databricks"]
    assert entries("mlflow") == ["mlflow"]
    assert entries("matrix-synapse") == ["matrix"]
    # community clients are not the vendor's: no match
    assert entries("atlassian-python-api") == [] and entries("python-gitlab") == []


def test_the_atlassian_entry_records_the_end_of_data_center(kb: KnowledgeBase) -> None:
    [event] = kb.entries["atlassian-cloud"].governance_events
    assert "28 March 2029" in event and "read-only" in event


def test_kb_validate_reports_no_problem() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "sovaudit", "kb", "validate"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "; 0 problems;" in proc.stdout
