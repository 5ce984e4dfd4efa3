"""Read back what the HTML report says: its tags, its table rows as text, its attributes (html.parser)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)
    table: str = ""  # the class of the table the row is in

    @property
    def text(self) -> str:
        return " | ".join(self.cells)


class Page(HTMLParser):
    """The parsed page: ``tags`` (every start tag seen), ``rows``, ``text``, ``attributes``."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.rows: list[Row] = []
        self.chunks: list[str] = []
        self._tables: list[str] = []
        self._row: Row | None = None
        self._cell: list[str] | None = None
        self._skip = 0  # inside <style> or <title>
        self.feed(markup)
        self.close()

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        values = {k: v or "" for k, v in attrs}
        self.attributes.extend((tag, k, v) for k, v in values.items())
        if tag == "table":
            self._tables.append(values.get("class", ""))
        elif tag == "tr":
            self._row = Row(attrs=values, table=self._tables[-1] if self._tables else "")
            self.rows.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag in ("style", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._tables:
            self._tables.pop()
        elif tag in ("td", "th") and self._row is not None and self._cell is not None:
            self._row.cells.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag in ("style", "title"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.chunks.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def rows_in(self, table_class: str) -> list[Row]:
        return [r for r in self.rows if table_class in r.table.split()]
