"""Bring counsel's edits to a generated Word document back into the clause library.

``policygen generate`` marks each clause's paragraphs in the DOCX with a
hidden bookmark named after the clause id (``render.docx.clause_bookmark``).
This module reads an edited copy (tracked changes, comments or plain edits),
finds each clause's paragraphs by those bookmarks, compares the edited text
with the clause as the build rendered it, and maps each edit back to the
clause's Markdown/Jinja source:

- text that came from a template expression (``{{ company.name }}``) is a
  *generated value*: reported ("change the profile"), never patched;
- an edit is patched only when its old text (with the least context that
  makes it unique) occurs exactly once as literal text in the source, and
  the patched clause, rendered again, gives exactly the edited text;
  anything else is listed for a person to resolve, never guessed.

The DOCX is untrusted: size, entry and unpacked-size limits before parsing,
XML parsed without DTDs, entities or network.
"""

from __future__ import annotations

import difflib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..documents.model import Block, Document, ListBlock, Paragraph, Span, Table, safe_href
from ..errors import PolicyGenError, Problem, UsageError
from ..library import Clause, Library, clause_context
from ..profile import Profile
from ..render.docx import CLAUSE_BOOKMARK_PREFIX, clause_bookmark

#: A DOCX over this size is refused before it is unpacked.
MAX_DOCX_BYTES = 32 * 1024 * 1024
#: Refused past this many zip entries, or this many bytes unpacked in all, or per XML part.
MAX_ENTRIES = 2000
MAX_UNPACKED = 256 * 1024 * 1024
MAX_PART = 64 * 1024 * 1024

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_OPEN, _CLOSE = "\ue000", "\ue001"
_EXPR = re.compile(r"\{\{.*?\}\}", flags=re.S)
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_MARKUP = set("*_[]`{}<>\\")
_LIST_PREFIX = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")


class AbsorbError(UsageError):
    """The document cannot be absorbed (not policygen's, another build, hostile): exit 2."""


# -- reading the DOCX ----------------------------------------------------------------------------


@dataclass
class _Para:
    style: str = ""
    original: str = ""
    accepted: str = ""
    clause: str | None = None  # bookmark name
    clause_set: bool = False
    mark: str | None = None  # "ins" / "del": a paragraph-mark revision
    revisions: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, author, date)
    comments: list[str] = field(default_factory=list)


@dataclass
class Edited:
    """What the edited DOCX holds."""

    properties: dict[str, str]
    paragraphs: list[_Para]
    comments: dict[str, tuple[str, str, str]]  # id -> (author, date, text)


def _read_zip(data: bytes, shown: str) -> dict[str, bytes]:
    def refuse(message: str) -> AbsorbError:
        return AbsorbError(f"Cannot absorb {shown}", [Problem(shown, "", message)])

    if len(data) > MAX_DOCX_BYTES:
        raise refuse(f"is {len(data):,} bytes; a Word document over {MAX_DOCX_BYTES // 2**20} MiB is refused")
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(f"not a Word document (not a zip package: {exc})") from None
    if len(infos) > MAX_ENTRIES:
        raise refuse(f"has {len(infos):,} zip entries; refused over {MAX_ENTRIES:,} (a zip bomb?)")
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNPACKED:
        raise refuse(f"unpacks to {declared:,} bytes; refused over {MAX_UNPACKED // 2**20} MiB (a zip bomb?)")
    wanted = ("word/document.xml", "word/comments.xml", "docProps/custom.xml")
    parts: dict[str, bytes] = {}
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        raise refuse("not a Word document (no word/document.xml)")
    for name in wanted:
        if name not in names:
            continue
        try:
            with z.open(name) as fh:  # never trust the declared size: stop reading past the limit
                blob = fh.read(MAX_PART + 1)
        except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError, EOFError) as exc:
            raise refuse(f"{name} cannot be unpacked: {exc}") from None
        if len(blob) > MAX_PART:
            raise refuse(f"{name} unpacks to over {MAX_PART // 2**20} MiB; refused (a zip bomb?)")
        parts[name] = blob
    return parts


