"""The clause library: one file per clause, YAML front matter + Markdown/Jinja body.

A library is a folder of ``*.md`` clause files (subfolders allowed) and a
``library.yaml`` with the library's name and semantic version. The built-in
library ships inside the package; ``--library DIR`` points at another copy.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .. import cache
from ..errors import LibraryError, Problem
from ..profile import (
    MISSING,
    Checker,
    Date,
    Enum,
    Field,
    ListOf,
    Mapping,
    Raw,
    Str,
    Url,
    YamlProblem,
    parse_yaml,
    read_text,
)
from ..profile import vocabulary as V
from ..profile.schema import Email
from .conditions import check_claim, check_condition

ID_RE = re.compile(r"^(tos|sop|tips)(\.[a-z0-9]+(?:-[a-z0-9]+)*)+$")
SEMVER_RE = re.compile(r"^\d+\.\d+\.\d+$")
VERIFICATION = ("V", "V2", "P", "UNVERIFIED")
#: The verification marks of the facts brief, in the words a reader sees (a mark itself never reaches a reader).
VERIFICATION_WORDS: dict[str, str] = {
    "V": "checked against the primary text",
    "V2": "secondary source",
    "P": "partly confirmed",
    "UNVERIFIED": "not verified",
}


def _check_id(value: Any, ck: Checker, path: tuple) -> None:
    if not ID_RE.match(value["id"]):
        ck.add(
            (*path, "id"),
            f"{value['id']!r} is not a clause id; use '<doc>.<section>.<name>' in lower-case, "
            "e.g. 'tos.prohibited.csam'",
        )
    elif value["id"].split(".")[0] != value["doc"]:
        ck.add((*path, "id"), f"starts with '{value['id'].split('.')[0]}' but doc is '{value['doc']}'")
    if not SEMVER_RE.match(value["version"]):
        ck.add(
            (*path, "version"),
            f"{value['version']!r} is not a version; use MAJOR.MINOR.PATCH, e.g. 1.0.0",
        )
    order = value["order"]
    if isinstance(order, bool) or not isinstance(order, (int, float)):
        ck.add((*path, "order"), f"expected a number, got {order!r}")
    if value["doc"] == "tips" and value["audience"] is None:
        ck.add((*path, "audience"), "is required for safety tips: parents, children, teens or everyone")
    if value["doc"] != "tips" and value["audience"] is not None:
        ck.add((*path, "audience"), "is only for safety-tip clauses (doc: tips)")
    if value["doc"] != "sop" and value["implements"]:
        ck.add((*path, "implements"), "is only for SOP clauses: an SOP step implements a ToS promise")
    if value["doc"] != "sop" and (value["routing"]["categories"] or value["routing"]["severities"]):
        ck.add((*path, "routing"), "is only for SOP clauses: it feeds the sop.json routing table")
    if value["obligations"] and not value["citations"]:
        ck.add((*path, "citations"), "a clause with obligations must cite their source")
    if value["guide_area"] == "legal" and not value["citations"]:
        ck.add(
            (*path, "citations"),
            "a clause in the 'legal' guide area states a duty and must cite its source",
        )
    if value["when"] is not None:
        check_condition(value["when"], ck, (*path, "when"))


class Claim(Str):
    """A product behaviour a clause states: ``safeguards.<id>`` or ``features.<id>``."""

    type_name = "safeguards.<id> or features.<id>"

    def extra_check(self, text: str, ck: Checker, path: tuple) -> Any:  # noqa: D102
        return check_claim(text, ck, path)


QUESTION_ID_RE = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")

QUESTION = Mapping(
    {
        "id": Str(
            "Stable id of the question, e.g. 'us.provider-duty'. Clauses asking the same thing use the same id "
            "(and the same wording); the counsel appendix asks it once.",
            max_len=80,
        ),
        "question": Str("The question, in plain words for counsel.", max_len=1000, multiline=True),
        "jurisdiction": Enum(
            "Where the question arises; it is asked only for profiles in that jurisdiction and grouped under it. "
            "Default: the clause's only 'when' jurisdiction, else global.",
            choices=[*V.JURISDICTIONS, V.GLOBAL],
            default=None,
        ),
        "when": Raw(
            "A condition on the profile, as for a clause; leave out to ask whenever the clause is used.", default=None
        ),
    }
)


class Question(Field):
    """A counsel question: a mapping with an id, or (older libraries) plain text, whose text is then its id."""

    type_name = "a question: {id, question} or text"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, str):
            text = Str(max_len=1000, multiline=True).check(value, ck, path)
            if text is MISSING:
                return MISSING
            return {"id": text.strip(), "question": text.strip(), "jurisdiction": None, "when": None}
        out = QUESTION.check(value, ck, path)
        if out is MISSING:
            return MISSING
        if not QUESTION_ID_RE.match(out["id"]):
            ck.add((*path, "id"), f"{out['id']!r} is not a question id; use lower-case words, e.g. 'us.provider-duty'")
            return MISSING
        out["question"] = out["question"].strip()
        if out["when"] is not None:
            check_condition(out["when"], ck, (*path, "when"))
        return out


CITATION = Mapping(
    {
        "source": Str("The instrument: statute, regulation, code or official guidance.", max_len=300),
        "pinpoint": Str("Section, article or paragraph.", max_len=200),
        "url": Url("Where the reviewer reads it."),
        "verified": Enum("How it was checked (see domain/facts.md).", choices=VERIFICATION),
        "jurisdiction": Enum(
            "Whose law it is; the documents show the citation only to profiles in that jurisdiction. "
            "Default: shown to every profile the clause is used for.",
            choices=[*V.JURISDICTIONS, V.GLOBAL],
            default=None,
        ),
        "note": Str("Caveats for the reviewer.", default=None, max_len=2000, multiline=True),
    }
)

#: Topics a clause covers; `lint` and `coverage` check every service x
#: jurisdiction pair gets the topics it needs.
TOPICS = (
    "mandatory-reporting",
    "preservation",
    "law-enforcement",
    "minimum-age",
    "help-resources",
    "user-reporting",
    "removal",
    "account-action",
    "appeals",
    "ncii",
    "detection",
    "minor-protections",
    "age-assurance",
    "grooming",
    "sextortion",
    "wellbeing",
    "records",
    "definitions",
    "prohibited-conduct",
    "service-specific",
)

#: Ways to reach the company that a clause tells its reader about (ToS, tips)
#: or handles (SOP intake). ``contact.*`` are the profile's ``company.contact.*``
#: addresses; ``website`` is ``company.website``; ``report-button`` is the
#: in-product Report option. ``consistency`` checks the documents agree on them.
CHANNELS = (
    "report-button",
    "contact.safety",
    "contact.legal",
    "contact.law_enforcement",
    "website",
)

OBLIGATION_KINDS = (
    "report",
    "notify",
    "preserve",
    "remove",
    "register",
    "respond",
    "publish",
    "verify-age",
)

#: Obligation kinds that sop.json routes by category (``obligations[].categories``).
ROUTED_KINDS = ("report", "notify", "preserve")


#: Who an obligation's recipient is: an authority or body we must tell, or the user concerned.
PARTIES = ("authority", "user")


def has_channel(channel: dict[str, Any] | None) -> bool:
    """Return True when an obligation's ``channel`` gives a way to reach the recipient or a field to fill in."""
    return bool(channel) and any(channel.get(k) for k in ("how", "url", "phone", "email", "provider_fields"))


