"""Load and validate a company profile (YAML).

The profile schema below is the single source of truth for the profile
format: validation, defaults, ``policygen list fields``, the README reference
and the ``init`` questionnaire all read it.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem, ProfileError
from . import vocabulary as V
from .schema import (
    MISSING,
    Bool,
    Checker,
    Date,
    Email,
    Enum,
    Field,
    Int,
    ListOf,
    Mapping,
    Str,
    Url,
    describe,
    did_you_mean,
    format_path,
)
from .yamlio import YamlProblem, parse_yaml, read_text


class Country(Str):
    """An ISO 3166-1 alpha-2 country code, in any case; stored in lower case."""

    type_name = "an ISO 3166-1 alpha-2 country code, e.g. gb, us, de"

    def extra_check(self, text: str, ck: Checker, path: tuple) -> Any:  # noqa: D102
        code = country_code(text)
        if code is None:
            hint = country_suggestion(text)
            near = f" (did you mean {hint!r}?)" if hint else ""
            ck.add(path, f"unknown country {text!r}; expected {self.type_name}{near}")
            return MISSING
        if code != text.lower():
            ck.add(path, f"{text!r} is a country name; write its code {code!r}")
            return MISSING
        return code


@functools.lru_cache(maxsize=1)
def iso_countries() -> dict[str, str]:
    """Return pycountry's ISO 3166-1 codes, alpha-2 and alpha-3 in upper case, each to its lower-case alpha-2.

    Read from pycountry's own data file without importing pycountry, whose
    import (``importlib.metadata``, ``email``, ``logging``) costs more than
    a whole warm ``generate`` spends validating; names still go through
    pycountry (:func:`country_code`).
    """
    import importlib.util
    import json

    spec = importlib.util.find_spec("pycountry")
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    try:
        if folder is None:
            raise OSError("pycountry not found")
        entries = json.loads((folder / "databases" / "iso3166-1.json").read_bytes())["3166-1"]
        codes = {}
        for e in entries:
            codes[e["alpha_2"].upper()] = e["alpha_2"].lower()
            codes[e["alpha_3"].upper()] = e["alpha_2"].lower()
        return codes
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # another layout: ask pycountry itself
        import pycountry

        codes = {c.alpha_2.upper(): c.alpha_2.lower() for c in pycountry.countries}
        codes.update({c.alpha_3.upper(): c.alpha_2.lower() for c in pycountry.countries})
        return codes


def country_code(text: str) -> str | None:
    """Return the lower-case alpha-2 code for a code or a common name ("UK", "Germany"), or None."""
    t = text.strip()
    if not t:
        return None
    alias = V.COUNTRY_ALIASES.get(t.lower())
    if alias:
        return alias
    if len(t) in (2, 3) and t.upper() in iso_countries():
        return iso_countries()[t.upper()]
    import pycountry

    for key in ("alpha_2", "alpha_3"):
        try:
            hit = pycountry.countries.get(**{key: t.upper()}) if len(t) == (2 if key == "alpha_2" else 3) else None
        except (KeyError, LookupError):
            hit = None
        if hit is not None:
            return hit.alpha_2.lower()
    try:
        hit = pycountry.countries.lookup(t)
    except LookupError:
        return None
    return hit.alpha_2.lower()


def country_suggestion(text: str) -> str | None:
    """Return the code of the country whose name or code is closest to ``text``, if any is close."""
    import difflib

    import pycountry

    names: dict[str, str] = dict(V.COUNTRY_ALIASES)
    for c in pycountry.countries:
        names[c.alpha_2.lower()] = c.alpha_2.lower()
        names[c.name.lower()] = c.alpha_2.lower()
        common = getattr(c, "common_name", None)
        if common:
            names[common.lower()] = c.alpha_2.lower()
    close = difflib.get_close_matches(text.strip().lower(), list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None


class Answer(Enum):
    """A determination: yes, no or undecided. Unquoted YAML yes/no (read as true/false) are accepted."""

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str) and value.strip().lower() in self.choices:
            return value.strip().lower()
        return super().check(value, ck, path)


def _safeguards_schema() -> Mapping:
    return Mapping(
        {
            s.id: Bool(s.description + " Default: unknown (never promised).", default=None)
            for s in V.SAFEGUARDS.values()
        },
        "What the product does today; a safeguard left out is unknown and never promised.",
    )


def _determinations_schema() -> Mapping:
    return Mapping(
        {
            d.id: Answer(
                d.description
                + (
                    " Default: no when every service is messaging or gaming, else undecided."
                    if d.id == "au_age_restricted_platform"
                    else " Default: undecided."
                ),
                choices=list(V.DETERMINATION_ANSWERS),
                default=None,
            )
            for d in V.DETERMINATIONS.values()
        },
        "Legal conclusions only the provider and its counsel can reach; undecided ones become questions for counsel.",
    )


def _contacts_schema() -> Mapping:
    return Mapping(
        {
            c.id: Str(
                c.description + f" Default: empty; the SOP shows '{V.TO_COMPLETE}: contacts.{c.id}'.",
                default=None,
                max_len=300,
            )
            for c in V.PROVIDER_CONTACTS.values()
        },
        "Contact details only the provider knows (reporting accounts, police contacts); an empty one is "
        "shown in the SOP as a TO COMPLETE marker.",
    )


class FeatureAges(Field):
    """A mapping of feature id to the minimum age for that feature (``audience.minimum_age_for``)."""

    type_name = "a mapping of feature to age (5 to 21), e.g. {livestream: 18, payments: 18}"

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if not isinstance(value, dict):
            ck.add(path, f"expected {self.type_name}, got {describe(value)}")
            return MISSING
        out: dict[str, int] = {}
        ok = True
        age = Int(lo=5, hi=21)
        for key, v in value.items():
            if key not in V.FEATURES:
                ck.add(
                    (*path, str(key)),
                    f"unknown feature {str(key)!r}; see `policygen list features`" + did_you_mean(str(key), V.FEATURES),
                )
                ok = False
                continue
            cleaned = age.check(v, ck, (*path, key))
            if cleaned is MISSING:
                ok = False
            else:
                out[key] = cleaned
        return {k: out[k] for k in V.FEATURES if k in out} if ok else MISSING


def _features_schema() -> Mapping:
    return Mapping(
        {
            name: Bool(doc + " Default: true if a listed service has it, else false.", default=None)
            for name, doc in V.FEATURES.items()
        },
        "What the service lets users do.",
    )


class _Version(Str):
    """A document version such as ``1.0`` or ``2024-03``: text, with a hint when YAML read a number."""

    def check(self, value: Any, ck: Checker, path: tuple) -> Any:  # noqa: D102
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            ck.add(
                path,
                f'expected text, got {value!r} (a number); write it in quotes, e.g. "1.10", to keep it as written',
            )
            return None
        return super().check(value, ck, path)


#: Paper sizes for the Word and PDF documents.
PAPER_SIZES = ("a4", "letter")


def _document_schema() -> Mapping:
    """Return the ``document:`` block: how the documents themselves are labelled and laid out."""
    return Mapping(
        {
            "version": _Version(
                "Version shown on the cover and in the footer of every document. Default: 1.0.",
                max_len=40,
                default="1.0",
            ),
            "paper": Enum(
                "Paper size of the Word and PDF documents. Default: letter when jurisdictions include us or ca, "
                "else a4.",
                choices=list(PAPER_SIZES),
                default=None,
            ),
        },
        "The documents: version and paper size.",
    )


PROFILE_SCHEMA = Mapping(
    {
        "company": Mapping(
            {
                "name": Str("Name shown in the documents.", example="PixelPals"),
                "legal_name": Str("Legal entity name. Default: company.name.", default=None),
                "website": Url("Public website (http or https). Default: none.", default=None),
                "country": Country(
                    "Where the company is established (ISO 3166-1 alpha-2, e.g. gb). Decides, for example, "
                    "whether an EU legal representative is needed. Default: not stated (a question for counsel).",
                    default=None,
                ),
                "contact": Mapping(
                    {
                        "safety": Email("Where users send safety reports.", example="safety@pixelpals.example"),
                        "legal": Email("Legal contact. Default: contact.safety.", default=None),
                        "law_enforcement": Email("Law-enforcement requests. Default: contact.legal.", default=None),
                    },
                    "Contact addresses.",
                ),
            },
            "Who the company is.",
        ),
        "services": ListOf(
            Enum(choices=list(V.SERVICES)),
            "Service types offered (see `policygen list services`).",
            min_items=1,
            example=["photo-sharing"],
        ),
        "jurisdictions": ListOf(
            Enum(choices=list(V.JURISDICTIONS)),
            "Where the service operates (see `policygen list jurisdictions`); a global baseline always applies.",
            min_items=1,
            example=["us"],
        ),
        "audience": Mapping(
            {
                "minimum_age": Int("Youngest age allowed to use the service. Default: 13.", lo=5, hi=21, default=13),
                "parental_consent": Bool(
                    "Verifiable parental consent is collected (required when minimum_age is under 13). Default: false.",
                    default=False,
                ),
                "age_assurance": Enum(
                    "How age is checked. Default: self-declaration.",
                    choices=list(V.AGE_ASSURANCE),
                    default="self-declaration",
                ),
                "minimum_age_for": FeatureAges(
                    "Per-feature minimum ages where a feature is stricter than the service, e.g. "
                    "{livestream: 18, payments: 18}. Each lies between minimum_age and 21, for a feature that is "
                    "on. Documents state these floors. Default: {} (every feature at minimum_age).",
                    default=dict,
                ),
            },
            "Who may use the service.",
        ),
        "features": _features_schema(),
        "safeguards": _safeguards_schema(),
        "detection": Mapping(
            {
                "hash_matching": ListOf(
                    Enum(choices=list(V.HASH_TOOLS)),
                    "Hash-matching tools in use. Default: [] (none).",
                    default=list,
                ),
                "url_lists": ListOf(
                    Enum(choices=list(V.URL_LISTS)),
                    "URL block lists in use. Default: [] (none).",
                    default=list,
                ),
                "text_classifiers": Bool(
                    "Text classifiers for grooming or exploitation. Default: false.", default=False
                ),
            },
            "Detection tools in place.",
        ),
        "team": Mapping(
            {
                "size": Enum(
                    "Who handles trust and safety. Default: small.",
                    choices=list(V.TEAM_SIZES),
                    default="small",
                ),
            },
            "The trust-and-safety team.",
        ),
        "determinations": _determinations_schema(),
        "contacts": _contacts_schema(),
        "notices": Mapping(
            {
                "form_action": Url(
                    "Where the report forms (`--doc notices`) send what people fill in: an http or https URL of "
                    f"your backend. Default: empty; the forms show '{V.TO_COMPLETE}: notices.form_action'.",
                    default=None,
                ),
            },
            "The notice-and-action kit (`--doc notices`).",
        ),
        "document": _document_schema(),
        "effective_date": Date("Date the documents take effect. Default: left for you to fill in.", default=None),
        "governing_law": Str("Governing law named in the terms. Default: none.", default=None),
    },
    "A company profile.",
)


@dataclass(frozen=True)
class Profile:
    """A validated profile with every default filled in.

    Attributes:
        source: The file name the profile came from (as given).
        data: The profile as plain data (dicts, lists, strings, dates).
        implied: Features the profile left out that are on because a listed
            service has or suggests them (for "what these documents assume").
    """

    source: str
    data: dict[str, Any]
    implied: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """Company name."""
        return self.data["company"]["name"]

    @property
    def digest(self) -> str:
        """SHA-256 of the canonical JSON form of the validated profile."""
        data = self.data
        if data.get("notices") == {"form_action": None}:  # added later: a profile without it keeps its digest
            data = {k: v for k, v in data.items() if k != "notices"}
        return hashlib.sha256(canonical_json(data).encode()).hexdigest()

    def facts(self) -> dict[str, Any]:
        """Return the flat facts clause conditions are written against."""
        d = self.data
        facts: dict[str, Any] = {
            "services": set(d["services"]),
            "jurisdictions": set(d["jurisdictions"]),
            "minimum_age": d["audience"]["minimum_age"],
            "minors": d["audience"]["minimum_age"] < 18,
            "under_13": d["audience"]["minimum_age"] < 13,
            "parental_consent": d["audience"]["parental_consent"],
            "age_assurance": d["audience"]["age_assurance"],
            "hash_matching": set(d["detection"]["hash_matching"]),
            "url_lists": set(d["detection"]["url_lists"]),
            "text_classifiers": d["detection"]["text_classifiers"],
            "team_size": d["team"]["size"],
            "safeguards": {k for k, v in d["safeguards"].items() if v is True},
            "safeguards_off": {k for k, v in d["safeguards"].items() if v is False},
            "minors_may_use": minors_may_use(d),
            "feature_age_limits": {
                f for f, a in d["audience"]["minimum_age_for"].items() if a > d["audience"]["minimum_age"]
            },
            "company_country": d["company"]["country"] or "unknown",
            "company_in_eu": d["company"]["country"] in V.EU_MEMBER_STATES,
        }
        facts.update(d["features"])
        facts.update(d["determinations"])
        return facts

    def feature_age(self, feature: str) -> int:
        """Return the youngest age allowed to use ``feature``."""
        return feature_age(self.data, feature)


def feature_age(data: dict[str, Any], feature: str) -> int:
    """Return the youngest age allowed to use ``feature``: its own floor, else the service's."""
    audience = data["audience"]
    return max(audience["minimum_age"], audience["minimum_age_for"].get(feature) or 0)


