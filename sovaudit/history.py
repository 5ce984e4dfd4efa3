"""The audit history: every audit recorded in an embedded SQLite store, and the trend it shows.

Each audit is one row (stack, git commit, the command and its verdict, scores, counts), its layer
scores, its findings, and the whole audit document (zlib-compressed JSON), so any recorded audit
can serve as a gate's baseline later (``history:``).

Safety, because CI jobs run side by side and get killed: the store is in WAL mode with a busy
timeout, so concurrent writers queue instead of failing; each audit is written in one
``BEGIN IMMEDIATE`` transaction (the write lock is taken before anything is read, so two writers
never deadlock on a lock upgrade), so a writer killed mid-write leaves the store as it was before
that audit. ``synchronous=NORMAL`` in WAL mode keeps every committed audit through a killed
process (only a power cut can lose the last commits, never the store). A ``schema_version`` table
guards against a store written by a newer sovaudit.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sovaudit import jsonout
from sovaudit.baseline import AuditSnapshot, from_document
from sovaudit.errors import ConfigError
from sovaudit.model import Layer

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 60_000
FORMATS = ("table", "markdown", "json")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recorded_at TEXT NOT NULL,
    stack TEXT NOT NULL,
    git_commit TEXT NOT NULL,
    command TEXT NOT NULL,
    passed INTEGER NOT NULL,
    audit_date TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    profile TEXT,
    overall_score REAL,
    overall_level INTEGER,
    components INTEGER NOT NULL,
    findings INTEGER NOT NULL,
    waived INTEGER NOT NULL,
    document BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audits_by_stack ON audits (stack, id);
CREATE TABLE IF NOT EXISTS layer_scores (
    audit_id INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    layer TEXT NOT NULL,
    score REAL,
    level INTEGER,
    components INTEGER NOT NULL,
    PRIMARY KEY (audit_id, layer)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS findings (
    audit_id INTEGER NOT NULL REFERENCES audits (id) ON DELETE CASCADE,
    finding TEXT NOT NULL,
    rule TEXT NOT NULL,
    layer TEXT NOT NULL,
    severity TEXT NOT NULL,
    waived INTEGER NOT NULL,
    points REAL NOT NULL,
    PRIMARY KEY (audit_id, finding)
) WITHOUT ROWID;
"""


def store_path(env: Mapping[str, str], configured: str | None = None) -> Path:
    """$SOVAUDIT_HISTORY, else the configured path, else $XDG_STATE_HOME/sovaudit/history.sqlite,
    else ~/.local/state/sovaudit/history.sqlite."""
    if env.get("SOVAUDIT_HISTORY"):
        return Path(env["SOVAUDIT_HISTORY"])
    if configured:
        return Path(configured)
    state = env.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "sovaudit" / "history.sqlite"


def stack_name(paths: Sequence[str], *, host: bool, cwd: Path) -> str:
    """How the history names what was audited, the same from any checkout: paths inside a git
    repository are named from its root (``repo/sample_stacks/eu-open``), others by absolute path."""
    from sovaudit.gitrepo import find_root

    names = []
    for given in paths:
        if given.startswith("hf://"):
            names.append(given)
            continue
        full = (cwd / given).resolve()
        root = find_root(full)
        if root is None:
            names.append(str(full))
            continue
        rel = full.relative_to(root).as_posix()
        names.append(root.name if rel == "." else f"{root.name}/{rel}")
    if host:
        names.append("host:" + platform.node())
    return " + ".join(sorted(set(names)))


# -- the store ------------------------------------------------------------------------------------
@contextmanager
def _connect(path: Path, *, create: bool) -> Iterator[sqlite3.Connection]:
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise ConfigError(f"{path}: no audit history here yet (sovaudit audit and sovaudit gate record into it)")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as err:
        raise ConfigError(f"{path}: cannot open the audit history: {err}") from None
    try:
        _prepare(conn, path)
        yield conn
    finally:
        conn.close()


def _prepare(conn: sqlite3.Connection, path: Path) -> None:
    """Pragmas and schema; a store another writer is creating right now is waited for, not failed."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")  # where WAL is impossible (some network file
            # systems) SQLite keeps its rollback journal: slower under concurrency, just as safe
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            _migrate(conn, path)
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise ConfigError(f"{path}: cannot use the audit history: {err}") from None
            time.sleep(0.05)
        except sqlite3.DatabaseError as err:
            raise ConfigError(f"{path}: not a sovaudit history store ({err})") from None


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    found = _schema_version(conn)
    if found == SCHEMA_VERSION:
        return
    if found is not None and found > SCHEMA_VERSION:
        raise ConfigError(
            f"{path}: the audit history has schema version {found}; this sovaudit reads {SCHEMA_VERSION} "
            "(upgrade sovaudit)"
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _schema_version(conn) is None:  # still: another writer may have created it meanwhile
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        conn.execute("COMMIT")
    except BaseException:
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    """Undo an open transaction (SQLite may already have rolled it back on the error itself)."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")


