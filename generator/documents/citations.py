"""Citations in the documents: numbered notes on each legal duty, and the "Sources" annex.

A skeleton chooses what its document shows (``templates/documents/<doc>.yaml``):

``citations: notes``
    Each clause that cites a source gets a numbered note per citation,
    referred to from the end of its first paragraph: source, pinpoint, URL and
    how the citation was verified, in words. Word shows them as footnotes.
``sources: citations``
    An annex lists each cited source once (grouped by source and URL), with
    its pinpoints, its verification in words, the date its clauses were last
    reviewed and the clauses that cite it.
``sources: links``
    An annex lists each phone number and web address the text gives, with
    the date the clause giving it was last reviewed (the safety tips).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from ..library import Clause
from ..library.clauses import VERIFICATION_WORDS
from .model import Block, ClauseBlock, ListBlock, ListItem, Note, Paragraph, Section, Span, Table, plain_text

#: Weakest first: a source cited with several marks shows the weakest.
_STRENGTH = ("UNVERIFIED", "P", "V2", "V")


def verification_words(mark: str) -> str:
    """Return the reader's words for a verification mark."""
    return VERIFICATION_WORDS.get(mark, mark)


def _citation_spans(ct: dict) -> tuple[Span, ...]:
    source = ct["source"].strip()
    pinpoint = (ct.get("pinpoint") or "").strip()
    head = f"{source}, {pinpoint}" if pinpoint and pinpoint not in source else source
    return (
        Span(head.rstrip(".") + ". "),
        Span(ct["url"], href=ct["url"]),
        Span(f" ({verification_words(ct['verified'])})."),
    )


def _with_refs(blocks: list[Block], refs: tuple[Span, ...]) -> list[Block]:
    """Append note references to the first paragraph or list item of a clause body."""
    out = list(blocks)
    for i, block in enumerate(out):
        if isinstance(block, Paragraph):
            out[i] = Paragraph((*block.spans, *refs))
            return out
        if isinstance(block, ListBlock) and block.items:
            first = block.items[0]
            out[i] = replace(block, items=(replace(first, spans=(*first.spans, *refs)), *block.items[1:]))
            return out
    return [*out, Paragraph(refs)]


def shown_citations(clause: Clause, places: Iterable[str] | None = None) -> list[dict]:
    """Return the citations a profile in ``places`` sees: those of its jurisdictions, or of none in particular."""
    if places is None:
        return list(clause.meta["citations"])
    allowed = {*places, "global"}
    return [ct for ct in clause.meta["citations"] if ct.get("jurisdiction") in (None, *allowed)]


def add_notes(sections: list[Section], clauses: dict[str, Clause], places: Iterable[str] | None = None) -> list[Note]:
    """Give every clause that cites a source one numbered note per citation; return the notes in order.

    The references go at the end of the clause's first paragraph (or first
    list item), so Word keeps them out of the headings and the contents.
    """
    notes: list[Note] = []
    for section in sections:
        for block in section.clauses:
            clause = clauses.get(block.id)
            cited = shown_citations(clause, places) if clause is not None else []
            if not cited:
                continue
            refs = []
            for ct in cited:
                number = len(notes) + 1
                notes.append(Note(number, _citation_spans(ct)))
                refs.append(Span(str(number), note=number))
            block.blocks = _with_refs(block.blocks, tuple(refs))
    return notes


@dataclass
class _Source:
    source: str
    url: str
    marks: dict[str, str] = field(default_factory=dict)  # pinpoint -> weakest mark
    reviewed: dt.date | None = None
    numbers: list[str] = field(default_factory=list)


def _weakest(a: str, b: str) -> str:
    return min(a, b, key=lambda m: _STRENGTH.index(m) if m in _STRENGTH else 0)


def _clause_blocks(sections: Iterable[Section]) -> Iterable[ClauseBlock]:
    for section in sections:
        yield from section.clauses


def cited_sources(
    sections: list[Section], clauses: dict[str, Clause], places: Iterable[str] | None = None
) -> list[_Source]:
    """Each cited source once (by its URL, named by its shortest citation), in order of first citation."""
    found: dict[str, _Source] = {}
    for block in _clause_blocks(sections):
        clause = clauses.get(block.id)
        if clause is None:
            continue
        for ct in shown_citations(clause, places):
            name = ct["source"].strip()
            entry = found.setdefault(ct["url"], _Source(name, ct["url"]))
            if len(name) < len(entry.source):
                entry.source = name
            pin = (ct.get("pinpoint") or "").strip()
            entry.marks[pin] = _weakest(entry.marks.get(pin, ct["verified"]), ct["verified"])
            reviewed = clause.meta["last_reviewed"]
            entry.reviewed = reviewed if entry.reviewed is None else min(entry.reviewed, reviewed)
            if block.number not in entry.numbers:
                entry.numbers.append(block.number)
    for entry in found.values():  # "(c)" is said by "(c) (minimise access ...)"
        for pin in list(entry.marks):
            longer = [p for p in entry.marks if p != pin and p.startswith(pin + " ")]
            if pin and longer:
                mark = entry.marks.pop(pin)
                entry.marks[longer[0]] = _weakest(entry.marks[longer[0]], mark)
    return list(found.values())


