"""The ``init`` questionnaire: every question, how each answer is parsed and checked, and the profile it writes.

The command line only prompts and prints; everything else is here, so the
same questions, checks and "did you mean" hints serve prompts, flags and
``--no-input`` alike. Each answer is checked as it is given: a bad email is
asked again at once, not rejected after every other answer.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from . import vocabulary as V
from .profile import country_code, country_suggestion, default_determination, validate_profile
from .schema import did_you_mean, email_problem, url_problem

Answers = dict[str, Any]


class AnswerError(ValueError):
    """An answer that cannot be used; the message says why and what is allowed."""


@dataclass(frozen=True)
class Question:
    """One question ``init`` asks.

    Attributes:
        key: Dotted profile path the answer goes to.
        flag: The command-line flag that answers it (without ``--``).
        prompt: What is asked, in plain words; ``{...}`` is filled from answers.
        parse: Turns typed text into the profile value, or raises AnswerError.
        default: The default answer given earlier answers (None: must be answered).
        ask: Whether the question applies, given earlier answers.
        comment: The comment written next to the field in the profile.
        show: How to show a value as a default or in a flag (the reverse of parse).
    """

    key: str
    flag: str
    prompt: str
    parse: Callable[[str, Answers], Any]
    default: Callable[[Answers], Any] | None = None
    ask: Callable[[Answers], bool] = lambda a: True
    comment: str = ""
    show: Callable[[Any], str] = lambda v: "none" if v is None else str(v)


# -- parsers -----------------------------------------------------------------------


def _text(value: str, answers: Answers) -> str:
    text = value.strip()
    if not text:
        raise AnswerError("must not be empty")
    if len(text) > 200 or re.search(r"[\x00-\x1f\x7f]", text):
        raise AnswerError("use one line of text, at most 200 characters")
    return text


def _optional_text(value: str, answers: Answers) -> str | None:
    return None if value.strip().lower() in ("", "none", "-") else _text(value, answers)


def _email(value: str, answers: Answers) -> str:
    text = value.strip()
    problem = email_problem(text)
    if problem is not None:
        hint = ""
        if "@" not in text:
            hint = " (it has no @)"
        elif text.count("@") == 1 and "." not in text.split("@")[1]:
            hint = f" (did you mean '{text}.com'?)"
        raise AnswerError(f"this is not an email address policygen accepts: {problem}{hint}")
    return text


def _optional_url(value: str, answers: Answers) -> str | None:
    text = value.strip()
    if text.lower() in ("", "none", "-"):
        return None
    problem = url_problem(text)
    if problem is not None:
        hint = f" (did you mean 'https://{text}'?)" if url_problem("https://" + text) is None else ""
        raise AnswerError(f"{text!r} is not a web address; expected http:// or https://{hint}")
    return text


def _country(value: str, answers: Answers) -> str | None:
    text = value.strip()
    if text.lower() in ("", "unknown", "none", "-"):
        return None
    code = country_code(text)
    if code is None:
        hint = country_suggestion(text)
        raise AnswerError(
            f"unknown country {text!r}; give a name or an ISO code such as gb, us, de"
            + (f" (did you mean {hint!r}?)" if hint else "")
        )
    return code


def _items(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _services(value: str, answers: Answers) -> list[str]:
    out = []
    for item in _items(value):
        sid = item.lower().replace(" ", "-")
        by_label = {t.label.lower(): t.id for t in V.SERVICES.values()}
        sid = by_label.get(item.lower(), sid)
        if sid not in V.SERVICES:
            raise AnswerError(
                f"unknown service {item!r}; allowed: {', '.join(V.SERVICES)}" + did_you_mean(sid, V.SERVICES)
            )
        if sid not in out:
            out.append(sid)
    if not out:
        raise AnswerError(f"name at least one service: {', '.join(V.SERVICES)}")
    return out


def jurisdiction_id(item: str) -> str | None:
    """Return the jurisdiction id for an id or a common name ("UK", "United Kingdom", "Germany" -> eu)."""
    key = item.strip().lower()
    if key in V.JURISDICTION_ALIASES:
        return V.JURISDICTION_ALIASES[key]
    code = country_code(item)
    if code in V.EU_MEMBER_STATES:
        return "eu"
    return {"gb": "uk", "us": "us", "au": "au", "ca": "ca"}.get(code or "")


def _jurisdictions(value: str, answers: Answers) -> list[str]:
    out = []
    for item in _items(value):
        jid = jurisdiction_id(item)
        if jid is None:
            near = _near(item, list(V.JURISDICTION_ALIASES))
            hint = f" (did you mean {near!r}, that is {V.JURISDICTION_ALIASES[near]!r}?)" if near else ""
            raise AnswerError(
                f"unknown jurisdiction {item!r}; allowed: {', '.join(V.JURISDICTIONS)} or their names{hint}"
            )
        if jid not in out:
            out.append(jid)
    if not out:
        raise AnswerError(f"name at least one: {', '.join(V.JURISDICTIONS)}")
    return out


def _near(item: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(item.lower(), names, n=1, cutoff=0.6)
    return close[0] if close else ""


def _age(lo: Callable[[Answers], int]) -> Callable[[str, Answers], int]:
    def parse(value: str, answers: Answers) -> int:
        low = lo(answers)
        try:
            age = int(value.strip())
        except ValueError:
            raise AnswerError(f"{value.strip()!r} is not a whole number; expected {low} to 21") from None
        if not low <= age <= 21:
            raise AnswerError(f"{age} is out of range; expected {low} to 21")
        return age

    return parse


def _minimum_age(value: str, answers: Answers) -> int:
    age = _age(lambda a: 5)(value, answers)
    if age < 18 and "dating" in answers.get("services", []):
        raise AnswerError(f"{age}: a dating service must be 18+; answer 18 or more")
    return age


def _yes_no(value: str, answers: Answers) -> bool:
    text = value.strip().lower()
    if text in ("y", "yes", "true", "on", "1"):
        return True
    if text in ("n", "no", "false", "off", "0"):
        return False
    raise AnswerError(f"{value.strip()!r}: answer yes or no" + did_you_mean(text, ["yes", "no"]))


def _yes_no_unknown(value: str, answers: Answers) -> bool | None:
    text = value.strip().lower()
    if text in ("unknown", "?", "don't know", "dont know", "not sure"):
        return None
    try:
        return _yes_no(value, answers)
    except AnswerError:
        raise AnswerError(f"{value.strip()!r}: answer yes, no or unknown") from None


def _consent(value: str, answers: Answers) -> bool:
    text = value.strip().lower()
    if text == "13":
        answers["audience.minimum_age"] = 13
        return False
    if _yes_no(value, answers):
        return True
    raise AnswerError(
        "children under 13 may use the service only with verifiable parental consent (for example COPPA in the US); "
        "answer yes if you collect it, or 13 to raise the minimum age to 13"
    )


def _choice(choices: list[str]) -> Callable[[str, Answers], str]:
    def parse(value: str, answers: Answers) -> str:
        text = value.strip().lower()
        if text in choices:
            return text
        raise AnswerError(f"{value.strip()!r}: allowed: {', '.join(choices)}" + did_you_mean(text, choices))

    return parse


def _tools(allowed: dict[str, str]) -> Callable[[str, Answers], list[str]]:
    def parse(value: str, answers: Answers) -> list[str]:
        items = [i.lower() for i in _items(value)]
        if items in ([], ["none"]):
            return []
        ids = [k for k in allowed if k != "none"]
        for i in items:
            if i not in ids:
                raise AnswerError(f"unknown tool {i!r}; allowed: {', '.join(ids)} or none" + did_you_mean(i, ids))
        return list(dict.fromkeys(items))

    return parse


def _date(value: str, answers: Answers) -> str | None:
    text = value.strip()
    if text.lower() in ("", "none", "-"):
        return None
    try:
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise AnswerError(f"{text!r} is not a date; write YYYY-MM-DD") from None


# -- the questions -----------------------------------------------------------------


def _minors(a: Answers) -> bool:
    return a.get("audience.minimum_age", 13) < 18


def _feature_on(name: str) -> Callable[[Answers], bool]:
    return lambda a: bool(a.get(f"features.{name}"))


def implied_feature(name: str, services: list[str]) -> bool:
    """Whether a listed service has or suggests the feature (its default)."""
    return any(name in V.SERVICE_IMPLIES[s] + V.SERVICE_SUGGESTS.get(s, ()) for s in services)


def _feature_question(name: str, doc: str) -> Question:
    def ask(a: Answers) -> bool:
        return True

    def default(a: Answers) -> bool:
        return implied_feature(name, a.get("services", []))

    def parse(value: str, a: Answers) -> bool:
        on = _yes_no(value, a)
        forced = [s for s in a.get("services", []) if name in V.SERVICE_IMPLIES[s]]
        if not on and forced:
            raise AnswerError(f"the service {forced[0]!r} always has {name}; answer yes, or remove that service")
        if on and name == "e2ee" and not a.get("features.direct_messages"):
            raise AnswerError("end-to-end encryption needs private messages; answer no")
        return on

    return Question(
        f"features.{name}",
        "feature",
        f"Feature: {doc.rstrip('.')}?",
        parse,
        default,
        ask,
        comment=doc,
        show=lambda v: "yes" if v else "no",
    )


def _age_for_question(name: str) -> Question:
    return Question(
        f"audience.minimum_age_for.{name}",
        "age-for",
        f"Minimum age to use {name} (the service's is {{min_age}}; higher if the feature is stricter)",
        _age(lambda a: a.get("audience.minimum_age", 13)),
        lambda a: a.get("audience.minimum_age", 13),
        lambda a, n=name: _minors(a) and bool(a.get(f"features.{n}")),
        comment=f"youngest age allowed to use {name}",
    )


def _safeguard_question(sg: V.Safeguard) -> Question:
    invert = sg.id == "restrict_adult_minor_dms"
    prompt = (
        "Can an adult send a private message to a {young}-year-old they are not connected with?"
        if invert
        else sg.question
    )

    def parse(value: str, a: Answers) -> bool | None:
        answer = _yes_no_unknown(value, a)
        return (not answer) if (invert and answer is not None) else answer

    def relevant(a: Answers) -> bool:
        return _relevant(sg, a)

    return Question(
        f"safeguards.{sg.id}",
        "safeguard",
        prompt + " (yes/no/unknown)",
        parse,
        lambda a: None,
        relevant,
        comment=sg.description,
        show=lambda v: (
            ("no" if v else "yes") if invert and v is not None else {True: "yes", False: "no"}.get(v, "unknown")
        ),
    )


def _relevant(sg: V.Safeguard, a: Answers) -> bool:
    """Evaluate a safeguard's relevance condition against the answers so far (the profile facts it uses)."""
    feats = {k.split(".", 1)[1]: v for k, v in a.items() if k.startswith("features.")}
    min_age = a.get("audience.minimum_age", 13)

    def age(f: str) -> int:
        return max(min_age, a.get(f"audience.minimum_age_for.{f}") or 0)

    facts = {
        "minors": min_age < 18,
        "minors_may_use": {f for f, on in feats.items() if on and age(f) < 18},
        **feats,
    }
    return _holds(sg.relevant, facts)


