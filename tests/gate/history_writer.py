"""A writer process for the history concurrency and kill tests (run: python -m tests.gate.history_writer).

Records the audit document DOC into STORE COUNT times (0: until killed) under stack NAME, and
prints ``committed <id>`` after each commit. With ``--pause-in-transaction`` it also prints
``in-transaction`` while it is inside the write, after the audit row and before the commit, and
waits there a little: the test kills it at that moment, so that the kill is known to land mid-write.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from itertools import count
from pathlib import Path
from typing import Any

from sovaudit import history


class PausingConnection(sqlite3.Connection):
    def executemany(self, sql: str, params: Any, /) -> sqlite3.Cursor:
        if sql.startswith("INSERT INTO layer_scores"):
            print("in-transaction", flush=True)
            time.sleep(0.2)
        return super().executemany(sql, params)


def main(argv: list[str]) -> None:
    store, doc_file, how_many, stack = Path(argv[0]), Path(argv[1]), int(argv[2]), argv[3]
    if "--pause-in-transaction" in argv:
        connect = sqlite3.connect
        sqlite3.connect = lambda *a, **k: connect(*a, factory=PausingConnection, **k)  # type: ignore[assignment]
    document = json.loads(doc_file.read_text(encoding="utf-8"))
    for n in range(how_many) if how_many else count():
        audit_id = history.record(
            store, document, stack=stack, commit=f"{n:040x}", command="audit", passed=True,
            recorded_at="2026-06-01T00:00:00Z",
        )  # fmt: skip
        print(f"committed {audit_id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
