"""Assemble the compliance records for one profile.

Three outputs come from one data structure, so they cannot disagree:
``records.json`` (the data), the records' document model (rendered to
Markdown, HTML and Word by the ordinary renderers) and ``deadlines.ics``.

The rule that runs through it: what the profile and the library know is
filled in (the risk factors present, the measures and the clauses that
implement them, the dates); what is the provider's judgment (risk levels,
reasoning, who is responsible) is left blank unless the provider's
``assessments.yaml`` gives it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .. import __version__
from ..documents.assemble import render_markdown_blocks
from ..documents.model import Block, Document, ListBlock, ListItem, Paragraph, Section, Span, Table
from ..documents.selection import Decision
from ..documents.skeletons import Templates
from ..library import Library, clause_context
from ..profile import Profile
from ..profile import vocabulary as V
from .assessments import load_assessments, slug
from .calendar import Event, add_months, ics_bytes

#: Jurisdictions whose profiles get the records by default.
DEFAULT_JURISDICTIONS: tuple[str, ...] = ("uk", "eu", "au")
TITLE = "Compliance records"
BLANK = "To be decided by the provider"
#: The UK duty's start for services already operating, and its first due dates (records-and-notices A.1.1, A.3: V).
UK_DUTIES_START = dt.date(2025, 1, 16)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    """Load the regulators' structures (``catalogue.yaml``, shipped with the package)."""
    text = (Path(__file__).parent / "catalogue.yaml").read_text(encoding="utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # safe loader, C if libyaml


def wants_records(profile: Profile) -> bool:
    """Whether ``generate`` writes the records by default: the profile has ``uk``, ``eu`` or ``au``."""
    return bool(set(DEFAULT_JURISDICTIONS) & set(profile.data["jurisdictions"]))


def measure_gaps(profile: Profile, decisions: list[Decision]) -> list[str]:
    """List the UK code measures that apply and that no clause selected for the profile implements.

    A measure applies when it applies to every U2U service, or to services
    likely to be accessed by children and the profile says so.
    """
    if "uk" not in profile.data["jurisdictions"]:
        return []
    chosen = {d.clause.id for d in decisions if d.included}
    likely = profile.data["determinations"]["uk_likely_accessed_by_children"]
    return [
        m["id"]
        for m in catalogue()["measures"]
        if (m["applies"] == "all" or (m["applies"] == "children" and likely == "yes"))
        and not any(c in chosen for c in m["clauses"])
    ]


@dataclass
class Records:
    """The records of one profile: data, document model and calendar."""

    data: dict[str, Any]
    document: Document
    ics: bytes

    def json_bytes(self) -> bytes:
        """``records.json``: sorted keys, two-space indent, a final newline."""
        return (json.dumps(self.data, indent=2, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")


def _cell(*parts: str | Span) -> tuple[Span, ...]:
    return tuple(p if isinstance(p, Span) else Span(p) for p in parts if p != "")


def _para(text: str, bold: bool = False) -> Paragraph:
    return Paragraph((Span(text, bold=bold),))


def _bullets(items: list[str]) -> ListBlock:
    return ListBlock(False, tuple(ListItem((Span(i),)) for i in items))


def _table(caption: str, header: tuple[str, ...], rows: list[tuple[str | tuple[Span, ...], ...]]) -> Table:
    return Table(caption, header, tuple(tuple(c if isinstance(c, tuple) else _cell(c) for c in row) for row in rows))


def _clause_refs(ids: list[str], chosen: dict[str, Decision]) -> list[dict[str, str]]:
    return [
        {"id": i, "version": chosen[i].clause.version, "hash": chosen[i].clause.content_hash}
        for i in ids
        if i in chosen
    ]


def _refs_text(refs: list[dict[str, str]]) -> str:
    if not refs:
        return "None: a gap"
    return "; ".join(f"{r['id']} v{r['version']} ({r['hash'].removeprefix('sha256:')[:12]})" for r in refs)


def build_records(
    profile: Profile,
    decisions: list[Decision],
    library: Library,
    templates: Templates,
) -> Records:
    """Build the compliance records for ``profile`` from the clauses selected for it.

    Nothing depends on the day it runs: the same profile and library give the
    same records.

    Raises:
        ProfileError: when ``assessments.yaml`` beside the profile is invalid.
    """
    cat = catalogue()
    chosen = {d.clause.id: d for d in decisions if d.included}
    harm_ids = [h["id"] for h in cat["harms"]] + [slug(o) for o in cat["other_risks"]]
    child_kinds = [k for group in cat["children_content"].values() for k in group]
    answers = load_assessments(
        profile.source, harm_ids, [slug(k) for k in child_kinds], [m["id"] for m in cat["measures"]]
    )
    d = profile.data
    jurisdictions = set(d["jurisdictions"])
    effective = d["effective_date"]
    events: list[Event] = []
    questions: list[str] = []
    data: dict[str, Any] = {
        "records": TITLE,
        "company": profile.name,
        "effective_date": effective.isoformat() if effective else None,
        "provenance": {
            "generator": {"name": "policygen", "version": __version__},
            "library": {"name": library.name, "version": library.version},
            "profile_digest": "sha256:" + profile.digest,
            "guidance": {k: v for k, v in cat["guidance"].items() if k.split("_")[0] in jurisdictions},
            "assessments_file": bool(answers),
            "counsel_review": "Draft: have counsel review before relying on it.",
        },
    }
    sections: list[Section] = []
    if "uk" in jurisdictions:
        _uk(profile, cat, chosen, answers, data, sections, events, questions)
    if "eu" in jurisdictions:
        _eu(profile, cat, chosen, data, sections, questions)
    if "au" in jurisdictions:
        _au(profile, cat, chosen, data, sections, questions)
    if "us" in jurisdictions:
        _us(cat, chosen, data, sections)
    if effective:
        for decision in sorted(chosen.values(), key=lambda x: x.clause.id):
            reviewed = decision.clause.meta.get("last_reviewed")
            if isinstance(reviewed, dt.date):
                due = add_months(reviewed, 12)
                events.append(
                    Event(f"clause-review-{decision.clause.id}", due, f"Clause review due: {decision.clause.id}", "")
                )
    events = _merge_clause_reviews(events)
    data["calendar"] = [e.as_json() for e in events]
    data["counsel_questions"] = questions
    used = sorted({r["id"] for r in _walk_refs(data)})
    data["provenance"]["clauses"] = {
        i: {"version": chosen[i].clause.version, "hash": chosen[i].clause.content_hash} for i in used
    }
    sections.append(_calendar_section(events, str(len(sections) + 1)))
    if questions:
        sections.append(Section("A", "counsel-questions", "Questions for counsel", [_bullets(questions)], []))
    document = _document(profile, library, templates, data, sections)
    return Records(data, document, ics_bytes(events, profile.name))


def _walk_refs(node: Any) -> list[dict[str, str]]:
    found = []
    if isinstance(node, dict):
        if set(node) == {"id", "version", "hash"}:
            return [node]
        for v in node.values():
            found.extend(_walk_refs(v))
    elif isinstance(node, list):
        for v in node:
            found.extend(_walk_refs(v))
    return found


def _merge_clause_reviews(events: list[Event]) -> list[Event]:
    """One event per clause-review date (listing the clauses), after the other events, in date order."""
    others = [e for e in events if not e.uid.startswith("clause-review-")]
    by_date: dict[dt.date, list[str]] = {}
    for e in events:
        if e.uid.startswith("clause-review-"):
            by_date.setdefault(e.date, []).append(e.uid.removeprefix("clause-review-"))
    merged = [
        Event(
            f"clause-review-{day.isoformat()}",
            day,
            f"Clause review due ({len(ids)} clause{'s' if len(ids) > 1 else ''})",
            "Check these clauses against their sources: " + ", ".join(ids),
        )
        for day, ids in sorted(by_date.items())
    ]
    return sorted([*others, *merged], key=lambda e: (e.date, e.uid))


def _factor_present(factor: dict, profile: Profile) -> tuple[bool | None, str]:
    """Whether the profile shows the factor, and from what; None when the profile cannot say."""
    d = profile.data
    if factor.get("minors"):
        under18 = d["audience"]["minimum_age"] < 18
        return under18, f"audience.minimum_age: {d['audience']['minimum_age']}"
    services = [s for s in factor.get("services", []) if s in d["services"]]
    features = [f for f in factor.get("features", []) if d["features"].get(f)]
    if not factor.get("services") and not factor.get("features"):
        return None, "not in the profile"
    if services or features:
        return True, ", ".join([*(f"services: {s}" for s in services), *(f"features.{f}" for f in features)])
    return False, ""


def _factor_harms(factor: dict, labels: dict[str, str]) -> list[str]:
    harms = factor["harms"]
    if harms == "all":
        return ["All kinds of illegal harm"]
    if harms == "all-but-iia-porn":
        return ["All kinds except intimate image abuse and extreme pornography"]
    return [labels[h] for h in harms]


def _uk(profile, cat, chosen, answers, data, sections, events, questions) -> None:  # noqa: PLR0913
    d = profile.data
    effective = d["effective_date"]
    labels = {h["id"]: h["label"] for h in cat["harms"]}
    uk: dict[str, Any] = {}
    # Step 2 first: Step 1 lists, for each kind, the factors present that raise it.
    factors, unknown = [], []
    for f in cat["factors"]:
        present, source = _factor_present(f, profile)
        entry = {"id": f["id"], "group": f["group"], "name": f["name"], "harms": _factor_harms(f, labels)}
        if present is None:
            unknown.append(entry)
        elif present:
            factors.append({**entry, "from": source})
    raised: dict[str, list[str]] = {}
    for f in cat["factors"]:
        if any(x["id"] == f["id"] for x in factors):
            ids = (
                list(labels)
                if f["harms"] == "all"
                else (
                    [h for h in labels if h not in ("intimate-image-abuse", "extreme-pornography")]
                    if f["harms"] == "all-but-iia-porn"
                    else f["harms"]
                )
            )
            for h in ids:
                raised.setdefault(h, []).append(f["name"])
    illegal = answers.get("illegal_harms", {})
    kinds = [
        {
            "id": h["id"],
            "kind": h["label"],
            "csea": bool(h.get("csea")),
            "factors_present": raised.get(h["id"], []),
            "level": illegal.get(h["id"], {}).get("level"),
            "reasoning": illegal.get(h["id"], {}).get("reasoning"),
        }
        for h in cat["harms"]
    ]
    others = [
        {
            "id": slug(o),
            "kind": o,
            "level": illegal.get(slug(o), {}).get("level"),
            "reasoning": illegal.get(slug(o), {}).get("reasoning"),
        }
        for o in cat["other_risks"]
    ]
    review = add_months(effective, 12) if effective else None
    accountable = _clause_refs(["sop.roles.uk-accountable-person"], chosen)
    uk["illegal_content_risk_assessment"] = {
        "guidance": cat["guidance"]["uk_icra"],
        "header": {
            "completed_by": answers.get("completed_by"),
            "approved_by": answers.get("approved_by"),
            "date_completed": answers.get("date_completed"),
            "named_responsible_person": answers.get("responsible_person"),
            "responsibility_measure": "ICU A2",
            "responsibility_clauses": accountable,
            "next_review": review.isoformat() if review else None,
        },
        "step1_kinds": kinds,
        "step1_other": others,
        "step2_factors": factors,
        "step2_factors_to_answer": unknown,
        "core_inputs": cat["core_inputs"],
    }
    # Children's access assessment.
    likely = d["determinations"]["uk_likely_accessed_by_children"]
    uk["childrens_access_assessment"] = {
        "guidance": cat["guidance"]["uk_caa"],
        "outcome": likely,
        "age_assurance": d["audience"]["age_assurance"],
    }
    # Children's risk assessment.
    child_answers = answers.get("children_harms", {})
    if likely == "yes":
        uk["childrens_risk_assessment"] = {
            "guidance": cat["guidance"]["uk_cra"],
            "content": {
                group: [
                    {
                        "id": slug(k),
                        "kind": k,
                        "level": child_answers.get(slug(k), {}).get("level"),
                        "reasoning": child_answers.get(slug(k), {}).get("reasoning"),
                    }
                    for k in kinds_
                ]
                for group, kinds_ in cat["children_content"].items()
            },
            "next_review": review.isoformat() if review else None,
        }
    else:
        uk["childrens_risk_assessment"] = None
    if likely == "undecided":
        questions.append(
            "Blocking: is the service likely to be accessed by children in the UK (OSA ss.35-37)? Until the "
            "children's access assessment is done and determinations.uk_likely_accessed_by_children is set, "
            "the service is to be treated as likely to be accessed, and a children's risk assessment may be "
            "due. (determinations.uk_likely_accessed_by_children)"
        )
    # Code measures register.
    chosen_answers = answers.get("measures", {})
    register = []
    for m in cat["measures"]:
        if m["applies"] == "children" and likely != "yes":
            continue
        refs = _clause_refs(m["clauses"], chosen)
        answer = chosen_answers.get(m["id"])
        if answer:
            status, reason = answer["status"], answer["reason"]
        elif m["applies"] in ("all", "children"):
            status, reason = ("in use" if refs else "gap"), ""
        else:
            status, reason = "decide after Step 2", ""
        register.append(
            {
                "id": m["id"],
                "name": m["name"],
                "applies": m["applies"],
                "verified": m["verified"],
                "status": status,
                "clauses": refs,
                "reason": reason,
                "gap": not refs and status in ("in use", "gap"),
            }
        )
    uk["code_measures"] = register
    questions.append(
        "Do Ofcom's Illegal Content Codes measures ICU D3 to D6 apply to this service? Ofcom's tool output "
        "for a small low-risk service, as one operator recorded it, leaves them out; other summaries list D4 "
        "and D6 for all services. (code measures register)"
    )
    data["uk"] = uk
    # Calendar.
    if review:
        events.append(Event("uk-icra-review", review, "UK illegal content risk assessment: yearly review", ""))
        if likely == "yes":
            events.append(Event("uk-cra-review", review, "UK children's risk assessment: yearly review", ""))
        if likely == "no":
            events.append(
                Event("uk-caa-repeat", review, "UK children's access assessment: repeat (at least yearly)", "")
            )
    # Not compared with today's date: the same profile must give the same files on any day, so a
    # service that already runs simply ignores this "if new" event.
    if effective and effective > UK_DUTIES_START:
        first = add_months(effective, 3)
        events.append(
            Event(
                "uk-first-assessments",
                first,
                "UK, if the service is new: first illegal content risk assessment and children's access assessment due",
                "A new service must complete both within three months of starting (OSA Sch 3; Ofcom guidance). "
                "This date assumes the service starts on the effective date.",
            )
        )
    sections.extend(_uk_sections(uk, cat, len(sections), profile.name))


def _level_cell(level: str | None, reasoning: str | None) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    if level:
        return _cell(Span(level, bold=True)), _cell(reasoning or "")
    return _cell(Span(BLANK, italic=True)), _cell(Span(BLANK, italic=True))


def _uk_sections(uk: dict, cat: dict, start: int, profile_name: str) -> list[Section]:
    icra = uk["illegal_content_risk_assessment"]
    header = icra["header"]
    n = start + 1
    blocks: list[Block] = [
        _para(
            "The written record of the illegal content risk assessment (OSA s.9, record under s.23(2)), laid out in "
            f"Ofcom's four steps. It follows: {icra['guidance']}. Kind labels, risk factors and their links to "
            "harms are taken from published records that quote Ofcom's guidance; check them against Ofcom's "
            "current Risk Profiles before relying on them."
        ),
        _para(
            "The risk level of each kind of harm is the provider's judgment. This record never fills it in: "
            "it shows the evidence to consider and leaves the level and the reasoning blank, unless the "
            "provider's assessments.yaml gives them."
        ),
        _table(
            "Record header",
            ("Field", "Entry"),
            [
                ("Service", profile_name),
                ("Date completed", header["date_completed"] or BLANK),
                ("Completed by", header["completed_by"] or BLANK),
                ("Approved by", header["approved_by"] or BLANK),
                ("Next review", header["next_review"] or "Set effective_date in the profile"),
            ],
        ),
        _para("Step 1: understand the harms", bold=True),
        _para(
            "Every kind of priority illegal content is assessed separately (OSA s.9(5)). Child sexual exploitation "
            "and abuse (CSEA) comes first, as three sub-kinds."
        ),
        _table(
            "Kinds of priority illegal content",
            ("Kind", "Risk factors present that raise it"),
            [(k["kind"], ", ".join(k["factors_present"]) or "None found in the profile") for k in icra["step1_kinds"]],
        ),
        _para("Step 2: assess the risk", bold=True),
        _table(
            "Risk Profile factors present",
            ("Group", "Factor", "From the profile", "Kinds of harm it raises"),
            [
                (f["group"], f["name"], f["from"], ", ".join(f["harms"]) or "Check Ofcom's Risk Profile")
                for f in icra["step2_factors"]
            ],
        ),
        _table(
            "Risk Profile factors the profile does not describe",
            ("Group", "Factor", "Present?"),
            [(f["group"], f["name"], _cell(Span(BLANK, italic=True))) for f in icra["step2_factors_to_answer"]],
        ),
        _para("Evidence to consider (Ofcom's core inputs):"),
        _bullets(icra["core_inputs"]),
        _table(
            "Risk level for each kind (negligible, low, medium or high)",
            ("Kind", "Risk level", "Reasoning and evidence"),
            [
                (k["kind"], *_level_cell(k["level"], k["reasoning"]))
                for k in [*icra["step1_kinds"], *icra["step1_other"]]
            ],
        ),
        _para("Step 3: decide measures, implement and record", bold=True),
        _para(
            "The code measures register below records the measures in use, the clauses that implement them, "
            "and any alternative measures with their reasons (s.23(3)-(4))."
        ),
        _para("Step 4: report, review and update", bold=True),
        _table(
            "Responsibility and review",
            ("Field", "Entry"),
            [
                ("Named person responsible (ICU A2)", header["named_responsible_person"] or BLANK),
                ("Implemented by", _refs_text(header["responsibility_clauses"])),
                (
                    "Findings reported to",
                    "A senior manager with responsibility for online safety (enough for a small service)",
                ),
                ("Next review", header["next_review"] or "Set effective_date in the profile"),
            ],
        ),
        _para("Review and update the assessment:"),
        _bullets(
            [
                "before any significant change to the service's design or operation: a new assessment (OSA s.9(4));",
                "when Ofcom makes a significant change to a Risk Profile relevant to the service (s.9(3));",
                "when the kinds of priority illegal content change (as in June 2026, when self-harm and "
                "cyberflashing were added);",
                "by the next review date above (Ofcom's guidance recommends at least every 12 months).",
            ]
        ),
    ]
    sections = [Section(str(n), "uk-icra", "UK illegal content risk assessment", blocks, [])]
    n += 1
    caa = uk["childrens_access_assessment"]
    outcome = {
        "yes": "Likely to be accessed by children",
        "no": "Not likely to be accessed by children",
        "undecided": "Not yet decided",
    }[caa["outcome"]]
    caa_blocks: list[Block] = [
        _para(f"The children's access assessment (OSA ss.35-37), following {caa['guidance']}."),
        _table(
            "The two stages",
            ("Stage", "Question", "Evidence"),
            [
                (
                    "1",
                    "Is it possible for children to access the service, or part of it?",
                    "Only age verification or age estimation that keeps children out can answer no; self-declaration "
                    f"is not age assurance. This profile's age assurance: {caa['age_assurance']}.",
                ),
                (
                    "2",
                    "Is the child user condition met: a significant number of child users, or a service of a kind "
                    "likely to attract them?",
                    "Whether the service benefits or appeals to children; whether children are part of the "
                    "commercial strategy. Even a small number can be significant.",
                ),
            ],
        ),
        _table("Outcome", ("Field", "Entry"), [("Outcome (determinations.uk_likely_accessed_by_children)", outcome)]),
    ]
    if caa["outcome"] == "no":
        caa_blocks += [
            _para(
                "To conclude that children are not likely to access the service, "
                "record the steps taken and the detailed evidence:"
            ),
            _table(
                "Evidence for the outcome",
                ("Evidence", "Entry"),
                [
                    ("Steps taken", _cell(Span(BLANK, italic=True))),
                    ("Detailed evidence used", _cell(Span(BLANK, italic=True))),
                ],
            ),
            _para(
                "Repeat the assessment at least yearly, before significant changes, and when age assurance "
                "becomes less effective or child use rises."
            ),
        ]
    sections.append(Section(str(n), "uk-caa", "UK children's access assessment", caa_blocks, []))
    n += 1
    cra = uk["childrens_risk_assessment"]
    if cra is not None:
        titles = {
            "primary_priority": "Primary priority content",
            "priority": "Priority content",
            "non_designated": "Non-designated content",
        }
        cra_blocks: list[Block] = [
            _para(
                f"The children's risk assessment (OSA s.11), following {cra['guidance']}. "
                "The levels are the provider's judgment."
            ),
        ]
        for group, kinds in cra["content"].items():
            cra_blocks.append(
                _table(
                    titles[group],
                    ("Kind", "Risk level", "Reasoning and evidence"),
                    [(k["kind"], *_level_cell(k["level"], k["reasoning"])) for k in kinds],
                )
            )
        cra_blocks.append(_para("A provider that identifies non-designated content must tell Ofcom."))
        sections.append(Section(str(n), "uk-cra", "UK children's risk assessment", cra_blocks, []))
        n += 1
    reg = uk["code_measures"]
    gaps = [m["id"] for m in reg if m["gap"]]
    reg_blocks: list[Block] = [
        _para(
            "Every Ofcom code measure that applies to this service, with the clauses that implement it "
            f"({cat['guidance']['uk_codes']}; "
            "OSA s.23(3)-(4)). Measures marked decide after Step 2 apply only at the risk levels shown; "
            "their status follows "
            "from the levels the provider sets. An alternative measure needs a reason."
        ),
        _para(
            "The measures listed for a small service follow an operator's published record of Ofcom's "
            "check-how-to-comply tool, not yet checked against the Codes themselves; whether ICU D3 to D6 "
            "(more information on reporting, indicative timeframes, opt-out from updates) also apply is an "
            "open question for counsel."
        ),
        _table(
            "Code measures register",
            ("Measure", "Name", "Status", "Implementing clauses", "Reason"),
            [
                (
                    m["id"],
                    m["name"] + ("" if m["applies"] in ("all", "children") else f" (applies to: {m['applies']})"),
                    "gap: no implementing clause" if m["gap"] else m["status"],
                    _refs_text(m["clauses"]),
                    m["reason"] or "",
                )
                for m in reg
            ],
        ),
    ]
    if gaps:
        reg_blocks.append(_para(f"Gaps (no implementing clause): {', '.join(gaps)}."))
    sections.append(Section(str(n), "uk-measures", "UK code measures register", reg_blocks, []))
    return sections


def _eu(profile, cat, chosen, data, sections, questions) -> None:
    d = profile.data
    small = d["determinations"]["eu_micro_or_small"]
    rows = []
    in_eu = d["company"]["country"] in V.EU_MEMBER_STATES
    for a in cat["dsa"]["all"]:
        refs = _clause_refs(a["clauses"], chosen)
        status, reason = "applicable", "Applies to every hosting service"
        if a["article"] == "Art 13" and in_eu:
            status, reason = "not applicable", "The company is established in the EU (company.country)"
        elif a["article"] == "Art 13" and d["company"]["country"] == "unknown":
            status, reason = (
                "undecided",
                "Applies only to providers not established in the EU; company.country is not given",
            )
        elif a["article"] == "Art 13":
            reason = f"The company is not established in the EU (company.country: {d['company']['country']})"
        rows.append({"article": a["article"], "name": a["name"], "status": status, "reason": reason, "clauses": refs})
    for a in cat["dsa"]["size_dependent"]:
        refs = _clause_refs(a["clauses"], chosen)
        if small == "yes":
            where = "Art 15(2)" if a["article"] == "Art 15" else "Art 19"
            status, reason = "exempt", f"{where}: micro or small enterprise (determinations.eu_micro_or_small: yes)"
            if a["article"] == "Art 24":
                reason += "; Art 24(3) (user numbers on request) still applies"
        elif small == "no":
            status, reason = (
                "applicable",
                "Not a micro or small enterprise (determinations.eu_micro_or_small: no); "
                "Arts 20-28 apply to online platforms",
            )
        else:
            status, reason = "undecided", "Depends on the Art 19 decision (determinations.eu_micro_or_small: undecided)"
        rows.append({"article": a["article"], "name": a["name"], "status": status, "reason": reason, "clauses": refs})
    data["eu"] = {
        "guidance": cat["guidance"]["eu"],
        "art19_decision": small,
        "art19_evidence": (
            "Headcount and annual turnover or balance sheet (Commission Recommendation 2003/361/EC), "
            "of the enterprise and any partner or linked enterprises, and the date assessed"
        ),
        "obligations": rows,
    }
    if small == "undecided":
        questions.append(
            "Is the company a micro or small enterprise under DSA Art 19? Arts 15 and 20-28 depend on it. "
            "(determinations.eu_micro_or_small)"
        )
    blocks: list[Block] = [
        _para(f"The obligations of {cat['guidance']['eu']} and the clauses that implement them."),
        _table(
            "Art 19 decision",
            ("Field", "Entry"),
            [
                ("Micro or small enterprise (determinations.eu_micro_or_small)", small),
                ("Evidence", data["eu"]["art19_evidence"]),
                ("Evidence held", _cell(Span(BLANK, italic=True))),
            ],
        ),
        _table(
            "DSA obligations register",
            ("Article", "Obligation", "Status", "Why", "Implementing clauses"),
            [
                (
                    r["article"],
                    r["name"],
                    r["status"],
                    r["reason"],
                    _refs_text(r["clauses"]) if r["status"] in ("applicable", "undecided") else "Not needed",
                )
                for r in rows
            ],
        ),
    ]
    sections.append(
        Section(str(len(sections) + 1), "eu-dsa", "EU Digital Services Act obligations register", blocks, [])
    )


def _au(profile, cat, chosen, data, sections, questions) -> None:
    d = profile.data
    smma = d["determinations"]["au_age_restricted_platform"]
    au = {
        "guidance": cat["guidance"]["au"],
        "smma_determination": smma,
        "smma_clauses": _clause_refs(cat["au"]["smma_clauses"], chosen),
        "phase1_tier": None,
        "record_keeping": (
            "At least 2 years after the end of the calendar year of the action (DIS Standard s.38; "
            "the RES Standard's period is not confirmed)"
        ),
        "records_clauses": _clause_refs(cat["au"]["records_clauses"], chosen),
    }
    data["au"] = au
    if smma == "undecided":
        questions.append(
            "Is the service an age-restricted social media platform (Online Safety Act 2021 s.63C and the 2025 "
            "Rules)? If so, it must take reasonable steps to prevent under-16s having accounts. "
            "(determinations.au_age_restricted_platform)"
        )
    meaning = {
        "yes": "Yes: an age-restricted social media platform; take reasonable steps to prevent under-16s "
        "having accounts (s.63D), from 10 Dec 2025.",
        "no": "No: not an age-restricted social media platform, by the provider's self-assessment "
        "(only a court decides finally).",
        "undecided": "Undecided: self-assess against s.63C and the exclusions in the 2025 Rules.",
    }[smma]
    steps = _refs_text(au["smma_clauses"]) if smma != "no" else "Not required while the self-assessment stands"
    blocks: list[Block] = [
        _table(
            "Social Media Minimum Age (Online Safety Act 2021 Part 4A)",
            ("Field", "Entry"),
            [
                ("Determination (determinations.au_age_restricted_platform)", meaning),
                ("Reasonable steps taken, with the clauses", steps),
                (
                    "Evidence of the steps (systems and processes, not individual age checks)",
                    _cell(Span(BLANK, italic=True)),
                ),
            ],
        ),
        _table(
            "Phase 1 industry standards",
            ("Field", "Entry"),
            [
                ("Self-assessed tier (1 high, 2 medium, 3 low), with reasons", _cell(Span(BLANK, italic=True))),
                ("Record-keeping period", au["record_keeping"]),
                ("Implemented by", _refs_text(au["records_clauses"])),
            ],
        ),
    ]
    sections.append(Section(str(len(sections) + 1), "au", "Australia: minimum age and industry standards", blocks, []))


def _us(cat, chosen, data, sections) -> None:
    refs = _clause_refs(cat["us"]["tida_clauses"], chosen)
    data["us"] = {
        "guidance": cat["guidance"]["us"],
        "clauses": refs,
        "clock_hours": 48,
        "identical_copies": "Reasonable efforts to identify and remove any known identical copies",
    }
    blocks: list[Block] = [
        _table(
            "TAKE IT DOWN Act notice-and-removal process (Section 3)",
            ("Field", "Entry"),
            [
                ("Channel for removal requests", _cell(Span(BLANK, italic=True))),
                (
                    "Clock",
                    "Remove the depiction as soon as possible and no later than 48 hours "
                    "after receiving a valid request",
                ),
                ("Known identical copies", data["us"]["identical_copies"]),
                ("Implemented by", _refs_text(refs)),
            ],
        )
    ]
    sections.append(
        Section(str(len(sections) + 1), "us-tida", "United States: TAKE IT DOWN Act process record", blocks, [])
    )


def _calendar_section(events: list[Event], number: str) -> Section:
    rows = [
        (
            e.date.isoformat(),
            e.summary,
            "The clauses are listed in records.json and deadlines.ics."
            if e.uid.startswith("clause-review-")
            else e.description,
        )
        for e in events
    ]
    blocks: list[Block] = [
        _para("Every review date, due date and statutory deadline, also in deadlines.ics for a calendar."),
        _table("Calendar", ("Date", "What", "Details"), rows)
        if rows
        else _para("No dates: set effective_date in the profile."),
    ]
    return Section(number, "calendar", "Calendar", blocks, [])


def _document(
    profile: Profile, library: Library, templates: Templates, data: dict, sections: list[Section]
) -> Document:
    common = templates.common
    context = clause_context(profile.data)
    effective = profile.data["effective_date"]
    settings = profile.data["document"]
    paper = settings["paper"] or ("letter" if {"us", "ca"} & set(profile.data["jurisdictions"]) else "a4")
    pins = [
        f"{i}@{c['version']}#{c['hash'].removeprefix('sha256:')[:12]}" for i, c in data["provenance"]["clauses"].items()
    ]
    digest = hashlib.sha256("\n".join([library.version, profile.digest, *pins]).encode()).hexdigest()
    guidance = "; ".join(data["provenance"]["guidance"].values())
    intro = [
        _para(
            "The written records regulators ask for first, generated from the service profile and the clauses "
            "chosen for it. Hand them over as they are once the blanks are filled in. Risk levels and reasoning "
            "are the provider's judgment and are left blank unless assessments.yaml gives them."
        ),
        _para(f"Follows: {guidance}."),
    ]
    return Document(
        kind="records",
        title=TITLE,
        company=profile.name,
        library_name=library.name,
        library_version=library.version,
        effective_date=effective.isoformat() if effective else common["effective_date_missing"],
        disclaimer=render_markdown_blocks(common["disclaimer"], context, "common.yaml#disclaimer"),
        intro=intro,
        sections=sections,
        version=settings["version"],
        paper=paper,
        toc_depth=1,
        meta={
            "document": TITLE,
            "footer": common["footer"],
            "draft": common["draft_notice"],
            "library-version": library.version,
            "profile-digest": profile.digest,
            "build-digest": f"sha256:{digest}",
            "clauses": " ".join(pins),
        },
    )
