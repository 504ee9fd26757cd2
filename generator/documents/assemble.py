"""Assemble a document model from selected clauses, a skeleton and a profile."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping

from ..errors import Problem, RenderError
from ..library import Clause, Library, clause_context, render_text
from ..profile import Profile
from ..profile import vocabulary as V
from . import citations
from .mdparse import MarkdownProblem, parse_markdown
from .model import Block, ClauseBlock, Document, ListBlock, ListItem, Paragraph, Section, Span
from .selection import Decision, selected
from .skeletons import Templates


def render_markdown_blocks(source: str, context: dict, shown: str, first_line: int = 1) -> list[Block]:
    """Render Jinja/Markdown text for a profile and parse it into blocks.

    Raises:
        RenderError: for template errors and unsupported Markdown.
    """
    text = render_text(source, context, shown, first_line)
    try:
        return parse_markdown(text)
    except MarkdownProblem as exc:
        raise RenderError(f"Cannot render {shown}", [Problem(shown, "", str(exc), first_line)]) from None


#: Builds a generated section's blocks, given the clause numbers of the document.
Generator = Callable[[dict[str, str]], list[Block]]


def assemble(
    doc: str,
    decisions: list[Decision],
    library: Library,
    templates: Templates,
    profile: Profile,
    generated: Mapping[str, Generator] | None = None,
    *,
    sources: bool = True,
) -> Document:
    """Build one document (``tos``, ``sop`` or ``tips``) for a profile.

    ``generated`` maps the name in a skeleton section's ``generated`` field
    to a function that returns that section's tables; it is called once the
    clause numbers are known, so the tables can point to clauses by number.
    A generated section whose generator returns no blocks is left out.
    With ``sources`` false, a published document (the skeleton's
    ``published``: the terms, the tips) leaves its Sources annex out.

    Raises:
        RenderError: when a clause or skeleton text fails to render, or a
            clause names a section the skeleton does not have.
    """
    skeleton = templates.skeletons[doc]
    context = clause_context(profile.data)
    common = templates.common
    chosen = selected(decisions, doc)
    by_section: dict[str, list[Clause]] = {}
    problems = []
    for clause in chosen:
        if clause.section not in skeleton.section_ids:
            problems.append(
                Problem(
                    clause.file,
                    "section",
                    f"unknown section {clause.section!r}; {skeleton.file} has: {', '.join(skeleton.section_ids)}",
                )
            )
        by_section.setdefault(clause.section, []).append(clause)
    if problems:
        raise RenderError("Clauses name sections that do not exist", problems)

    generated = generated or {}
    sections: list[Section] = []
    pending: list[tuple[Section, Generator]] = []
    for spec in skeleton.data["sections"]:
        clauses = sorted(by_section.get(spec["id"], []), key=Clause.sort_key)
        maker = generated.get(spec["generated"]) if spec["generated"] else None
        if maker is not None and not maker({}):  # nothing to show, whatever the numbers
            maker = None
        if not clauses and maker is None:
            continue
        number = str(len(sections) + 1)
        intro = render_markdown_blocks(spec["intro"], context, f"{skeleton.file}#{spec['id']}") if spec["intro"] else []
        blocks = [
            ClauseBlock(
                f"{number}.{i}",
                c.id,
                c.title,
                render_markdown_blocks(c.body, context, c.file, c.body_line),
                c.version,
                c.content_hash,
            )
            for i, c in enumerate(clauses, 1)
        ]
        section = Section(number, spec["id"], spec["title"], intro, blocks)
        sections.append(section)
        if maker is not None:
            pending.append((section, maker))
    if pending:
        numbers = {c.id: c.number for s in sections for c in s.clauses}
        for section, maker in pending:
            section.intro.extend(maker(numbers))

    cited = {c.id: c for c in chosen}
    places = profile.data["jurisdictions"]
    notes = citations.add_notes(sections, cited, places) if skeleton.data["citations"] == "notes" else []
    appendices = []
    if skeleton.data["counsel_appendix"]:
        numbers = {c.id: c.number for sec in sections for c in sec.clauses}
        appendix = _counsel_appendix(decisions, common, context, profile, numbers)
        if appendix is not None:
            appendices.append(appendix)
    kind = skeleton.data["sources"]
    if kind != "none" and (sources or not skeleton.data["published"]):
        blocks = (
            citations.sources_citations(sections, cited, common["sources_intro"], places)
            if kind == "citations"
            else citations.sources_links(sections, cited, common["sources_links_intro"])
        )
        if blocks:
            letter = chr(ord("A") + len(appendices))
            appendices.append(Section(letter, "sources", common["sources_title"], blocks, []))

    effective = profile.data["effective_date"]
    settings = profile.data["document"]
    paper = settings["paper"] or ("letter" if {"us", "ca"} & set(profile.data["jurisdictions"]) else "a4")
    pins = [f"{c.id}@{c.version}#{c.content_hash.removeprefix('sha256:')[:12]}" for s in sections for c in s.clauses]
    digest = hashlib.sha256("\n".join([library.version, profile.digest, *pins]).encode()).hexdigest()
    return Document(
        kind=doc,
        title=skeleton.data["title"],
        company=profile.name,
        library_name=library.name,
        library_version=library.version,
        effective_date=effective.isoformat() if effective else common["effective_date_missing"],
        disclaimer=render_markdown_blocks(common["disclaimer"], context, "common.yaml#disclaimer"),
        intro=(
            render_markdown_blocks(skeleton.data["intro"], context, f"{skeleton.file}#intro")
            if skeleton.data["intro"]
            else []
        ),
        sections=sections,
        appendices=appendices,
        version=settings["version"],
        paper=paper,
        toc_depth=1 if skeleton.data["contents"] == "sections" else 2,
        notes=notes,
        meta={
            "document": V.DOC_KINDS[doc].label,
            "footer": common["footer"],
            "draft": common["draft_notice"],
            "notes-title": common["notes_title"],
            "library-version": library.version,
            "profile-digest": profile.digest,
            "build-digest": f"sha256:{digest}",
            "clauses": " ".join(pins),
        },
    )


def _question_jurisdiction(question: dict, clause: Clause) -> str:
    """Where a question arises: its own ``jurisdiction``, else its clause's only ``when`` jurisdiction, else global."""
    if question["jurisdiction"]:
        return question["jurisdiction"]
    when = clause.meta["when"] or {}
    places = when.get("jurisdictions") if isinstance(when, dict) else None
    return places[0] if isinstance(places, list) and len(places) == 1 else V.GLOBAL


