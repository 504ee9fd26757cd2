"""Document skeletons: the section order, headings and fixed text of each document.

A skeleton is ``templates/documents/<doc>.yaml``. Its text fields are Markdown
with Jinja (the same sandbox and variables as clause bodies). A templates
folder given with ``--templates`` is searched first, then the built-in one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import LibraryError
from ..library import Skeleton, Templates, builtin_root
from ..profile import Bool, Checker, Enum, ListOf, Mapping, Str, YamlProblem, parse_yaml, read_text
from ..profile import vocabulary as V

#: Generated content a skeleton section can hold, built from clause metadata
#: rather than clause text (see generator/routing.py).
GENERATED = ("quick-reference",)

SECTION = Mapping(
    {
        "id": Str("Section id that clauses name in their 'section' field."),
        "title": Str("Section heading."),
        "intro": Str("Markdown shown under the heading.", default=None, max_len=5000, multiline=True),
        "generated": Enum(
            "Tables built from clause metadata, shown after the intro (SOP: quick-reference).",
            choices=GENERATED,
            default=None,
        ),
    }
)

SKELETON_SCHEMA = Mapping(
    {
        "title": Str("Document title."),
        "intro": Str("Markdown shown after the header.", default=None, max_len=5000, multiline=True),
        "sections": ListOf(SECTION, "Sections in order.", min_items=1),
        "counsel_appendix": Bool("End with the 'Questions for counsel' appendix.", default=False),
        "contents": Enum(
            "What the Word contents list: sections, or sections and clauses. Default: sections-and-clauses.",
            choices=["sections", "sections-and-clauses"],
            default="sections-and-clauses",
        ),
        "citations": Enum(
            "notes: each clause's citations as numbered notes (footnotes in Word). Default: none.",
            choices=["none", "notes"],
            default="none",
        ),
        "sources": Enum(
            "The Sources annex: citations (each cited source once, with its verification and review date), "
            "links (each phone number and web address, with its last-checked date) or none. Default: none.",
            choices=["none", "citations", "links"],
            default="none",
        ),
        "published": Bool(
            "The document is published to users, so `generate --no-sources` leaves its Sources annex out.",
            default=False,
        ),
    }
)

COMMON_SCHEMA = Mapping(
    {
        "disclaimer": Str("Draft notice shown at the top of every document.", max_len=2000, multiline=True),
        "footer": Str("Short draft marking for page footers.", max_len=200),
        "draft_notice": Str(
            "The draft notice on the cover of every document.",
            default="Draft — not legal advice, to be reviewed by counsel",
            max_len=300,
        ),
        "counsel_title": Str("Heading of the questions-for-counsel appendix."),
        "counsel_intro": Str("Text under that heading.", max_len=2000, multiline=True),
        "effective_date_missing": Str("Shown when the profile sets no effective date."),
        "missing_title": Str(
            "Counsel appendix: heading of the legal requirements the profile says the product lacks.",
            default="Required by law but missing from the product",
        ),
        "missing_intro": Str("Text under that heading.", default="", max_len=2000, multiline=True),
        "safeguards_title": Str(
            "Counsel appendix: heading of the safeguards to consider.", default="Safeguards to consider"
        ),
        "safeguards_intro": Str("Text under that heading.", default="", max_len=2000, multiline=True),
        "sources_title": Str("Heading of the Sources annex.", default="Sources"),
        "sources_intro": Str(
            "Text at the top of a Sources annex that lists cited sources.",
            default=(
                "Each source cited in this document, once: the provisions cited, how the citation was checked, "
                'the date the clauses citing it were last reviewed, and where it is cited. "Checked against the '
                'primary text" means the statute, regulation or an official page was read; "secondary source" '
                "means a reputable secondary source or a verbatim quotation was read, not the primary text; "
                '"partly confirmed" means the core rule is confirmed but one detail is not; "not verified" '
                "means counsel must check it before it is relied on."
            ),
            max_len=2000,
            multiline=True,
        ),
        "sources_links_intro": Str(
            "Text at the top of a Sources annex that lists phone numbers and web addresses.",
            default=(
                "Each phone number and web address on this page, with the date the text giving it was last "
                "checked against its source. Numbers and addresses change: check them again before you publish "
                "or print this page."
            ),
            max_len=2000,
            multiline=True,
        ),
        "notes_title": Str("Heading of the numbered notes in HTML and Markdown.", default="Notes"),
    }
)


def load_templates(user_dir: str | Path | None = None) -> Templates:
    """Load skeletons and common text from the template search path.

    Raises:
        LibraryError: when a file is missing or invalid.
    """
    path: list[Path] = []
    if user_dir is not None:
        if not Path(user_dir).is_dir():
            raise LibraryError(f"Templates folder {user_dir} is not a folder")
        path.append(Path(user_dir))
    path.append(builtin_root("templates"))
    probe = Templates(tuple(path), {}, {})
    problems = []
    skeletons: dict[str, Skeleton] = {}
    common: dict[str, Any] = {}
    for name, schema in [("common", COMMON_SCHEMA), *[(d, SKELETON_SCHEMA) for d in V.DOC_KINDS]]:
        file = probe.find(f"documents/{name}.yaml")
        shown = str(file)
        try:
            raw, lines = parse_yaml(read_text(file, shown), shown)
        except YamlProblem as exc:
            problems.append(exc.problem)
            continue
        ck = Checker(shown, lines)
        data = schema.check(raw, ck, ())
        if schema is SKELETON_SCHEMA and not ck.problems:
            ids = [s["id"] for s in data["sections"]]
            for i, sid in enumerate(ids):
                if ids.index(sid) != i:
                    ck.add(("sections", i, "id"), f"section id {sid!r} is used twice")
        problems.extend(ck.problems)
        if ck.problems:
            continue
        if name == "common":
            common = data
        else:
            skeletons[name] = Skeleton(name, shown, data)
    if problems:
        raise LibraryError("The document templates have problems", problems)
    return Templates(tuple(path), skeletons, common)
