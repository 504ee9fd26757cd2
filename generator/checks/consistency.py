"""Cross-document consistency: the ToS, the SOP and the safety tips must agree.

The three documents are assembled from separate clauses, so nothing in the
text itself stops the terms promising something the SOP never does, or the
safety page giving an address the terms do not. :func:`check` compares what a
profile's selected clauses say about each other:

``promises``
    Every selected ToS clause in a promise section (``coverage.PROMISE_SECTIONS``)
    has a selected SOP clause whose ``implements`` names it.
``authorities``
    Every ``report`` / ``notify`` obligation of a selected ToS promise clause
    is carried by a selected SOP clause with the same kind, jurisdiction and
    recipient (the exact string).
``channels``
    The user-facing ``channels`` (``report-button``, ``contact.safety``) of the
    selected tips clauses and ToS clauses match, and every channel the ToS or
    tips offer (except ``website``) is handled by a selected SOP clause that
    declares it.
``text``
    In the rendered documents, contact addresses and the website shown in a
    ToS or tips clause are declared in its ``channels`` (unless no selected
    clause declares any channel: a library older than the field); a declared address or
    website appears in the clause's text (every document); and no e-mail
    address, or URL on the company's own domains, appears that is not one of
    the profile's values (a hard-coded address).
``tip-off``
    No SOP routing row tells the user a case is about at the time of the
    report: on an S1 or S2 routing category, every ``report`` / ``notify``
    duty to the user (``party: user``, or a recipient that names the user)
    carries a ``hold`` condition saying when it is deferred or withheld.

``lint`` runs the check for every service x jurisdiction x team-size profile
(rules ``authorities`` and ``channels``; ``promises`` is already part of its
coverage check) and for every sample profile (all rules); ``api.build`` calls
:func:`check_build` after assembling the documents.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from ..documents import Block, Decision, Document, ListBlock, Paragraph, Span, Templates, block_text
from ..errors import LibraryError, Problem
from ..library import Clause, Library, evaluate
from ..profile import Profile
from ..profile.schema import find_emails, find_urls, find_value
from .coverage import PROMISE_SECTIONS, facts_in, pair_profile, unbacked_promises

#: Every rule :func:`check` knows, in the order they are reported.
RULES: tuple[str, ...] = ("promises", "authorities", "channels", "text", "tip-off")

#: Severity levels at which telling the user could tip off a suspect (rule ``tip-off``).
HOLD_SEVERITIES: tuple[str, ...] = ("S1", "S2")

_USER_RECIPIENT = re.compile(r"\b(user|users|account holder|uploader|subscriber|customer|suspect)\b", re.I)

#: Channels a user reaches us through; the ToS and the tips must agree on them.
USER_FACING: tuple[str, ...] = ("report-button", "contact.safety")

#: Channels that bring something to us, so an SOP intake step must handle them.
#: ``website`` is where we publish, not a way to send us anything.
HANDLED: tuple[str, ...] = ("report-button", "contact.safety", "contact.legal", "contact.law_enforcement")

#: Obligation kinds that send something to an authority (rule ``authorities``).
AUTHORITY_KINDS: tuple[str, ...] = ("report", "notify")


def check(
    decisions: list[Decision],
    documents: Mapping[str, Document],
    profile: Profile,
    *,
    rules: Collection[str] = RULES,
) -> list[Problem]:
    """Return the contradictions between a profile's ToS, SOP and tips (sorted, no duplicates).

    Args:
        decisions: Every clause's selection decision for ``profile`` (``selection.select``).
        documents: The assembled documents by kind (``assemble.assemble``); only
            rule ``text`` reads them, and only the kinds given are checked.
        profile: The profile the documents were built for.
        rules: Which of :data:`RULES` to run.

    Each problem is located in a clause file and field and names the clause
    in the other document it contradicts (or says that none exists).
    """
    unknown = sorted(set(rules) - set(RULES))
    if unknown:
        raise ValueError(f"unknown consistency rule(s) {', '.join(unknown)}; known: {', '.join(RULES)}")
    problems: list[Problem] = []
    if "promises" in rules:
        problems.extend(_promises(decisions))
    if "authorities" in rules:
        problems.extend(_authorities(decisions, profile))
    if "channels" in rules:
        problems.extend(_channels(decisions))
    if "text" in rules:
        problems.extend(_text(decisions, documents, profile))
    if "tip-off" in rules:
        problems.extend(tip_off_problems([d.clause for d in decisions if d.included]))
    return sorted(set(problems), key=_order)


def tip_off_problems(clauses: Iterable[Clause]) -> list[Problem]:
    """Return a problem for each S1/S2 routing step that notifies the user without a hold condition.

    ``clauses`` are the clauses selected together (one profile's SOP); the
    severity of each routing category comes from their ``routing.categories``.
    A notice to the user on such a route must say when it is deferred or
    withheld (``obligations[].hold``), so that a table or tool following
    ``sop.json`` never tells a suspect before the authorities act.
    """
    sop = sorted((c for c in clauses if c.doc == "sop"), key=lambda c: c.id)
    severity = {item["id"]: item["severity"] for c in sop for item in c.meta["routing"]["categories"]}
    out = []
    for c in sop:
        for i, ob in enumerate(c.meta["obligations"]):
            if ob["kind"] not in AUTHORITY_KINDS:
                continue
            to_user = ob.get("party") == "user" or bool(_USER_RECIPIENT.search(ob.get("recipient") or ""))
            if not to_user:
                continue
            urgent = [cat for cat in ob["categories"] or severity if severity.get(cat) in HOLD_SEVERITIES]
            if not urgent:
                continue
            if ob.get("party") != "user":
                out.append(
                    _problem(
                        c,
                        f"obligations[{i}].party",
                        f"{c.id} lists {ob.get('recipient')!r} among the authorities that must be told on the "
                        f"S1/S2 route(s) {', '.join(urgent)}; a notice to the user is not a report to an authority: "
                        "set party: user and a hold condition (see sop.appeals.no-tipping-off)",
                    )
                )
            elif not (ob.get("hold") or "").strip():
                out.append(
                    _problem(
                        c,
                        f"obligations[{i}].hold",
                        f"{c.id} tells {ob.get('recipient')!r} on the S1/S2 route(s) {', '.join(urgent)} with no hold "
                        "condition; say when the notice is deferred or withheld so no suspect is tipped off "
                        "(see sop.appeals.no-tipping-off)",
                    )
                )
    return out


def check_build(
    decisions: list[Decision],
    documents: Mapping[str, Document],
    profile: Profile,
    *,
    rules: Collection[str] = RULES,
) -> None:
    """Raise when a profile's documents contradict each other (for ``api.build``).

    Call it after assembling, with the documents assembled so far (``--doc``
    may ask for fewer than three; rules other than ``text`` read only the
    decisions).

    Raises:
        LibraryError: "The documents contradict each other", with every
            problem :func:`check` found; the library is bad input (exit 2).
    """
    problems = check(decisions, documents, profile, rules=rules)
    if problems:
        raise LibraryError("The documents contradict each other", problems)


def notice_problems(decisions: list[Decision], letters: Iterable[Any], promises: Iterable[Any]) -> list[Problem]:
    """Check the ToS promises about notices against the kit's letters and the SOP's steps.

    ``letters`` are the notice kit's letters for the profile (each with ``id``
    and ``elements``, every element with ``provision`` and ``text``);
    ``promises`` pair a ToS clause with the letters that keep its promise and the
    SOP step that does it (``tos_clause``, ``promise``, ``letters``,
    ``sop_clause``), and ``required`` maps a letter id to the provisions it
    must carry. A selected promise needs every one of its letters and its SOP
    step; a letter needs every element the law requires, with text.
    """
    chosen = {d.clause.id: d for d in decisions if d.included}
    have = {letter.id: letter for letter in letters}
    problems = []
    for promise in promises:
        tos = chosen.get(promise.tos_clause)
        if tos is None:
            continue
        for lid in promise.letters:
            if lid not in have:
                problems.append(
                    _problem(
                        tos.clause, "", f"promises that {promise.promise}, but the notice kit has no {lid!r} letter"
                    )
                )
        if promise.sop_clause not in chosen:
            problems.append(
                _problem(
                    tos.clause,
                    "",
                    f"promises that {promise.promise}, but the SOP step {promise.sop_clause} that does it is not "
                    "selected for this profile",
                )
            )
    return problems


def letter_problems(letters: Iterable[Any], required: Mapping[str, Iterable[str]]) -> list[Problem]:
    """Return a problem for each legal element a letter lacks (or leaves without text)."""
    problems = []
    for letter in letters:
        present = {e.provision for e in letter.elements if e.provision and e.text.strip()}
        for provision in required.get(letter.id, ()):
            if provision not in present:
                problems.append(
                    Problem(f"notices/{letter.id}", "", f"the letter lacks the element the law requires: {provision}")
                )
    return problems


def check_notices(
    decisions: list[Decision], letters: Iterable[Any], promises: Iterable[Any], required: Mapping[str, Iterable[str]]
) -> None:
    """Raise when a ToS notice promise has no letter or SOP step, or a letter lacks a legal element.

    Raises:
        LibraryError: "The notice kit does not keep the terms' promises", with every problem.
    """
    letters = list(letters)
    problems = notice_problems(decisions, letters, promises) + letter_problems(letters, required)
    if problems:
        raise LibraryError("The notice kit does not keep the terms' promises", sorted(problems, key=_order))


# -- helpers ----------------------------------------------------------------------------


def _order(p: Problem) -> tuple:
    return (p.file, p.line or 0, p.path, p.message)


def channels_of(clause: Clause) -> list[str]:
    """Return the channels a clause declares."""
    return clause.meta["channels"]


def _line(clause: Clause, key: str) -> int | None:
    """1-based line of a top-level front-matter key in the clause file, if present."""
    for n, text in enumerate(clause.text.splitlines(), 1):
        if text.startswith(f"{key}:"):
            return n
        if n > 1 and text.rstrip() == "---":
            return None
    return None


def _problem(clause: Clause, path: str, message: str) -> Problem:
    return Problem(clause.file, path, message, _line(clause, path.split("[")[0].split(".")[0]) if path else None)


def _excluded(decision: Decision) -> str:
    return f"{decision.clause.id} (not selected: {decision.reason})"


def _fmt(channel: str) -> str:
    return f"'{channel}'"


# -- rule: promises ---------------------------------------------------------------------


def _promises(decisions: list[Decision]) -> list[Problem]:
    out = []
    for c, _ in unbacked_promises(decisions):
        would = [d for d in decisions if d.clause.doc == "sop" and c.id in d.clause.meta["implements"]]
        if would:
            why = "the SOP steps that implement it are not selected: " + "; ".join(_excluded(d) for d in would)
        else:
            why = "no SOP clause in the library implements it (add `implements: [" + c.id + "]` to the SOP step)"
        out.append(_problem(c, "section", f"ToS promise {c.id} ({c.section}) has no SOP step: {why}"))
    return out


# -- rule: authorities ------------------------------------------------------------------


def _authority_obligations(clause: Clause) -> Iterable[tuple[int, dict[str, Any]]]:
    for i, o in enumerate(clause.meta["obligations"]):
        if o["kind"] in AUTHORITY_KINDS:
            yield i, o


def _scoped_out(tos: Clause, carrier: Decision, decisions: list[Decision], facts: dict[str, Any]) -> bool:
    """Whether an SOP step carrying a ToS duty is out because the duty does not apply to this profile.

    True when the carrier implements the ToS clause and fails its own ``when``
    on facts the ToS clause does not test (e.g. the service type), and a
    selected SOP step that implements the same ToS clause is written for
    those facts (its ``when`` tests one of them): the library's deliberate
    alternative, such as a "duty not yet in force for search services" step.
    """
    sop = carrier.clause
    if tos.id not in sop.meta["implements"] or evaluate(sop.meta["when"], facts)[0]:
        return False
    narrower = facts_in(sop.meta["when"]) - facts_in(tos.meta["when"])
    return any(
        d.included
        and d.clause.doc == "sop"
        and tos.id in d.clause.meta["implements"]
        and narrower & facts_in(d.clause.meta["when"])
        for d in decisions
    )


def _authorities(decisions: list[Decision], profile: Profile) -> list[Problem]:
    sop = [d for d in decisions if d.clause.doc == "sop"]
    facts = profile.facts()
    out = []
    for d in decisions:
        c = d.clause
        if not d.included or c.doc != "tos" or c.section not in PROMISE_SECTIONS:
            continue
        for i, o in _authority_obligations(c):
            what = f"{o['kind']} ({o['jurisdiction']}) to {o['recipient']!r}"

            def same(s: Decision, exact: bool, o: dict[str, Any] = o) -> list[str]:
                return [
                    so["recipient"]
                    for _, so in _authority_obligations(s.clause)
                    if so["kind"] == o["kind"]
                    and so["jurisdiction"] == o["jurisdiction"]
                    and (so["recipient"] == o["recipient"]) == exact
                ]

            if any(s.included and same(s, True) for s in sop):
                continue
            carriers = [s for s in sop if not s.included and same(s, True)]
            if carriers and all(_scoped_out(c, s, decisions, facts) for s in carriers):
                continue
            # Recipients this clause names in its other obligations are other duties, not near misses.
            own = {x["recipient"] for j, x in _authority_obligations(c) if j != i}
            near = [(s, r) for s in sop if s.included for r in same(s, False) if r not in own]
            # A step that implements this clause is the near match; other duties of the same kind are not.
            near = [(s, r) for s, r in near if c.id in s.clause.meta["implements"]] or near
            if near:
                names = "; ".join(f"{s.clause.id} has {r!r}" for s, r in near)
                out.append(
                    _problem(
                        c,
                        f"obligations[{i}].recipient",
                        f"{c.id} states {what}, but the SOP names the recipient differently: {names} "
                        "(use the same recipient string in both clauses)",
                    )
                )
                continue
            if carriers:
                why = "it is carried by " + "; ".join(_excluded(s) for s in carriers)
            else:
                far = [(s, r) for s in sop if not s.included for r in same(s, False) if r not in own]
                far = [(s, r) for s, r in far if c.id in s.clause.meta["implements"]] or far
                why = (
                    "no SOP clause carries it; nearest: "
                    + "; ".join(f"{_excluded(s)} with recipient {r!r}" for s, r in far)
                    if far
                    else "no SOP clause in the library carries it"
                )
            out.append(
                _problem(c, f"obligations[{i}]", f"{c.id} states {what}, but no selected SOP clause does: {why}")
            )
    return out


# -- rule: channels ---------------------------------------------------------------------

_DOC_NAMES = {"tos": "ToS", "sop": "SOP", "tips": "tips"}


def _nearest(decisions: list[Decision], doc: str, channel: str, pool: tuple[str, ...]) -> str:
    """Describe the clause of ``doc`` closest to offering ``channel``."""
    unselected = [d for d in decisions if d.clause.doc == doc and not d.included and channel in channels_of(d.clause)]
    if unselected:
        return "it is declared by " + "; ".join(_excluded(d) for d in unselected[:3])
    peers = [
        d.clause for d in decisions if d.included and d.clause.doc == doc and set(channels_of(d.clause)) & set(pool)
    ]
    peers.sort(key=lambda c: ("user-reporting" not in c.meta["covers"], c.id))
    if peers:
        p = peers[0]
        return f"nearest: {p.id} declares {', '.join(_fmt(x) for x in channels_of(p))}"
    return f"no {_DOC_NAMES[doc]} clause in the library declares it"


def _channels(decisions: list[Decision]) -> list[Problem]:
    chosen = [d.clause for d in decisions if d.included]
    declared: dict[str, set[str]] = {doc: set() for doc in _DOC_NAMES}
    for c in chosen:
        declared[c.doc].update(channels_of(c))
    out = []
    for c in chosen:
        if c.doc == "sop":
            continue
        other = "tos" if c.doc == "tips" else "tips"
        for channel in channels_of(c):
            if channel in USER_FACING and channel not in declared[other]:
                out.append(
                    _problem(
                        c,
                        "channels",
                        f"{c.id} offers {_fmt(channel)} but no selected {_DOC_NAMES[other]} clause does: "
                        + _nearest(decisions, other, channel, USER_FACING),
                    )
                )
            if channel in HANDLED and channel not in declared["sop"]:
                out.append(
                    _problem(
                        c,
                        "channels",
                        f"{c.id} offers {_fmt(channel)} but no selected SOP clause handles it: "
                        + _nearest(decisions, "sop", channel, HANDLED),
                    )
                )
    return out


# -- rule: text -------------------------------------------------------------------------


def _contact_values(profile: Profile) -> dict[str, str]:
    company = profile.data["company"]
    values = {f"contact.{k}": v for k, v in company["contact"].items() if v}
    if company.get("website"):
        values["website"] = company["website"]
    return values


def _spans(block: Block) -> Iterable[Span]:
    if isinstance(block, Paragraph):
        yield from block.spans
    elif isinstance(block, ListBlock):
        for item in block.items:
            yield from item.spans
            for child in item.children:
                yield from _spans(child)


def _norm_url(url: str) -> str:
    return url.rstrip(".,;:!?").rstrip("/").lower()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _on(host: str, domains: set[str]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _profile_texts(data: Any, skip: set[str]) -> Iterable[str]:
    """Yield the profile's text values that look like they hold an address (other than ``skip``)."""
    if isinstance(data, Mapping):
        for value in data.values():
            yield from _profile_texts(value, skip)
    elif isinstance(data, (list, tuple)):
        for value in data:
            yield from _profile_texts(value, skip)
    elif isinstance(data, str) and ("@" in data or "://" in data) and data.lower() not in skip:
        yield data


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    for start, end in spans:
        text = text[:start] + "\x00" * (end - start) + text[end:]
    return text