def minors_may_use(data: dict[str, Any]) -> set[str]:
    """Features that are on and that users under 18 may use."""
    return {f for f, on in data["features"].items() if on and feature_age(data, f) < 18}


def canonical_json(data: Any) -> str:
    """Serialise plain data deterministically (sorted keys, ISO dates)."""

    def default(o: Any) -> Any:
        if isinstance(o, (_dt.date, _dt.datetime)):
            return o.isoformat()
        if isinstance(o, (set, frozenset)):
            return sorted(o)
        raise TypeError(type(o).__name__)

    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=default, separators=(",", ":"))


def load_profile(path: str | Path) -> Profile:
    """Read, validate and complete a profile file.

    Raises:
        ProfileError: listing every problem found, each with file, line and field.
    """
    shown = str(path)
    try:
        text = read_text(Path(path), shown)
        raw, lines = parse_yaml(text, shown)
    except YamlProblem as exc:
        raise ProfileError(f"Cannot read profile {shown}", [exc.problem]) from None
    return validate_profile(raw, shown, lines)


def validate_profile(raw: Any, shown: str = "<profile>", lines: dict[tuple, int] | None = None) -> Profile:
    """Validate already-parsed profile data.

    Raises:
        ProfileError: listing every problem found.
    """
    if raw is None:
        raise ProfileError(
            f"Invalid profile {shown}",
            [
                Problem(
                    shown,
                    "",
                    "the file is empty; a profile needs company, services and jurisdictions",
                )
            ],
        )
    ck = Checker(shown, lines or {})
    if not isinstance(raw, dict):
        ck.add(
            (),
            "the top level must be a mapping of fields (company:, services:, ...), not a list or text",
        )
        raise ProfileError(f"Invalid profile {shown}", ck.problems)
    data = PROFILE_SCHEMA.check(raw, ck, ())
    if not ck.problems:
        _complete(data)
        _check_contradictions(data, raw, ck)
    if ck.problems:
        n = len(ck.problems)
        problems = sorted(ck.problems, key=lambda p: p.line or 0)
        raise ProfileError(f"Invalid profile {shown} ({n} problem{'s' if n != 1 else ''})", problems)
    raw_feats = raw.get("features") or {}
    implied = tuple(f for f in V.FEATURES if data["features"][f] and f not in raw_feats)
    return Profile(shown, data, implied)


