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

import jinja2
from markupsafe import Markup

from .. import limits
from ..documents.model import Block, Document, ListBlock, Paragraph, Span, Table, safe_href
from ..errors import LibraryError
from ..library.templating import PAGE_ERRORS, Templates, make_env, page_template_problem, read_text_checked


def spans_html(spans: tuple[Span, ...]) -> str:
    """Render inline spans."""
    out = []
    previous_note = False
    for s in spans:
        if s.note is not None:
            comma = "<sup>,</sup>" if previous_note else ""
            out.append(
                f'{comma}<sup class="note-ref"><a href="#note-{s.note}" id="note-ref-{s.note}" '
                f'aria-label="Note {s.note}">{s.note}</a></sup>'
            )
            previous_note = True
            continue
        previous_note = False
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
    """Render a table; on a phone each row becomes a card (cells labelled by ``data-label``, see style.css)."""
    caption = escape(table.caption)
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in table.header)
    rows = []
    labels = [escape(h) for h in table.header[1:]]
    for row in table.rows:
        first, *rest = row
        cells = f'<th scope="row">{spans_html(first)}</th>' + "".join(
            f'<td data-label="{label}">{spans_html(c)}</td>' for label, c in zip(labels, rest, strict=False)
        )
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
    if doc.notes:
        parts.append('<section class="notes" aria-labelledby="notes">')
        parts.append(f'<h2 id="notes">{escape(doc.meta.get("notes-title", "Notes"))}</h2>')
        parts.append('<ol class="notes">')
        for n in doc.notes:
            back = f' <a href="#note-ref-{n.number}" aria-label="Back to the text of note {n.number}">&#8617;</a>'
            parts.append(f'<li id="note-{n.number}">{spans_html(n.spans)}{back}</li>')
        parts.append("</ol>\n</section>")
    return "\n".join(parts)


@functools.lru_cache(maxsize=16)
def _page(search_path: tuple[Path, ...]) -> tuple[Any, str]:
    """Compile the page template and read the stylesheet once per template folder.

    Raises:
        LibraryError: naming the file when either is missing, linked from
            outside the templates folder, not UTF-8, or (the page) not a valid template.
    """
    env = make_env(markdown=False, search_path=[p / "html" for p in search_path])
    found = Templates(search_path, {}, {})
    css = read_text_checked(found.find("html/style.css"))
    page_file = str(found.find("html/page.html"))
    try:
        return env.get_template("page.html"), css
    except (jinja2.TemplateSyntaxError, jinja2.TemplateNotFound) as exc:
        raise LibraryError(_PAGE_FAILED, [page_template_problem(exc, page_file)]) from None


_PAGE_FAILED = "Cannot use the HTML page template"


def render_html(doc: Document, templates: Templates) -> bytes:
    """Render the document as a UTF-8 HTML page.

    Raises:
        LibraryError: when the page template fails (undefined variable,
            sandbox refusal, missing include, ...), naming its file and line.
    """
    page, css = _page(templates.search_path)
    toc = [(f"s{s.number}", f"{s.number}. {s.title}") for s in doc.sections]
    toc += [(f"appendix-{a.number.lower()}", f"Appendix {a.number}. {a.title}") for a in doc.appendices]
    if doc.notes:
        toc.append(("notes", doc.meta.get("notes-title", "Notes")))
    try:
        with limits.time_limit():
            html = page.render(
                doc=doc,
                css=Markup(css),
                toc=toc,
                disclaimer=Markup(blocks_html(doc.disclaimer)),
                intro=Markup(blocks_html(doc.intro)),
                body=Markup(_body(doc)),
            )
    except PAGE_ERRORS as exc:
        raise LibraryError(_PAGE_FAILED, [page_template_problem(exc, page.filename or "page.html")]) from None
    return html.encode("utf-8")