def _parse_xml(blob: bytes, shown: str, name: str) -> Any:
    from lxml import etree

    if re.search(rb"<!(DOCTYPE|ENTITY)", blob[:4096], flags=re.I) or b"<!ENTITY" in blob:
        raise AbsorbError(
            f"Cannot absorb {shown}", [Problem(shown, name, "holds a DTD or entity declaration; refused")]
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(blob, parser)
    except etree.XMLSyntaxError as exc:
        raise AbsorbError(f"Cannot absorb {shown}", [Problem(shown, name, f"is not well-formed XML: {exc}")]) from None


def read_edited(data: bytes, shown: str) -> Edited:
    """Read paragraphs (text as first generated and with changes accepted), bookmarks and comments.

    Raises:
        AbsorbError: for a hostile or damaged package.
    """
    parts = _read_zip(data, shown)
    props: dict[str, str] = {}
    if "docProps/custom.xml" in parts:
        root = _parse_xml(parts["docProps/custom.xml"], shown, "docProps/custom.xml")
        props = {p.get("name", ""): "".join(p.itertext()) for p in root}
    comments: dict[str, tuple[str, str, str]] = {}
    if "word/comments.xml" in parts:
        root = _parse_xml(parts["word/comments.xml"], shown, "word/comments.xml")
        for c in root.iter(f"{_W}comment"):
            text = "\n".join("".join(t.text or "" for t in p.iter(f"{_W}t")) for p in c.iter(f"{_W}p")).strip()
            date = c.get(f"{_W}date", "")
            date = "" if date.startswith("0-") else date  # LibreOffice writes 0-00-00 for an undated comment
            comments[c.get(f"{_W}id", "")] = (c.get(f"{_W}author", ""), date, text)
    root = _parse_xml(parts["word/document.xml"], shown, "word/document.xml")
    body = root.find(f"{_W}body")
    paragraphs: list[_Para] = []
    open_marks: dict[str, str] = {}
    if body is not None:
        _walk(body, None, False, False, open_marks, paragraphs)
    for prev, p in zip(paragraphs, paragraphs[1:], strict=False):
        # A paragraph typed after a clause's last one (Enter at its end) falls after the marker's end: a
        # wholly inserted paragraph belongs to the clause before it.
        if p.clause is None and prev.clause and not p.original.strip() and p.accepted.strip():
            p.clause = prev.clause
    return Edited(props, paragraphs, comments)


def _current(open_marks: dict[str, str]) -> str | None:
    names = sorted(set(open_marks.values()))
    return names[-1] if len(names) == 1 else (None if not names else "\x00" + " ".join(names))


def _walk(el: Any, para: _Para | None, ins: bool, dele: bool, marks: dict[str, str], out: list[_Para]) -> None:
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag == f"{_W}p":
            p = _Para()
            _walk(child, p, False, False, marks, out)
            if not p.clause_set:
                p.clause, p.clause_set = _current(marks), True
            out.append(p)
        elif tag == f"{_W}bookmarkStart":
            name = child.get(f"{_W}name", "")
            if name.startswith(CLAUSE_BOOKMARK_PREFIX):
                # Clause markers never overlap, so a marker's start closes any other. LibreOffice saves a
                # marker spanning paragraphs as a start that is never ended, then a start and end of the same
                # name around the last paragraph's text.
                marks.clear()
                marks[child.get(f"{_W}id", "")] = name
        elif tag == f"{_W}bookmarkEnd":
            marks.pop(child.get(f"{_W}id", ""), None)
        elif para is None:
            _walk(child, None, ins, dele, marks, out)
        elif tag == f"{_W}pPr":
            style = child.find(f"{_W}pStyle")
            para.style = style.get(f"{_W}val", "") if style is not None else ""
            rpr = child.find(f"{_W}rPr")
            if rpr is not None:
                for kind in ("ins", "del"):
                    rev = rpr.find(f"{_W}{kind}")
                    if rev is not None:
                        para.mark = kind
                        para.revisions.append((kind, rev.get(f"{_W}author", ""), rev.get(f"{_W}date", "")))
        elif tag in (f"{_W}ins", f"{_W}del", f"{_W}moveTo", f"{_W}moveFrom"):
            kind = "ins" if tag in (f"{_W}ins", f"{_W}moveTo") else "del"
            para.revisions.append((kind, child.get(f"{_W}author", ""), child.get(f"{_W}date", "")))
            _walk(child, para, ins or kind == "ins", dele or kind == "del", marks, out)
        elif tag in (f"{_W}t", f"{_W}delText", f"{_W}tab", f"{_W}br", f"{_W}cr"):
            text = child.text or "" if tag in (f"{_W}t", f"{_W}delText") else ("\t" if tag == f"{_W}tab" else "\n")
            if not para.clause_set and text:
                para.clause, para.clause_set = _current(marks), True
            if not ins:
                para.original += text
            if not dele and tag != f"{_W}delText":
                para.accepted += text
        elif tag in (f"{_W}commentRangeStart", f"{_W}commentReference"):
            cid = child.get(f"{_W}id", "")
            if cid not in para.comments:
                para.comments.append(cid)
        elif tag in (f"{_W}instrText", f"{_W}delInstrText", f"{_W}rPr", f"{_W}footnoteReference"):
            continue
        elif tag == f"{_W}r" and (child.find(f"{_W}footnoteReference") is not None or _note_comma(child)):
            continue  # a note's reference, or the superscript comma between two: not clause text
        else:
            _walk(child, para, ins, dele, marks, out)


def _note_comma(run: Any) -> bool:
    """Whether a run is the superscript comma the writer puts between two note references."""
    texts = [el.text or "" for el in run.iter(f"{_W}t")]
    align = run.find(f"{_W}rPr/{_W}vertAlign")
    return "".join(texts) == "," and align is not None and align.get(f"{_W}val") == "superscript"


def _joined(paragraphs: list[_Para], accepted: bool) -> list[tuple[str | None, str, str, list[_Para]]]:
    """Paragraphs as they read with changes accepted (or rejected): a removed paragraph mark joins the next one.

    Returns (clause bookmark or None, style, text, source paragraphs); a joined
    paragraph spanning two clauses gets the clause ``"\\x00"`` + names.
    """
    out: list[tuple[str | None, str, str, list[_Para]]] = []
    carry: list[_Para] = []
    gone = "del" if accepted else "ins"
    for p in paragraphs:
        carry.append(p)
        if p.mark == gone:
            continue
        text = "".join(q.accepted if accepted else q.original for q in carry)
        clauses = {q.clause for q in carry if (q.accepted if accepted else q.original)} or {carry[-1].clause}
        clause = clauses.pop() if len(clauses) == 1 else "\x00" + " ".join(sorted(c or "-" for c in clauses))
        style = next((q.style for q in carry if (q.accepted if accepted else q.original)), carry[-1].style)
        out.append((clause, style, text, carry))
        carry = []
    if carry:
        out.append((carry[0].clause, carry[0].style, "".join(q.accepted for q in carry), carry))
    return out


# -- the clause as rendered ------------------------------------------------------------------------


def _span_text(spans: tuple[Span, ...]) -> str:
    out = []
    for s in spans:
        if s.note is not None:
            continue  # a note's number: Word shows it as a footnote reference, not as text
        out.append(s.text)
        href = safe_href(s.href.replace(_OPEN, "").replace(_CLOSE, "") if s.href else None)
        if href and href not in s.text.replace(_OPEN, "").replace(_CLOSE, "") and not href.startswith(("mailto:", "#")):
            out.append(f" ({href})")
    return "".join(out)


def flatten(blocks: list[Block] | tuple[Block, ...]) -> list[tuple[str, str]]:
    """Return a clause's paragraphs as the Word renderer writes them: (kind ``p`` / ``li`` / ``cell``, text)."""
    out: list[tuple[str, str]] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            out.append(("p", _span_text(block.spans)))
        elif isinstance(block, Table):
            out.append(("cell", block.caption))
            out.extend(("cell", h) for h in block.header)
            out.extend(("cell", _span_text(c)) for row in block.rows for c in row)
        elif isinstance(block, ListBlock):
            for item in block.items:
                out.append(("li", _span_text(item.spans)))
                for child in item.children:
                    if isinstance(child, Paragraph):
                        out.append(("p", _span_text(child.spans)))
                out.extend(flatten([c for c in item.children if isinstance(c, (ListBlock, Table))]))
    return [(k, t) for k, t in out if t.replace(_OPEN, "").replace(_CLOSE, "").strip()]


def _marked_source(body: str) -> tuple[str, list[str]]:
    """Wrap every ``{{ ... }}`` of a clause body in private-use marks, numbered so each can be named."""
    exprs: list[str] = []

    def mark(m: re.Match[str]) -> str:
        exprs.append(m.group(0))
        return f"{_OPEN}{chr(0xE100 + len(exprs) - 1)}{m.group(0)}{_CLOSE}"

    return _EXPR.sub(mark, body), exprs


def _unmark(text: str) -> tuple[str, list[int | None]]:
    """Strip the marks; return the text and, per character, the expression index it came from (or None)."""
    out, owner, stack = [], [], []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == _OPEN and i + 1 < len(text):
            stack.append(ord(text[i + 1]) - 0xE100)
            i += 2
            continue
        if ch == _CLOSE:
            if stack:
                stack.pop()
            i += 1
            continue
        out.append(ch)
        owner.append(stack[-1] if stack else None)
        i += 1
    return "".join(out), owner


def _render(clause: Clause, body: str, profile: Profile) -> list[tuple[str, str]]:
    from ..documents.assemble import render_markdown_blocks

    return flatten(render_markdown_blocks(body, clause_context(profile.data), clause.file, clause.body_line))


# -- mapping edits to the source -------------------------------------------------------------------


@dataclass
class ClauseEdit:
    """Counsel's edits to one clause, as absorbed."""

    id: str
    file: str
    old_text: str
    new_text: str | None = None  # the patched clause file, when every clause-text edit mapped
    authors: list[tuple[str, str]] = field(default_factory=list)  # (author, date)
    notes: list[dict[str, str]] = field(default_factory=list)  # Word comments: author, date, text
    generated: list[dict[str, str]] = field(default_factory=list)  # edits of generated values
    unresolved: list[str] = field(default_factory=list)  # for a person

    def patch(self, rel: str) -> str:
        """Return a unified diff of the clause file, headed by the tracked changes' authors and the comments."""
        head = [f"# clause {self.id}"]
        head += [f"# tracked change by {a or 'unknown author'} on {d or 'no date'}" for a, d in self.authors]
        head += [
            f"# comment by {n['author'] or 'unknown author'} on {n['date'] or 'no date'}: {n['text']}"
            for n in self.notes
        ]
        diff = difflib.unified_diff(
            self.old_text.splitlines(keepends=True),
            (self.new_text or self.old_text).splitlines(keepends=True),
            f"a/{rel}",
            f"b/{rel}",
        )
        return "\n".join(h.replace("\n", " ") for h in head) + "\n" + "".join(diff)


def _clusters(old: str, new: str, owner: list[int | None]) -> list[tuple[int, int, int, int]]:
    a_tok = [m.group(0) for m in _TOKEN.finditer(old)]
    b_tok = [m.group(0) for m in _TOKEN.finditer(new)]
    a_pos = [0]
    for t in a_tok:
        a_pos.append(a_pos[-1] + len(t))
    b_pos = [0]
    for t in b_tok:
        b_pos.append(b_pos[-1] + len(t))
    out: list[list[int]] = []
    last_end = None
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a_tok, b_tok, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        a, b, c, d = a_pos[i1], a_pos[i2], b_pos[j1], b_pos[j2]
        if out and last_end is not None and not any(o is not None for o in owner[last_end:a]) and a - last_end < 40:
            out[-1][1], out[-1][3] = b, d
        else:
            out.append([a, b, c, d])
        last_end = b
    return [(a, b, c, d) for a, b, c, d in out]


def _touches(owner: list[int | None], a: int, b: int) -> list[int]:
    lo, hi = (a - 1, a + 1) if a == b else (a, b)
    return sorted({o for o in owner[max(lo, 0) : min(hi, len(owner))] if o is not None})


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", flags=re.S)


def _literal(body: str) -> str:
    """Return the body with every template tag blanked out (same length), so only its own words can match."""
    return _TAG.sub(lambda m: "\x00" * len(m.group(0)), body)


def _unique(body: str, old: str, owner: list[int | None], a: int, b: int) -> tuple[int, int, int] | None:
    """Grow [a, b) by whole tokens (never into a generated value) until it occurs once in the body's own words.

    Returns (lo, hi, where it starts in ``body``), or None.
    """
    literal = _literal(body)
    starts = [m.start() for m in _TOKEN.finditer(old)] + [len(old)]
    lo, hi = a, b
    for _ in range(200):
        piece = old[lo:hi]
        if piece.strip() and literal.count(piece) == 1:
            return lo, hi, literal.index(piece)
        grown = False
        prev = max((s for s in starts if s < lo), default=None)
        if prev is not None and owner[prev] is None and all(o is None for o in owner[prev:lo]):
            lo, grown = prev, True
        nxt = min((s for s in starts if s > hi), default=None)
        if nxt is not None and all(o is None for o in owner[hi:nxt]):
            hi, grown = nxt, True
        if not grown:
            return None
    return None


def _line_of(body: str, text: str) -> int | None:
    """Return the index of the one source line that is exactly this paragraph (list marker aside), or None."""
    lines = _literal(body).split("\n")
    hits = [i for i, line in enumerate(lines) if _LIST_PREFIX.sub("", line).strip() == text.strip() and text.strip()]
    return hits[0] if len(hits) == 1 else None


def map_clause(
    clause: Clause,
    profile: Profile,
    old_paras: list[tuple[str, str]],
    new_paras: list[tuple[str, str]],
    edit: ClauseEdit,
) -> None:
    """Patch the clause body for the edits from ``old_paras`` (as rendered) to ``new_paras`` (edited).

    Fills ``edit.new_text`` when every clause-text edit maps to the source with
    certainty, and ``edit.generated`` / ``edit.unresolved`` otherwise.
    """
    marked, exprs = _marked_source(clause.body)
    try:
        rendered = _render(clause, marked, profile)
    except PolicyGenError:  # the marks broke the Markdown: positions of generated values unknown
        rendered = []
    plain = [_unmark(t) for _, t in rendered]
    if [t for t, _ in plain] != [t for _, t in old_paras]:
        plain = [(t, [None] * len(t)) for _, t in old_paras]
        exprs_known = False
    else:
        exprs_known = True
    body = clause.body
    expected = [t for _, t in old_paras]
    person = edit.unresolved
    old_t = [t for _, t in old_paras]
    new_t = [t for _, t in new_paras]
    ops = difflib.SequenceMatcher(None, old_t, new_t, autojunk=False).get_opcodes()
    inserts: list[tuple[int, list[int]]] = []
    deletes: list[int] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(i2 - i1):
                old, owner = plain[i1 + k]
                new = new_t[j1 + k]
                for a, b, c, d in reversed(_clusters(old, new, owner)):
                    hit = _touches(owner, a, b)
                    if hit:
                        vs, ve = min(a, b), max(a, b)
                        while vs > 0 and owner[vs - 1] in hit:
                            vs -= 1
                        while ve < len(owner) and owner[ve] in hit:
                            ve += 1
                        edit.generated.append(
                            {
                                "expression": ", ".join(exprs[h] for h in hit if h < len(exprs)),
                                "old": old[vs:ve],
                                "new": old[vs:a] + new[c:d] + old[b:ve],
                                "message": "edited generated value: change the profile",
                            }
                        )
                        continue
                    if not exprs_known and "{{" in body:
                        person.append(f"{old[a:b]!r} → {new[c:d]!r}: cannot tell clause text from generated values")
                        continue
                    if _MARKUP & set(new[c:d]):
                        person.append(
                            f"{old[a:b]!r} → {new[c:d]!r}: the new text holds Markdown or template characters"
                        )
                        continue
                    span = _unique(body, old, owner, a, b)
                    if span is None:
                        person.append(f"{old[a:b]!r} → {new[c:d]!r}: not found exactly once as text in the source")
                        continue
                    lo, hi, at = span
                    body = body[:at] + old[lo:a] + new[c:d] + old[b:hi] + body[at + hi - lo :]
                    expected[i1 + k] = expected[i1 + k][:a] + new[c:d] + expected[i1 + k][b:]
        elif tag == "delete":
            deletes.extend(range(i1, i2))
        elif tag == "insert":
            inserts.append((i1, list(range(j1, j2))))
        elif tag != "equal":
            person.append(
                "paragraphs "
                + " / ".join(repr(t) for t in old_t[i1:i2])
                + " were rewritten as "
                + " / ".join(repr(t) for t in new_t[j1:j2])
                + ": not mappable paragraph by paragraph"
            )
    lines = body.split("\n")
    line_edits: list[tuple[int, str, list[str]]] = []  # (line index, "del"/"after", new lines)
    for i in deletes:
        if any(plain[i][1]):
            person.append(f"deleted paragraph {old_t[i]!r} holds generated values; delete it in the source by hand")
            continue
        n = _line_of(body, old_t[i])
        if n is None:
            person.append(f"deleted paragraph {old_t[i]!r}: no single source line reads exactly so")
            continue
        line_edits.append((n, "del", []))
        expected[i] = None  # type: ignore[call-overload]
    for i, js in inserts:
        if i == 0:
            person.append("paragraphs inserted before a clause's first paragraph: place them by hand")
            continue
        anchor = _line_of(body, old_t[i - 1]) if not any(plain[i - 1][1]) else None
        kind = old_paras[i - 1][0]
        new_items = [new_paras[j] for j in js]
        if anchor is None or any(_MARKUP & set(t) for _, t in new_items):
            person.append("inserted " + " / ".join(repr(t) for _, t in new_items) + ": cannot place it with certainty")
            continue
        if any(k != kind for k, _ in new_items):
            person.append("inserted " + " / ".join(repr(t) for _, t in new_items) + ": a different kind of paragraph")
            continue
        m = _LIST_PREFIX.match(lines[anchor])
        if kind == "li" and m:
            added = [m.group(0) + t.strip() for _, t in new_items]
        else:
            added = [x for _, t in new_items for x in ("", t.strip())]
        line_edits.append((anchor, "after", added))
        expected[i - 1] = expected[i - 1] + "\x00" + "\x00".join(t for _, t in new_items)
    for n, what, added in sorted(line_edits, key=lambda e: e[0], reverse=True):
        if what == "del":
            del lines[n]
        else:
            lines[n + 1 : n + 1] = added
    body = "\n".join(lines)
    want = [x for t in expected if t is not None for x in t.split("\x00")]
    if body == clause.body:
        return
    if person:  # all or nothing: a half-patched clause would hide what is left
        person.append("the clause is not patched until the edits above are resolved by hand")
        return
    try:
        got = [t for _, t in _render(clause, body, profile)]
    except PolicyGenError as exc:
        person.append(f"the patched clause does not render ({exc}); patch it by hand")
        return
    if got != want:
        person.append("the patched clause would not read exactly as edited; patch it by hand")
        return
    front_end = len(clause.text) - len(clause.body)
    edit.new_text = clause.text[:front_end] + body


def bump_and_explain(text: str, rationale: str) -> str:
    """Bump the patch version in a clause file's front matter and set its ``rationale`` (replacing any)."""
    end = text.index("\n---", 3)
    front, rest = text[: end + 1], text[end + 1 :]
    front = re.sub(
        r"^(version:\s*)([\"']?)(\d+)\.(\d+)\.(\d+)",
        lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}.{m.group(4)}.{int(m.group(5)) + 1}",
        front,
        count=1,
        flags=re.M,
    )
    kept: list[str] = []
    skipping = False
    for line in front.split("\n"):
        if line.startswith("rationale:"):
            skipping = True
            continue
        if skipping and line.startswith((" ", "\t")):
            continue
        skipping = False
        kept.append(line)
    front = "\n".join(kept).rstrip("\n") + "\n"
    return front + "rationale: " + json.dumps(rationale[:2000], ensure_ascii=False) + "\n" + rest