def _schema_version(conn: sqlite3.Connection) -> int | None:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not exists:
        return None
    row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One recorded audit, as the trend shows it."""

    id: int
    recorded_at: str
    stack: str
    commit: str
    command: str
    passed: bool
    overall_score: float | None
    overall_level: int | None
    components: int
    findings: int  # not waived
    waived: int
    layers: tuple[tuple[Layer, float | None], ...]


def record(
    path: Path,
    document: dict[str, Any],
    *,
    stack: str,
    commit: str,
    command: str,
    passed: bool,
    recorded_at: str,
) -> int:
    """Write one audit in one transaction; the id it got."""
    snap = from_document(document, "the audit")
    blob = zlib.compress(json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8"), 6)
    live = sum(1 for f in snap.findings if f.live)
    row = (
        recorded_at, stack, commit, command, int(passed), snap.date, snap.tool_version, snap.profile,
        snap.overall_score, snap.overall_level, snap.components_total, live, len(snap.findings) - live, blob,
    )  # fmt: skip
    with _connect(path, create=True) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO audits (recorded_at, stack, git_commit, command, passed, audit_date, tool_version, "
                "profile, overall_score, overall_level, components, findings, waived, document) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            audit_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT INTO layer_scores (audit_id, layer, score, level, components) VALUES (?, ?, ?, ?, ?)",
                [(audit_id, lr.layer.value, lr.score, lr.level, lr.components) for lr in snap.layers],
            )
            conn.executemany(
                "INSERT INTO findings (audit_id, finding, rule, layer, severity, waived, points) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (audit_id, f.id, f.rule, f.layer.value, str(f.severity), int(f.waived), f.points)
                    for f in snap.findings
                ],
            )
            conn.execute("COMMIT")
        except BaseException:
            _rollback(conn)
            raise
    return audit_id


def entries(path: Path, *, stack: str | None = None, limit: int = 0) -> list[Entry]:
    """Recorded audits, oldest first: the last ``limit`` (0: all), of one stack or of all."""
    where, args = ("WHERE stack = ?", [stack]) if stack else ("", [])
    tail = f"LIMIT {int(limit)}" if limit > 0 else ""
    with _connect(path, create=False) as conn:
        rows = conn.execute(
            "SELECT id, recorded_at, stack, git_commit, command, passed, overall_score, overall_level, components, "
            f"findings, waived FROM audits {where} ORDER BY id DESC {tail}",
            args,
        ).fetchall()
        ids = [r[0] for r in rows]
        layers: dict[int, dict[Layer, float | None]] = {i: {} for i in ids}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            marks = ",".join("?" * len(part))
            for audit_id, layer, score in conn.execute(
                f"SELECT audit_id, layer, score FROM layer_scores WHERE audit_id IN ({marks})", part
            ):
                layers[audit_id][Layer(layer)] = score
    return [
        Entry(
            id=r[0],
            recorded_at=r[1],
            stack=r[2],
            commit=r[3],
            command=r[4],
            passed=bool(r[5]),
            overall_score=r[6],
            overall_level=r[7],
            components=r[8],
            findings=r[9],
            waived=r[10],
            layers=tuple((layer, layers[r[0]].get(layer)) for layer in Layer),
        )
        for r in reversed(rows)
    ]


def snapshot(path: Path, ref: str, stack: str) -> AuditSnapshot:
    """The recorded audit ``history:REF`` names: ``history:`` the latest passing audit of ``stack``,
    ``history:ID`` that record, ``history:NAME`` the latest passing audit of stack NAME."""
    with _connect(path, create=False) as conn:
        if ref.isdigit():
            row = conn.execute("SELECT id, document FROM audits WHERE id = ?", (int(ref),)).fetchone()
            missing = f"no recorded audit #{ref}"
        else:
            name = ref or stack
            row = conn.execute(
                "SELECT id, document FROM audits WHERE stack = ? AND passed = 1 ORDER BY id DESC LIMIT 1", (name,)
            ).fetchone()
            missing = f"no passing audit of stack {name!r} recorded (sovaudit history lists them)"
    if row is None:
        raise ConfigError(f"{path}: history:{ref}: {missing}")
    return from_document(json.loads(zlib.decompress(row[1])), f"history:{row[0]}")


def document(path: Path, audit_id: int) -> bytes:
    """The audit document as it was recorded (canonical JSON: keys sorted)."""
    with _connect(path, create=False) as conn:
        row = conn.execute("SELECT document FROM audits WHERE id = ?", (audit_id,)).fetchone()
    if row is None:
        raise ConfigError(f"{path}: no recorded audit #{audit_id}")
    doc = json.loads(zlib.decompress(row[0]))
    # json.dumps(sort_keys=True, indent=2)'s text: keys sorted here, indented by the faster writer.
    return (jsonout.dumps(_keys_sorted(doc), ensure_ascii=False) + "\n").encode("utf-8")


def _keys_sorted(value: Any) -> Any:
    """The same JSON value with every object's keys in sorted order (what ``sort_keys`` writes)."""
    if isinstance(value, dict):
        return {k: _keys_sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_keys_sorted(v) for v in value]
    return value