def _where(numbers: list[str]) -> str:
    return ("clause " if len(numbers) == 1 else "clauses ") + ", ".join(numbers)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sources_citations(
    sections: list[Section], clauses: dict[str, Clause], intro: str, places: Iterable[str] | None = None
) -> list[Block]:
    """Build a "Sources" annex listing every cited source once; empty when nothing is cited."""
    items = []
    for src in cited_sources(sections, clauses, places):
        by_mark: dict[str, list[str]] = {}
        for pin, mark in src.marks.items():
            by_mark.setdefault(mark, []).append(pin)
        how = []
        for mark in sorted(by_mark, key=lambda m: -_STRENGTH.index(m) if m in _STRENGTH else 0):
            pins = [p for p in by_mark[mark] if p]
            words = _cap(verification_words(mark))
            how.append(f"{words}: {'; '.join(pins)}." if pins and len(by_mark) > 1 else f"{words}.")
        pins_all = [p for p in src.marks if p]
        head = f", {'; '.join(pins_all)}. " if pins_all and len(by_mark) == 1 else ". "
        reviewed = src.reviewed.isoformat() if src.reviewed else "not recorded"
        spans = [
            Span(src.source, bold=True),
            Span(head),
            Span(src.url, href=src.url),
            Span(f". {' '.join(how)} Last reviewed {reviewed}; cited in {_where(src.numbers)}."),
        ]
        items.append(ListItem(tuple(spans)))
    if not items:
        return []
    return [Paragraph((Span(intro.strip()),)), ListBlock(False, tuple(items))]


#: A phone number: digits in groups (at least six digits), or a short number after "call", "text" or "dial".
_PHONE = re.compile(r"(?<![\w/.:-])(?:\+?\d[\d ‑-]{4,}\d)(?![\w/-])|(?<=\b(?:call|text|dial) )\d{3,4}\b", re.I)
_URL = re.compile(r"https?://[^\s)<>\]]+[^\s)<>\].,;:!?'\"]")


def _contacts_in(blocks: Iterable[Block]) -> list[str]:
    found: list[str] = []

    def spans(ss: tuple[Span, ...]) -> None:
        for s in ss:
            if s.href and s.href.startswith(("http://", "https://")):
                found.append(s.href)
        text = plain_text(ss)
        found.extend(m.group(0) for m in _URL.finditer(text))
        for m in _PHONE.finditer(text):
            number = m.group(0).strip()
            long_enough = sum(c.isdigit() for c in number) >= 6 or len(number) <= 4
            if long_enough and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", number):
                found.append(number)

    def walk(bs: Iterable[Block]) -> None:
        for b in bs:
            if isinstance(b, Paragraph):
                spans(b.spans)
            elif isinstance(b, ListBlock):
                for item in b.items:
                    spans(item.spans)
                    walk(item.children)
            elif isinstance(b, Table):
                for row in b.rows:
                    for cell in row:
                        spans(cell)

    walk(blocks)
    return found


def sources_links(sections: list[Section], clauses: dict[str, Clause], intro: str) -> list[Block]:
    """Build a "Sources" annex: every phone number and web address once, with its last-checked date."""
    seen: dict[str, tuple[dt.date | None, list[str]]] = {}
    for block in _clause_blocks(sections):
        clause = clauses.get(block.id)
        reviewed = clause.meta["last_reviewed"] if clause is not None else None
        for contact in _contacts_in(block.blocks):
            date, where = seen.setdefault(contact, (reviewed, []))
            if reviewed is not None and (date is None or reviewed < date):
                seen[contact] = (reviewed, where)
            if block.title not in where:
                where.append(block.title)
    if not seen:
        return []
    rows = []
    for contact, (date, where) in seen.items():
        shown = (Span(contact, href=contact),) if contact.startswith("http") else (Span(contact),)
        rows.append((shown, (Span(date.isoformat() if date else "not recorded"),), (Span("; ".join(where)),)))
    return [
        Paragraph((Span(intro.strip()),)),
        Table("Phone numbers and web addresses", ("Number or address", "Last checked", "Where"), tuple(rows)),
    ]


__all__ = [
    "shown_citations",
    "VERIFICATION_WORDS",
    "add_notes",
    "cited_sources",
    "sources_citations",
    "sources_links",
    "verification_words",
]