def _check_obligation(value: Any, ck: Checker, path: tuple) -> None:
    if value["categories"] and value["kind"] not in ROUTED_KINDS:
        ck.add(
            (*path, "categories"),
            f"is only for obligations of kind {', '.join(ROUTED_KINDS)} (sop.json routes); this one is "
            f"{value['kind']!r}",
        )
    told = ("report", "notify")
    for key in ("hold",):
        if value[key] and value["kind"] not in told:
            ck.add((*path, key), f"is only for obligations of kind report or notify; this one is {value['kind']!r}")
    if value["party"] == "user" and value["kind"] not in told:
        ck.add((*path, "party"), f"'user' is only for obligations of kind report or notify, not {value['kind']!r}")
    channel = value["channel"]
    if has_channel(channel):
        if value["kind"] not in told:
            ck.add(
                (*path, "channel"), f"is only for obligations of kind report or notify; this one is {value['kind']!r}"
            )
        if value["party"] == "user":
            ck.add((*path, "channel"), "a notice to the user goes to the user's own contact details; give no channel")
        day = channel.get("last_verified")
        if day:
            try:
                _dt.date.fromisoformat(str(day))
            except ValueError:
                ck.add((*path, "channel", "last_verified"), f"{day!r} is not a date; write YYYY-MM-DD")
        for key in ("verified", "last_verified"):
            if any(channel.get(k) for k in ("url", "phone", "email")) and not channel.get(key):
                ck.add(
                    (*path, "channel", key),
                    "is required when the channel gives a URL, phone number or email address "
                    "(from the contacts brief, with its verification mark and date)",
                )