def _holds(cond: dict | None, facts: dict) -> bool:
    if not cond:
        return True
    for key, want in cond.items():
        if key == "any":
            if not any(_holds(c, facts) for c in want):
                return False
        elif key == "minors_may_use":
            if not set(want) & facts["minors_may_use"]:
                return False
        elif facts.get(key, False) != want:
            return False
    return True


def _determination_question(d: V.Determination) -> Question:
    return Question(
        f"determinations.{d.id}",
        "determination",
        f"{d.description} Is that so? (yes/no/undecided)",
        _choice(list(V.DETERMINATION_ANSWERS)),
        lambda a, i=d.id: default_determination(i, a.get("services", [])),
        lambda a, j=d.jurisdiction: j in a.get("jurisdictions", []),
        comment=d.description,
    )


#: Which jurisdiction needs each ``contacts:`` field (the recipient it is for).
CONTACT_JURISDICTIONS = {
    "ncmec_esp_id": "us",
    "nca_administrator": "uk",
    "police_ca": "ca",
    "police_au": "au",
    "eu_authority": "eu",
    "eu_legal_representative": "eu",
}


def contact_flag(cid: str) -> str:
    """Return the ``init`` flag for a ``contacts:`` field, e.g. ``police-ca``."""
    return cid.replace("_", "-")