# -- the whole document --------------------------------------------------------------------------


@dataclass
class AbsorbResult:
    """Everything ``absorb`` found in one edited document."""

    doc: str
    edits: list[ClauseEdit]
    outside: list[str]  # edits and comments outside any clause, for a person
    library: Library
    new_library: Library | None = None


def check_build(edited: Edited, library: Library, profile: Profile, shown: str) -> str:
    """Refuse a document policygen did not generate, or one from another build; return its document kind."""
    props = edited.properties
    digest, pins = props.get("policygen.build-digest"), props.get("policygen.clauses")
    if not digest or pins is None:
        raise AbsorbError(
            f"{shown} was not generated by policygen",
            [
                Problem(
                    shown,
                    "docProps/custom.xml",
                    "has no policygen.build-digest property; absorb reads only "
                    "documents that `policygen generate` wrote (and a person then edited)",
                )
            ],
        )
    import hashlib

    problems = []
    ids = [p.split("@", 1)[0] for p in pins.split()]
    mine = []
    for pin, cid in zip(pins.split(), ids, strict=True):
        clause = library.clauses.get(cid)
        if clause is None:
            problems.append(Problem(shown, "policygen.clauses", f"clause {cid} is not in the library {library.root}"))
            continue
        now = f"{cid}@{clause.version}#{clause.content_hash.removeprefix('sha256:')[:12]}"
        if now != pin:
            problems.append(Problem(shown, "policygen.clauses", f"{pin} in the document, {now} in {library.root}"))
        mine.append(now)
    if props.get("policygen.profile-digest") != profile.digest:
        problems.append(
            Problem(
                shown,
                "policygen.profile-digest",
                f"the document was generated from another profile than {profile.source}",
            )
        )
    expected = "sha256:" + hashlib.sha256("\n".join([library.version, profile.digest, *mine]).encode()).hexdigest()
    if not problems and expected != digest:
        problems.append(
            Problem(
                shown,
                "policygen.build-digest",
                f"{digest}, but {library.root} {library.version} with this profile builds {expected}",
            )
        )
    if problems:
        raise AbsorbError(f"{shown} comes from a different build than the library and profile given", problems)
    kinds = {i.split(".", 1)[0] for i in ids}
    if len(kinds) != 1:
        raise AbsorbError(f"{shown} names clauses of no single document", [Problem(shown, "policygen.clauses", pins)])
    return kinds.pop()


