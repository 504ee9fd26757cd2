"""Render a document model as clean Markdown with numbered sections."""

from __future__ import annotations

import json
import re

from ..documents.model import Block, Document, ListBlock, Paragraph, Span, Table, safe_href
from ..library.templating import Templates

_INLINE = re.compile(r"([\\`*_\[\]<>])")
_LINE_START = re.compile(r"^([#>+\-=|]|\d+[.)])")


def escape(text: str) -> str:
    """Escape inline text so Markdown readers show it literally."""
    return _INLINE.sub(r"\\\1", text)


def spans_md(spans: tuple[Span, ...]) -> str:
    """Render inline spans."""
    out = []
    previous_note = False
    for s in spans:
        if s.note is not None:
            # pandoc and GitHub footnotes; a comma keeps two references from reading as one number
            out.append(("," if previous_note else "") + f"[^{s.note}]")
            previous_note = True
            continue
        previous_note = False
        if s.code:
            fence = "``" if "`" in s.text else "`"
            text = f"{fence}{s.text}{fence}"
        else:
            text = _INLINE.sub(r"\\\1", s.text)
        if s.bold and s.italic:
            text = f"***{text}***"
        elif s.bold:
            text = f"**{text}**"
        elif s.italic:
            text = f"*{text}*"
        href = safe_href(s.href)
        if href:
            href = f"<{href}>" if re.search(r"[\s()<>]", href) else href
            text = f"[{text}]({href})"
        out.append(text)
    md = "".join(out)
    return _LINE_START.sub(lambda m: m.group(1)[:-1] + "\\" + m.group(1)[-1], md)


def blocks_md(blocks: list[Block] | tuple[Block, ...], indent: str = "") -> list[str]:
    """Render blocks as a list of Markdown chunks (joined by blank lines)."""
    chunks = []
    for block in blocks:
        if isinstance(block, Paragraph):
            chunks.append(indent + spans_md(block.spans))
        elif isinstance(block, Table):
            chunks.append(table_md(block))
        elif isinstance(block, ListBlock):
            lines = []
            for i, item in enumerate(block.items, 1):
                marker = f"{i}. " if block.ordered else "- [ ] " if block.checklist else "- "
                lines.append(f"{indent}{marker}{spans_md(item.spans)}")
                for child in blocks_md(list(item.children), indent + "    "):
                    lines.append(child)
            chunks.append("\n".join(lines))
    return chunks


def table_md(table: Table) -> str:
    """Render a table as a captioned pipe table (GitHub Flavored Markdown)."""

    def cell(spans: tuple[Span, ...]) -> str:
        return spans_md(spans).replace("|", "\\|") or " "

    lines = [f"**{escape(table.caption)}**", ""]
    lines.append("| " + " | ".join(escape(h).replace("|", "\\|") for h in table.header) + " |")
    lines.append("|" + "|".join("---" for _ in table.header) + "|")
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows)
    return "\n".join(lines)


def front_matter(doc: Document) -> str:
    """YAML front matter with what pandoc and static-site generators read: title, date, lang.

    Values are written as JSON strings, which YAML reads unchanged, so a
    company name with quotes or colons cannot break the block. ``date`` is the
    effective date, left out until the profile sets one. Provenance is at the
    end of the document (:func:`about`) and in ``manifest.json``.
    """
    q = json.dumps
    lines = ["---", f"title: {q(f'{doc.title} — {doc.company}', ensure_ascii=False)}"]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.effective_date):
        lines.append(f"date: {q(doc.effective_date)}")
    lines += [f"lang: {q(doc.language)}", "---"]
    return "\n".join(lines)


def about(doc: Document) -> str:
    """Return the "About this document" block for the end: library, profile and build digests."""
    return (
        f"**About this document.** {escape(doc.meta['document'])}, version {escape(doc.version)}, assembled by "
        f"policygen from the clause library {escape(doc.library_name)} {escape(doc.library_version)}. "
        f"Profile digest `sha256:{doc.meta['profile-digest']}`; build digest `{doc.meta['build-digest']}`. "
        "Each clause's version and hash are listed in manifest.json."
    )


def render_markdown(doc: Document, templates: Templates) -> bytes:
    """Render the document as UTF-8 Markdown: short front matter, the text, provenance at the end.

    The title is in the front matter only, so pandoc (which shows the
    ``title`` field) does not print it twice.
    """
    parts = [front_matter(doc)]
    parts.append(
        "\n".join(
            [
                f"- **Company:** {escape(doc.company)}",
                f"- **Document:** {escape(doc.meta['document'])}",
                f"- **Version:** {escape(doc.version)}",
                f"- **Effective date:** {escape(doc.effective_date)}",
            ]
        )
    )
    parts.extend("> " + chunk.replace("\n", "\n> ") for chunk in blocks_md(doc.disclaimer))
    parts.extend(blocks_md(doc.intro))
    for section in doc.sections:
        parts.append(f"## {section.number}. {escape(section.title)}")
        parts.extend(blocks_md(section.intro))
        for clause in section.clauses:
            parts.append(f"### {clause.number} {escape(clause.title)}")
            parts.extend(blocks_md(clause.blocks))
    for appendix in doc.appendices:
        parts.append(f"## Appendix {appendix.number}. {escape(appendix.title)}")
        parts.extend(blocks_md(appendix.intro))
    if doc.notes:
        parts.append("\n".join(f"[^{n.number}]: {spans_md(n.spans)}" for n in doc.notes))
    if not doc.meta.get("final"):  # published pages carry no build details; manifest.json keeps them
        parts += ["---", about(doc)]
    return ("\n\n".join(parts) + "\n").encode("utf-8")