def _contact_question(c: V.ProviderContact) -> Question:
    def relevant(a: Answers) -> bool:
        if CONTACT_JURISDICTIONS.get(c.id) not in a.get("jurisdictions", []):
            return False
        return not (c.id == "eu_legal_representative" and a.get("company.country") in V.EU_MEMBER_STATES)

    return Question(
        f"contacts.{c.id}",
        contact_flag(c.id),
        c.question + " (or none: the SOP then shows TO COMPLETE)",
        _optional_text,
        lambda a: None,
        relevant,
        comment=c.description.split(". ")[0].rstrip(".") + "; empty: the SOP shows TO COMPLETE",
    )


def questions() -> list[Question]:
    """Return every question, in the order ``init`` asks them."""
    qs = [
        Question("company.name", "name", "Company name", _text, comment="shown in the documents"),
        Question(
            "company.legal_name",
            "legal-name",
            "Legal entity name",
            _text,
            lambda a: a["company.name"],
            comment="legal entity; defaults to the name",
        ),
        Question(
            "company.country",
            "country",
            "Country where the company is established (name or ISO code)",
            _country,
            lambda a: None,
            comment="ISO 3166-1 alpha-2; decides e.g. whether an EU legal representative is needed",
            show=lambda v: v or "unknown",
        ),
        Question(
            "company.website",
            "website",
            "Public website (https://..., or none)",
            _optional_url,
            lambda a: None,
            comment="public website",
        ),
        Question(
            "company.contact.safety",
            "safety-email",
            "Email address for safety reports",
            _email,
            comment="where users send safety reports",
        ),
        Question(
            "company.contact.legal",
            "legal-email",
            "Legal contact email",
            _email,
            lambda a: a["company.contact.safety"],
            comment="legal contact",
        ),
        Question(
            "company.contact.law_enforcement",
            "law-enforcement-email",
            "Email for law-enforcement requests",
            _email,
            lambda a: a["company.contact.legal"],
            comment="law-enforcement requests",
        ),
        Question(
            "services",
            "service",
            "Service types, comma-separated (" + ", ".join(V.SERVICES) + ")",
            _services,
            comment="service types",
            show=", ".join,
        ),
        Question(
            "jurisdictions",
            "jurisdiction",
            "Where the service operates, comma-separated (us, eu, uk, au, ca, or names such as United Kingdom)",
            _jurisdictions,
            lambda a: ["us"],
            comment="where the service operates",
            show=", ".join,
        ),
        Question(
            "audience.minimum_age",
            "minimum-age",
            "Minimum age of users (5-21)",
            _minimum_age,
            lambda a: 18 if "dating" in a.get("services", []) else 13,
            comment="youngest age allowed",
        ),
        Question(
            "audience.parental_consent",
            "parental-consent",
            "Users under 13 are allowed. Do you collect verifiable consent from a parent before a child under 13 "
            "uses the service? (yes, or 13 to raise the minimum age to 13)",
            _consent,
            None,
            lambda a: a["audience.minimum_age"] < 13,
            comment="verifiable parental consent is collected",
            show=lambda v: "yes" if v else "no",
        ),
        Question(
            "audience.age_assurance",
            "age-assurance",
            "How is age checked (" + ", ".join(V.AGE_ASSURANCE) + ")",
            _choice(list(V.AGE_ASSURANCE)),
            lambda a: "self-declaration",
            comment="how age is checked",
        ),
    ]
    qs += [_feature_question(name, doc) for name, doc in V.FEATURES.items()]
    qs += [_age_for_question(name) for name in V.FEATURES]
    qs += [
        Question(
            "detection.hash_matching",
            "hash-matching",
            "Hash-matching tools in use, comma-separated ("
            + ", ".join(t for t in V.HASH_TOOLS if t != "none")
            + ", or none)",
            _tools(V.HASH_TOOLS),
            lambda a: [],
            lambda a: bool(a.get("features.user_uploads")),
            comment="hash-matching tools",
            show=lambda v: ", ".join(v) or "none",
        ),
        Question(
            "detection.url_lists",
            "url-lists",
            "URL block lists in use (iwf, or none)",
            _tools(V.URL_LISTS),
            lambda a: [],
            comment="URL block lists",
            show=lambda v: ", ".join(v) or "none",
        ),
        Question(
            "detection.text_classifiers",
            "text-classifiers",
            "Do you run text classifiers for grooming or exploitation? (yes/no)",
            _yes_no,
            lambda a: False,
            comment="text classifiers",
            show=lambda v: "yes" if v else "no",
        ),
    ]
    qs += [_safeguard_question(sg) for sg in V.SAFEGUARDS.values()]
    qs += [_determination_question(d) for d in V.DETERMINATIONS.values()]
    qs += [_contact_question(c) for c in V.PROVIDER_CONTACTS.values()]
    qs.append(
        Question(
            "notices.form_action",
            "form-action",
            "URL your report forms send what people fill in to (https://..., or none: the forms show TO COMPLETE)",
            _optional_url,
            lambda a: None,
            lambda a: bool({"eu", "us", "uk"} & set(a.get("jurisdictions", []))),
            comment="where the notice kit's report forms post; empty: the forms show TO COMPLETE",
        )
    )
    qs += [
        Question(
            "team.size",
            "team-size",
            "Who handles trust and safety (" + ", ".join(V.TEAM_SIZES) + ")",
            _choice(list(V.TEAM_SIZES)),
            lambda a: "small",
            comment="who handles trust and safety",
        ),
        Question(
            "document.version",
            "document-version",
            "Version of these documents, shown on the cover and in every footer",
            _text,
            lambda a: "1.0",
            comment="the documents' own version",
        ),
        Question(
            "document.paper",
            "paper",
            "Paper size of the Word and PDF documents (a4, letter)",
            _choice(["a4", "letter"]),
            lambda a: "letter" if {"us", "ca"} & set(a.get("jurisdictions", [])) else "a4",
            comment="paper size; letter is usual in the US and Canada",
        ),
        Question(
            "effective_date",
            "effective-date",
            "Date the documents take effect (YYYY-MM-DD, or none)",
            _date,
            lambda a: None,
            comment="when the documents take effect",
        ),
        Question(
            "governing_law",
            "governing-law",
            "Governing law named in the terms (or none)",
            _optional_text,
            lambda a: None,
            comment="governing law",
        ),
    ]
    return qs


