"""Service, feature, help-line and under-13 content (issue 13, sections 5 and 6).

Like test_library_content.py, these tests read the rendered documents of the
sample profiles and of small built profiles, and assert on what a reader sees.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES

from generator import api
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.profile import vocabulary as V
from generator.profile.profile import load_profile, validate_profile

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def library():
    return load_library()


@pytest.fixture(scope="module")
def templates():
    return load_templates()


def render(raw_or_path, library, templates) -> dict[str, str]:
    profile = load_profile(raw_or_path) if isinstance(raw_or_path, Path) else validate_profile(raw_or_path, "<test>")
    b = api.build(profile, library, templates, formats=("md",))
    return {doc: flat(b.files[f"{doc}.md"].decode()) for doc in V.DOC_KINDS}


@pytest.fixture(scope="module")
def samples(library, templates):
    return {p.stem: render(p, library, templates) | {"_profile": load_profile(p).data} for p in SAMPLE_FILES}


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\\", ""))


def section(md: str, title: str) -> str:
    """The text of the tips section whose heading contains `title` (up to the next ## heading)."""
    m = re.search(rf"## \d+\. {re.escape(title)}(.*?)(?= ## \d+\. |$)", md)
    return m.group(1) if m else ""


def profile(**overrides) -> dict:
    raw = {
        "company": {"name": "Base", "contact": {"safety": "s@base.example"}},
        "services": ["social-network"],
        "jurisdictions": list(V.JURISDICTIONS),
        "audience": {"minimum_age": 13},
    }
    raw.update(overrides)
    return raw


# --- Section 6: help lines for every jurisdiction -------------------------------------------

# For each jurisdiction: (pattern, what) that every profile's "Get help now" must show.
HELP_ALWAYS: dict[str, list[tuple[str, str]]] = {
    "us": [
        (r"\b911\b", "emergency"),
        (r"report\.cybertip\.org", "crime report"),
        (r"\b988\b", "crisis line"),
        (r"takeitdown\.ncmec\.org", "image removal (under 18)"),
        (r"stopncii\.org", "image removal (adults)"),
    ],
    "uk": [
        (r"\b999\b", "emergency"),
        (r"ceop\.police\.uk", "crime report"),
        (r"116 123", "Samaritans"),
        (r"stopncii\.org", "image removal (adults)"),
    ],
    "au": [
        (r"\b000\b", "emergency"),
        (r"accce\.gov\.au/report", "crime report"),
        (r"13 11 14", "Lifeline"),
        (r"esafety\.gov\.au/report/image-based-abuse", "image removal"),
    ],
    "ca": [
        (r"\b911\b", "emergency"),
        (r"cybertip\.ca", "crime report"),
        (r"\b988\b", "crisis line"),
        (r"needhelpnow\.ca", "image removal"),
    ],
    "eu": [
        (r"\b112\b", "emergency"),
        (r"inhope\.org", "crime report"),
        (r"stopncii\.org", "image removal"),
        (r"betterinternetforkids\.eu", "national helplines"),
    ],
}
# Child helplines: only where the service admits under-18s.
CHILD_LINES = {
    "us": r"1-800-422-4453",
    "uk": r"0800 1111",
    "au": r"1800 55 1800",
    "ca": r"1-800-668-6868",
    "eu": r"116 111",
}


@pytest.mark.parametrize("minimum_age", [10, 13, 18])
def test_help_now_lists_every_jurisdictions_lines(library, templates, minimum_age: int) -> None:
    docs = render(
        profile(audience={"minimum_age": minimum_age, "parental_consent": minimum_age < 13}), library, templates
    )
    help_now = section(docs["tips"], "Get help now")
    missing = [
        f"{j}: {what}" for j, rows in HELP_ALWAYS.items() for pattern, what in rows if not re.search(pattern, help_now)
    ]
    assert not missing, missing
    child = [j for j, pattern in CHILD_LINES.items() if re.search(pattern, help_now)]
    assert child == (list(CHILD_LINES) if minimum_age < 18 else []), child


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_help_now_covers_each_jurisdiction(sample: Path, samples) -> None:
    docs = samples[sample.stem]
    help_now = section(docs["tips"], "Get help now")
    for j in docs["_profile"]["jurisdictions"]:
        for pattern, what in HELP_ALWAYS[j]:
            assert re.search(pattern, help_now), f"{sample.stem} {j}: {what}"


def test_help_lines_are_labelled_as_support_not_reporting(samples) -> None:
    """Every child or crisis line sits in a 'Talk to someone (support, not for reporting)' entry."""
    lines = [*CHILD_LINES.values(), r"\b988\b", r"116 123", r"13 11 14"]
    for stem, docs in samples.items():
        for item in re.split(r" - \*\*", section(docs["tips"], "Get help now")):
            if any(re.search(p, item) for p in lines) and not item.startswith("Emergency"):
                assert item.startswith("Talk to someone (support, not for reporting)"), (stem, item[:120])


def test_adult_services_show_no_child_helplines(samples) -> None:
    for stem in ("sparkmatch", "dreamforge", "tradepost", "sitesmith"):
        tips = samples[stem]["tips"]
        assert not any(re.search(p, tips) for p in CHILD_LINES.values()), stem
        assert "Childline" not in tips and "Kids Help" not in tips, stem


# --- Section 6: services for young children ---------------------------------------------------


@pytest.mark.parametrize("minimum_age", [8, 12, 13, 16])
def test_for_children_section_only_under_13(library, templates, minimum_age: int) -> None:
    docs = render(
        profile(audience={"minimum_age": minimum_age, "parental_consent": minimum_age < 13}), library, templates
    )
    children = section(docs["tips"], "For children")
    assert bool(children) == (minimum_age < 13)
    if children:
        # Rewritten for 8 to 12: no adult vocabulary, a grown-up to tell, a child helpline per jurisdiction.
        assert not re.search(r"sextortion|intimate|nude|sexual", children, re.I), children
        assert "grown-up" in children
        for j, pattern in CHILD_LINES.items():
            assert re.search(pattern, children), j
        for number in ("911", "999", "000", "112"):
            assert number in children


def test_children_tips_are_grade_4_or_below(library, templates) -> None:
    from generator.checks.readability import grade
    from generator.documents.model import block_text

    raw = profile(audience={"minimum_age": 8, "parental_consent": True})
    b = api.build(validate_profile(raw, "<test>"), library, templates, formats=("md",))
    scores = {
        c.id: grade("\n".join(block_text(x) for x in c.blocks))
        for s in b.documents["tips"].sections
        if s.id == "children"
        for c in s.clauses
    }
    assert len(scores) >= 3 and all(v <= 4.0 for v in scores.values()), scores


def test_underage_account_path_is_concrete(samples) -> None:
    """Suspend, ask for proof with an appeal, delete with the hold exception, record: never 'case by case'."""
    for stem, docs in samples.items():
        sop = docs["sop"]
        assert "case by case" not in sop, stem
        path = sop[sop.index("Accounts of users below the minimum age") :]
        for step in (
            "Suspend the account",
            "Ask for proof, with a way to appeal",
            "Restore or delete",
            "preservation hold",
            "Record the outcome",
        ):
            assert step in path, (stem, step)


def test_coppa_parent_rights_in_sop_for_us_under_13(samples) -> None:
    sop = samples["littlesnaps"]["sop"]
    for step in ("Check that the requester is the parent", "Review.", "Refuse further collection", "Delete."):
        assert step in sop, step
    assert "not a legal deadline" in sop
    for stem in ("pixelpals", "sparkmatch"):  # minimum age 13 or more: no parent-request procedure
        assert "Check that the requester is the parent" not in samples[stem]["sop"], stem


# --- Section 5: features the profile does not have do not appear --------------------------------


@pytest.mark.parametrize("groups", [True, False])
def test_group_rules_only_with_groups(library, templates, groups: bool) -> None:
    raw = profile(services=["messaging", "social-network"], features={"groups": groups})
    docs = render(raw, library, templates)
    pattern = (
        r"group chats|Groups and channels|leave any group|add minors they do not know to groups"
        r"|closed groups|its groups or channels|group descriptions"
    )
    found = set(re.findall(pattern, docs["tos"] + docs["tips"] + docs["sop"]))
    assert bool(found) == groups, found
    if groups:
        assert {"Groups and channels", "closed groups", "its groups or channels"} <= found


def test_groups_default_follows_the_service() -> None:
    assert validate_profile(profile(services=["messaging"]), "<t>").data["features"]["groups"] is True
    assert validate_profile(profile(services=["forum"]), "<t>").data["features"]["groups"] is False


# --- Section 5: photo and video sharing ---------------------------------------------------------


@pytest.mark.parametrize("stem", ["littlesnaps", "pixelpals", "clipcast"])
def test_bath_photos_one_rule_in_all_three_documents(samples, stem: str) -> None:
    """Removed even in private spaces and even with good intent: ToS, tips and SOP say the same."""
    docs = samples[stem]
    assert re.search(r"in the bath.{0,200}private albums, chats and storage alike", docs["tos"])
    assert "We remove these images" in docs["tos"]
    assert not re.search(r"(keep|Keep)[^.]{0,60}bath[^.]{0,60}private", docs["tips"])
    assert re.search(r"bath[^.]{0,80}(removed|We remove)", docs["tips"]), stem
    assert "Non-sexual nude images of children" in docs["sop"]
    assert "Images of children being hurt" in docs["tos"]


# --- Section 5: service rules ---------------------------------------------------------------------


@pytest.mark.parametrize(("live", "pay"), [(16, 18), (18, 18), (13, 16)])
def test_livestream_ages_come_from_the_profile(library, templates, live: int, pay: int) -> None:
    raw = profile(
        services=["livestreaming"],
        features={"payments": True},
        audience={"minimum_age": 13, "minimum_age_for": {"livestream": live, "payments": pay}},
    )
    tos = render(raw, library, templates)["tos"]
    assert f"You must be at least {live} to start a live broadcast" in tos
    assert f"You must be at least {pay} to send or receive gifts" in tos
    assert "present, in view and in charge for the whole time" in tos


def test_livestream_tips_for_those_who_cannot_stream(samples) -> None:
    tips = samples["clipcast"]["tips"]  # 13+ to watch, 18+ to stream
    assert "If you are younger, you can watch" in tips
    assert "For teens" not in tips or "Going live safely" not in section(tips, "For teens")


def test_dating_rules_and_adult_tips(samples) -> None:
    docs = samples["sparkmatch"]
    tos, tips, sop = docs["tos"], docs["tips"], docs["sop"]
    assert "required to register as a sex offender" in tos
    assert "We do not run criminal background checks" in tos
    assert "Do not post a photo of a child on their own" in tos
    assert "Meet in a busy public place" in tips and "Tell a friend" in tips
    assert "For teens" not in tips and "For children" not in tips
    assert "Childline" not in tips and "0800 1111" not in tips
    assert "reports that a member is a sex offender" in sop


def test_gaming_and_forums_with_minors(samples, library, templates) -> None:
    tos = samples["questcraft"]["tos"]  # gaming, 13+, voice 16+
    assert "No romantic or sexual role-play with anyone under 18" in tos
    assert "Voice and video chat is for users aged 16 and over" in tos
    assert "keep to text chat" in samples["questcraft"]["tips"]
    assert "On QuestCraft it is for players aged 16 and over" in samples["questcraft"]["tips"]
    forum = render(profile(services=["forum"], audience={"minimum_age": 13}), library, templates)["tos"]
    assert "No romantic or sexual role-play" in forum and "Voice and video chat" not in forum
    adults = render(profile(services=["forum"], audience={"minimum_age": 18}), library, templates)["tos"]
    assert "No romantic or sexual role-play" not in adults


AI_LAW = {
    "us": ["2256(8)(B)", "1466A"],
    "uk": ["Crime and Policing Act 2026", "Protection of Children Act 1978"],
    "au": ["appears to be, under 18"],
    "ca": ["s.163.1"],
    "eu": ["agreed but are not yet in force"],
}


@pytest.mark.parametrize("jurisdictions", [["au"], ["us", "uk"], ["ca", "eu"], list(V.JURISDICTIONS)])
def test_ai_csam_law_per_jurisdiction(library, templates, jurisdictions: list[str]) -> None:
    raw = profile(services=["generative-ai"], jurisdictions=jurisdictions, audience={"minimum_age": 18})
    tos = render(raw, library, templates)["tos"]
    for j, needles in AI_LAW.items():
        for needle in needles:
            assert (needle in tos) == (j in jurisdictions), (j, needle)
    assert "Photos of real children" in tos and "photos of your own children too" in tos
    assert "teen mode" not in tos.lower()


def test_marketplace_tos_and_tips_agree(samples) -> None:
    docs = samples["tradepost"]
    for doc in ("tos", "tips"):
        assert re.search(r"laid flat, on a hanger or on a mannequin", docs[doc]), doc
    assert "even fully clothed" in docs["tos"]


def test_under_13_services_leave_out_the_adult_sextortion_text(samples) -> None:
    tips = samples["littlesnaps"]["tips"]  # minimum age 8
    assert "Sextortion is when someone threatens" not in section(tips, "For everyone")
    assert "If someone asks for pictures" in section(tips, "For children")
    assert "Sextortion is when someone threatens" in samples["pixelpals"]["tips"]  # 13+: kept


@pytest.mark.parametrize("stated", [True, False, None])
def test_ai_teen_mode_only_when_the_profile_states_it(library, templates, stated) -> None:
    raw = profile(services=["generative-ai"], audience={"minimum_age": 13})
    if stated is not None:
        raw["safeguards"] = {"ai_teen_mode": stated}
    docs = render(raw, library, templates)
    assert ("run in a teen mode" in docs["tos"]) == bool(stated)
    assert ("the AI tools block sexual content" in docs["sop"]) == bool(stated)
    adults = render(profile(services=["generative-ai"], audience={"minimum_age": 18}), library, templates)
    assert "teen mode" not in adults["tos"].lower()


def test_underage_route_points_to_its_step(library, templates) -> None:
    import json

    b = api.build(load_profile(SAMPLES / "littlesnaps.yaml"), library, templates, formats=("md",))
    routes = {r["category"]: r for r in json.loads(b.files["sop.json"])["routes"]}
    assert "sop.removal.underage-accounts" in routes["underage-user"]["clauses"]
    row = next(line for line in b.files["sop.md"].decode().splitlines() if "under the minimum age | " in line)
    assert "case by case" not in row and "follow the steps for it" in row
