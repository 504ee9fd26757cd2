"""Render a document model as a standalone, accessible HTML page.

The body is serialised here from the model (every text escaped); the page
frame and the CSS come from ``templates/html/`` through the sandboxed,
autoescaping Jinja environment, so a templates folder can restyle the page.
"""

from __future__ import annotations

import functools
from html import escape
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..documents.model import Block, Document, ListBlock, Paragraph, Span, Table, safe_href
from ..library.templating import Templates, make_env


def spans_html(spans: tuple[Span, ...]) -> str:
    """Render inline spans."""
    out = []
    for s in spans:
        text = escape(s.text, quote=False)
        if s.code:
            text = f"<code>{text}</code>"
        if s.italic:
            text = f"<em>{text}</em>"
        if s.bold:
            text = f"<strong>{text}</strong>"
        href = safe_href(s.href)
        if href:
            text = f'<a href="{escape(href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def blocks_html(blocks: list[Block] | tuple[Block, ...]) -> str:
    """Render blocks."""
    out = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(f"<p>{spans_html(block.spans)}</p>")
        elif isinstance(block, Table):
            out.append(table_html(block))
        elif isinstance(block, ListBlock):
            tag = "ol" if block.ordered else "ul"
            items = []
            for item in block.items:
                inner = spans_html(item.spans)
                if item.children:
                    inner += "\n" + blocks_html(item.children)
                items.append(f"<li>{inner}</li>")
            attrs = ' class="checklist"' if block.checklist else ""
            out.append(f"<{tag}{attrs}>\n" + "\n".join(items) + f"\n</{tag}>")
    return "\n".join(out)


def table_html(table: Table) -> str:
    """Render a table; the wrapper scrolls sideways on a phone and can take focus for keyboard users."""
    caption = escape(table.caption)
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.header)
    rows = []
    for row in table.rows:
        first, *rest = row
        cells = f'<th scope="row">{spans_html(first)}</th>' + "".join(f"<td>{spans_html(c)}</td>" for c in rest)
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{caption}">\n'
        f"<table>\n<caption>{caption}</caption>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n</div>"
    )


def _body(doc: Document) -> str:
    parts = []
    for section in doc.sections:
        sid = f"s{section.number}"
        parts.append(f'<section data-section="{escape(section.id)}" aria-labelledby="{sid}">')
        parts.append(f'<h2 id="{sid}"><span class="num">{section.number}.</span> {escape(section.title)}</h2>')
        if section.intro:
            parts.append(blocks_html(section.intro))
        for clause in section.clauses:
            cid = "c" + clause.number.replace(".", "-")
            parts.append(f'<section class="clause" id="{escape(clause.id)}" aria-labelledby="{cid}">')
            parts.append(f'<h3 id="{cid}"><span class="num">{clause.number}</span> {escape(clause.title)}</h3>')
            parts.append(blocks_html(clause.blocks))
            parts.append("</section>")
        parts.append("</section>")
    for appendix in doc.appendices:
        aid = f"appendix-{appendix.number.lower()}"
        parts.append(f'<section class="appendix" aria-labelledby="{aid}">')
        parts.append(f'<h2 id="{aid}">Appendix {appendix.number}. {escape(appendix.title)}</h2>')
        parts.append(blocks_html(appendix.intro))
        parts.append("</section>")
    return "\n".join(parts)


@functools.lru_cache(maxsize=16)
def _page(search_path: tuple[Path, ...]) -> tuple[Any, str]:
    """Compile the page template and read the stylesheet once per template folder."""
    env = make_env(markdown=False, search_path=[p / "html" for p in search_path])
    css = Templates(search_path, {}, {}).find("html/style.css").read_text(encoding="utf-8")
    return env.get_template("page.html"), css


def render_html(doc: Document, templates: Templates) -> bytes:
    """Render the document as a UTF-8 HTML page."""
    page, css = _page(templates.search_path)
    toc = [(f"s{s.number}", f"{s.number}. {s.title}") for s in doc.sections]
    toc += [(f"appendix-{a.number.lower()}", f"Appendix {a.number}. {a.title}") for a in doc.appendices]
    html = page.render(
        doc=doc,
        css=Markup(css),
        toc=toc,
        disclaimer=Markup(blocks_html(doc.disclaimer)),
        intro=Markup(blocks_html(doc.intro)),
        body=Markup(_body(doc)),
    )
    return html.encode("utf-8")
