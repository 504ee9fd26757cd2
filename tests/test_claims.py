"""Documents promise only what the profile states: claim phrases, claims metadata, per-feature ages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SAMPLES, clause, make_library

from generator.checks import consistency
from generator.checks.claims import CLAIM_PHRASES, find_claims, rendered_problems, source_problems, without_safeguards
from generator.documents import block_text
from generator.documents.assemble import assemble
from generator.documents.selection import select
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.profile import vocabulary as V
from generator.profile.profile import Profile, load_profile, validate_profile

CORPUS = yaml.safe_load((Path(__file__).parent / "fixtures" / "claims-corpus.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def templates():
    return load_templates(None)


def build(library, templates, profile: Profile) -> tuple[list, dict]:
    decisions = select(library, profile)
    return decisions, {d: assemble(d, decisions, library, templates, profile) for d in templates.skeletons}


def text_of(documents: dict, doc: str) -> str:
    """Every clause's rendered text (the counsel appendix lists safeguards to consider, which promise nothing)."""
    document = documents[doc]
    parts = [block_text(b) for s in document.sections for c in s.clauses for b in c.blocks]
    return "\n".join(parts)


# -- the phrase lists ---------------------------------------------------------------


def test_every_safeguard_has_a_phrase_list_and_corpus() -> None:
    assert set(CLAIM_PHRASES) == set(V.SAFEGUARDS)
    assert set(CORPUS) == set(V.SAFEGUARDS)


@pytest.mark.parametrize("safeguard", sorted(V.SAFEGUARDS))
def test_corpus_sentences_are_caught(safeguard: str) -> None:
    for sentence in CORPUS[safeguard]["catch"]:
        assert safeguard in {h.safeguard for h in find_claims(sentence)}, sentence


@pytest.mark.parametrize("safeguard", sorted(V.SAFEGUARDS))
def test_corpus_sentences_are_left_alone(safeguard: str) -> None:
    for sentence in CORPUS[safeguard]["leave"]:
        assert safeguard not in {h.safeguard for h in find_claims(sentence)}, sentence


# -- lint: the clause sources -------------------------------------------------------


def test_library_sources_claim_every_promise(library) -> None:
    assert source_problems(library.clauses.values()) == []


def test_unclaimed_promise_in_a_clause_is_reported(tmp_path: Path) -> None:
    lib = load_library(
        make_library(
            tmp_path,
            {
                "tos/a.md": clause("tos.minors.a", "Adults cannot send you private messages."),
                "tos/b.md": clause(
                    "tos.minors.b",
                    "Adults cannot send you private messages.",
                    extra="claims: [safeguards.restrict_adult_minor_dms]",
                ),
                "tos/c.md": clause(
                    "tos.minors.c",
                    "{% if safeguards.block_users %}Block them to stop them.{% endif %} Report them.",
                ),
            },
        )
    )
    found = source_problems(lib.clauses.values())
    assert [(p.file.split("/")[-1], "restrict_adult_minor_dms" in p.message) for p in found] == [("a.md", True)]


def test_claims_metadata_selects_only_when_stated(tmp_path: Path) -> None:
    lib = load_library(
        make_library(
            tmp_path,
            {"tos/b.md": clause("tos.minors.b", "Promise.", extra="claims: [safeguards.restrict_adult_minor_dms]")},
        )
    )
    base = {
        "company": {"name": "X", "contact": {"safety": "s@x.example"}},
        "services": ["messaging"],
        "jurisdictions": ["us"],
    }
    for stated, included in ((None, False), (False, False), (True, True)):
        raw: dict[str, Any] = {**base}
        if stated is not None:
            raw["safeguards"] = {"restrict_adult_minor_dms": stated}
        (d,) = select(lib, validate_profile(raw))
        assert d.included is included, (stated, d.reason)
        if not included:
            assert "never promised" in d.reason


# -- the rendered documents ---------------------------------------------------------


SAMPLE_PATHS = sorted(SAMPLES.glob("*.yaml"))


@pytest.mark.parametrize("sample", SAMPLE_PATHS, ids=lambda p: p.stem)
def test_no_sample_promises_an_unstated_safeguard(sample: Path, library, templates) -> None:
    """Rendered text of all three documents, as stated and with every safeguard unknown."""
    stated = load_profile(sample)
    for profile in (stated, without_safeguards(stated)):
        decisions, documents = build(library, templates, profile)
        assert rendered_problems(decisions, documents, profile) == []
    unknown = without_safeguards(stated)
    decisions, documents = build(library, templates, unknown)
    for doc in documents:
        assert find_claims(text_of(documents, doc)) == [], doc