def counsel_questions(
    decisions: list[Decision], profile: Profile, numbers: Mapping[str, str] | None = None, doc: str = "sop"
) -> dict[str, dict]:
    """Each question for counsel once, by question id: its text, jurisdiction and where it comes from.

    A question is asked only when its jurisdiction is one of the profile's
    (or global) and its own ``when`` holds. Clause questions come first (in
    clause id order), then the undecided determinations and the questions
    that follow from where the company is established; a later question with
    an id already asked only adds where it comes from.
    """
    from ..library import evaluate, guidance

    numbers = numbers or {}
    places = set(profile.data["jurisdictions"])
    facts = profile.facts()
    asked: dict[str, dict] = {}

    def ask(qid: str, text: str, jurisdiction: str, where: str) -> None:
        entry = asked.setdefault(qid, {"id": qid, "question": text, "jurisdiction": jurisdiction, "where": []})
        if where not in entry["where"]:
            entry["where"].append(where)

    for clause in selected(decisions):
        for q in clause.meta["counsel_questions"]:
            jurisdiction = _question_jurisdiction(q, clause)
            if jurisdiction != V.GLOBAL and jurisdiction not in places:
                continue
            if q["when"] is not None and not evaluate(q["when"], facts)[0]:
                continue
            if clause.doc == doc and clause.id in numbers:
                where = f"clause {numbers[clause.id]}"
            else:
                where = f"{V.DOC_KINDS[clause.doc].label}: {clause.title}"
            ask(q["id"], q["question"], jurisdiction, where)
    determinations = {d.id: d for d in V.DETERMINATIONS.values()}
    for did, question in guidance.determination_questions(profile):
        qid = guidance.DETERMINATION_QUESTION_IDS.get(did, f"determinations.{did}")
        ask(qid, question, determinations[did].jurisdiction, f"record the answer in the profile: determinations.{did}")
    for qid, jurisdiction, question in guidance.establishment_question_ids(profile):
        ask(qid, question, jurisdiction, "where the company is established")
    return asked