def _check_routing(value: Any, ck: Checker, path: tuple) -> None:
    for key, name in (("categories", "id"), ("severities", "level")):
        seen: dict[str, int] = {}
        for i, item in enumerate(value[key]):
            if item[name] in seen:
                ck.add((*path, key, i, name), f"{item[name]!r} is listed twice (also at [{seen[item[name]]}])")
            seen.setdefault(item[name], i)


ROUTING = Mapping(
    {
        "categories": ListOf(
            Mapping(
                {
                    "id": Enum("Routing category.", choices=list(V.CATEGORIES)),
                    "severity": Enum("Severity level the category is triaged at.", choices=list(V.SEVERITIES)),
                }
            ),
            "Routing categories and the severity each is triaged at.",
            default=list,
        ),
        "severities": ListOf(
            Mapping(
                {
                    "level": Enum("Severity level.", choices=list(V.SEVERITIES)),
                    "name": Str("Its name, as the severity-levels clause writes it, e.g. 'Emergency'."),
                    "owner": Str("Role that owns cases at this level, e.g. 'Safety Lead or back-up'.", max_len=300),
                    "target": Str("The internal time target in plain words, as the clause states it.", max_len=400),
                }
            ),
            "Severity levels: name, owner role and internal target.",
            default=list,
        ),
    },
    "SOP only: machine-readable routing data for sop.json.",
    validate=_check_routing,
)

OBLIGATION = Mapping(
    {
        "kind": Enum("What the law requires.", choices=OBLIGATION_KINDS),
        "jurisdiction": Enum("Where the duty comes from.", choices=[*V.JURISDICTIONS, V.GLOBAL]),
        "recipient": Str("Who receives the report or notice (for report/notify).", default=None),
        "deadline": Str(
            "The legal deadline in the law's words, e.g. '48 hours after a valid request'.",
            default=None,
        ),
        "period": Str("How long to keep data (for preserve), e.g. '1 year'.", default=None),
        "summary": Str("One line: the duty in plain words.", max_len=400),
        "categories": ListOf(
            Enum(choices=list(V.CATEGORIES)),
            "Report, notify and preserve only: the sop.json routing categories the duty applies to.",
            default=list,
        ),
        "party": Enum(
            "Report and notify only: 'authority' (a body we must tell; the default) or 'user' (the person "
            "the decision is about, told later and only when no investigation would be prejudiced).",
            choices=list(PARTIES),
            default="authority",
        ),
        "hold": Str(
            "Report and notify to the user: when the notice is deferred or withheld, e.g. 'not while telling "
            "the user could prejudice an investigation'.",
            default=None,
            max_len=400,
        ),
        "channel": Mapping(
            {
                "how": Str(
                    "The route in words, e.g. 'registered CyberTipline reporting (web or API)'.",
                    default=None,
                    max_len=400,
                ),
                "url": Url("The recipient's own page for the route (from the contacts brief).", default=None),
                "phone": Str("Phone number (from the contacts brief).", default=None, max_len=200),
                "email": Email("Email address (from the contacts brief), the address only.", default=None),
                "before_first_report": Str(
                    "What to do before the first report (registration).", default=None, max_len=600
                ),
                "limits": Str(
                    "Limits of the route (what it does not take, what is unverified).", default=None, max_len=600
                ),
                "provider_fields": ListOf(
                    Enum(choices=list(V.PROVIDER_CONTACTS)),
                    "Profile fields under contacts: the provider fills in for this recipient.",
                    default=list,
                ),
                "verified": Enum("Verification mark of the channel details.", choices=list(VERIFICATION), default=None),
                "last_verified": Str(
                    "Date (YYYY-MM-DD) the channel details were last checked against their source.",
                    default=None,
                    max_len=10,
                ),
            },
            "Report and notify to an authority: how to reach the recipient (SOP contact sheet).",
        ),
    },
    validate=_check_obligation,
)

