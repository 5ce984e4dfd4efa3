"""The property every collector must keep on any input, and the profiles it is checked with.

**Property.** On any bytes, ``detect`` returns a bool and raises nothing; ``collect``, run as the
scan runs it (inside :func:`sovaudit.limits.guard`, which applies the time budget and the nesting
bound), returns an :class:`~sovaudit.model.Inventory` or raises an
:class:`~sovaudit.errors.InputError` naming a file of the input, within a time bound and with
less than :data:`MEMORY_BOUND` of new peak memory. Anything else — another exception, a hang, a
memory spike, an error about a file outside the input — is a failure.

``collect`` is called whether or not ``detect`` claimed the mutated input: a collector is fed
what a broken or hostile file of its kind looks like, and must say so in one line.

**Profiles.** ``fast`` (the default, part of every test run): 30 examples per collector, the same
on every run (derandomised, so CI cannot turn red at random); the whole suite takes about 30 s on
two cores. ``long`` (``SOVAUDIT_FUZZ=long``, for scheduled runs): 1,000 new random examples per
collector, failures kept in hypothesis's example database (``.hypothesis/``).
``SOVAUDIT_FUZZ_EXAMPLES=N`` changes the number, ``SOVAUDIT_FUZZ_REPORT=FILE`` appends a JSON line
per collector (examples, seconds, outcomes, mutations) and ``SOVAUDIT_FUZZ_SAVE=DIR`` copies each
failing input there, to become a regression sample once fixed.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

from sovaudit.collectors.interface import Collector
from sovaudit.errors import InputError
from sovaudit.fs import TreePath, clear_cache
from sovaudit.limits import Limits, guard
from sovaudit.model import Inventory

#: Seconds one example may take: generous, for a shared machine (the samples read in milliseconds;
#: the hangs found ran for minutes).
TIME_BOUND = 20.0
#: New peak memory one example may add (the issue's bound for any input is 500 MB).
MEMORY_BOUND = 500 * 1024 * 1024
LIMITS = Limits(max_seconds_per_file=TIME_BOUND)

_COMMON = {
    "deadline": None,  # the time bound is the guard's: hypothesis's deadline is flaky on a loaded machine
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    "print_blob": True,
}
settings.register_profile(
    "sovaudit-fast",
    max_examples=30,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    **_COMMON,  # type: ignore[arg-type]
)
settings.register_profile("sovaudit-long", max_examples=1000, **_COMMON)  # type: ignore[arg-type]


def profile() -> settings:
    """The profile asked for: ``long`` with SOVAUDIT_FUZZ=long, else ``fast``; SOVAUDIT_FUZZ_EXAMPLES=N
    sets the examples per collector of either."""
    name = "sovaudit-long" if os.environ.get("SOVAUDIT_FUZZ", "").strip().lower() == "long" else "sovaudit-fast"
    chosen = settings.get_profile(name)
    examples = os.environ.get("SOVAUDIT_FUZZ_EXAMPLES", "").strip()
    return settings(chosen, max_examples=int(examples)) if examples else chosen


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run gave: an inventory's size, or the error's one line."""

    detected: bool
    components: int = -1
    error: str = ""


def check(collector: Collector, given: Path) -> Outcome:
    """Run ``collector`` on ``given`` as the scan would, and assert the property. Returns what it gave."""
    clear_cache()
    before = peak_rss()
    tree = TreePath.for_input(given)
    detected = collector.detect(tree)
    assert isinstance(detected, bool), f"detect returned {detected!r}, not a bool"
    try:
        with guard(tree.display(), LIMITS):
            inv = collector.collect(TreePath.for_input(given))
    except InputError as err:
        outcome = Outcome(detected, error=err.one_line())
        top = str(given.parent if not given.is_dir() else given)
        assert err.path.startswith(top), f"the error names {err.path!r}, outside the input {top!r}"
        assert err.reason.strip(), "an InputError without a reason"
        assert "ran out of memory" not in err.reason and "still being read" not in err.reason, err.one_line()
    else:
        assert isinstance(inv, Inventory), f"collect returned {type(inv).__name__}, not an Inventory"
        outcome = Outcome(detected, components=len(inv.components))
    grew = peak_rss() - before
    assert grew < MEMORY_BOUND, f"peak memory grew by {grew / 2**20:.0f} MiB on one input"
    return outcome


def keep_failure(collector: str, given: Path, err: BaseException) -> None:
    """With SOVAUDIT_FUZZ_SAVE=DIR, copy a failing input to DIR/<collector>/<digest>/, with what went wrong.

    Each becomes a regression sample in tests/samples/regressions/ once its bug is fixed.
    """
    folder = os.environ.get("SOVAUDIT_FUZZ_SAVE", "").strip()
    if not folder:
        return
    files = sorted(p for p in given.rglob("*") if p.is_file()) if given.is_dir() else [given]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in files)).hexdigest()[:16]
    target = Path(folder) / collector / digest / given.name
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if given.is_dir():
        shutil.copytree(given, target, symlinks=True)
    else:
        shutil.copyfile(given, target)
    where = traceback.extract_tb(err.__traceback__)
    frames = [f"{f.filename}:{f.lineno}" for f in where if "/sovaudit/" in f.filename]
    (target.parent / "failure.txt").write_text(f"{type(err).__name__}: {str(err)[:500]}\n{' '.join(frames[-3:])}\n")


@dataclass(slots=True)
class Tally:
    """What one collector's run did: examples, outcomes, mutations, time (SOVAUDIT_FUZZ_REPORT=FILE appends it)."""

    collector: str
    examples: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def add(self, mutation: str, outcome: Outcome) -> None:
        self.examples += 1
        self.mutations[mutation] += 1
        self.outcomes["detected" if outcome.detected else "not detected"] += 1
        self.outcomes["error" if outcome.error else "inventory"] += 1

    def report(self) -> None:
        target = os.environ.get("SOVAUDIT_FUZZ_REPORT", "").strip()
        if not target:
            return
        line = {
            "collector": self.collector,
            "examples": self.examples,
            "seconds": round(time.monotonic() - self.started, 1),
            "outcomes": dict(sorted(self.outcomes.items())),
            "mutations": dict(sorted(self.mutations.items())),
        }
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line) + "\n")
