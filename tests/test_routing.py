"""The machine-readable SOP (sop.json): routing table, clause metadata, schema and docs."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SAMPLES, clause, make_library

from generator.documents.routing import SCHEMA_ID, routing_json, routing_problems, routing_table, unscoped_obligations
from generator.documents.selection import select
from generator.errors import LibraryError
from generator.library.clauses import ROUTED_KINDS, Library, load_library, parse_clause
from generator.profile import vocabulary as V
from generator.profile.profile import Profile, load_profile, validate_profile

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
SCHEMA = json.loads((REPO / "docs" / "sop.schema.json").read_text(encoding="utf-8"))
NCMEC = "NCMEC CyberTipline"


@cache
def builtin() -> Library:
    return load_library()


@cache
def sample(name: str) -> tuple[Profile, dict[str, Any]]:
    lib = builtin()
    profile = load_profile(SAMPLES / f"{name}.yaml")
    return profile, routing_table(select(lib, profile), profile, lib)


def body(cid: str) -> str:
    return builtin().clauses[cid].body


def reports(table: dict[str, Any], category: str) -> list[dict[str, Any]]:
    return next(r for r in table["routes"] if r["category"] == category)["external_reports"]


# --- a tiny JSON Schema (draft 2020-12) validator for the keywords sop.schema.json uses -------------------------

_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
}


def validate(value: Any, schema: dict[str, Any], root: dict[str, Any] = SCHEMA, at: str = "$") -> list[str]:
    """Return the schema violations of value (empty when valid)."""
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        return validate(value, root["$defs"][ref.split("/")[-1]], root, at)
    errors: list[str] = []
    known = {"$schema", "$defs", "title", "description", "type", "const", "enum", "required", "properties"}
    known |= {"additionalProperties", "items", "anyOf", "minLength", "pattern", "minItems", "uniqueItems"}
    unknown = set(schema) - known
    assert not unknown, f"validator does not support {unknown}"
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(isinstance(value, _TYPES[t]) for t in types):
            return [f"{at}: expected {types}, got {type(value).__name__}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{at}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{at}: {value!r} not in {schema['enum']}")
    if "anyOf" in schema and all(validate(value, s, root, at) for s in schema["anyOf"]):
        errors.append(f"{at}: {value!r} matches no alternative")
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{at}: too short")
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{at}: {value!r} does not match {schema['pattern']}")
    if isinstance(value, dict):
        errors += [f"{at}: missing {k!r}" for k in schema.get("required", []) if k not in value]
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False:
            errors += [f"{at}: unexpected {k!r}" for k in value if k not in props]
        for k, v in value.items():
            if k in props:
                errors += validate(v, props[k], root, f"{at}.{k}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{at}: needs at least {schema['minItems']} items")
        if schema.get("uniqueItems") and len({json.dumps(v, sort_keys=True) for v in value}) != len(value):
            errors.append(f"{at}: items not unique")
        if "items" in schema:
            for i, v in enumerate(value):
                errors += validate(v, schema["items"], root, f"{at}[{i}]")
    return errors


# --- every sample ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_routing_table(path: Path) -> None:
    profile, table = sample(path.stem)
    assert table["schema"] == SCHEMA_ID and "not legal advice" in table["draft"] and "counsel" in table["draft"]
    assert table["profile"] == {"company": profile.name, "digest": "sha256:" + profile.digest}
    assert validate(table, SCHEMA) == []
    # Every category has a route, in vocabulary order, at the severity the severity-levels clause gives.
    levels = {
        c["id"]: c["severity"] for c in builtin().clauses["sop.triage.severity-levels"].meta["routing"]["categories"]
    }
    assert [r["category"] for r in table["routes"]] == list(V.CATEGORIES)
    for route in table["routes"]:
        assert route["severity"] == levels[route["category"]]
        assert route["label"] == V.CATEGORIES[route["category"]]
        assert route["owner_role"] and route["internal_deadline"]
        assert (
            "sop.triage.severity-levels" in route["clauses"]
            and f"sop.triage.targets-{profile.data['team']['size']}" in route["clauses"]
        )
        for entry in route["external_reports"] + route["preservation"]:
            assert entry["jurisdiction"] in (*profile.data["jurisdictions"], V.GLOBAL)
            assert not entry["unscoped"] and entry["clause"] in route["clauses"] and entry["citations"]
        order = [
            (list(V.JURISDICTIONS).index(e["jurisdiction"]), e["recipient"] or "") for e in route["external_reports"]
        ]
        assert order == sorted(order)
    assert [s["level"] for s in table["severities"]] == list(V.SEVERITIES)
    # The US mandatory report: csam goes to the CyberTipline with the clause's legal deadline; none without the US.
    recipients = {e["recipient"] for r in table["routes"] for e in r["external_reports"]}
    if "us" in profile.data["jurisdictions"]:
        deadline = builtin().clauses["sop.reporting.us-ncmec"].meta["obligations"][0]["deadline"]
        for category in ("csam", "enticement", "trafficking"):
            ncmec = [e for e in reports(table, category) if e["recipient"] == NCMEC]
            assert (
                len(ncmec) == 1
                and ncmec[0]["legal_deadline"] == deadline == "as soon as reasonably possible after actual knowledge"
            )
            assert ncmec[0]["kind"] == "report" and ncmec[0]["clause"] == "sop.reporting.us-ncmec"
        assert any(c["contact"] == NCMEC and c["role"] == "recipient" for c in table["contacts"])
    else:
        assert NCMEC not in recipients
        assert not any("NCMEC" in (e["recipient"] or "") for r in table["routes"] for e in r["external_reports"])
        assert not any("us-ncmec" in json.dumps(r["clauses"]) for r in table["routes"])
        assert not any(c["contact"] == NCMEC for c in table["contacts"])
    assert not reports(table, "other-breach") or "eu" in profile.data["jurisdictions"]
    # Company contacts come from the profile, labelled by role.
    contacts = {c["role"]: c["contact"] for c in table["contacts"] if c["role"] != "recipient"}
    company = profile.data["company"]
    assert contacts["safety"] == company["contact"]["safety"]
    assert contacts["law-enforcement"] == company["contact"]["law_enforcement"]
    assert contacts.get("website") == company["website"]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_output_is_deterministic(path: Path) -> None:
    lib = load_library()
    profile = load_profile(path)
    first = routing_json(routing_table(select(lib, profile), profile, lib))
    again = routing_json(routing_table(select(builtin(), profile), profile, builtin()))
    assert first == again and first.endswith(b"\n") and not first.endswith(b"\n\n")
    assert json.loads(first) == sample(path.stem)[1]
    assert "—".encode() in first  # UTF-8, not ASCII-escaped


def test_other_jurisdictions_route_to_their_own_bodies() -> None:
    _, uk = sample("pixelpals")
    assert any(e["recipient"].startswith("National Crime Agency") for e in reports(uk, "csam"))
    _, ca = sample("questcraft")
    assert {e["recipient"] for e in reports(ca, "csam")} == {
        "Canadian Centre for Child Protection (Cybertip.ca)",
        "a police officer",
    }
    holds = next(r for r in ca["routes"] if r["category"] == "csam")["preservation"]
    assert [h["period"] for h in holds] == ["21 days after notifying police"]
    _, au = sample("sitesmith")  # web hosting in Australia: the AFP referral
    assert any(e["recipient"] == "Australian Federal Police" for e in reports(au, "csam"))
    _, eu = sample("whisper")
    s2 = [e for e in reports(eu, "csam") if e["kind"] == "notify"]
    assert any("Europol" in e["recipient"] for e in s2)


def test_owner_roles_follow_team_size() -> None:
    owners = {}
    for name in ("littlesnaps", "pixelpals", "hangout"):
        profile, table = sample(name)
        size = profile.data["team"]["size"]
        owners[size] = tuple(s["owner_role"] for s in table["severities"])
    assert set(owners) == {"solo", "small", "dedicated"}
    assert len(set(owners.values())) == 3
    # Every role named is one the roles section defines for that team size.
    roles = {
        "solo": ["Safety Lead", "founder", "escalation buddy"],
        "small": ["Safety Lead", "back-up", "primary", "secondary"],
        "dedicated": ["Safety Lead", "back-up", "duty lead", "Reviewer", "Tier 1", "Tier 2"],
    }
    for size, terms in roles.items():
        prose = body("sop.roles.safety-lead") + body(f"sop.roles.cover-{size}")
        for term in terms:
            assert term.lower() in prose.lower(), (size, term)
        for owner in owners[size]:
            assert any(t.lower() in owner.lower() for t in terms), owner
            for other, other_terms in roles.items():
                if other != size:
                    only_there = [t for t in other_terms if t not in terms]
                    assert not any(t.lower() in owner.lower() for t in only_there), (size, owner)


# --- the clause metadata says what the prose says -----------------------------------------------------------------

CATEGORY_PROSE = {
    "imminent-danger": "a child is in danger now or very soon",
    "csam": "apparent child sexual abuse material (CSAM)",
    "enticement": "an adult enticing or grooming a child",
    "sextortion": "sextortion of a child with no immediate threat",
    "trafficking": "signs of child sex trafficking",
    "authority-notice": "any notice about child safety from a hotline, the police or a regulator",
    "legal-request": "a request from the police or a court to preserve or hand over data",
    "underage-user": "a user who appears to be younger than our minimum age",
    "other-breach": "other breaches of our child-safety rules",
}


def test_severity_levels_metadata_matches_prose() -> None:
    meta = builtin().clauses["sop.triage.severity-levels"].meta["routing"]["categories"]
    assert [c["id"] for c in meta] == list(V.CATEGORIES) == list(CATEGORY_PROSE)
    lines = {
        m.group(1): m.group(0)
        for m in re.finditer(r"^- \*\*(S\d) [^*]+\*\*.*$", body("sop.triage.severity-levels"), re.M)
    }
    for item in meta:
        assert CATEGORY_PROSE[item["id"]] in lines[item["severity"]], item


@pytest.mark.parametrize("size", list(V.TEAM_SIZES))
def test_targets_metadata_matches_prose(size: str) -> None:
    cid = f"sop.triage.targets-{size}"
    text = body(cid)
    levels = builtin().clauses[cid].meta["routing"]["severities"]
    assert [s["level"] for s in levels] == list(V.SEVERITIES)
    for s in levels:
        assert f"**{s['level']} {s['name']}**" in text and f"**{s['level']} {s['name']}**" in body(
            "sop.triage.severity-levels"
        )
        line = next(ln for ln in text.splitlines() if ln.startswith(f"- **{s['level']} "))
        for part in s["target"].split("; "):
            assert part.lower() in line.lower(), (cid, part)


def test_every_routed_sop_duty_has_categories() -> None:
    assert unscoped_obligations(builtin().clauses.values()) == []
    routed = [
        (c.id, ob)
        for c in builtin().clauses.values()
        if c.doc == "sop"
        for ob in c.meta["obligations"]
        if ob["kind"] in ROUTED_KINDS
    ]
    assert len(routed) >= 15
    for cid, ob in routed:
        assert ob["categories"], cid
    us = builtin().clauses["sop.reporting.us-ncmec"].meta["obligations"][0]["categories"]
    assert {"csam", "trafficking", "enticement"} <= set(us)


# --- a tiny library: conflicts, unscoped duties, schema rules -------------------------------------------------------

CITE = """\
citations:
  - source: Test Act
    pinpoint: s.1
    url: https://example.org/act
    verified: V