CLAUSE_SCHEMA = Mapping(
    {
        "id": Str("Stable id: '<doc>.<section>.<name>'."),
        "title": Str("Heading shown in the document."),
        "doc": Enum("Which document: tos, sop or tips.", choices=list(V.DOC_KINDS)),
        "section": Str("Section id from the document skeleton (templates/documents/<doc>.yaml)."),
        "order": Raw("Sort key within the section (a number).", default=100),
        "when": Raw("Applicability condition; leave out to apply to every profile.", default=None),
        "claims": ListOf(
            Claim(),
            "Product behaviours the text promises (safeguards.<id>, features.<id>); the clause is selected "
            "only when the profile states every one.",
            default=list,
        ),
        "guide_area": Enum("Guide area.", choices=list(V.GUIDE_AREAS)),
        "audience": Enum("Safety tips only: who it speaks to.", choices=list(V.AUDIENCES), default=None),
        "citations": ListOf(CITATION, "Primary sources for the duties the clause states.", default=list),
        "version": Str("Semantic version of this clause."),
        "last_reviewed": Date("Date a person last checked the clause against its sources."),
        "requires": ListOf(Str(), "Clause ids that must also be selected.", default=list),
        "excludes": ListOf(Str(), "Clause ids this clause replaces when both apply.", default=list),
        "implements": ListOf(Str(), "SOP only: ToS clause ids whose promise this step fulfils.", default=list),
        "covers": ListOf(Enum(choices=TOPICS), "Topics the clause covers (for coverage checks).", default=list),
        "obligations": ListOf(OBLIGATION, "Legal duties the clause carries out or states.", default=list),
        "counsel_questions": ListOf(
            Question(),
            "Open legal questions for the counsel appendix: {id, question, jurisdiction, when}.",
            default=list,
        ),
        "notes": Str("Reviewer notes (never shown to users).", default=None, max_len=4000, multiline=True),
        "rationale": Str(
            "Why the text last changed, for the review summary (never shown to users).",
            default=None,
            max_len=2000,
            multiline=True,
        ),
        "tags": ListOf(Str(max_len=60), "Free-form tags.", default=list),
        "channels": ListOf(Enum(choices=CHANNELS), "Ways to reach us the clause names or (SOP) handles.", default=list),
        "routing": ROUTING,
    },
    validate=_check_id,
)

LIBRARY_SCHEMA = Mapping(
    {
        "name": Str("Library name."),
        "version": Str("Semantic version of the whole library."),
        "description": Str("What the library covers.", default=None, max_len=2000, multiline=True),
        "primary_domains": ListOf(
            Str(max_len=253),
            "Domains of primary or official sources (a domain covers its subdomains); `lint` warns when a "
            "citation marked V points elsewhere.",
            default=list,
        ),
        "jargon_phrases": ListOf(
            Str(max_len=200),
            "Words of the tool that must never reach a reader; `lint` fails when a sample's rendered documents "
            "hold one (any letter case).",
            default=list,
        ),
        "jargon_patterns": ListOf(
            Str(max_len=200),
            "Regular expressions for the same (for example a verification mark in brackets).",
            default=list,
        ),
    }
)