def _found(blocks: list[Block], values: Mapping[str, str], others: list[str]) -> tuple[set[str], set[str]]:
    """Return the e-mail addresses and URLs shown or linked in a clause's blocks.

    Addresses use the one grammar the profile schema validates with
    (``profile.schema``), and the profile's own ``values`` are looked up as
    given first, so every address the schema accepts is found whole (an
    ``o'neil@p.example`` is not read as ``neil@p.example``). The profile's
    ``others`` (a company name with an @ in it) are masked next: they are
    not addresses hard-coded in a clause.
    """
    text = "\n".join(block_text(b) for b in blocks)
    emails: set[str] = set()
    urls: set[str] = set()
    # The profile's own addresses first, so other profile text (a governing law
    # of just "@") cannot mask part of one; then the other profile text.
    for key, value in sorted(values.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        spans = find_value(text, value, email=key != "website")
        if spans and key == "website":
            urls.add(_norm_url(value))
        elif spans:
            emails.add(value.lower())
        text = _mask(text, spans)
    for other in others:
        start = text.find(other)
        while start >= 0:
            text = _mask(text, [(start, start + len(other))])
            start = text.find(other, start + len(other))
    if "@" in text:
        emails |= {e.lower() for e in find_emails(text)}
    if "://" in text:
        urls |= {_norm_url(u) for u in find_urls(text)}
    for href in (s.href for b in blocks for s in _spans(b) if s.href):
        if href.lower().startswith("mailto:"):
            emails.add(href[7:].split("?")[0].lower())
        elif not href.startswith("#"):
            urls.add(_norm_url(href))
    return emails, urls


def _channel_emails(clause: Clause) -> set[str]:
    found: set[str] = set()
    for ob in clause.meta["obligations"]:
        channel = ob.get("channel") or {}
        for key in ("email", "how", "before_first_report", "limits"):
            if channel.get(key):
                found |= {e.lower() for e in find_emails(channel[key])}
    return found


def _text(decisions: list[Decision], documents: Mapping[str, Document], profile: Profile) -> list[Problem]:
    clauses = {d.clause.id: d.clause for d in decisions}
    # A library written before ``channels`` existed declares none: check its
    # text for hard-coded addresses only, not for undeclared channels.
    annotated = any(channels_of(d.clause) for d in decisions)
    values = _contact_values(profile)
    others = sorted(set(_profile_texts(profile.data, {v.lower() for v in values.values()})), key=len, reverse=True)
    emails_of = {k: v.lower() for k, v in values.items() if k.startswith("contact.")}
    website = _norm_url(values["website"]) if "website" in values else None
    domains = {e.rpartition("@")[2] for e in emails_of.values()}
    if website:
        domains.add(_host(values["website"]))
    sop_official = set().union(*(_channel_emails(d.clause) for d in decisions if d.included and d.clause.doc == "sop"))
    out = []
    for kind, document in sorted(documents.items()):
        doc_name = _DOC_NAMES.get(kind, kind)
        for section in document.sections:
            for block in section.clauses:
                clause = clauses.get(block.id)
                if clause is None:
                    continue
                declared = set(channels_of(clause))
                emails, urls = _found(block.blocks, values, others)
                where = f"in the {doc_name}"
                # An authority's own address, declared in a selected SOP clause's channel metadata
                # (from the contacts brief, with its verification mark), may be shown in the SOP.
                official = sop_official if kind == "sop" else set()
                for email in sorted(emails - official):
                    named = sorted(k for k, v in emails_of.items() if v == email)
                    if not named:
                        out.append(
                            _problem(
                                clause,
                                "",
                                f"{clause.id} shows the e-mail address {email!r} {where}, which is not one of the "
                                "profile's company.contact addresses: use {{ company.contact.safety }} (or .legal, "
                                ".law_enforcement) instead of a fixed address",
                            )
                        )
                    elif annotated and kind != "sop" and not declared & set(named):
                        out.append(
                            _problem(
                                clause,
                                "channels",
                                f"{clause.id} shows the address in {' = '.join('company.' + n for n in named)} "
                                f"{where} but declares none of {', '.join(_fmt(n) for n in named)} in channels",
                            )
                        )
                for url in sorted(urls):
                    if url == website:
                        if annotated and kind != "sop" and "website" not in declared:
                            out.append(
                                _problem(
                                    clause,
                                    "channels",
                                    f"{clause.id} shows company.website {where} but does not declare 'website' "
                                    "in channels",
                                )
                            )
                    elif _on(_host(url), domains):
                        out.append(
                            _problem(
                                clause,
                                "",
                                f"{clause.id} shows {url!r} {where}, an address on the company's own domain that is "
                                "not the profile's company.website: use {{ company.website }} or a contact address",
                            )
                        )
                for channel in sorted(declared):
                    if channel == "website":
                        missing = website is not None and website not in urls
                    elif channel in emails_of:
                        missing = emails_of[channel] not in emails
                    else:
                        continue
                    if missing:
                        out.append(
                            _problem(
                                clause,
                                "channels",
                                f"{clause.id} declares {_fmt(channel)} but does not show company.{channel} "
                                f"{where} (remove it from channels, or name the address in the text)",
                            )
                        )
    return out


# -- lint -------------------------------------------------------------------------------


def _team_matters(library: Library) -> bool:
    """Whether the team size can change what these rules see.

    True when a clause whose ``when`` tests ``team_size`` (or a clause that
    requires one) is in the ToS or tips, declares channels, implements a
    promise, carries a report/notify duty, or excludes another clause.
    """
    sized = {c.id for c in library.clauses.values() if "team_size" in facts_in(c.meta["when"])}
    sized |= {c.id for c in library.clauses.values() if sized & set(c.meta["requires"])}
    return any(
        c.doc != "sop"
        or channels_of(c)
        or c.meta["implements"]
        or c.meta["excludes"]
        or any(True for _ in _authority_obligations(c))
        for c in (library.clauses[i] for i in sized)
    )


def lint_profiles(library: Library | None = None) -> list[tuple[str, Profile]]:
    """Return the smallest profile for every service x jurisdiction (x team size, when it matters).

    The profiles of ``coverage.pair_profile``; with a ``library`` whose team
    size can change the result (see :func:`_team_matters`), or with no
    library, one per team size.
    """
    from ..profile import vocabulary as V

    sizes = list(V.TEAM_SIZES) if library is None or _team_matters(library) else [None]
    out = []
    for service in V.SERVICES:
        for jurisdiction in V.JURISDICTIONS:
            for size in sizes:
                label = f"{service} x {jurisdiction}" + (f" ({size} team)" if size else "")
                out.append((label, pair_profile(service, jurisdiction, size)))
    return out


def library_problems(
    library: Library,
    templates: Templates,
    samples: Iterable[Profile] = (),
    *,
    pair_rules: Collection[str] = ("authorities", "channels", "tip-off"),
    assembled: dict[str, tuple[list[Decision], dict[str, Document]]] | None = None,
) -> list[Problem]:
    """Run :func:`check` for every :func:`lint_profiles` profile and each sample; merge identical problems.

    The pair profiles run ``pair_rules`` on the selection alone (rendering
    every pair would dominate lint time); samples are assembled and run every
    rule. A problem found for several profiles is reported once, naming up to
    three of them. ``assembled``, when given, receives each sample's
    decisions and documents by its source (lint's claim check reuses them).

    Raises:
        RenderError: when a sample's documents cannot be assembled.
    """
    from ..documents import assemble, select

    seen: dict[Problem, list[str]] = {}
    for label, profile in lint_profiles(library):
        for p in check(select(library, profile), {}, profile, rules=[r for r in RULES if r in pair_rules]):
            seen.setdefault(p, []).append(label)
    for profile in samples:
        decisions = select(library, profile)
        documents = {doc: assemble(doc, decisions, library, templates, profile) for doc in templates.skeletons}
        if assembled is not None:
            assembled[profile.source] = (decisions, documents)
        for p in check(decisions, documents, profile):
            seen.setdefault(p, []).append(profile.source)
    out = []
    for p, where in seen.items():
        shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
        out.append(Problem(p.file, p.path, f"{p.message} [for {shown}]", p.line))
    return sorted(out, key=_order)


__all__ = [
    "HANDLED",
    "RULES",
    "USER_FACING",
    "channels_of",
    "check",
    "check_build",
    "tip_off_problems",
    "library_problems",
    "lint_profiles",
]