def prompt_text(q: Question, answers: Answers) -> str:
    """Return the question as shown, with earlier answers filled in."""
    min_age = answers.get("audience.minimum_age", 13)
    return q.prompt.format(min_age=min_age, young=max(min_age, 13))


def flag_for(q: Question) -> str:
    """How to answer the question with a flag, e.g. ``--feature livestream=yes``."""
    name = q.key.rsplit(".", 1)[-1]
    if q.flag in ("feature", "safeguard", "determination", "age-for"):
        return f"--{q.flag} {name}=..."
    return f"--{q.flag}"


def flag_answers(flags: dict[str, list[str]]) -> tuple[dict[str, str], list[str]]:
    """Map flag values (``--feature livestream=yes,payments=no``) to question keys; return (answers, problems)."""
    by_flag: dict[str, str] = {}
    problems = []
    keyed = {
        "feature": "features",
        "safeguard": "safeguards",
        "determination": "determinations",
        "age-for": "audience.minimum_age_for",
    }
    allowed = {
        "features": V.FEATURES,
        "safeguards": V.SAFEGUARDS,
        "determinations": V.DETERMINATIONS,
        "audience.minimum_age_for": V.FEATURES,
    }
    for flag, values in flags.items():
        if not values:
            continue
        if flag in keyed:
            for item in _items(",".join(values)):
                name, sep, value = item.partition("=")
                name = name.strip()
                if name not in allowed[keyed[flag]]:
                    problems.append(
                        f"--{flag} {item}: unknown {flag} {name!r}" + did_you_mean(name, allowed[keyed[flag]])
                    )
                    continue
                if not sep:
                    value = "yes" if flag != "age-for" else ""
                by_flag[f"{keyed[flag]}.{name}"] = value.strip()
        elif flag == "no-feature":
            for name in _items(",".join(values)):
                if name not in V.FEATURES:
                    problems.append(f"--no-feature {name}: unknown feature" + did_you_mean(name, V.FEATURES))
                else:
                    by_flag[f"features.{name}"] = "no"
        else:
            key = next(q.key for q in questions() if q.flag == flag)
            by_flag[key] = ",".join(values)
    return by_flag, problems