@dataclass(frozen=True)
class Clause:
    """One clause: its metadata, its body source and where it came from."""

    id: str
    meta: dict[str, Any]
    body: str
    file: str
    body_line: int
    text: str = field(repr=False)

    @property
    def doc(self) -> str:
        """The document kind."""
        return self.meta["doc"]

    @property
    def section(self) -> str:
        """The section id within the document."""
        return self.meta["section"]

    @property
    def title(self) -> str:
        """The heading."""
        return self.meta["title"]

    @property
    def version(self) -> str:
        """The clause version."""
        return self.meta["version"]

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of the clause file (front matter and body, LF line endings)."""
        return "sha256:" + hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def sort_key(self) -> tuple:
        """Order within a section: by ``order``, then id."""
        order = self.meta["order"]
        return (order if isinstance(order, (int, float)) else 0, self.id)


@dataclass
class Library:
    """A loaded clause library."""

    root: str
    name: str
    version: str
    clauses: dict[str, Clause]
    #: ``library.yaml`` settings for lint: primary_domains, jargon_phrases, jargon_patterns.
    settings: dict[str, Any] = field(default_factory=dict)

    def by_doc(self, doc: str) -> list[Clause]:
        """Clauses of one document kind, in id order."""
        return [c for c in self.clauses.values() if c.doc == doc]


def split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Split ``---`` front matter from the body.

    Returns:
        (front matter, body, 1-based line where the body starts), or None when
        the text does not start with a front-matter block.
    """
    if not text.startswith("---\n"):
        return None
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.M)
    if end is None:
        return None
    front = text[4 : 4 + end.start()]
    rest = text[4 + end.end() :]
    body_line = front.count("\n") + 3
    if rest.startswith("\n"):
        rest = rest[1:]
    return front, rest, body_line


def parse_clause(text: str, shown: str) -> tuple[Clause | None, list[Problem]]:
    """Parse one clause file's text; return the clause or the problems found."""
    parts = split_front_matter(text)
    if parts is None:
        return None, [Problem(shown, "", "must start with a '---' front-matter block closed by '---'", 1)]
    front, body, body_line = parts
    try:
        raw, lines = parse_yaml(front, shown, line_offset=1)
    except YamlProblem as exc:
        return None, [exc.problem]
    ck = Checker(shown, lines, line_offset=1)
    if not isinstance(raw, dict):
        ck.add((), "front matter must be a mapping of fields")
        return None, ck.problems
    meta = CLAUSE_SCHEMA.check(raw, ck, ())
    if ck.problems:
        return None, ck.problems
    if not body.strip():
        return None, [Problem(shown, "", "the clause has no body text", body_line)]
    return Clause(meta["id"], meta, body, shown, body_line, text), []


def builtin_root(kind: str) -> Path:
    """Return the packaged ``clauses`` or ``templates`` folder.

    In an installed wheel they sit inside the package; in a source checkout
    (editable install) they sit at the top of the repository.
    """
    # the package folder itself (what importlib.resources.files("generator") gives for a package on disk,
    # without importing importlib.resources, which pulls in tempfile and more on every run)
    packaged = Path(__file__).parent.parent / kind
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / kind


def parse_clauses(texts: Sequence[tuple[str, str]], problems: list[Problem]) -> dict[str, Clause]:
    """Parse (shown, text) pairs into clauses by id, in the order given, adding problems (duplicate ids too)."""
    clauses: dict[str, Clause] = {}
    for shown, text in texts:
        clause, found = parse_clause(text, shown)
        problems.extend(found)
        if clause is None:
            continue
        if clause.id in clauses:
            problems.append(
                Problem(shown, "id", f"duplicate clause id {clause.id!r} (also in {clauses[clause.id].file})", 2)
            )
            continue
        clauses[clause.id] = clause
    return clauses


