"""Product claims: a document may promise a safeguard only when the profile states it.

A term that promises a safeguard the product lacks is a misrepresentation
(regulators read terms against the product: UK OSA s.10(5)-(8) consistency
duties; FTC Act s.5). This module finds sentences that promise or describe a
product behaviour, with a maintained list of phrases per safeguard
(:data:`CLAIM_PHRASES`), and checks them two ways:

``source``
    In a clause file: a phrase for safeguard ``S`` needs ``safeguards.S`` in
    the clause's ``claims:`` (so the clause is selected only when the profile
    states ``S``), or a template guard that names ``safeguards.S`` (a sentence
    inside ``{% if safeguards.S %}``).
``rendered``
    In a profile's assembled documents: no clause's rendered text may contain
    a phrase for a safeguard the profile does not state as true. ``lint`` runs
    it over every sample, and over every sample with its ``safeguards:``
    removed (all unknown).

The phrase list errs on the side of catching: a false alarm costs a
rewording; a miss ships a promise. ``tests/fixtures/claims-corpus.yaml``
holds sentences each phrase list must catch, and sentences it must leave
alone; add to both when the library grows a new way of saying something.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..documents import Decision, Document, block_text
from ..errors import Problem
from ..library import Clause
from ..profile import Profile

_ITEM = r"(?:post|stream|broadcast|message|result|listing|comment|video|photo|chat)s?"

#: Safeguard id -> regular expressions (case-insensitive) for sentences that
#: promise it or tell users or staff to rely on it.
CLAIM_PHRASES: dict[str, tuple[str, ...]] = {
    "report_button": (
        r"\breport (?:option|button|link|menu|tool|flag|icon|form in the app)s?\b",
        r"\buse (?:the )?report\b(?! remove)",
        r"\breport (?:it|them|him|her|the \w+) (?:from|in) (?:the|your) (?:game|app|chat|stream)\b",
        rf"\breport (?:the|this|that|any) {_ITEM}\b",
        r"\breport it from\b",
    ),
    "report_includes_context": (
        r"\b(?:report|reporting)\b[^.]{0,40}\b(?:sends|shares|gives) us\b[^.]{0,30}"
        r"\b(?:those messages|recent messages|the conversation|messages around)",
        r"\b(?:report\w*|sends?|receive)\b[^.]{0,80}\b(?:conversation|messages|chat) (?:around|before) (?:it|them)\b",
        r"\bsends us a copy of the messages\b",
        r"\brecent messages (?:are|go) (?:sent )?to (?:us|our moderators|moderators)\b",
    ),
    "block_users": (
        r"\bblock(?:s|ed|ing)? (?:them|him|her|the (?:person|sender|account|player|user|viewer)s?|anyone|someone"
        r"|people|players|viewers|users|that person)\b",
        r"\bthen block\b",
        r"\bblocking (?:is|them|someone)\b",
        r"\b(?:have|has) blocked\b",
        r"\bignore, block\b",
        r"\bmute (?:them|him|her|any player|the player|anyone|any user)\b",
        r"\*\*block\*\*",
    ),
    "private_by_default_minors": (
        r"\bstarts? (?:out )?(?:as )?private\b(?! (?:contact|conversation|chat|message))",
        r"\bprivate by default\b",
        r"\bmost protective settings\b",
        r"\bonly people (?:you|they) have approved can see\b",
        r"\b(?:list of connections|connection lists?|friends? lists?) (?:is|are) hidden\b",
        r"\b(?:accounts?|profiles?) of (?:users|people|anyone) under 18 (?:are|is|start) private\b",
        r"\bsettings? (?:for|to see|that control) who can see\b",
    ),
    "minors_not_discoverable": (
        r"\b(?:do|does|will) not (?:suggest|recommend) (?:your|their) (?:account|profile)\b",
        r"\bnot (?:be )?(?:suggested|recommended|searchable|findable)\b[^.]{0,40}\b(?:adults|strangers|people)\b",
        r"\bkept out of (?:search|suggestions)\b",
        r"\bhidden from (?:search|suggestions)\b",
    ),
    "restrict_adult_minor_dms": (
        r"\b(?:adults?|accounts registered as adults)\b[^.]{0,80}\bcannot (?:send (?:you|them|minors)|message)\b",
        r"\bcannot send you private messages\b",
        r"\bdo not receive (?:friend requests or )?(?:private )?messages from adults\b",
        r"\bnon-connected (?:accounts|adults|users) cannot message\b",
        r"\bsettings? (?:for|to see) who can (?:send|message)\b",
        r"\bwho can send (?:you|them) (?:private )?messages\b",
        r"\bchat settings\b",
    ),
    "restrict_adult_minor_calls": (
        r"\bcannot call (?:you|them)\b",
        r"\bcannot [^.]{0,30}invite (?:you|them) to a private (?:voice|video)",
    ),
    "minors_location_off": (
        r"\blocation sharing is (?:switched |turned |kept )?off\b",
        r"\blocation[^.]{0,40}\boff by default\b",
        r"\boff by default[^.]{0,40}\blocation\b",
    ),
    "minor_livestream_limits": (
        r"\bbroadcasts? (?:have|has) extra limits\b",
        r"\bonly (?:people|contacts) (?:you|they) have accepted\b[^.]{0,40}\b(?:comment|join)",
        r"\b(?:viewers|no one|nobody) (?:cannot|can't|can) send (?:you|them) (?:gifts|payments)\b",
        r"\bno one can send (?:you |them )?gifts\b",
        r"\bstreams are limited\b",
    ),
    "parental_tools": (
        r"\b(?:supervision|parental) (?:tools|controls|dashboard|settings)\b",
        r"\bfamily (?:centre|center|pairing|link)\b",
        r"\blink (?:your|a parent's|their) account to\b",
    ),
    "sensitive_content_filter_minors": (
        r"\bsensitive[- ]content (?:filter|setting|control)s?\b",
        r"\bfilters? (?:out|hides?) (?:sexual|sensitive|violent)\b",
    ),
    "nudity_warnings": (
        r"\bnudity (?:warning|filter|detection)s?\b",
        r"\b(?:images?|photos?|pictures?) that may show nudity\b",
        r"\bblur(?:s|red)? (?:images?|photos?|pictures?)[^.]{0,40}\b(?:nud|intimate|sexual)",
        r"\bwarns? you before you (?:open|see|send)\b",
    ),
    "in_product_appeals": (
        r"\bappeal (?:link|button|option)\b",
        r"\buse (?:the )?appeal\b",
    ),
    "ai_teen_mode": (
        r"\bteen (?:mode|version|experience)\b",
        r"\b(?:AI|our) tools? (?:blocks?|limits?|restricts?)[^.]{0,60}\b(?:under 18|teens?|minors?)\b",
    ),
}

_COMPILED: dict[str, list[re.Pattern[str]]] = {
    sid: [re.compile(p, re.I) for p in phrases] for sid, phrases in CLAIM_PHRASES.items()
}
_JINJA_TAG = re.compile(r"\{%-?.*?-?%\}|\{#.*?#\}", re.S)
_JINJA_EXPR = re.compile(r"\{\{.*?\}\}", re.S)
_MD = re.compile(r"[*_`]")


@dataclass(frozen=True)
class Hit:
    """One phrase found in a text: which safeguard it promises, and the words."""

    safeguard: str
    text: str


def _required_literal(pattern: str) -> str:
    """Return the longest run of plain ASCII characters in every match of ``pattern``, lower-cased ("" if none).

    Read from the parsed pattern's top level only (a literal inside a group,
    an alternative or a repeat is not required), so a text without it cannot
    match: the cheap ``in`` test in :func:`find_claims` skips the regex then.
    """
    from re import _parser  # type: ignore[attr-defined]

    best, run = "", ""
    for op, arg in _parser.parse(pattern, re.I):
        if op is _parser.LITERAL and arg < 128:
            run += chr(arg)
            best = max(best, run, key=len)
        else:
            run = ""
    return best.lower() if len(best) >= 3 else ""


_REQUIRED: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    sid: [(_required_literal(p.pattern), p) for p in patterns] for sid, patterns in _COMPILED.items()
}
_FOUND: dict[str, tuple[Hit, ...]] = {}  # text -> hits: lint scans the same rendered clause for many profiles
_FOUND_MAX = 50_000


def find_claims(text: str) -> list[Hit]:
    """Return every phrase in ``text`` that promises a safeguard (one hit per safeguard and match)."""
    found = _FOUND.get(text)
    if found is None:
        found = _find_claims(text)
        if len(_FOUND) >= _FOUND_MAX:
            _FOUND.clear()
        _FOUND[text] = found
    return list(found)


def _find_claims(text: str) -> tuple[Hit, ...]:
    plain = " ".join(_MD.sub("", text).split())
    # An ASCII text matches a pattern (case-insensitively) only if it holds the pattern's required
    # literal in lower case; other texts (where re.I folds more, e.g. the Kelvin sign) run every regex.
    lowered = plain.lower() if plain.isascii() else None
    hits = []
    for sid, patterns in _REQUIRED.items():
        for literal, pattern in patterns:
            if lowered is not None and literal and literal not in lowered:
                continue
            for m in pattern.finditer(plain):
                hits.append(Hit(sid, m.group(0)))
    return tuple(hits)


def _guarded(body: str) -> set[str]:
    """Safeguards named in the body's template tags (``{% if safeguards.x %}``)."""
    found: set[str] = set()
    for tag in _JINJA_TAG.findall(body):
        found |= set(re.findall(r"safeguards\.([a-z_]+)", tag))
        found |= set(re.findall(r"safeguards\[['\"]([a-z_]+)['\"]\]", tag))
    return found