"""


def tiny(tmp_path: Path, clauses: dict[str, str]) -> tuple[Library, Profile]:
    root = make_library(tmp_path / "lib", {"tos/a.md": clause("tos.prohibited.sharing"), **clauses})
    profile = validate_profile(
        {"company": {"name": "T", "contact": {"safety": "s@t.example"}}, "services": ["forum"], "jurisdictions": ["us"]}
    )
    return load_library(root), profile


def test_conflicting_category_severity_names_both_clauses(tmp_path: Path) -> None:
    lib, profile = tiny(
        tmp_path,
        {
            "sop/a.md": clause("sop.triage.levels", extra="routing:\n  categories: [{id: csam, severity: S2}]"),
            "sop/b.md": clause("sop.triage.other", extra="routing:\n  categories: [{id: csam, severity: S3}]"),
        },
    )
    with pytest.raises(LibraryError) as info:
        routing_table(select(lib, profile), profile, lib)
    text = info.value.render()
    assert "sop/a.md" in text and "sop/b.md" in text and "'csam'" in text
    files = sorted(Path(p.file).name for p in info.value.problems)
    assert files == ["a.md", "b.md"]


def test_conflicting_severity_owner_names_both_clauses(tmp_path: Path) -> None:
    level = "routing:\n  severities:\n    - {{level: S1, name: Emergency, owner: {owner}, target: at once}}"
    lib, profile = tiny(
        tmp_path,
        {
            "sop/a.md": clause("sop.triage.a", extra=level.format(owner="Safety Lead")),
            "sop/b.md": clause("sop.triage.b", extra=level.format(owner="Reviewer")),
        },
    )
    with pytest.raises(LibraryError) as info:
        routing_table(select(lib, profile), profile, lib)
    text = info.value.render()
    assert "a.md" in text and "b.md" in text and "severity S1 owner" in text


def test_agreeing_clauses_and_unselected_clauses_do_not_conflict(tmp_path: Path) -> None:
    lib, profile = tiny(
        tmp_path,
        {
            "sop/a.md": clause("sop.triage.a", extra="routing:\n  categories: [{id: csam, severity: S2}]"),
            "sop/b.md": clause("sop.triage.b", extra="routing:\n  categories: [{id: csam, severity: S2}]"),
            "sop/c.md": clause(
                "sop.triage.c", extra="when: {jurisdictions: [uk]}\nrouting:\n  categories: [{id: csam, severity: S4}]"
            ),
        },
    )
    table = routing_table(select(lib, profile), profile, lib)
    assert [(r["category"], r["severity"], r["owner_role"]) for r in table["routes"]] == [("csam", "S2", None)]
    assert table["severities"] == [] and validate(table, SCHEMA) == []


def test_duty_without_categories_goes_on_every_route(tmp_path: Path) -> None:
    duty = "obligations:\n  - {kind: report, jurisdiction: us, recipient: Somebody, summary: Tell them.}\n" + CITE
    scoped = (
        "obligations:\n  - {kind: preserve, jurisdiction: us, period: 1 year, summary: Keep it., categories: [csam]}\n"
        + CITE
    )
    lib, profile = tiny(
        tmp_path,
        {
            "sop/a.md": clause(
                "sop.triage.a",
                extra="routing:\n  categories: [{id: csam, severity: S2}, {id: other-breach, severity: S3}]",
            ),
            "sop/b.md": clause("sop.reporting.b", extra=duty),
            "sop/c.md": clause("sop.quarantine.c", extra=scoped),
        },
    )
    table = routing_table(select(lib, profile), profile, lib)
    for route in table["routes"]:
        assert [(e["recipient"], e["unscoped"]) for e in route["external_reports"]] == [("Somebody", True)]
    holds = {r["category"]: [h["period"] for h in r["preservation"]] for r in table["routes"]}
    assert holds == {"csam": ["1 year"], "other-breach": []}
    assert [p.path for p in unscoped_obligations(lib.clauses.values())] == ["obligations[0].categories"]
    assert validate(table, SCHEMA) == []


@pytest.mark.parametrize(
    ("cid", "extra", "expected"),
    [
        ("tos.prohibited.x", "routing:\n  categories: [{id: csam, severity: S2}]", "only for SOP clauses"),
        ("sop.triage.x", "routing:\n  categories: [{id: csan, severity: S2}]", "did you mean 'csam'?"),
        ("sop.triage.x", "routing:\n  categories: [{id: csam, severity: S5}]", "allowed: S1, S2, S3, S4"),
        (
            "sop.triage.x",
            "routing:\n  categories: [{id: csam, severity: S2}, {id: csam, severity: S3}]",
            "'csam' is listed twice",
        ),
        ("sop.triage.x", "routing:\n  severities: [{level: S1, name: E, owner: O}]", "target: is required"),
        ("sop.triage.x", "routing:\n  levels: []", "unknown field 'levels'"),
        (
            "sop.removal.x",
            "obligations: [{kind: remove, jurisdiction: us, summary: x, categories: [csam]}]\n" + CITE,
            "only for obligations of kind report, notify, preserve",
        ),
        (
            "sop.reporting.x",
            "obligations: [{kind: report, jurisdiction: us, summary: x, categories: [everything]}]\n" + CITE,
            "unknown value 'everything'",
        ),
    ],
)
def test_routing_schema_problems(cid: str, extra: str, expected: str) -> None:
    _, problems = parse_clause(clause(cid, extra=extra), "x.md")
    assert any(expected in str(p) for p in problems), problems


def test_routing_does_not_change_the_content_hash_rule() -> None:
    text = clause("sop.triage.x", extra="routing:\n  categories: [{id: csam, severity: S2}]")
    c, problems = parse_clause(text, "x.md")
    assert not problems and c is not None
    import hashlib

    assert c.content_hash == "sha256:" + hashlib.sha256(text.encode()).hexdigest()


# --- the schema file and the docs -----------------------------------------------------------------------------------


def test_validator_catches_mistakes() -> None:
    _, table = sample("pixelpals")
    broken = json.loads(json.dumps(table))
    broken["routes"][0]["severity"] = "S9"
    broken["routes"][0]["external_reports"][0]["extra"] = 1
    del broken["contacts"][0]["source"]
    broken["schema"] = "policygen-sop/2"
    errors = validate(broken, SCHEMA)
    assert len(errors) == 4, errors


def test_schema_and_docs_agree() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    doc = (REPO / "docs" / "sop-json.md").read_text(encoding="utf-8")
    names = set(SCHEMA["properties"])
    for d in SCHEMA["$defs"].values():
        names |= set(d.get("properties", {}))
    for name in names:
        assert f"`{name}`" in doc, name
    for cid, label in V.CATEGORIES.items():
        assert f"| `{cid}` | {label} |" in doc
    assert SCHEMA["$defs"]["route"]["properties"]["category"]["enum"] == list(V.CATEGORIES)
    assert SCHEMA["properties"]["schema"]["const"] == SCHEMA_ID


def test_clause_format_documents_the_routing_fields() -> None:
    doc = (REPO / "docs" / "clause-format.md").read_text(encoding="utf-8")
    for name in ("obligations[].categories", "routing.categories", "routing.severities"):
        assert f"`{name}`" in doc, name
    for field in ("level", "name", "owner", "target", "severity"):
        assert f"{field}:" in doc, field
    for cid in V.CATEGORIES:
        assert f"`{cid}`" in doc, cid


def test_routing_problems_for_lint() -> None:
    lib = builtin()
    for path in SAMPLE_FILES:
        profile = load_profile(path)
        chosen = [d.clause for d in select(lib, profile) if d.included]
        assert routing_problems(chosen) == [], path.stem
    # The three time-target clauses are never selected together; checked together, they disagree.
    together = [lib.clauses[f"sop.triage.targets-{size}"] for size in V.TEAM_SIZES]
    found = routing_problems(together)
    assert found and {Path(p.file).name for p in found} == {"targets-dedicated.md", "targets-small.md"}


def test_lint_reports_an_sop_duty_without_routing_categories(tmp_path) -> None:
    from conftest import clause, make_library

    from generator.checks.lint import lint_library

    duty = (
        "obligations: [{kind: report, jurisdiction: us, recipient: NCMEC CyberTipline, summary: Report it.}]\n"
        "citations: [{source: 18 U.S.C. 2258A, pinpoint: (a), url: 'https://www.law.cornell.edu/uscode/text/18/2258A',"
        " verified: V}]"
    )
    lib = make_library(tmp_path / "lib", {"sop/a.md": clause("sop.reporting.us", extra=duty)})
    report = lint_library(lib, coverage=False)
    assert any(
        p.path == "obligations[0].categories" and "sop.reporting.us" in Path(p.file).read_text() for p in report.errors
    )