def load_library(root: str | Path | None = None) -> Library:
    """Load every clause in a library folder, reporting all problems at once.

    Raises:
        LibraryError: when the folder is missing or any clause file is broken.
    """
    base = Path(root) if root is not None else builtin_root("clauses")
    shown_root = str(root) if root is not None else "clauses"
    if not base.is_dir():
        raise LibraryError(f"Clause library {shown_root} is not a folder", [])
    problems: list[Problem] = []
    name, version = "unnamed", "0.0.0"
    settings: dict[str, Any] = {}
    manifest = base / "library.yaml"
    if manifest.is_file():
        try:
            raw, lines = parse_yaml(read_text(manifest, _show(manifest, base, shown_root)), str(manifest))
            ck = Checker(_show(manifest, base, shown_root), lines)
            info = LIBRARY_SCHEMA.check(raw, ck, ())
            if isinstance(info, dict) and not SEMVER_RE.match(info["version"]):
                ck.add(("version",), f"{info['version']!r} is not a version; use MAJOR.MINOR.PATCH")
            problems.extend(ck.problems)
            if not ck.problems:
                name, version = info["name"], info["version"]
                settings = {k: info[k] for k in ("primary_domains", "jargon_phrases", "jargon_patterns")}
                for i, pattern in enumerate(settings["jargon_patterns"]):
                    try:
                        re.compile(pattern)
                    except re.error as exc:
                        problems.append(
                            Problem(_show(manifest, base, shown_root), f"jargon_patterns[{i}]", f"not a regex: {exc}")
                        )
        except YamlProblem as exc:
            problems.append(exc.problem)
    else:
        problems.append(Problem(_show(manifest, base, shown_root), "", "missing: a library needs name and version"))
    paths, found = _clause_files(base, shown_root)
    problems.extend(found)
    texts = []
    for shown, full in paths:
        try:
            texts.append((shown, read_text(full, shown)))
        except YamlProblem as exc:
            problems.append(exc.problem)
    if not manifest.is_file() and not any(_looks_like_clause(text) for _, text in texts):
        raise LibraryError(f"{shown_root} is not a clause library", [_not_a_library(base, shown_root, len(texts))])
    # Keyed on every file's name and content (not size and mtime, which a
    # same-size edit by `cp -p`, `rsync -a` or tar keeps); the texts are read
    # anyway, so a hit skips only the YAML parsing and schema checks.
    if root is None and not problems:  # the built-in library: its metadata ships parsed with the package
        shipped = _from_index(name, version, texts, shown_root)
        if shipped is not None:
            shipped.settings = settings
            return shipped
    digest = cache.key("library-4", name, version, *(f"{shown}\x00{text}" for shown, text in texts))
    if not problems:
        cached = _from_cache(digest, shown_root, name, version, texts)
        if cached is not None:
            cached.settings = settings
            return cached
    clauses = parse_clauses(texts, problems)
    if not clauses and not problems:
        problems.append(Problem(shown_root, "", "holds no clause files (*.md); a library needs at least one clause"))
    if problems:
        n = len(problems)
        raise LibraryError(f"Clause library {shown_root} has {n} problem{'s' if n != 1 else ''}", problems)
    library = Library(shown_root, name, version, dict(sorted(clauses.items())), settings)
    _to_cache(digest, library)
    return library


_CLAUSE_KEY = re.compile(r"^(id|doc):", flags=re.M)


def _looks_like_clause(text: str) -> bool:
    """Tell whether a file starts with front matter naming a clause ``id`` or ``doc``."""
    split = split_front_matter(text)
    return split is not None and bool(_CLAUSE_KEY.search(split[0]))


def _not_a_library(base: Path, shown_root: str, n_files: int) -> Problem:
    """One problem for a folder that is no clause library (e.g. a folder of generated documents)."""
    what = (
        f"none of its {n_files} .md files has clause front matter (id, doc, section, ...)"
        if n_files
        else "no .md clause files"
    )
    hint = ""
    if (base / "manifest.json").is_file():
        hint = "; it looks like a folder of generated documents (it has manifest.json)"
    return Problem(
        shown_root,
        "",
        f"not a clause library: no library.yaml, and {what}{hint}. "
        "Give --library the folder of clause files (a copy of clauses/), or leave it out to use the built-in one",
    )


def _clause_files(base: Path, shown_root: str) -> tuple[list[tuple[str, str]], list[Problem]]:
    """List every ``*.md`` under ``base`` (not ``_*``) as (shown, path), without following links out.

    ``os.walk`` does not descend into linked folders, and only files that are
    links are resolved, so listing costs no system call per file.
    """
    root_real = os.path.realpath(base)
    found: list[tuple[str, str]] = []
    problems: list[Problem] = []
    for folder, dirs, files in os.walk(base):
        rel_folder = os.path.relpath(folder, base)
        prefix = shown_root if rel_folder == "." else os.path.join(shown_root, rel_folder)
        for d in dirs:
            if os.path.islink(os.path.join(folder, d)):
                problems.append(
                    Problem(os.path.join(prefix, d), "", "is a link; clause folders must live inside the library")
                )
        dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
        for fname in files:
            if not fname.endswith(".md") or fname.startswith("_"):
                continue
            full = os.path.join(folder, fname)
            shown = os.path.join(prefix, fname)
            if os.path.islink(full) and not os.path.realpath(full).startswith(root_real + os.sep):
                problems.append(
                    Problem(shown, "", "links outside the library folder; clause files must live inside it")
                )
                continue
            found.append((shown, full))
    return sorted(found), problems