def _complete(data: dict[str, Any]) -> None:
    """Fill defaults that depend on other fields."""
    company = data["company"]
    company["legal_name"] = company["legal_name"] or company["name"]
    contact = company["contact"]
    contact["legal"] = contact["legal"] or contact["safety"]
    contact["law_enforcement"] = contact["law_enforcement"] or contact["legal"]
    suggested = {f for s in data["services"] for f in V.SERVICE_IMPLIES[s] + V.SERVICE_SUGGESTS.get(s, ())}
    feats = data["features"]
    for name in V.FEATURES:
        if feats[name] is None:
            feats[name] = name in suggested
    det = data["detection"]
    for key in ("hash_matching", "url_lists"):
        det[key] = [t for t in det[key] if t != "none"]
    dets = data["determinations"]
    for name in V.DETERMINATIONS:
        if dets[name] is None:
            dets[name] = default_determination(name, data["services"])


def default_determination(name: str, services: list[str]) -> str:
    """Return the answer a determination has when the profile leaves it out."""
    if name == "au_age_restricted_platform" and set(services) <= V.AU_SMMA_EXCLUDED_SERVICES:
        return "no"
    return "undecided"


def _check_contradictions(data: dict[str, Any], raw: dict[str, Any], ck: Checker) -> None:
    """Report combinations of fields that cannot all be true."""
    feats = data["features"]
    raw_feats = raw.get("features") or {}
    for service in data["services"]:
        for feat in V.SERVICE_IMPLIES[service]:
            if raw_feats.get(feat) is False:
                ck.add(
                    ("features", feat),
                    f"is false, but service '{service}' always has it; remove the line or the service",
                )
    if feats["e2ee"] and not feats["direct_messages"]:
        ck.add(
            ("features", "e2ee"),
            "is true but direct_messages is false; end-to-end encryption needs messages",
        )
    age = data["audience"]["minimum_age"]
    if "dating" in data["services"] and age < 18:
        ck.add(
            ("audience", "minimum_age"),
            f"is {age}, but a dating service must be 18+; set it to 18 or more",
        )
    if age < 13 and not data["audience"]["parental_consent"]:
        ck.add(
            ("audience", "parental_consent"),
            f"must be true when minimum_age is under 13 (it is {age}); verifiable parental consent is required",
        )
    raw_ages = (raw.get("audience") or {}).get("minimum_age_for") or {}
    for feat, floor in data["audience"]["minimum_age_for"].items():
        if floor < age:
            ck.add(
                ("audience", "minimum_age_for", feat),
                f"is {floor}, below audience.minimum_age ({age}); a feature's age must lie between minimum_age and 21",
            )
        elif not feats[feat] and feat in raw_ages:
            ck.add(
                ("audience", "minimum_age_for", feat),
                f"sets an age for {feat}, but features.{feat} is off; remove the line or turn the feature on",
            )
    raw_det = raw.get("detection") or {}
    for key in ("hash_matching", "url_lists"):
        listed = raw_det.get(key) or []
        if isinstance(listed, list) and "none" in listed and len(listed) > 1:
            ck.add(
                ("detection", key),
                "lists 'none' together with tools; use either 'none' or the tools",
            )
    if data["detection"]["hash_matching"] and not feats["user_uploads"]:
        ck.add(
            ("detection", "hash_matching"),
            "lists hash-matching tools, but features.user_uploads is false; there is nothing to match",
        )


def field_reference() -> list[tuple[str, str, str, str]]:
    """Return (path, required/default, allowed, description) for every profile field."""
    from .schema import walk_fields

    rows = []
    for path, f in walk_fields(PROFILE_SCHEMA):
        req = "required" if f.required else "optional"
        rows.append((path, req, f.allowed(), f.doc))
    return rows


__all__ = [
    "PROFILE_SCHEMA",
    "Profile",
    "load_profile",
    "validate_profile",
    "field_reference",
    "format_path",
]


def profile_yaml(answers: dict[str, Any]) -> str:
    """Validate questionnaire answers and return them as profile YAML text.

    Raises:
        ProfileError: when the answers do not make a valid profile.
    """
    import yaml

    validate_profile(answers, "<answers>")
    header = (
        "# policygen company profile. Field reference: `policygen list fields`.\n"
        "# Generate documents with: policygen generate THIS_FILE -o out\n"
    )
    return header + yaml.safe_dump(answers, sort_keys=False, allow_unicode=True, default_flow_style=None)
