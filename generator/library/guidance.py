"""What a profile lacks: safeguards to consider, legal requirements it misses, and what the documents assume.

``lint`` and ``coverage`` report what the *library* lacks. This module reports
what the *profile* lacks: a safeguard it leaves unknown or states as false,
where a code, guidance or statute in one of its jurisdictions recommends or
requires it. The table :data:`GUIDANCE` names each source with its
verification mark from the project's fact briefs
(``facts.md`` §3.2, §4, §2.1; ``records-and-notices.md`` A.5, B.7;
``contacts-helplines-norms.md`` C.4). Its levels:

``required``
    A duty in force for services like this profile's. Stating the safeguard
    ``false`` makes ``generate`` warn and ``explain --gaps`` exit 1.
``expected``
    A binding general duty or statutory code whose guidance names this
    measure (for example DSA Art 28 with the Commission's guidelines, or the
    ICO Children's Code).
``recommended``
    A code measure whose application depends on the provider's own risk
    assessment, or published good practice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..profile import Profile
from ..profile import vocabulary as V
from .clauses import VERIFICATION_WORDS
from .conditions import evaluate

LEVELS: tuple[str, ...] = ("required", "expected", "recommended")


@dataclass(frozen=True)
class Source:
    """One code, guidance or statute that recommends or requires a safeguard for some profiles."""

    safeguard: str
    jurisdiction: str
    level: str
    source: str
    verified: str
    when: dict | None = None
    note: str = ""


_UK_CHILDREN = {"minors": True, "jurisdictions": ["uk"], "not": {"uk_likely_accessed_by_children": "no"}}
_EU_ART28 = {"minors": True, "jurisdictions": ["eu"], "not": {"eu_micro_or_small": "yes"}}

GUIDANCE: tuple[Source, ...] = (
    Source(
        "report_button",
        "uk",
        "required",
        "Online Safety Act 2023 ss.20-21 (content reporting and complaints); Ofcom Illegal Content Codes ICU D1 "
        "and D2 (reporting and complaints systems easy to find, access and use)",
        "P",
        {"jurisdictions": ["uk"]},
        "Counsel should confirm whether reporting by email alone can meet the duty.",
    ),
    Source(
        "report_button",
        "au",
        "required",
        "Online Safety (RES and DIS) Industry Standards 2024 (user reporting); Basic Online Safety Expectations "
        "Determination 2022 (clear reporting mechanisms)",
        "V2",
        {"jurisdictions": ["au"]},
    ),
    Source(
        "report_button",
        "eu",
        "expected",
        "DSA Art 16 (notice-and-action mechanism, easy to access, user-friendly, electronic; all hosting services)",
        "V2",
        {"jurisdictions": ["eu"]},
        "An email address may meet Art 16; an in-app option is the usual reading of 'easy to access'.",
    ),
    Source(
        "private_by_default_minors",
        "uk",
        "expected",
        "ICO Age Appropriate Design Code (Children's Code), standard 7: high privacy by default",
        "V2",
        {"minors": True, "jurisdictions": ["uk"]},
    ),
    Source(
        "private_by_default_minors",
        "eu",
        "expected",
        "DSA Art 28(1) and the Commission's guidelines of 14 Jul 2025: minors' accounts private by default",
        "V2",
        _EU_ART28,
    ),
    Source(
        "private_by_default_minors",
        "uk",
        "recommended",
        "Ofcom ICU F1: safety defaults for child users (connection lists hidden)",
        "P",
        {"minors": True, "jurisdictions": ["uk"]},
        "F1 applies to services with a means of determining age and a high risk of grooming, or large services at "
        "medium risk.",
    ),
    Source(
        "minors_not_discoverable",
        "eu",
        "expected",
        "DSA Art 28(1) and the Commission's guidelines of 14 Jul 2025: limited discoverability of minors",
        "V2",
        _EU_ART28,
    ),
    Source(
        "minors_not_discoverable",
        "uk",
        "recommended",
        "Ofcom ICU F1: child users not suggested to others in network-expansion prompts",
        "P",
        {"minors": True, "jurisdictions": ["uk"]},
        "F1 applies with a high risk of grooming (or large services at medium risk).",
    ),
    Source(
        "restrict_adult_minor_dms",
        "eu",
        "expected",
        "DSA Art 28(1) and the Commission's guidelines of 14 Jul 2025: no unsolicited contact from adults",
        "V2",
        _EU_ART28,
    ),
    Source(
        "restrict_adult_minor_dms",
        "uk",
        "recommended",
        "Ofcom ICU F1: non-connected accounts cannot message child users",
        "P",
        {"minors": True, "jurisdictions": ["uk"]},
        "F1 applies with a high risk of grooming (or large services at medium risk).",
    ),
    Source(
        "restrict_adult_minor_dms",
        "au",
        "recommended",
        "Basic Online Safety Expectations (2024 amendments): best interests of the child; user controls",
        "V2",
        {"minors": True, "jurisdictions": ["au"]},
    ),
    Source(
        "restrict_adult_minor_calls",
        "eu",
        "expected",
        "DSA Art 28(1) and the Commission's guidelines of 14 Jul 2025: no unsolicited contact from adults",
        "V2",
        _EU_ART28,
    ),
    Source(
        "minors_location_off",
        "uk",
        "expected",
        "ICO Children's Code, standard 10: geolocation off by default",
        "V2",
        {"minors": True, "jurisdictions": ["uk"]},
    ),
    Source(
        "minors_location_off",
        "eu",
        "expected",
        "DSA Art 28(1) and the Commission's guidelines of 14 Jul 2025: geolocation off by default",
        "V2",
        _EU_ART28,
    ),
    Source(
        "block_users",
        "uk",
        "expected",
        "Ofcom Protection of Children Codes: user support and controls for children (blocking, muting)",
        "V2",
        _UK_CHILDREN,
    ),
    Source(
        "block_users",
        "au",
        "recommended",
        "Basic Online Safety Expectations (2024 amendments): user controls",
        "V2",
        {"jurisdictions": ["au"]},
    ),
    Source(
        "sensitive_content_filter_minors",
        "uk",
        "expected",
        "Ofcom Protection of Children Codes: safer feeds (harmful content filtered out of children's feeds)",
        "V2",
        _UK_CHILDREN,
    ),
    Source(
        "minor_livestream_limits",
        "uk",
        "recommended",
        "Ofcom consultation of 30 Jun 2025 on additional measures: livestream protections for children",
        "UNVERIFIED",
        {"jurisdictions": ["uk"]},
        "Proposals V2; whether Ofcom adopted them is unverified.",
    ),
    Source(
        "parental_tools",
        "uk",
        "recommended",
        "ICO Children's Code, standard 11: if parents can monitor a child, tell the child and show a sign",
        "V2",
        {"minors": True, "jurisdictions": ["uk"]},
    ),
    Source(
        "in_product_appeals",
        "eu",
        "expected",
        "DSA Art 20: internal complaint-handling system, electronic and free, for at least six months",
        "P",
        {"jurisdictions": ["eu"], "not": {"eu_micro_or_small": "yes"}},
        "An email route may meet Art 20; Art 19 exempts micro and small platforms.",
    ),
    Source(
        "in_product_appeals",
        "uk",
        "recommended",
        "Ofcom ICU D9 and D10: appeals, decision and action after it",
        "P",
        {"jurisdictions": ["uk"]},
    ),
)


@dataclass
class Gap:
    """A safeguard the profile does not state as true, with the sources that recommend or require it."""

    safeguard: str
    state: str  # "unknown" or "false"
    level: str
    sources: list[Source] = field(default_factory=list)

    @property
    def missing_required(self) -> bool:
        """True when the law requires the safeguard and the profile says the product lacks it."""
        return self.level == "required" and self.state == "false"

    def as_json(self) -> dict[str, Any]:
        """Return the gap as JSON-ready data (``explain --gaps --json``)."""
        return {
            "safeguard": self.safeguard,
            "state": self.state,
            "level": self.level,
            "missing_required": self.missing_required,
            "sources": [
                {"jurisdiction": s.jurisdiction, "source": s.source, "verified": s.verified} for s in self.sources
            ],
        }

    def line(self) -> str:
        """Return the terminal line of ``explain --gaps``."""
        mark = "MISSING (required by law)" if self.missing_required else self.level
        return f"safeguards.{self.safeguard} [{self.state}; {mark}]: {self.summary()}"

    def summary(self) -> str:
        """One line for a terminal or the appendix."""
        where = "; ".join(
            f"{s.jurisdiction.upper()}: {s.source} ({VERIFICATION_WORDS.get(s.verified, s.verified)})"
            + (f" ({s.note})" if s.note else "")
            for s in self.sources
        )
        word = {"required": "required by law", "expected": "expected by law or a statutory code"}.get(
            self.level, "recommended"
        )
        return f"{V.SAFEGUARDS[self.safeguard].description} ({self.state}; {word}) {where}."


def relevant_safeguards(profile: Profile) -> list[str]:
    """Return the safeguards that mean something for this profile (their ``relevant`` condition holds)."""
    facts = profile.facts()
    return [s.id for s in V.SAFEGUARDS.values() if evaluate(s.relevant, facts)[0]]


def gaps(profile: Profile) -> list[Gap]:
    """Return the safeguards to consider: unknown or false, relevant, named by a source for the profile's jurisdictions.

    Ordered by legal weight (required, expected, recommended), then by the
    vocabulary order of safeguards.
    """
    facts = profile.facts()
    values = profile.data["safeguards"]
    out = []
    for sid in relevant_safeguards(profile):
        if values[sid] is True:
            continue
        sources = [s for s in GUIDANCE if s.safeguard == sid and evaluate(s.when, facts)[0]]
        if not sources:
            continue
        sources.sort(key=lambda s: (LEVELS.index(s.level), list(V.JURISDICTIONS).index(s.jurisdiction)))
        out.append(Gap(sid, "false" if values[sid] is False else "unknown", sources[0].level, sources))
    order = list(V.SAFEGUARDS)
    return sorted(out, key=lambda g: (LEVELS.index(g.level), order.index(g.safeguard)))


def missing_required(profile: Profile) -> list[Gap]:
    """Return the safeguards the law requires for this profile that the profile states the product lacks."""
    return [g for g in gaps(profile) if g.missing_required]


def determination_questions(profile: Profile) -> list[tuple[str, str]]:
    """Return (determination id, question for counsel) for each undecided one in the jurisdictions."""
    data = profile.data
    out = []
    for d in V.DETERMINATIONS.values():
        if d.jurisdiction in data["jurisdictions"] and data["determinations"][d.id] == "undecided":
            out.append((d.id, d.question))
    return out


#: The counsel-question id each determination's question shares with the clauses that ask the same thing.
DETERMINATION_QUESTION_IDS: dict[str, str] = {
    "us_provider_duty_applies": "us.provider-duty",
    "eu_micro_or_small": "eu.micro-small",
    "au_age_restricted_platform": "au.under-16",
    "uk_likely_accessed_by_children": "uk.children-access",
    "uk_monthly_users_over_700k": "uk.monthly-users-700k",
}


def establishment_question_ids(profile: Profile) -> list[tuple[str, str, str]]:
    """Return (question id, jurisdiction, question) for :func:`establishment_questions`, in the same order."""
    data = profile.data
    country, where = data["company"]["country"], set(data["jurisdictions"])
    keys: list[tuple[str, str]] = []
    if country is None:
        if where - {"us"}:
            keys.append(("company.establishment", V.GLOBAL))
    else:
        if "eu" in where and country not in V.EU_MEMBER_STATES:
            keys.append(("eu.legal-representative", "eu"))
        if "ca" in where and country != "ca":
            keys.append(("ca.foreign-provider", "ca"))
        if "uk" in where and country != "gb":
            keys.append(("uk.foreign-provider", "uk"))
    return [(qid, j, q) for (qid, j), q in zip(keys, establishment_questions(profile), strict=True)]


def establishment_questions(profile: Profile) -> list[str]:
    """Return the questions that follow from where the company is established (``company.country``)."""
    data = profile.data
    country = data["company"]["country"]
    where = set(data["jurisdictions"])
    out = []
    if country is None:
        if where - {"us"}:
            out.append(
                "Where is the company established? It decides, among other things, whether the company needs an "
                "EU legal representative (DSA Art 13) and how foreign-provider duties apply. Record the answer in "
                "the profile as company.country."
            )
        return out
    if "eu" in where and country not in V.EU_MEMBER_STATES:
        out.append(
            f"EU: the company is established outside the EU ({country.upper()}). DSA Art 13 requires a provider "
            "with no EU establishment that offers services in the Union to designate, in writing, a legal "
            "representative in one Member State (no micro or small exemption), and to notify and publish its "
            "details. Has this been done, and in which Member State?"
        )
    if "ca" in where and country != "ca":
        out.append(
            f"Canada: the company is established outside Canada ({country.upper()}). Does the mandatory reporting "
            "Act (S.C. 2011, c. 4) apply to it for the Internet service it provides to the public in Canada? Note "
            "that reporting to NCMEC is deemed to satisfy the s.2 duty only, not the police notification and "
            "preservation duties (ss.3 and 4). (Territorial reach not verified in the brief.)"
        )
    if "uk" in where and country != "gb":
        out.append(
            f"UK: the company is established outside the UK ({country.upper()}). The NCA reporting duty (Online "
            "Safety Act s.66) then covers only UK-linked CSEA content; confirm how the company decides what is "
            "UK-linked."
        )
    return out


def assumptions(profile: Profile) -> list[str]:
    """Return what the documents assume: implied features, unknown safeguards, undecided determinations."""
    out = []
    services = profile.data["services"]
    for f in profile.implied:
        why = [s for s in services if f in V.SERVICE_IMPLIES[s] + V.SERVICE_SUGGESTS.get(s, ())]
        out.append(f"features.{f} is on because the profile lists {', '.join(why)} (set it to false if it is not)")
    values = profile.data["safeguards"]
    for sid in relevant_safeguards(profile):
        if values[sid] is None:
            out.append(f"safeguards.{sid} is unknown, so no document promises it")
    for did, _ in determination_questions(profile):
        out.append(f"determinations.{did} is undecided; it is a question for counsel")
    if profile.data["company"]["country"] is None and set(profile.data["jurisdictions"]) - {"us"}:
        out.append("company.country is not stated; where the company is established is a question for counsel")
    return out


__all__ = [
    "GUIDANCE",
    "LEVELS",
    "Gap",
    "Source",
    "assumptions",
    "DETERMINATION_QUESTION_IDS",
    "determination_questions",
    "establishment_question_ids",
    "establishment_questions",
    "gaps",
    "missing_required",
    "relevant_safeguards",
]