def absorb(edited: Edited, doc: str, library: Library, profile: Profile, document: Document) -> AbsorbResult:
    """Map an edited DOCX's changes back to the library's clause files (nothing is written here).

    ``edited`` comes from :func:`read_edited`, checked by :func:`check_build`
    (which gives ``doc``); ``document`` is the model the build rendered.
    """
    by_mark = {clause_bookmark(c.id): c.id for s in document.sections for c in s.clauses}
    blocks = {c.id: c.blocks for s in document.sections for c in s.clauses}
    outside: list[str] = []
    crossing: set[str] = set()
    accepted = _joined(edited.paragraphs, accepted=True)
    new_paras: dict[str, list[tuple[str, str]]] = {}
    revs: dict[str, list[tuple[str, str]]] = {}
    notes: dict[str, list[dict[str, str]]] = {}
    seen_marks = {p.clause for p in edited.paragraphs if p.clause}
    fallback = not (seen_marks & set(by_mark))
    rendered = {cid: [(k, _unmark(t)[0]) for k, t in flatten(b)] for cid, b in blocks.items()}
    if fallback:  # markers lost: find each clause's paragraphs by their text as the build rendered them
        _assign_by_text(edited.paragraphs, rendered, by_mark)
        accepted = _joined(edited.paragraphs, accepted=True)
    for clause_mark, style, text, sources in accepted:
        authors = sorted({(a, d) for q in sources for _, a, d in q.revisions})
        cids = [c for q in sources for c in q.comments]
        if clause_mark and clause_mark.startswith("\x00"):
            names = [by_mark[n] for n in clause_mark[1:].split() if n in by_mark]
            crossing.update(names)
            outside.append(
                f"an edit joins paragraphs of {', '.join(names) or 'no clause'} with text outside them: {text!r}; "
                "resolve it by hand"
            )
            continue
        cid = by_mark.get(clause_mark or "")
        if cid is None:
            if authors:
                outside.append(f"tracked change outside any clause (cover, heading or fixed text): {text!r}")
            outside.extend(f"comment outside any clause: {edited.comments.get(c, ('', '', '?'))[2]!r}" for c in cids)
            continue
        if text.strip():
            kind = "li" if ("List" in style or "Checklist" in style) and "Continue" not in style else "p"
            new_paras.setdefault(cid, []).append((kind, text))
        revs.setdefault(cid, []).extend(authors)
        for c in cids:
            author, date, body = edited.comments.get(c, ("", "", ""))
            notes.setdefault(cid, []).append({"author": author, "date": date, "text": body})
    edits = []
    for s in document.sections:
        for c in s.clauses:
            clause = library.clauses[c.id]
            old = [(k, t) for k, t in rendered[c.id]]
            new = new_paras.get(c.id, [])
            if [t for _, t in old] == [t for _, t in new] and not notes.get(c.id) and c.id not in crossing:
                continue
            edit = ClauseEdit(
                c.id, clause.file, clause.text, authors=sorted(set(revs.get(c.id, []))), notes=notes.get(c.id, [])
            )
            if c.id in crossing:
                edit.unresolved.append("an edit crosses this clause's boundary; patch it by hand")
            elif [t for _, t in old] != [t for _, t in new]:
                map_clause(clause, profile, old, new, edit)
            edits.append(edit)
    return AbsorbResult(doc, edits, outside, library)


