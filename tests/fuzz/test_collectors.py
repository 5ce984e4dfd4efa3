"""Every registered collector, fuzzed with random and structure-aware mutations of its real samples.

See :mod:`tests.fuzz.harness` for the property and the profiles. ``pytest tests/fuzz
--hypothesis-show-statistics`` prints the examples run per collector and their time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sovaudit.collectors import COLLECTORS
from tests.fuzz.corpus import Seed, seeds_by_collector
from tests.fuzz.harness import Tally, check, keep_failure, profile
from tests.fuzz.mutations import mutated

NAMES = COLLECTORS.names()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Seed, ...]]:
    return seeds_by_collector(tmp_path_factory.mktemp("gz"))


def test_every_collector_has_seeds(seeds: dict[str, tuple[Seed, ...]]) -> None:
    """A collector no real sample exercises is not fuzzed on anything like its input: add a sample."""
    assert NAMES, "no collectors registered"
    missing = [name for name in NAMES if not seeds.get(name)]
    assert not missing, f"no sample in tests/samples/*/good (or tests/fuzz/seeds) is detected by {missing}"


@pytest.mark.parametrize("name", NAMES)
def test_collector_survives_mutated_samples(
    name: str, seeds: dict[str, tuple[Seed, ...]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    collector = COLLECTORS.get(name)()
    copies = []
    for i, seed in enumerate(seeds[name]):
        given_path, files = seed.materialise(tmp_path_factory.mktemp(f"{name}-{i}"))
        if files:
            copies.append((given_path, files))
    if not copies:
        pytest.fail(f"{name}: no seed to mutate")

    tally = Tally(name)

    @settings(profile())
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        given_path, files = data.draw(st.sampled_from(copies), label="seed")
        target: Path = data.draw(st.sampled_from(files), label="file")
        original = target.read_bytes()
        how, mutant = data.draw(mutated(original), label="mutation")
        target.write_bytes(mutant)
        try:
            tally.add(how, check(collector, given_path))
        except BaseException as err:
            keep_failure(name, given_path, err)
            raise
        finally:
            target.write_bytes(original)

    run()
    tally.report()
    assert tally.examples >= min(profile().max_examples, 10), f"only {tally.examples} examples ran"