def _entries(library: Library) -> list[dict[str, Any]]:
    """Return a validated library's metadata as JSON data (the texts are always read from the files)."""
    return [
        {
            "file": c.file,
            "body_at": len(c.text) - len(c.body),
            "body_line": c.body_line,
            "meta": {**c.meta, "last_reviewed": c.meta["last_reviewed"].isoformat()},
        }
        for c in library.clauses.values()
    ]


def _to_cache(digest: str, library: Library) -> None:
    """Store a validated library's metadata in the cache."""
    cache.store_json("library", digest, _entries(library))


def _from_cache(digest: str, shown_root: str, name: str, version: str, texts: list[tuple[str, str]]) -> Library | None:
    """Rebuild a library from cached metadata and the files' texts; None unless every piece fits."""
    return _from_entries(cache.load_json("library", digest), shown_root, name, version, texts)


#: The built-in library's parsed metadata, shipped with the package, so a first run on a machine does
#: not parse and check 281 clause files. It is used only for the built-in library, and only when its key
#: (every clause file's name and text, the library's name and version, and the source of the code that
#: parses and checks clauses) matches; anything else is parsed as usual. ``tests/test_library_index.py``
#: checks it is current; ``pytest tests/test_library_index.py --update-golden`` rewrites it.
INDEX_FILE = Path(__file__).with_name("builtin_index.json")
INDEX_FORMAT = "policygen builtin library index 1"
#: The modules whose code decides what a clause file parses to.
_PARSING_CODE = ("library/clauses.py", "library/conditions.py", "profile")


def index_key(name: str, version: str, texts: Sequence[tuple[str, str]]) -> str:
    """Key of the shipped index: the files' names and texts, the library's name and version, the parsing code."""
    package = Path(__file__).parent.parent
    h = hashlib.sha256(INDEX_FORMAT.encode())
    code = []
    for rel in _PARSING_CODE:
        where = package / rel
        code.extend(sorted(where.glob("*.py")) if where.is_dir() else [where])
    parts = [*(f.read_bytes() for f in code), name.encode(), version.encode()]
    parts.extend(f"{shown}\x00{text}".encode() for shown, text in texts)
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def index_bytes(library: Library) -> bytes:
    """Return the index to ship for a freshly parsed built-in library (what :data:`INDEX_FILE` holds)."""
    texts = sorted((c.file, c.text) for c in library.clauses.values())
    data = {
        "format": INDEX_FORMAT,
        "key": index_key(library.name, library.version, texts),
        "entries": _entries(library),
    }
    return (json.dumps(data, ensure_ascii=False, indent=0) + "\n").encode("utf-8")  # keys in file order


def _from_index(name: str, version: str, texts: list[tuple[str, str]], shown_root: str) -> Library | None:
    try:
        data = json.loads(INDEX_FILE.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
        return None
    if data.get("key") != index_key(name, version, texts):
        return None
    return _from_entries(data.get("entries"), shown_root, name, version, texts)


def _from_entries(
    entries: Any, shown_root: str, name: str, version: str, texts: list[tuple[str, str]]
) -> Library | None:
    """Rebuild a library from stored metadata and the files' texts; None unless every piece fits."""
    if not isinstance(entries, list) or len(entries) != len(texts):
        return None
    by_file = dict(texts)
    clauses = {}
    try:
        for e in entries:
            text = by_file.pop(e["file"])
            at, line = e["body_at"], e["body_line"]
            meta = {**e["meta"], "last_reviewed": _dt.date.fromisoformat(e["meta"]["last_reviewed"])}
            if not (isinstance(at, int) and isinstance(line, int) and 4 <= at <= len(text)):
                return None
            if text[at - 4 : at] != "---\n" or not isinstance(meta["id"], str) or meta["id"] in clauses:
                return None
            # The body is always a slice of the file's own text (split once, when the entry was written).
            clauses[meta["id"]] = Clause(meta["id"], meta, text[at:], e["file"], line, text)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    return Library(shown_root, name, version, clauses)


def _show(path: Path, base: Path, shown_root: str) -> str:
    return str(Path(shown_root) / path.relative_to(base))