_PLACE = re.compile(r"^(?:US|UK|EU|Australia|Canada|United States|United Kingdom|European Union): (?=\S)")


def _without_place(question: str) -> str:
    """Drop a leading "Australia: " from a question shown under the Australia heading."""
    rest = _PLACE.sub("", question, count=1)
    return rest[:1].upper() + rest[1:]


def _where(refs: list[str]) -> str:
    """Join where a question comes from: clause numbers together, then other documents' clauses by title."""
    numbers = [r.removeprefix("clause ") for r in refs if r.startswith("clause ")]
    others = [r for r in refs if not r.startswith("clause ")]
    head = [("clause " if len(numbers) == 1 else "clauses ") + ", ".join(numbers)] if numbers else []
    return "; ".join(head + others)


def _counsel_appendix(
    decisions: list[Decision], common: dict, context: dict, profile: Profile, numbers: Mapping[str, str]
) -> Section | None:
    """Collect what counsel must look at.

    In order: legal requirements the profile says the product lacks (at the
    top, so they cannot be missed); the open legal questions, each once,
    grouped by jurisdiction (the profile's, in its order, then those for
    every jurisdiction); and the safeguards to consider.
    """
    from ..library import guidance

    asked = counsel_questions(decisions, profile, numbers)
    gaps = guidance.gaps(profile)
    missing = [g for g in gaps if g.missing_required]
    if not asked and not gaps:
        return None
    blocks: list[Block] = []
    if missing:
        blocks.append(Paragraph((Span(common["missing_title"], bold=True),)))
        if common["missing_intro"]:
            blocks.append(Paragraph((Span(common["missing_intro"].strip()),)))
        blocks.append(ListBlock(False, tuple(ListItem((Span(g.summary()),)) for g in missing)))
    if asked:
        blocks.extend(render_markdown_blocks(common["counsel_intro"], context, "common.yaml#counsel_intro"))
        order = [*profile.data["jurisdictions"], V.GLOBAL]
        for jurisdiction in order:
            group = [q for q in asked.values() if q["jurisdiction"] == jurisdiction]
            if not group:
                continue
            label = V.JURISDICTIONS[jurisdiction].label if jurisdiction in V.JURISDICTIONS else "Every jurisdiction"
            blocks.append(Paragraph((Span(label, bold=True),)))
            blocks.append(
                ListBlock(
                    True,
                    tuple(
                        ListItem(
                            (Span(_without_place(q["question"]) + " "), Span(f"({_where(q['where'])})", italic=True))
                        )
                        for q in group
                    ),
                )
            )
    if gaps:
        blocks.append(Paragraph((Span(common["safeguards_title"], bold=True),)))
        if common["safeguards_intro"]:
            blocks.append(Paragraph((Span(common["safeguards_intro"].strip()),)))
        blocks.append(
            ListBlock(
                False,
                tuple(ListItem((Span(f"safeguards.{g.safeguard}", code=True), Span(": " + g.summary()))) for g in gaps),
            )
        )
    return Section("A", "counsel-questions", common["counsel_title"], blocks, [])


__all__ = ["assemble", "counsel_questions", "render_markdown_blocks"]