def _claimed(clause: Clause) -> set[str]:
    out = {c.split(".", 1)[1] for c in clause.meta.get("claims") or [] if c.startswith("safeguards.")}
    # a `when` that requires a safeguard fact also guards the whole clause
    when = clause.meta.get("when") or {}
    if isinstance(when, dict) and isinstance(when.get("safeguards"), list) and len(when["safeguards"]) == 1:
        out.add(when["safeguards"][0])
    return out


def source_problems(clauses: Iterable[Clause]) -> list[Problem]:
    """Clauses whose text promises a safeguard without claiming it (or guarding the sentence)."""
    out = []
    for clause in clauses:
        text = _JINJA_EXPR.sub("x", _JINJA_TAG.sub(" ", clause.body))
        allowed = _claimed(clause) | _guarded(clause.body)
        reported: set[str] = set()
        for hit in find_claims(text):
            if hit.safeguard in allowed or hit.safeguard in reported:
                continue
            reported.add(hit.safeguard)
            out.append(
                Problem(
                    clause.file,
                    "claims",
                    f"the text promises safeguards.{hit.safeguard} ({hit.text!r}) but the clause does not claim it; "
                    f"add `claims: [safeguards.{hit.safeguard}]`, guard the sentence with "
                    f"{{% if safeguards.{hit.safeguard} %}}, or reword it so it stays true when the product lacks it",
                    clause.body_line,
                )
            )
    return out