def all_true(profile: Profile) -> Profile:
    raw = without_safeguards(profile).data
    raw = {**raw, "safeguards": dict.fromkeys(V.SAFEGUARDS, True)}
    if raw["company"].get("country") is None:
        raw["company"] = {k: v for k, v in raw["company"].items() if k != "country"}
    return validate_profile(raw, f"{profile.source} (all safeguards)")


@pytest.mark.parametrize("sample", SAMPLE_PATHS, ids=lambda p: p.stem)
def test_all_safeguards_true_promises_each_and_backs_it(sample: Path, library, templates) -> None:
    profile = all_true(load_profile(sample))
    decisions, documents = build(library, templates, profile)
    # every promise is backed by an SOP step (the existing consistency check, every rule)
    assert consistency.check(decisions, documents, profile) == []
    promised = {h.safeguard for doc in documents for h in find_claims(text_of(documents, doc))}
    facts = profile.facts()
    from generator.library import evaluate

    relevant = {s.id for s in V.SAFEGUARDS.values() if evaluate(s.relevant, facts)[0]}
    assert relevant <= promised, sorted(relevant - promised)


def test_safeguard_promises_are_checked_by_an_sop_step(library, templates) -> None:
    profile = all_true(load_profile(SAMPLES / "pixelpals.yaml"))
    decisions, documents = build(library, templates, profile)
    sop = text_of(documents, "sop")
    assert "Adults cannot send private messages to users under 18 they are not connected with." in sop
    chosen = {d.clause.id for d in decisions if d.included}
    assert "tos.minors.private-by-default" in chosen and "sop.records.safeguard-checks" in chosen


# -- per-feature ages ---------------------------------------------------------------

LIVE = {
    "company": {"name": "LiveNow", "contact": {"safety": "safety@livenow.example"}},
    "services": ["livestreaming"],
    "jurisdictions": ["us", "uk", "eu", "au", "ca"],
    "audience": {"minimum_age": 13, "minimum_age_for": {"livestream": 18, "payments": 18}},
    "features": {"payments": True, "direct_messages": True, "voice_video_chat": True},
    "safeguards": dict.fromkeys(V.SAFEGUARDS, True),
}


def test_livestream_18_never_coaches_under_18s_to_stream(library, templates) -> None:
    profile = validate_profile(LIVE, "<livenow>")
    decisions, documents = build(library, templates, profile)
    chosen = {d.clause.id for d in decisions if d.included}
    for cid in ("tips.teens.livestream", "tips.parents.settings-livestream", "tos.minors.livestream-limits"):
        assert cid not in chosen
    for doc in documents:
        text = text_of(documents, doc)
        assert "minor_livestream_limits" not in {h.safeguard for h in find_claims(text)}, doc
        assert "broadcasts by users under 18" not in text.lower(), doc
        assert "under-18s" not in text.lower(), doc
    tos = text_of(documents, "tos")
    assert "18 to broadcast live" in tos
    assert "18 to send or receive payments, gifts or tips" in tos
    assert "Live broadcasting: 18" in text_of(documents, "sop")
    tips = text_of(documents, "tips")
    assert "Going live: 18 and over." in tips
    assert "only for people aged 18 and over" in tips


def test_livestream_open_to_teens_gets_the_teen_tips(library, templates) -> None:
    raw = {**LIVE, "audience": {"minimum_age": 13}}
    decisions, documents = build(library, templates, validate_profile(raw, "<livenow-13>"))
    chosen = {d.clause.id for d in decisions if d.included}
    assert {"tips.teens.livestream", "tos.minors.livestream-limits"} <= chosen
    assert "your live broadcasts have extra limits" in text_of(documents, "tos")


def test_find_claims_prefilter_finds_what_every_regex_finds() -> None:
    """find_claims skips a phrase's regex when its required literal is missing: same hits as running them all."""
    from generator.checks import claims
    from generator.library import load_library

    def naive(text: str) -> list:
        plain = " ".join(claims._MD.sub("", text).split())
        return [
            claims.Hit(sid, m.group(0))
            for sid, patterns in claims._COMPILED.items()
            for p in patterns
            for m in p.finditer(plain)
        ]

    corpus = yaml.safe_load((Path(__file__).parent / "fixtures" / "claims-corpus.yaml").read_text(encoding="utf-8"))
    texts: list[str] = []

    def walk(x: object) -> None:
        if isinstance(x, str):
            texts.append(x)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(corpus)
    texts += [c.body for c in load_library().clauses.values()]
    texts += [t.upper() for t in texts[:50]] + ["CHAT SETTINGS", "Chat \u017fettings", "\u212aids can block"]
    found = 0
    for text in texts:
        expected = naive(text)
        assert claims.find_claims(text) == expected, text[:80]
        assert claims.find_claims(text) == expected  # the remembered answer too
        found += bool(expected)
    assert found > 20
