"""Safe HTML and SVG building for the HTML report: whatever is not already markup is escaped.

Component names, versions, licences and evidence paths come from the scanned stack, which may be
hostile. Rather than remembering to escape at each use, every piece of text goes through
:func:`el`, which escapes any child or attribute value that is not :class:`Html`; only
:func:`el`, :func:`join` and :func:`raw` make :class:`Html`, and :func:`raw` is for the
report's own constants (its style sheet). A forgotten escape therefore shows as visible double
escaping, never as live markup.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape as _escape

Child = object  # str | int | float | Html | None | Iterable of those


def escape(text: str) -> str:
    """``html.escape`` (quotes too, so the result is safe in text and in attributes), skipped when
    there is nothing to escape: most names have nothing, and the appendix escapes 100,000 of them."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return _escape(text, quote=True)
    return text


class Html(str):
    """A string of markup that is safe to write as it is."""

    __slots__ = ()


def raw(text: str) -> Html:
    """Mark the report's own constant markup (never data from the stack) as safe."""
    return Html(text)


def esc(value: object) -> Html:
    """``value`` as text: escaped unless it is already markup."""
    if isinstance(value, Html):
        return value
    return Html(escape(str(value)))


def _flatten(children: Iterable[Child], out: list[str]) -> None:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, str):
            out.append(child if isinstance(child, Html) else escape(child))
        elif isinstance(child, int | float):
            out.append(str(child))
        elif isinstance(child, Iterable):
            _flatten(child, out)
        else:
            out.append(escape(str(child)))


def join(*children: Child) -> Html:
    """Children side by side, each escaped unless it is already markup; lists are flattened."""
    out: list[str] = []
    _flatten(children, out)
    return Html("".join(out))


def template(form: str, **values: object) -> Html:
    """``form`` (the report's own constant markup, with ``{name}`` fields) filled with escaped ``values``.

    For rows that repeat thousands of times (the appendix): one format call instead of a tree of
    :func:`el` calls, with the same escaping.
    """
    return Html(form.format(**{k: v if isinstance(v, Html | int) else escape(str(v)) for k, v in values.items()}))


def _attribute(name: str, value: object) -> str:
    key = name.rstrip("_").replace("_", "-") if name not in ("viewBox", "preserveAspectRatio") else name
    if value is True:
        return f" {key}"
    return f' {key}="{escape(str(value))}"'


VOID = frozenset({"br", "hr", "img", "meta", "link", "col", "input", "wbr"})


def el(tag: str, *children: Child, **attrs: object) -> Html:
    """``<tag attrs>children</tag>``: attribute names spell ``class_`` for class and ``_`` for ``-``.

    An attribute whose value is None or False is left out; True writes the bare name.
    """
    head = "".join(_attribute(k, v) for k, v in attrs.items() if v is not None and v is not False)
    if tag in VOID:
        return Html(f"<{tag}{head}>")
    out: list[str] = []
    _flatten(children, out)
    return Html(f"<{tag}{head}>{''.join(out)}</{tag}>")


def document(title: str, body: Html, style: str) -> bytes:
    """The whole page: one file, no external resource, UTF-8."""
    head = join(
        el("meta", charset="utf-8"),
        el("meta", name="viewport", content="width=device-width, initial-scale=1"),
        # No request may leave the page: forbid every fetch the browser could be talked into.
        el(
            "meta",
            http_equiv="Content-Security-Policy",
            content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'",
        ),
        el("meta", name="generator", content="sovaudit"),
        el("title", title),
        el("style", raw(style)),
    )
    page = join(raw("<!DOCTYPE html>\n"), el("html", el("head", head), el("body", body), lang="en"), raw("\n"))
    return page.encode("utf-8")