# -- the profile it writes ---------------------------------------------------------


def to_profile(answers: Answers) -> dict[str, Any]:
    """Nest the dotted answers into profile data (every field stated)."""
    out: dict[str, Any] = {}
    for key, value in answers.items():
        parts = key.split(".")
        node = out
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = value
    out.setdefault("audience", {}).setdefault("minimum_age_for", {})
    ages = out["audience"]["minimum_age_for"]
    minimum = out["audience"]["minimum_age"]
    out["audience"]["minimum_age_for"] = {k: v for k, v in ages.items() if v is not None and v > minimum}
    return out


def profile_text(answers: Answers, comments: dict[str, str]) -> str:
    """Validate the answers and write them as commented profile YAML, every field stated.

    Raises:
        ProfileError: when the answers do not make a valid profile.
    """
    data = to_profile(answers)
    validate_profile(data, "<answers>")
    lines = [
        "# policygen company profile, written by `policygen init`. Field reference: `policygen list fields`.",
        "# Every answer is stated. A safeguard left empty (~) is unknown: no document promises it.",
        "# Generate documents with: policygen generate THIS_FILE -o out",
    ]

    def emit(node: Any, prefix: str, indent: int) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            pad = "  " * indent
            note = comments.get(path, "")
            if isinstance(value, dict) and path != "audience.minimum_age_for":
                lines.append(f"{pad}{key}:" + (f"  # {note}" if note else ""))
                emit(value, path + ".", indent + 1)
                continue
            text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1000).strip()
            if text.endswith("\n..."):
                text = text[:-4].strip()
            text = text.removesuffix("...").strip()
            if value is None:
                text = "~"
            elif isinstance(value, str) and value in ("yes", "no"):
                text = f'"{value}"'
            line = f"{pad}{key}: {text}"
            lines.append(line + (f"  # {note}" if note else ""))

    emit(data, "", 0)
    return "\n".join(lines) + "\n"