def _assign_by_text(paras: list[_Para], rendered: dict[str, list[tuple[str, str]]], by_mark: dict[str, str]) -> None:
    """Without markers, give a paragraph to the one clause whose rendered paragraphs include its original text."""
    mark_of = {cid: m for m, cid in by_mark.items()}
    owners: dict[str, list[str]] = {}
    for cid, paras_ in rendered.items():
        for _, t in paras_:
            owners.setdefault(t.strip(), []).append(cid)
    last = None
    for p in paras:
        hit = owners.get(p.original.strip(), [])
        if len(hit) == 1:
            last = mark_of[hit[0]]
            p.clause = last
        elif p.original.strip() == "" and last is not None and p.mark:
            p.clause = last
        else:
            p.clause = None if p.original.strip() else last
            if p.original.strip():
                last = None


def rationale(edit: ClauseEdit, shown: str) -> str:
    """Return the ``rationale:`` entry for an absorbed clause: who changed it, when, and their comments."""
    who = sorted({a or "unknown author" for a, _ in edit.authors}) or ["an unknown author (untracked edits)"]
    dates = sorted({d[:10] for _, d in edit.authors if d})
    text = f"Counsel's edits in {Path(shown).name}, absorbed by policygen: by {', '.join(who)}"
    if dates:
        text += f" ({', '.join(dates)})"
    text += "."
    for n in edit.notes:
        text += f" Comment by {n['author'] or 'unknown author'}: {n['text']}"
    return text