# -- the trend ------------------------------------------------------------------------------------
_SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None]) -> str:
    """One character per audit, from the series' lowest score (▁) to its highest (█); · when not assessed.

    Scaled to the series and not to 0-100, because a trend's moves are a few points: on a 0-100
    scale a stack going from 96 to 88 would draw one flat line.
    """
    known = [v for v in values if v is not None]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    span = high - low

    def spark(v: float) -> str:
        return _SPARKS[min(7, int((v - low) / span * 8))] if span else _SPARKS[3]

    return "".join("·" if v is None else spark(v) for v in values)


def _delta(entry: Entry, previous: dict[str, Entry]) -> float | None:
    before = previous.get(entry.stack)
    previous[entry.stack] = entry
    if before is None or before.overall_score is None or entry.overall_score is None:
        return None
    return round(entry.overall_score - before.overall_score, 2)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def render_table(rows: Sequence[Entry]) -> str:
    if not rows:
        return "no audits recorded\n"
    head = f"{'#':>5}  {'recorded':20} {'commit':8} {'command':7} {'result':6} {'overall':>7} {'delta':>6}  "
    head += " ".join(f"{layer.value[:5]:>5}" for layer in Layer) + f" {'findings':>8} {'waived':>6}  stack"
    lines = [head]
    previous: dict[str, Entry] = {}
    for e in rows:
        delta = _delta(e, previous)
        layers = " ".join(f"{_num(score):>5}" for _, score in e.layers)
        lines.append(
            f"{e.id:>5}  {e.recorded_at:20} {e.commit[:8] or '-':8} {e.command:7} {'pass' if e.passed else 'FAIL':6} "
            f"{_num(e.overall_score):>7} {'' if delta is None else f'{delta:+.1f}':>6}  {layers} {e.findings:>8} "
            f"{e.waived:>6}  {e.stack}"
        )
    lines.append("")
    for stack in sorted({e.stack for e in rows}):
        scores = [e.overall_score for e in rows if e.stack == stack]
        lines.append(f"trend {sparkline(scores)}  {_num(scores[0])} -> {_num(scores[-1])}  {stack}")
    return "\n".join(lines) + "\n"


def render_markdown(rows: Sequence[Entry]) -> str:
    from sovaudit.diff import md_cell

    lines = [
        "| # | recorded | commit | command | result | overall | delta | "
        + " | ".join(layer.value for layer in Layer)
        + " | findings | waived | stack |",
        "| ---: | --- | --- | --- | --- | ---: | ---: | "
        + " | ".join("---:" for _ in Layer)
        + " | ---: | ---: | --- |",
    ]
    previous: dict[str, Entry] = {}
    for e in rows:
        delta = _delta(e, previous)
        layers = " | ".join(_num(score) for _, score in e.layers)
        lines.append(
            f"| {e.id} | {e.recorded_at} | {e.commit[:8] or '-'} | {e.command} | {'pass' if e.passed else 'FAIL'} | "
            f"{_num(e.overall_score)} | {'' if delta is None else f'{delta:+.1f}'} | {layers} | {e.findings} | "
            f"{e.waived} | {md_cell(e.stack)} |"
        )
    return "\n".join(lines) + "\n"


def to_list(rows: Sequence[Entry]) -> list[dict[str, Any]]:
    return [
        {
            "id": e.id,
            "recordedAt": e.recorded_at,
            "stack": e.stack,
            "commit": e.commit or None,
            "command": e.command,
            "passed": e.passed,
            "overallScore": e.overall_score,
            "overallLevel": e.overall_level,
            "components": e.components,
            "findings": e.findings,
            "waived": e.waived,
            "layers": {layer.value: score for layer, score in e.layers},
        }
        for e in rows
    ]


def render(rows: Sequence[Entry], fmt: str) -> str:
    if fmt == "json":
        return jsonout.dumps(to_list(rows), ensure_ascii=False) + "\n"
    return render_markdown(rows) if fmt == "markdown" else render_table(rows)