def rendered_problems(decisions: list[Decision], documents: Mapping[str, Document], profile: Profile) -> list[Problem]:
    """Return rendered clause text that promises a safeguard the profile does not state as true."""
    stated = profile.facts()["safeguards"]
    files = {d.clause.id: d.clause.file for d in decisions}
    out = []
    for document in documents.values():
        for section in document.sections:
            for clause in section.clauses:
                text = "\n".join(block_text(b) for b in clause.blocks)
                for hit in find_claims(text):
                    if hit.safeguard in stated:
                        continue
                    state = "false" if hit.safeguard in profile.facts()["safeguards_off"] else "unknown"
                    out.append(
                        Problem(
                            files.get(clause.id, clause.id),
                            "claims",
                            f"{document.kind} {clause.number} promises safeguards.{hit.safeguard} ({hit.text!r}), "
                            f"which {profile.source} does not state ({state})",
                        )
                    )
    return out


def without_safeguards(profile: Profile) -> Profile:
    """Return the same profile with every safeguard unknown (for the rendered check)."""
    from ..profile import validate_profile

    data = {**profile.data, "safeguards": {}}
    raw = _raw(data)
    return validate_profile(raw, f"{profile.source} (no safeguards)")


def _raw(data: dict) -> dict:
    """Turn completed profile data back into input a validator accepts (drop derived defaults)."""
    import copy

    raw = copy.deepcopy(data)
    raw["safeguards"] = {k: v for k, v in raw.get("safeguards", {}).items() if v is not None}
    if raw["company"].get("country") is None:
        raw["company"].pop("country", None)
    return raw


__all__ = [
    "CLAIM_PHRASES",
    "Hit",
    "find_claims",
    "rendered_problems",
    "source_problems",
    "without_safeguards",
]
