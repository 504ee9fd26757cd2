"""Clause applicability conditions: a small structured language over profile facts.

A condition is a YAML mapping. Every entry must hold (AND). Entries are either
a *fact* with the value it must have, or a combinator::

    when:
      services: [photo-sharing, video-sharing]   # the profile has any of these
      jurisdictions: [uk]                         # ... and operates in the UK
      e2ee: false                                 # a feature flag
      team_size: [solo, small]                    # one of these values
      hash_matching: true                         # a list fact: any tool at all
      any:                                        # at least one of these holds
        - minors: true
        - dating: true
      not: {anonymous_accounts: true}

Structured conditions (rather than free expressions) let ``explain`` say in
plain words why each clause was chosen, and let ``lint`` check every value
against the vocabulary and find clauses no profile can select.
"""

from __future__ import annotations

from typing import Any

from ..profile import Checker, describe, did_you_mean
from ..profile import vocabulary as V


def _country_codes() -> tuple[str, ...]:
    from ..profile.profile import iso_countries

    return tuple(sorted({code for key, code in iso_countries().items() if len(key) == 2}))


#: fact name -> (kind, allowed values or None)
FACTS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "services": ("set", tuple(V.SERVICES)),
    "jurisdictions": ("set", tuple(V.JURISDICTIONS)),
    "hash_matching": ("set", tuple(t for t in V.HASH_TOOLS if t != "none")),
    "url_lists": ("set", tuple(t for t in V.URL_LISTS if t != "none")),
    "age_assurance": ("enum", tuple(V.AGE_ASSURANCE)),
    "team_size": ("enum", tuple(V.TEAM_SIZES)),
    "minors": ("bool", None),
    "under_13": ("bool", None),
    "parental_consent": ("bool", None),
    "text_classifiers": ("bool", None),
    **{name: ("bool", None) for name in V.FEATURES},
    "safeguards": ("set", tuple(V.SAFEGUARDS)),
    "safeguards_off": ("set", tuple(V.SAFEGUARDS)),
    "minors_may_use": ("set", tuple(V.FEATURES)),
    "feature_age_limits": ("set", tuple(V.FEATURES)),
    "company_country": ("enum", (*_country_codes(), "unknown")),
    "company_in_eu": ("bool", None),
    **{name: ("enum", V.DETERMINATION_ANSWERS) for name in V.DETERMINATIONS},
}

FACT_DOCS: dict[str, str] = {
    "services": "the profile lists any of the given service types",
    "jurisdictions": "the profile lists any of the given jurisdictions",
    "hash_matching": "any of the given hash tools is in use (true: any tool; false: none)",
    "url_lists": "any of the given URL lists is in use (true: any; false: none)",
    "age_assurance": "audience.age_assurance is one of the given values",
    "team_size": "team.size is one of the given values",
    "minors": "audience.minimum_age is under 18",
    "under_13": "audience.minimum_age is under 13",
    "parental_consent": "audience.parental_consent",
    "text_classifiers": "detection.text_classifiers",
    **{name: f"features.{name}" for name in V.FEATURES},
    "safeguards": "the profile states any of the given safeguards as true (unknown is not true)",
    "safeguards_off": "the profile states any of the given safeguards as false (unknown is not false)",
    "minors_may_use": "users under 18 may use any of the given features (on, and its minimum age under 18)",
    "feature_age_limits": "audience.minimum_age_for sets an age above minimum_age for any of the given features",
    "company_country": "company.country is one of the given codes ('unknown' when not stated)",
    "company_in_eu": "company.country is an EU member state",
    **{name: f"determinations.{name} is the given answer (yes, no, undecided)" for name in V.DETERMINATIONS},
}

#: What a clause's ``claims:`` may name: a safeguard or a feature the text describes.
CLAIM_PREFIXES: tuple[str, ...] = ("safeguards", "features")


def claim_holds(claim: str, facts: dict[str, Any]) -> bool:
    """Whether the profile states the product behaviour ``claim`` (``safeguards.x`` or ``features.x``)."""
    prefix, _, name = claim.partition(".")
    if prefix == "safeguards":
        return name in facts["safeguards"]
    if prefix == "features":
        return bool(facts.get(name))
    return False


def claims_reason(claims: list[str], facts: dict[str, Any]) -> tuple[bool, str]:
    """Whether every claim holds; the reason names the first that does not (unknown or false)."""
    for claim in claims:
        if not claim_holds(claim, facts):
            prefix, _, name = claim.partition(".")
            state = "false" if name in facts.get("safeguards_off", ()) or prefix == "features" else "unknown"
            return False, f"claims {claim}, which the profile does not state ({state}): never promised"
    return True, "the profile states " + ", ".join(claims) if claims else ""


def check_claim(value: Any, ck: Checker, path: tuple) -> Any:
    """Validate one ``claims:`` entry (``safeguards.<id>`` or ``features.<id>``)."""
    from ..profile.schema import MISSING

    allowed = [f"safeguards.{s}" for s in V.SAFEGUARDS] + [f"features.{f}" for f in V.FEATURES]
    if isinstance(value, str) and value in allowed:
        return value
    hint = did_you_mean(value, allowed)
    ck.add(path, f"unknown claim {describe(value)}; allowed: safeguards.<id> or features.<id>{hint}")
    return MISSING


COMBINATORS = ("any", "all", "not")