__all__ = ["AbsorbError", "AbsorbResult", "ClauseEdit", "absorb", "bump_and_explain", "rationale", "read_edited"]


def outputs(
    result: AbsorbResult, shown: str, templates: Any, profile: Profile
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Return (patch folder files, library files to write with --apply).

    The patch folder holds ``<clause id>.patch`` per patched clause and
    ``summary.md`` / ``summary.html`` / ``summary.json``: the ``policygen diff`` summary of the old
    library against the patched one, plus the review notes (Word comments),
    the edits of generated values and what a person must resolve.
    """
    from ..library.clauses import parse_clause
    from .diff import diff_libraries, summary_json, summary_markdown
    from .packet import _summary_html

    library = result.library
    patches: dict[str, bytes] = {}
    applied: dict[str, bytes] = {}
    new_clauses = dict(library.clauses)
    for e in result.edits:
        if e.new_text is None:
            continue
        text = bump_and_explain(e.new_text, rationale(e, shown))
        clause, problems = parse_clause(text, e.file)
        if clause is None:
            e.unresolved.append("the patched clause is not valid: " + "; ".join(str(p) for p in problems))
            e.new_text = None
            continue
        e.new_text = text
        new_clauses[e.id] = clause
        rel = Path(e.file).relative_to(library.root).as_posix()
        patches[f"{e.id}.patch"] = e.patch(rel).encode()
        applied[rel] = text.encode()
    new_library = Library(library.root, library.name, library.version, new_clauses)
    result.new_library = new_library
    diff = diff_libraries(library, new_library, profile, templates)
    data = summary_json([diff])
    data["absorb"] = {
        "document": shown,
        "clauses": [
            {
                "id": e.id,
                "patched": e.new_text is not None,
                "authors": [{"author": a, "date": d} for a, d in e.authors],
                "review_notes": e.notes,
                "generated_values": e.generated,
                "unresolved": e.unresolved,
            }
            for e in result.edits
        ],
        "outside_clauses": result.outside,
    }
    patches["summary.json"] = (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode()
    patches["summary.md"] = (summary_markdown([diff]).rstrip("\n") + "\n\n" + report_markdown(result)).encode()
    patches["summary.html"] = _summary_html([diff]).replace("\n</main>", report_html(result) + "\n</main>", 1).encode()
    return patches, applied


def report_html(result: AbsorbResult) -> str:
    """Return the absorb-only part of the summary as HTML (every value escaped)."""
    from html import escape

    parts = ["<h2>Counsel's edits absorbed</h2>"]
    for e in result.edits:
        items = [f"tracked change by {a or 'unknown author'} on {d or 'no date'}" for a, d in e.authors]
        items += [f"review note by {n['author'] or 'unknown author'}: {n['text']}" for n in e.notes]
        items += [
            f"edited generated value: change the profile ({g['expression']}): {g['old']} → {g['new']}"
            for g in e.generated
        ]
        items += [f"for a person to resolve: {u}" for u in e.unresolved]
        state = "patched" if e.new_text is not None else "not patched"
        parts.append(f"<h3><code>{escape(e.id)}</code> ({state})</h3>")
        parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>" if items else "")
    if result.outside:
        parts.append("<h3>Outside any clause</h3><ul>")
        parts += [f"<li>for a person to resolve: {escape(o)}</li>" for o in result.outside]
        parts.append("</ul>")
    if not result.edits and not result.outside:
        parts.append("<p>No edits found.</p>")
    return "\n".join(p for p in parts if p)


def report_markdown(result: AbsorbResult) -> str:
    """Return the absorb-only part of the summary: review notes, generated values, what a person must resolve."""
    from .diff import md_text

    lines = ["## Counsel's edits absorbed", ""]
    for e in result.edits:
        state = "patched" if e.new_text is not None else "not patched"
        lines.append(f"### {md_text(e.id)} ({state})")
        lines.append("")
        for a, d in e.authors:
            lines.append(f"- tracked change by {md_text(a or 'unknown author')} on {md_text(d or 'no date')}")
        for n in e.notes:
            lines.append(f"- review note by {md_text(n['author'] or 'unknown author')}: {md_text(n['text'])}")
        for g in e.generated:
            lines.append(
                f"- **edited generated value: change the profile** ({md_text(g['expression'])}): "
                f"{md_text(g['old'])} → {md_text(g['new'])}"
            )
        for u in e.unresolved:
            lines.append(f"- **for a person to resolve:** {md_text(u)}")
        lines.append("")
    if result.outside:
        lines += ["### Outside any clause", ""] + [
            f"- **for a person to resolve:** {md_text(o)}" for o in result.outside
        ]
        lines.append("")
    if not result.edits and not result.outside:
        lines += ["No edits found.", ""]
    return "\n".join(lines)
