"""The compliance records pack (issue 15): what a regulator reads first."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest
import yaml

from generator import api
from generator.errors import ProfileError
from generator.records.build import catalogue

SAMPLES = Path(__file__).parent.parent / "samples"


def profile_file(tmp_path: Path, base: str = "pixelpals", **changes) -> Path:
    """A sample profile with ``changes`` applied (dotted keys), written to ``tmp_path``."""
    data = yaml.safe_load((SAMPLES / f"{base}.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def records(tmp_path: Path, profile: Path, docs=("records",)) -> tuple[dict, Path]:
    out = tmp_path / "out"
    api.generate([profile], out, docs=docs, formats=("md", "html", "docx"), toc_pages=False, force=True)
    return json.loads((out / "records.json").read_text(encoding="utf-8")), out


UK_ONLY = {"jurisdictions": ["uk"]}


def test_uk_record_lists_every_kind_of_priority_illegal_content_with_csea_first(tmp_path: Path) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, **UK_ONLY))
    kinds = data["uk"]["illegal_content_risk_assessment"]["step1_kinds"]
    labels = [k["kind"] for k in kinds]
    assert labels[:3] == ["CSEA: grooming", "CSEA: image-based CSAM", "CSEA: CSAM URLs"]
    # 18 kinds since June 2026: CSEA (three sub-kinds) and 17 others, self-harm merged with suicide, cyberflashing new.
    assert len(labels) - 2 == 18
    assert "Suicide and self-harm" in labels and "Cyberflashing" in labels
    md = (out / "records.md").read_text(encoding="utf-8")
    for label in labels:
        assert label in md
    assert "eu" not in data and "au" not in data and "us" not in data


#: A UK-only photo and social app without a messaging service, so every feature can be switched.
UK_SOCIAL = {**UK_ONLY, "services": ["photo-sharing", "social-network"], "audience__minimum_age_for": {}}


def factor_ids(tmp_path: Path, base: dict | None = None, **features) -> set[str]:
    changes = {**(UK_SOCIAL if base is None else base), **{f"features__{k}": v for k, v in features.items()}}
    data, _ = records(tmp_path, profile_file(tmp_path, **changes))
    return {f["id"] for f in data["uk"]["illegal_content_risk_assessment"]["step2_factors"]}


@pytest.mark.parametrize(
    ("feature", "factor"),
    [
        ("direct_messages", "direct-messaging"),
        ("external_links", "hyperlinking"),
        ("anonymous_accounts", "anonymous"),
        ("livestream", "livestreaming"),
        ("location_sharing", "location"),
    ],
)
def test_risk_profile_factors_follow_the_features(tmp_path: Path, feature: str, factor: str) -> None:
    on = factor_ids(tmp_path, **{feature: True})
    off = factor_ids(tmp_path, **{feature: False, "e2ee": False})
    assert factor in on
    assert factor not in off
    assert on - off == {factor}  # only that factor changes


def test_e2ee_adds_the_encrypted_messaging_factor_and_only_it(tmp_path: Path) -> None:
    on = factor_ids(tmp_path, direct_messages=True, e2ee=True)
    off = factor_ids(tmp_path, direct_messages=True, e2ee=False)
    assert on - off == {"e2ee"} and off <= on


def test_factors_are_exactly_those_the_profile_shows(tmp_path: Path) -> None:
    # pixelpals: photo-sharing, social network, messaging; DMs, uploads, public content, links; minimum age 13.
    got = factor_ids(tmp_path, UK_ONLY)
    assert got == {
        "social-media",
        "messaging-service",
        "child-users",
        "user-profiles",
        "user-connections",
        "direct-messaging",
        "group-messaging",
        "commenting",
        "images-videos",
        "hyperlinking",
        "network-recommender",
    }


def test_each_factor_shows_the_harms_it_raises(tmp_path: Path) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, **UK_ONLY))
    factors = {f["id"]: f for f in data["uk"]["illegal_content_risk_assessment"]["step2_factors"]}
    assert "CSEA: grooming" in factors["direct-messaging"]["harms"]
    assert factors["hyperlinking"]["harms"] == ["CSEA: CSAM URLs"]


def test_measures_name_implementing_clauses_whose_hashes_match_the_manifest(tmp_path: Path) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, **UK_ONLY), docs=("tos", "sop", "tips", "records"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    hashes = {
        c["id"]: (c["version"], c["hash"])
        for doc in ("tos", "sop", "tips")
        for c in manifest["documents"][doc]["clauses"]
    }
    register = data["uk"]["code_measures"]
    ids = [m["id"] for m in register]
    assert {"ICU A2", "ICU C1", "ICU C2", "ICU D1", "ICU D2", "ICU G1", "ICU G3"} <= set(ids)
    cited = [ref for m in register for ref in m["clauses"]]
    assert cited, "no measure names an implementing clause"
    for ref in cited:
        assert hashes[ref["id"]] == (ref["version"], ref["hash"])
    # The manifest's own records entry lists the same clauses with the same hashes.
    for ref in manifest["documents"]["records"]["clauses"]:
        assert hashes[ref["id"]] == (ref["version"], ref["hash"])
    a2 = next(m for m in register if m["id"] == "ICU A2")
    assert a2["status"] == "in use" and a2["clauses"][0]["id"] == "sop.roles.uk-accountable-person"


def test_a_measure_without_an_implementing_clause_is_a_gap(tmp_path: Path) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, **UK_ONLY))
    gaps = [m["id"] for m in data["uk"]["code_measures"] if m["gap"]]
    assert "ICU H1" in gaps
    md = (out / "records.md").read_text(encoding="utf-8")
    assert "gap: no implementing clause" in md and "ICU H1" in md.split("Gaps (no implementing clause):")[1]


def test_risk_levels_are_blank_without_assessments_yaml(tmp_path: Path) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, **UK_ONLY))
    icra = data["uk"]["illegal_content_risk_assessment"]
    assert all(k["level"] is None and k["reasoning"] is None for k in [*icra["step1_kinds"], *icra["step1_other"]])
    cra = data["uk"]["childrens_risk_assessment"]
    assert all(k["level"] is None for kinds in cra["content"].values() for k in kinds)
    md = (out / "records.md").read_text(encoding="utf-8")
    for level in ("negligible", "low", "medium", "high"):
        assert f"| **{level}** |" not in md


def test_assessments_yaml_gives_the_levels(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, **UK_ONLY)
    (tmp_path / "assessments.yaml").write_text(
        "responsible_person: Dana Lee, COO\n"
        "illegal_harms:\n  grooming: {level: medium, reasoning: Adults can message teens who follow them.}\n"
        "children_harms:\n  bullying-content: {level: low, reasoning: Few reports in 12 months.}\n"
        "measures:\n  ICU H1: {status: not applicable, reason: No proscribed organisations can hold accounts.}\n",
        encoding="utf-8",
    )
    data, out = records(tmp_path, profile)
    kinds = {k["id"]: k for k in data["uk"]["illegal_content_risk_assessment"]["step1_kinds"]}
    assert kinds["grooming"]["level"] == "medium"
    assert kinds["csam-image"]["level"] is None  # only what the provider gave
    children = {k["id"]: k for g in data["uk"]["childrens_risk_assessment"]["content"].values() for k in g}
    assert children["bullying-content"]["level"] == "low"
    h1 = next(m for m in data["uk"]["code_measures"] if m["id"] == "ICU H1")
    assert h1["status"] == "not applicable" and h1["reason"].startswith("No proscribed")
    md = (out / "records.md").read_text(encoding="utf-8")
    assert "| CSEA: grooming | **medium** | Adults can message teens who follow them. |" in md
    assert "Dana Lee, COO" in md


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("illegal_harms:\n  groming: {level: low, reasoning: x}\n", "illegal_harms.groming"),
        ("illegal_harms:\n  grooming: {level: tiny, reasoning: x}\n", "illegal_harms.grooming.level"),
        ("illegal_harms:\n  grooming: {level: low}\n", "illegal_harms.grooming.reasoning"),
        ("measures:\n  ICU F1: {status: alternative measure}\n", "measures.ICU F1.reason"),
        ("levels: {}\n", "levels"),
        ("- a list\n", ""),
        ("a: [unclosed\n", ""),
    ],
)
def test_a_bad_assessments_yaml_names_file_and_field_and_writes_nothing(tmp_path: Path, text: str, field: str) -> None:
    profile = profile_file(tmp_path, **UK_ONLY)
    (tmp_path / "assessments.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as err:
        records(tmp_path, profile)
    rendered = err.value.render()
    assert "assessments.yaml" in rendered and field in rendered
    assert err.value.exit_code == 2
    assert not (tmp_path / "out").exists()


def test_did_you_mean_for_a_misspelt_kind(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, **UK_ONLY)
    (tmp_path / "assessments.yaml").write_text("illegal_harms:\n  groming: {level: low, reasoning: x}\n")
    with pytest.raises(ProfileError) as err:
        records(tmp_path, profile)
    assert "did you mean 'grooming'" in err.value.render()


@pytest.mark.parametrize("answer", ["yes", "no", "undecided"])
def test_childrens_risk_assessment_follows_the_access_assessment(tmp_path: Path, answer: str) -> None:
    data, out = records(
        tmp_path, profile_file(tmp_path, **UK_ONLY, determinations__uk_likely_accessed_by_children=answer)
    )
    md = (out / "records.md").read_text(encoding="utf-8")
    assert data["uk"]["childrens_access_assessment"]["outcome"] == answer
    blocking = [q for q in data["counsel_questions"] if q.startswith("Blocking:")]
    if answer == "yes":
        assert data["uk"]["childrens_risk_assessment"] is not None
        assert "UK children's risk assessment" in md and "Primary priority content" in md
        assert not blocking
    else:
        assert data["uk"]["childrens_risk_assessment"] is None
        assert "Primary priority content" not in md
    if answer == "undecided":
        assert blocking and "uk_likely_accessed_by_children" in blocking[0]
        assert "Questions for counsel" in md and "Blocking:" in md
    if answer == "no":
        assert not blocking
        assert "record the steps taken and the detailed evidence" in md
        assert all(not m["id"].startswith("PCU") for m in data["uk"]["code_measures"])


@pytest.mark.parametrize("small", ["yes", "no"])
def test_eu_register_marks_art_15_and_20_to_28_by_the_micro_or_small_decision(tmp_path: Path, small: str) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, "whisper", determinations__eu_micro_or_small=small))
    rows = {r["article"]: r for r in data["eu"]["obligations"]}
    size_dependent = ["Art 15", *(f"Art {n}" for n in range(20, 29))]
    for art in size_dependent:
        assert rows[art]["status"] == ("exempt" if small == "yes" else "applicable"), art
        assert "eu_micro_or_small" in rows[art]["reason"]
    if small == "yes":
        assert "Art 15(2)" in rows["Art 15"]["reason"]
        assert all("Art 19" in rows[a]["reason"] for a in size_dependent[1:])
        assert "Art 24(3)" in rows["Art 24"]["reason"]
    for art in ("Art 11", "Art 12", "Art 14", "Art 16", "Art 17", "Art 18"):
        assert rows[art]["status"] == "applicable" and rows[art]["clauses"], art
    assert data["eu"]["art19_decision"] == small
    assert "Art 19 decision" in (out / "records.md").read_text(encoding="utf-8")


def test_deadlines_ics_parses_and_matches_records_json(tmp_path: Path) -> None:
    icalendar = pytest.importorskip("icalendar")
    data, out = records(tmp_path, profile_file(tmp_path, **UK_ONLY))
    raw = (out / "deadlines.ics").read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    cal = icalendar.Calendar.from_ical(raw)
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == len(data["calendar"]) >= 3
    for event, entry in zip(events, data["calendar"], strict=True):
        assert event.decoded("DTSTART").isoformat() == entry["date"]
        assert str(event["SUMMARY"]).endswith(entry["summary"])
        assert str(event["UID"]).startswith(entry["uid"])
        assert str(event.get("DESCRIPTION", "")) == entry["description"]
    dates = {e["uid"]: e["date"] for e in data["calendar"]}
    assert dates["uk-icra-review"] == "2027-12-01"  # 12 months after the effective date
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_an_effective_date_adds_the_first_assessments_due_date_whatever_the_day(tmp_path: Path) -> None:
    data, _ = records(tmp_path, profile_file(tmp_path, **UK_ONLY, effective_date="2099-01-31"))
    dates = {e["uid"]: e["date"] for e in data["calendar"]}
    assert dates["uk-first-assessments"] == "2099-04-30"  # three months after; April has 30 days
    assert dates["uk-icra-review"] == "2100-01-31"
    # The same profile gives the same calendar on any day: no comparison with today's date.
    past, _ = records(tmp_path / "past", profile_file(tmp_path, **UK_ONLY, effective_date="2026-01-31"))
    assert {e["uid"]: e["date"] for e in past["calendar"]}["uk-first-assessments"] == "2026-04-30"


def test_records_are_written_by_default_for_uk_eu_au_and_not_otherwise(tmp_path: Path) -> None:
    out = tmp_path / "uk"
    api.generate([SAMPLES / "pixelpals.yaml"], out, formats=("md",), toc_pages=False)
    assert (out / "records.md").exists() and (out / "deadlines.ics").exists() and (out / "records.json").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name in ("records.md", "records.json", "deadlines.ics"):
        record = next(f for f in manifest["documents"]["records"]["files"].values() if f["path"] == name)
        assert record["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    us = tmp_path / "us"
    api.generate([SAMPLES / "minimal.yaml"], us, formats=("md",), toc_pages=False)
    assert not (us / "records.md").exists()
    api.generate([SAMPLES / "minimal.yaml"], tmp_path / "us2", docs=("records",), formats=("md",), toc_pages=False)
    us_md = (tmp_path / "us2" / "records.md").read_text(encoding="utf-8")
    assert "TAKE IT DOWN" in us_md and "48 hours" in us_md


def test_au_record_has_the_minimum_age_determination_and_record_keeping_period(tmp_path: Path) -> None:
    data, out = records(tmp_path, profile_file(tmp_path, "dreamforge"))
    md = (out / "records.md").read_text(encoding="utf-8")
    assert data["au"]["smma_determination"] in ("yes", "no", "undecided")
    assert "Self-assessed tier" in md and "At least 2 years" in md
    assert data["au"]["phase1_tier"] is None  # the provider's self-assessment, never pre-filled


def test_records_are_deterministic_and_render_as_tables_with_a_toc(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, "campfire")
    _, out = records(tmp_path, profile)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    api.generate([profile], out, docs=("records",), formats=("md", "html", "docx"), toc_pages=False, force=True)
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}
    xml = zipfile.ZipFile(io.BytesIO(first["records.docx"])).read("word/document.xml").decode()
    assert "<w:tbl>" in xml and "TOC" in xml
    html = first["records.html"].decode()
    assert "<table" in html and "<caption" in html and 'scope="col"' in html


def test_catalogue_keeps_ids_unique_and_every_clause_id_real() -> None:
    from generator.library import load_library

    library = load_library()
    known = set(library.clauses)
    cat = catalogue()
    cited = [c for m in cat["measures"] for c in m["clauses"]]
    cited += [c for group in cat["dsa"].values() for a in group for c in a["clauses"]]
    cited += [*cat["au"]["smma_clauses"], *cat["au"]["records_clauses"], *cat["us"]["tida_clauses"]]
    assert sorted(set(cited) - known) == []
    ids = [m["id"] for m in cat["measures"]]
    assert len(ids) == len(set(ids))


def test_coverage_counts_measures_without_an_implementing_clause() -> None:
    from generator.checks import coverage as cov
    from generator.library import load_library

    library = load_library()
    uk = cov.cell(library, "forum", "uk")
    assert "ICU H1" in uk.measure_gaps and "ICU A2" not in uk.measure_gaps
    assert cov.cell(library, "forum", "us").measure_gaps == []
    report = cov.render_report([uk], "md", library)
    assert f"{len(uk.measure_gaps)} UK code measure gaps" in report and "ICU H1" in report


def test_a_change_to_an_implementing_clause_shows_in_the_records_redline(tmp_path: Path) -> None:
    import shutil

    from generator.documents import load_templates
    from generator.library import load_library
    from generator.profile import load_profile
    from generator.review.packet import review_libraries

    root = Path(__file__).parent.parent / "clauses"
    new_root = tmp_path / "clauses"
    shutil.copytree(root, new_root)
    clause = new_root / "sop" / "core" / "uk-accountable-person.md"
    text = clause.read_text(encoding="utf-8")
    clause.write_text(text.replace("version: 1.0.1", "version: 1.0.2", 1) + "\nAlso named in the records.\n")
    profile = load_profile(profile_file(tmp_path, **UK_ONLY))
    review = review_libraries(load_library(root), load_library(new_root), profile, load_templates(None))
    assert "records" in review.redlines
    from generator.review.redline import to_markdown

    md = to_markdown(review.redlines["records"], "records")
    row = next(line for line in md.splitlines() if line.startswith("| ICU A2 |"))
    assert "<del>1 (" in row and "<ins>2 (" in row  # the register row shows the new version and hash


def test_a_partial_regeneration_keeps_the_records_and_the_calendar(tmp_path: Path) -> None:
    out = tmp_path / "out"
    api.generate([SAMPLES / "pixelpals.yaml"], out, formats=("md",), toc_pages=False)
    ics = (out / "deadlines.ics").read_bytes()
    api.generate([SAMPLES / "pixelpals.yaml"], out, docs=("tips",), formats=("md",), toc_pages=False, force=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    kept = manifest["documents"]["records"]["files"]
    assert kept["ics"]["kept"] is True and kept["ics"]["path"] == "deadlines.ics"
    assert kept["json"]["kept"] is True and (out / "deadlines.ics").read_bytes() == ics


def test_an_assessments_yaml_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    profile = profile_file(tmp_path, **UK_ONLY)
    (tmp_path / "assessments.yaml").mkdir()
    with pytest.raises(ProfileError) as err:
        records(tmp_path, profile)
    assert "is a directory" in err.value.render()
