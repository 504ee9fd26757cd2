"""The shipped clause library: complete, specific, and right for each sample.

These tests assert on the facts in the generated text (recipients, deadlines,
preservation periods, help lines), not only on clause ids.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES

from generator import api
from generator.checks.readability import grade
from generator.documents.model import block_text
from generator.documents.selection import select
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.library.conditions import mentioned
from generator.profile import vocabulary as V
from generator.profile.profile import load_profile, validate_profile

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def builds(library):
    templates = load_templates()
    out = {}
    for path in SAMPLE_FILES:
        b = api.build(load_profile(path), library, templates, formats=("md",))
        out[path.stem] = {doc: b.files[f"{doc}.md"].decode() for doc in V.DOC_KINDS} | {"_build": b}
    return out


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\\", ""))


# What each jurisdiction's law requires the documents to say, as patterns over
# the rendered text: (document, pattern, what it checks).
FACTS: dict[str, list[tuple[str, str, str]]] = {
    "us": [
        ("sop", r"CyberTipline", "US reports go to the NCMEC CyberTipline"),
        ("sop", r"as soon as reasonably possible", "the 2258A deadline"),
        ("sop", r"\b(1|one) year", "1-year preservation after a CyberTipline report"),
        ("sop", r"actual knowledge", "the 2258A trigger"),
        ("tos", r"National Center for Missing (and|&) Exploited Children|NCMEC", "ToS names NCMEC"),
        ("tips", r"report\.cybertip\.org|missingkids\.org", "US help line"),
        ("tips", r"takeitdown\.ncmec\.org", "Take It Down for under-18 images"),
    ],
    "uk": [
        ("sop", r"National Crime Agency|\bNCA\b", "UK reports go to the NCA"),
        ("sop", r"\b(1|one) year", "UK retention of reported content"),
        ("sop", r"register", "registering with the NCA before the first report"),
        ("tos", r"National Crime Agency|\bNCA\b", "ToS names the NCA"),
        ("tips", r"ceop\.police\.uk", "CEOP"),
        ("tips", r"childline\.org\.uk|Samaritans", "Childline (services open to minors) or Samaritans (adults)"),
    ],
    "eu": [
        ("sop", r"Article 18|Art\.? 18", "DSA Art 18 notification"),
        ("sop", r"life or safety|threat to (the )?life", "the Art 18 threshold"),
        ("sop", r"Europol", "Europol when the Member State is unclear"),
        ("tos", r"statement of reasons", "DSA Art 17"),
        ("tips", r"inhope\.org", "INHOPE hotlines"),
    ],
    "au": [
        ("sop", r"eSafety", "the eSafety Commissioner"),
        ("sop", r"24 hours", "24-hour removal notices"),
        ("tos", r"eSafety", "ToS names eSafety"),
        ("tips", r"esafety\.gov\.au", "eSafety help"),
    ],
    "ca": [
        ("sop", r"Canadian Centre for Child Protection|Cybertip\.ca", "Canadian reports to C3P"),
        ("sop", r"\b21 days", "21-day preservation after notifying police"),
        ("sop", r"police", "police notification under s.3"),
        ("tos", r"Canadian Centre for Child Protection|Cybertip\.ca", "ToS names C3P"),
        ("tips", r"cybertip\.ca", "Cybertip.ca"),
        ("tips", r"needhelpnow\.ca", "NeedHelpNow.ca"),
    ],
}


UK_NOT_FOR_SEARCH = {"UK retention of reported content", "registering with the NCA before the first report"}


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_documents_state_their_jurisdictions_duties(sample: Path, builds) -> None:
    docs = builds[sample.stem]
    profile = docs["_build"].profile
    missing = []
    search_only = set(profile.data["services"]) == {"search-engine"}
    for j in profile.data["jurisdictions"]:
        for doc, pattern, what in FACTS[j]:
            if j == "uk" and search_only and what in UK_NOT_FOR_SEARCH:
                continue  # OSA s.66(3)-(4) (search services) is not yet in force
            if not re.search(pattern, flat(docs[doc]), flags=re.I):
                missing.append(f"{j}/{doc}: {what} ({pattern})")
    assert not missing, missing


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_obligations_cover_its_jurisdictions(sample: Path, builds) -> None:
    b = builds[sample.stem]["_build"]
    obligations = {
        (o["kind"], o["jurisdiction"]) for d in b.decisions if d.included for o in d.clause.meta["obligations"]
    }
    for j in b.profile.data["jurisdictions"]:
        assert ("report", j) in obligations or ("notify", j) in obligations, j
        search_only = set(b.profile.data["services"]) == {"search-engine"}
        if j in ("us", "ca") or (j == "uk" and not search_only):
            assert ("preserve", j) in obligations, j


def test_every_sample_gets_a_substantial_set(builds) -> None:
    for stem, docs in builds.items():
        counts = {
            doc: sum(1 for d in docs["_build"].decisions if d.included and d.clause.doc == doc) for doc in V.DOC_KINDS
        }
        assert counts["tos"] >= 15 and counts["sop"] >= 15 and counts["tips"] >= 6, (stem, counts)


def test_every_sample_says_it_is_a_draft(builds) -> None:
    for docs in builds.values():
        for doc in V.DOC_KINDS:
            assert "Draft — not legal advice" in docs[doc]


def test_library_size(library) -> None:
    counts = {doc: len(library.by_doc(doc)) for doc in V.DOC_KINDS}
    assert counts["tos"] >= 45 and counts["sop"] >= 50 and counts["tips"] >= 30, counts


def test_every_service_has_three_clauses_of_its_own(library) -> None:
    for service in V.SERVICES:
        own = [c.id for c in library.clauses.values() if service in mentioned(c.meta["when"], "services")]
        assert len(own) >= 3, (service, own)


def base_profile(**overrides) -> dict:
    """Gaming implies no feature, so every feature can be switched on and off."""
    raw = {
        "company": {"name": "Base", "contact": {"safety": "s@base.example"}},
        "services": ["gaming"],
        "jurisdictions": list(V.JURISDICTIONS),
        "features": {f: False for f in V.FEATURES},
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            raw.setdefault(section, {})[field] = value
        else:
            raw[section] = value
    return raw


def chosen(library, raw) -> set[str]:
    return {d.clause.id for d in select(library, validate_profile(raw, "<test>")) if d.included}


@pytest.mark.parametrize("feature", sorted(V.FEATURES))
def test_every_feature_changes_the_documents(library, feature: str) -> None:
    extra = {"features__direct_messages": True} if feature == "e2ee" else {}
    off = base_profile(**extra)
    on = base_profile(**extra)
    on["features"] = {**on["features"], feature: True}
    if feature == "e2ee":
        off["features"]["direct_messages"] = on["features"]["direct_messages"] = True
    assert chosen(library, on) != chosen(library, off)


@pytest.mark.parametrize(
    ("key", "a", "b"),
    [
        ("audience__minimum_age", 13, 18),
        ("audience__age_assurance", "self-declaration", "verification"),
        ("team__size", "solo", "dedicated"),
        ("detection__hash_matching", [], ["photodna"]),
        ("detection__url_lists", [], ["iwf"]),
        ("detection__text_classifiers", False, True),
    ],
)
def test_profile_settings_change_the_documents(library, key: str, a, b) -> None:
    def profile(value):
        raw = base_profile(**{key: value})
        raw["features"]["user_uploads"] = True  # hash tools need uploads
        return raw

    assert chosen(library, profile(a)) != chosen(library, profile(b))


def test_under_13_changes_the_documents(library) -> None:
    kids = base_profile(audience={"minimum_age": 10, "parental_consent": True})
    assert chosen(library, kids) != chosen(library, base_profile())


LIMITS = {"children": 4.0, "teens": 8.0, "parents": 10.0}


@pytest.mark.parametrize("audience", sorted(LIMITS))
def test_tips_are_readable_for_their_audience(builds, audience: str) -> None:
    too_hard = {}
    for docs in builds.values():
        b = docs["_build"]
        meta = {d.clause.id: d.clause.meta for d in b.decisions}
        for section in b.documents["tips"].sections:
            for clause in section.clauses:
                if meta[clause.id]["audience"] != audience:
                    continue
                text = "\n".join(block_text(block) for block in clause.blocks)
                score = grade(text)
                if score > LIMITS[audience]:
                    too_hard[clause.id] = round(score, 1)
    assert not too_hard, f"{audience} tips above grade {LIMITS[audience]}: {too_hard}"


IMAGERY_INSTRUCTION = re.compile(
    r"\b(screenshot|screen ?shot|save|download|keep|forward|upload|send us)\b"
    r"[^.]{0,40}\b(image|photo|picture|video|imagery)"
)
NEGATED = re.compile(r"\b(don'?t|do not|never|not)\b")
EVIDENCE = re.compile(r"\b(evidence|proof|report|police|record)")


def test_documents_never_tell_users_to_handle_imagery(builds) -> None:
    """No evidence or reporting advice tells anyone to save, screenshot or forward images."""
    offenders = []
    for stem, docs in builds.items():
        for doc in ("tips", "tos"):
            for line in docs[doc].replace("\\", "").splitlines():
                for sentence in re.split(r"(?<=[.!?])\s+", line):
                    low = sentence.lower()
                    about_evidence = EVIDENCE.search(low)
                    if about_evidence and IMAGERY_INSTRUCTION.search(low) and not NEGATED.search(low):
                        offenders.append(f"{stem}/{doc}: {sentence[:160]}")
    assert not offenders, offenders


def test_counsel_appendix_lists_open_questions(builds) -> None:
    for stem in ("whisper", "questcraft"):
        sop = builds[stem]["sop"]
        assert "Questions for counsel" in sop, stem


def test_shipped_library_has_no_coverage_gaps(library) -> None:
    from generator.checks import coverage as cov

    gaps = [(c.service, c.jurisdiction, n.doc, n.topic) for c in cov.matrix(library) for n in c.missing]
    assert gaps == []
    assert cov.dead_clauses(library) == []


def test_samples_cover_every_service_jurisdiction_team_size_and_feature() -> None:
    profiles = [load_profile(p).data for p in SAMPLE_FILES]
    assert {s for p in profiles for s in p["services"]} == set(V.SERVICES)
    assert {j for p in profiles for j in p["jurisdictions"]} == set(V.JURISDICTIONS)
    assert {p["team"]["size"] for p in profiles} == set(V.TEAM_SIZES)
    assert {f for p in profiles for f, on in p["features"].items() if on} == set(V.FEATURES)
    assert {p["audience"]["age_assurance"] for p in profiles} == set(V.AGE_ASSURANCE)
    assert any(p["audience"]["minimum_age"] < 13 for p in profiles)