def _not_asked_comment(q: Question, answers: Answers) -> str:
    if q.key.startswith("safeguards."):
        sg = V.SAFEGUARDS[q.key.split(".", 1)[1]]
        return f"does not apply: {sg.why_irrelevant}"
    if q.key.startswith("determinations."):
        d = V.DETERMINATIONS[q.key.split(".", 1)[1]]
        return f"not asked: the service does not operate in {d.jurisdiction}"
    if q.key.startswith("contacts.") or q.key == "notices.form_action":
        return "not needed for these jurisdictions"
    if q.key == "audience.parental_consent":
        return "not asked: the minimum age is 13 or more"
    return "not asked"


def run(
    given: dict[str, str],
    ask: Callable[[str, str | None], str] | None,
    tell: Callable[[str], None],
) -> tuple[Answers, dict[str, str]]:
    """Ask every question that applies; return (answers by dotted key, comments by dotted key).

    ``given`` holds flag answers by question key (see :func:`flag_answers`);
    ``ask(prompt, default)`` reads one typed answer (None: never prompt, as
    with ``--no-input``); ``tell`` shows a message (a rejected answer).

    Raises:
        UsageError: a flag answer is bad, or with ``--no-input`` answers are
            missing (all of them listed, by flag).
    """
    from ..errors import UsageError

    answers: Answers = {}
    comments: dict[str, str] = {}
    missing: list[str] = []
    bad: list[str] = []
    for q in questions():
        if not q.ask(answers):
            if q.key.startswith("audience.minimum_age_for."):
                continue
            value = q.default(answers) if q.default is not None else False
            if q.key.startswith("safeguards."):
                value = None
            answers[q.key] = value
            comments[q.key] = _not_asked_comment(q, answers)
            continue
        default = q.default(answers) if q.default is not None else None
        has_default = q.default is not None
        comments[q.key] = q.comment
        if q.key in given:
            try:
                answers[q.key] = q.parse(given[q.key], answers)
            except AnswerError as exc:
                bad.append(f"{flag_for(q)} {given[q.key]!r}: {exc}")
                answers[q.key] = default
            continue
        if ask is None:
            if has_default:
                answers[q.key] = default
                if q.key.startswith("features.") and default:
                    comments[q.key] = q.comment + " (implied by the services)"
            else:
                missing.append(f"{flag_for(q)}  ({prompt_text(q, answers)})")
                answers[q.key] = _placeholder(q)
            continue
        while True:
            typed = ask(prompt_text(q, answers), q.show(default) if has_default else None)
            try:
                answers[q.key] = q.parse(typed, answers)
                break
            except AnswerError as exc:
                tell(f"Not accepted: {exc}. Please answer again.")
    if bad or missing:
        lines = [*bad]
        if missing:
            lines.append("--no-input needs these answers, given as flags:")
            lines += [f"  {m}" for m in missing]
        raise UsageError("Cannot write the profile:\n" + "\n".join(lines))
    return answers, comments


def _placeholder(q: Question) -> Any:
    """Return a stand-in for a missing answer, so later questions can still be worked out (never written)."""
    return {"services": ["forum"], "jurisdictions": ["us"], "audience.minimum_age": 13}.get(q.key, False)