def check_condition(cond: Any, ck: Checker, path: tuple) -> None:
    """Record a problem for every unknown fact, bad value or malformed combinator."""
    if not isinstance(cond, dict):
        ck.add(path, f"a condition must be a mapping of facts, got {describe(cond)}")
        return
    if not cond:
        ck.add(path, "an empty condition; leave 'when' out to apply to every profile")
        return
    for key, value in cond.items():
        p = (*path, str(key))
        if key in ("any", "all"):
            if not isinstance(value, list) or not value:
                ck.add(p, f"'{key}' takes a non-empty list of conditions")
                continue
            for i, sub in enumerate(value):
                check_condition(sub, ck, (*p, i))
        elif key == "not":
            check_condition(value, ck, p)
        elif key not in FACTS:
            names = list(FACTS) + list(COMBINATORS)
            ck.add(
                p,
                f"unknown fact {key!r}; see `policygen list facts`" + did_you_mean(str(key), names),
            )
        else:
            _check_value(key, value, ck, p)


def _check_value(fact: str, value: Any, ck: Checker, path: tuple) -> None:
    kind, allowed = FACTS[fact]
    if kind == "bool":
        if not isinstance(value, bool):
            ck.add(path, f"expected true or false, got {describe(value)}")
        return
    if kind == "set" and isinstance(value, bool):
        return
    values = value if isinstance(value, list) else [value]
    if not values:
        ck.add(path, "an empty list can never match")
    for i, v in enumerate(values):
        if not isinstance(v, str) or v not in (allowed or ()):
            hint = did_you_mean(v, allowed or ())
            if fact == "jurisdictions" and v == V.GLOBAL:
                hint = " ('global' always applies: leave the jurisdictions condition out)"
            ck.add(
                (*path, i) if isinstance(value, list) else path,
                f"unknown {fact} value {describe(v)}; allowed: {', '.join(allowed or ())}{hint}",
            )


def evaluate(cond: dict[str, Any] | None, facts: dict[str, Any]) -> tuple[bool, str]:
    """Evaluate a condition; return (holds, reason in plain words)."""
    if not cond:
        return True, "global baseline: applies to every profile"
    ok, reasons = _eval(cond, facts)
    return ok, "; ".join(reasons)


def holds(cond: dict[str, Any] | None, facts: dict[str, Any]) -> bool:
    """Return ``evaluate(cond, facts)[0]`` without building the reason (for checks that try many profiles)."""
    if not cond:
        return True
    for key, value in cond.items():
        if key == "any":
            if not any(holds(sub, facts) for sub in value):
                return False
        elif key == "all":
            if not all(holds(sub, facts) for sub in value):
                return False
        elif key == "not":
            if holds(value, facts):
                return False
        else:
            have = facts[key]
            kind = FACTS[key][0]
            if kind == "bool":
                ok = have == value
            elif kind == "set":
                if isinstance(value, bool):
                    ok = bool(have) == value
                else:
                    ok = not have.isdisjoint(value if isinstance(value, list) else [value])
            else:
                ok = have in (value if isinstance(value, list) else [value])
            if not ok:
                return False
    return True


def _eval(cond: dict[str, Any], facts: dict[str, Any]) -> tuple[bool, list[str]]:
    met: list[str] = []
    for key, value in cond.items():
        if key == "any":
            results = [_eval(sub, facts) for sub in value]
            hit = next((r for r in results if r[0]), None)
            if hit is None:
                return False, ["none of: " + " | ".join("; ".join(r[1]) for r in results)]
            met.extend(hit[1])
        elif key == "all":
            for sub in value:
                ok, why = _eval(sub, facts)
                if not ok:
                    return False, why
                met.extend(why)
        elif key == "not":
            ok, why = _eval(value, facts)
            if ok:
                return False, ["not (" + "; ".join(why) + ")"]
            met.append("not (" + "; ".join(why) + ")")
        else:
            ok, why = _test(key, value, facts[key])
            if not ok:
                return False, [why]
            met.append(why)
    return True, met


def _test(fact: str, want: Any, have: Any) -> tuple[bool, str]:
    kind, _ = FACTS[fact]
    if kind == "bool":
        return have == want, f"{fact} is {str(have).lower()}" + (
            "" if have == want else f" (needs {str(want).lower()})"
        )
    if kind == "set":
        shown = ", ".join(sorted(have)) or "none"
        if isinstance(want, bool):
            ok = bool(have) == want
            return ok, f"{fact}: {shown}" + ("" if ok else f" (needs {'some' if want else 'none'})")
        wanted = want if isinstance(want, list) else [want]
        hits = sorted(set(wanted) & have)
        if hits:
            return True, f"{fact} includes {', '.join(hits)}"
        return False, f"{fact} is {shown} (needs any of {', '.join(wanted)})"
    wanted = want if isinstance(want, list) else [want]
    if have in wanted:
        return True, f"{fact} is {have}"
    return False, f"{fact} is {have} (needs {' or '.join(wanted)})"


def mentioned(cond: Any, fact: str) -> set[str]:
    """Return the values a condition tests for ``fact`` anywhere (for coverage)."""
    out: set[str] = set()
    if isinstance(cond, dict):
        for key, value in cond.items():
            if key in ("any", "all") and isinstance(value, list):
                for sub in value:
                    out |= mentioned(sub, fact)
            elif key == "not":
                continue
            elif key == fact:
                out |= set(value if isinstance(value, list) else [value]) - {True, False}
    return out
