"""Parse rendered clause Markdown into the document model, with Python-Markdown.

Python-Markdown builds an ElementTree before it serialises HTML; a tree
processor registered last hands us that tree. Raw HTML and entity handling are
switched off, so ``<script>`` in a clause or a profile value is text, never
markup, and a link keeps its target only when ``model.safe_href`` allows it
(https, http, mailto, tel, #anchor); any other link is plain text. Clause
bodies may use paragraphs, bulleted and numbered lists (nested by four
spaces), bold, italics, code and links; anything else is reported.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from .. import cache
from .model import Block, ListBlock, ListItem, Paragraph, Span, safe_href


class MarkdownProblem(ValueError):
    """The Markdown uses a construct clause bodies do not support."""


def _make_markdown() -> Any:
    import markdown  # imported on a cache miss only: it compiles many patterns at start-up
    from markdown.treeprocessors import Treeprocessor

    class _Capture(Treeprocessor):
        def run(self, root: ET.Element) -> None:
            self.md.captured = root  # type: ignore[attr-defined]

    md = markdown.Markdown()
    md.preprocessors.deregister("html_block")
    for name in ("html", "entity", "automail"):
        md.inlinePatterns.deregister(name)
    md.ESCAPED_CHARS.extend(["<", "|", "~"])
    md.treeprocessors.register(_Capture(md), "policygen-capture", -100)
    return md


_MD: Any = None
_WS = re.compile(r"\s+")


def parse_markdown(text: str) -> list[Block]:
    """Parse Markdown text into model blocks.

    Raises:
        MarkdownProblem: for headings, quotes, code blocks, images, rules.
    """
    return list(_parse_cached(text))


@functools.lru_cache(maxsize=8192)
def _parse_cached(text: str) -> tuple[Block, ...]:
    """Parse once per distinct text, in memory (batches) and on disk (repeat runs)."""
    digest = cache.key("markdown-3", text)  # -2: lists carry the checklist flag; -3: only safe links
    data = cache.load("markdown", digest)
    if data is not None:
        try:
            return tuple(_decode(b) for b in json.loads(data))
        except (ValueError, KeyError, TypeError, IndexError):
            pass
    blocks = _parse(text)
    cache.store("markdown", digest, json.dumps([_encode(b) for b in blocks]).encode("utf-8"))
    return blocks


def _encode(block: Block) -> Any:
    if isinstance(block, Paragraph):
        return {"p": [_span_out(s) for s in block.spans]}
    return {
        "l": block.ordered,
        "c": block.checklist,
        "i": [[[_span_out(s) for s in it.spans], [_encode(c) for c in it.children]] for it in block.items],
    }


def _decode(data: Any) -> Block:
    if "p" in data:
        return Paragraph(tuple(Span(*s) for s in data["p"]))
    return ListBlock(
        bool(data["l"]),
        tuple(ListItem(tuple(Span(*s) for s in spans), tuple(_decode(c) for c in kids)) for spans, kids in data["i"]),
        bool(data.get("c")),
    )


def _span_out(s: Span) -> list:
    return [s.text, s.bold, s.italic, s.code, s.href]


def _tree(text: str) -> ET.Element:
    global _MD
    if _MD is None:
        _MD = _make_markdown()
    _MD.reset()
    _MD.convert(text)
    return _MD.captured  # type: ignore[attr-defined]


def _parse(text: str) -> tuple[Block, ...]:
    return tuple(_block(el) for el in _tree(text))


def unsafe_links(text: str) -> list[str]:
    """Return the link targets in Markdown text that documents do not carry (``model.safe_href``)."""
    return [el.get("href") or "" for el in _tree(text).iter("a") if safe_href(el.get("href")) is None]


_UNSUPPORTED = {
    "h1": "headings (the clause title is the heading)",
    "h2": "headings (the clause title is the heading)",
    "h3": "headings (the clause title is the heading)",
    "h4": "headings (the clause title is the heading)",
    "h5": "headings (the clause title is the heading)",
    "h6": "headings (the clause title is the heading)",
    "blockquote": "block quotes",
    "pre": "code blocks (indent list items by four spaces, other text not at all)",
    "hr": "horizontal rules",
    "img": "images",
}


_BOX = "[ ] "


def _block(el: ET.Element) -> Block:
    if el.tag == "p":
        return Paragraph(_spans(el))
    if el.tag in ("ul", "ol"):
        items = tuple(_item(li) for li in el if li.tag == "li")
        if el.tag == "ul" and items and all(it.spans and it.spans[0].text.startswith(_BOX) for it in items):
            # "- [ ] step": a checklist. Every item must have a box, so a
            # list that merely starts with "[ ]" text stays a list.
            items = tuple(ListItem(_unbox(it.spans), it.children) for it in items)
            return ListBlock(False, items, checklist=True)
        return ListBlock(el.tag == "ol", items)
    raise MarkdownProblem(f"clause bodies cannot contain {_UNSUPPORTED.get(el.tag, el.tag)}")


def _unbox(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    first = spans[0]
    rest = first.text[len(_BOX) :]
    head = (Span(rest, first.bold, first.italic, first.code, first.href),) if rest else ()
    return head + spans[1:]


def _item(li: ET.Element) -> ListItem:
    children: list[Block] = []
    head: list[Span] = []
    # A loose list item wraps its text in <p>; a tight one holds it directly.
    inline = ET.Element("span")
    inline.text = li.text
    for child in li:
        if child.tag in ("ul", "ol", "p"):
            if child.tag == "p" and not head and not children:
                head = list(_spans(child))
            else:
                children.append(_block(child))
        else:
            inline.append(child)
    if not head:
        head = list(_spans(inline))
    return ListItem(tuple(head), tuple(children))


def _spans(el: ET.Element) -> tuple[Span, ...]:
    out: list[Span] = []
    _collect(el, out, bold=False, italic=False, href=None)
    return _tidy(out)


def _collect(el: ET.Element, out: list[Span], *, bold: bool, italic: bool, href: str | None) -> None:
    if el.text:
        out.append(Span(el.text, bold, italic, False, href))
    for child in el:
        tag = child.tag
        if tag == "strong":
            _collect(child, out, bold=True, italic=italic, href=href)
        elif tag == "em":
            _collect(child, out, bold=bold, italic=True, href=href)
        elif tag == "a":
            _collect(child, out, bold=bold, italic=italic, href=safe_href(child.get("href")))
        elif tag == "code":
            out.append(Span(child.text or "", bold, italic, True, href))
        elif tag == "br":
            out.append(Span(" ", bold, italic, False, href))
        else:
            raise MarkdownProblem(f"clause bodies cannot contain {_UNSUPPORTED.get(tag, tag)}")
        if child.tail:
            out.append(Span(child.tail, bold, italic, False, href))


def _tidy(spans: list[Span]) -> tuple[Span, ...]:
    """Collapse white space, merge neighbours with the same style, trim ends."""
    merged: list[Span] = []
    for s in spans:
        text = s.text if s.code else _WS.sub(" ", s.text)
        if merged and _same_style(merged[-1], s):
            prev = merged[-1]
            text = prev.text + text
            if not s.code:
                text = text.replace("  ", " ")
            merged[-1] = Span(text, s.bold, s.italic, s.code, s.href)
        elif text:
            if merged and not s.code and merged[-1].text.endswith(" ") and text.startswith(" "):
                text = text[1:]
            merged.append(Span(text, s.bold, s.italic, s.code, s.href))
    if merged:
        first, last = merged[0], merged[-1]
        merged[0] = Span(first.text.lstrip(), first.bold, first.italic, first.code, first.href)
        last = merged[-1]
        merged[-1] = Span(last.text.rstrip(), last.bold, last.italic, last.code, last.href)
    return tuple(s for s in merged if s.text)


def _same_style(a: Span, b: Span) -> bool:
    return (a.bold, a.italic, a.code, a.href) == (b.bold, b.italic, b.code, b.href)
