"""Issue 13 sections 2 and 3: every recipient has a real channel or a TO COMPLETE marker; no tip-off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES, clause, make_library

from generator import api
from generator.checks import consistency
from generator.documents import load_templates, quick_reference, routing_table
from generator.documents.assemble import assemble
from generator.documents.routing import markers
from generator.documents.selection import select
from generator.library.clauses import load_library
from generator.profile import vocabulary as V
from generator.profile.profile import load_profile, validate_profile

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
USER = re.compile(r"\b(user|users|account holder|uploader|subscriber|customer)\b", re.I)
BRIEFS = Path("/work/shared/domain")


@pytest.fixture(scope="module")
def library():
    return load_library()


def _build(library, profile):
    decisions = select(library, profile)
    table = routing_table(decisions, profile, library)
    templates = load_templates()
    generated = {"quick-reference": lambda numbers: quick_reference(table, numbers)}
    sop = assemble("sop", decisions, library, templates, profile, generated)
    return decisions, table, sop


def _sop_text(sop) -> str:
    from generator.documents.model import block_text

    parts = [block_text(b) for b in sop.intro]
    for section in sop.all_sections():
        parts += [block_text(b) for b in section.intro]
        for c in section.clauses:
            parts += [block_text(b) for b in c.blocks]
    return "\n".join(parts)


# --- section 2: every recipient has a concrete channel or a TO COMPLETE marker --------------------------------------


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_every_routing_recipient_has_a_channel_or_marker(library, path: Path) -> None:
    profile = load_profile(path)
    _, table, sop = _build(library, profile)
    text = _sop_text(sop)
    sheet = {(c["jurisdiction"], c["contact"]): c for c in table["contacts"] if c["role"] == "recipient"}
    recipients = {(e["jurisdiction"], e["recipient"]) for r in table["routes"] for e in r["external_reports"]}
    for key in recipients:
        entry = sheet[key]
        concrete = any(entry.get(k) for k in ("url", "phone", "email")) or entry.get("how")
        assert concrete, (path.stem, key)
        for detail in entry["provider_details"]:
            field = detail["field"]
            assert field.removeprefix("contacts.") in V.PROVIDER_CONTACTS
            if detail["to_complete"]:
                assert f"{V.TO_COMPLETE}: {field}" in text, (path.stem, field)
            else:
                assert detail["value"] in text, (path.stem, field)
        if any(entry.get(k) for k in ("url", "phone", "email")):
            assert entry["verified"] in ("V", "V2", "P") and re.fullmatch(r"\d{4}-\d{2}-\d{2}", entry["last_verified"])
    # the old lines nobody could act on are gone
    for phrase in (
        "Through the registered channel in the clause",
        "Use the police contact counsel has agreed",
        "the contact listed for it in the contacts sheet",
        "through the route listed in the contacts sheet",
    ):
        assert phrase not in text, (path.stem, phrase)


def test_contact_sheet_rows_name_channel_registration_and_date(library) -> None:
    profile = load_profile(SAMPLES / "boxdrop.yaml")
    _, _, sop = _build(library, profile)
    text = _sop_text(sop)
    assert "espteam@ncmec.org" in text  # NCMEC ESP registration, not only the API documentation
    assert "U-Entrance@bka.bund.de" in text  # Germany: BKA portal access
    assert "no EU-wide list of Art 18 contact points" in text
    assert "1-866-658-9022" in text and "The police of the place where the offence happened" in text
    assert "2026-12-04" in text


def test_filled_contacts_replace_the_markers(library) -> None:
    data = {
        "company": {"name": "BoxDrop", "country": "de", "contact": {"safety": "abuse@boxdrop.example"}},
        "services": ["cloud-storage"],
        "jurisdictions": ["eu", "us", "ca"],
        "contacts": {
            "ncmec_esp_id": "ESP-12345",
            "police_ca": "Toronto Police Service, 416-000-0000",
            "eu_authority": "BKA DSA portal (access confirmed 2026-12-01)",
        },
        # Decided, so the only markers left would be the contacts' own.
        "determinations": {"eu_micro_or_small": "yes", "us_provider_duty_applies": "yes"},
    }
    profile = validate_profile(data, "<t>")
    _, table, sop = _build(library, profile)
    text = _sop_text(sop)
    assert V.TO_COMPLETE not in text
    assert "ESP-12345" in text and "Toronto Police Service" in text
    # a company established in the EU needs no DSA legal representative
    assert "none needed: we are established in the EU" in text
    assert markers({"sop": sop}) == []


def test_generate_prints_markers_and_lint_profile_fails_with_strict(runner, tmp_path: Path) -> None:
    from generator.cli import cli

    result = runner.invoke(
        cli, ["generate", str(SAMPLES / "boxdrop.yaml"), "-o", str(tmp_path / "o"), "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    assert "TO COMPLETE" in result.output and "contacts.ncmec_esp_id" in result.output
    lenient = runner.invoke(cli, ["lint", "--profile", str(SAMPLES / "boxdrop.yaml")])
    assert lenient.exit_code == 0, lenient.output
    assert "warning: " in lenient.output and "contacts.police_ca" in lenient.output
    strict = runner.invoke(cli, ["lint", "--profile", str(SAMPLES / "boxdrop.yaml"), "--strict"])
    assert strict.exit_code == 1
    assert "error: " in strict.output and "contacts.eu_authority" in strict.output


def test_api_to_complete_lists_only_the_recipients_of_the_profile() -> None:
    fields = [f for f, _ in api.to_complete(SAMPLES / "hangout.yaml")]
    assert "contacts.police_au" in fields and "contacts.police_ca" in fields
    assert "contacts.nca_administrator" not in fields and "contacts.eu_authority" not in fields


def test_channel_details_come_from_the_briefs(library) -> None:
    if not BRIEFS.is_dir():
        pytest.skip("domain briefs not available")
    briefs = "\n".join(p.read_text(encoding="utf-8") for p in BRIEFS.glob("*.md"))
    for c in library.clauses.values():
        for ob in c.meta["obligations"]:
            ch = ob.get("channel") or {}
            for key in ("url", "email", "phone"):
                value = ch.get(key)
                if not value:
                    continue
                for token in re.findall(r"https?://\S+|[\w.+-]+@[\w.-]+|\d[\d -]{1,14}\d", value):
                    core = token.rstrip("/").replace("https://", "").replace("www.", "")
                    assert core in briefs, (c.id, key, token)


# --- section 3: no tip-off ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.stem)
def test_no_sample_tips_off_a_suspect(library, path: Path) -> None:
    profile = load_profile(path)
    decisions, table, _ = _build(library, profile)
    assert consistency.tip_off_problems([d.clause for d in decisions if d.included]) == []
    for route in table["routes"]:
        for e in route["external_reports"]:
            assert not USER.search(e["recipient"] or ""), (path.stem, route["category"], e["recipient"])
        if route["severity"] in ("S1", "S2"):
            for n in route["user_notices"]:
                assert n["hold"] and "prejudice an investigation" in n["hold"], (path.stem, route["category"])


SEVERITY = clause(
    "sop.triage.levels",
    "Levels.",
    extra="routing:\n  categories:\n    - {id: csam, severity: S2}\n    - {id: other-breach, severity: S3}",
)
CITE = "citations:\n  - {source: Test Act, pinpoint: s.1, url: https://law.example/1, verified: V}"


def _notice(extra: str, categories: str = "[csam]", recipient: str = "the affected user") -> str:
    return clause(
        "sop.appeals.notice",
        "Tell the user.",
        extra=(
            f"obligations:\n  - kind: notify\n    jurisdiction: eu\n    categories: {categories}\n"
            f"    recipient: {recipient}\n    summary: Tell them.\n{extra}{CITE}"
        ),
    )


@pytest.mark.parametrize(
    ("extra", "categories", "recipient", "expected"),
    [
        ("    party: user\n", "[csam]", "the affected user", "obligations[0].hold"),
        ("", "[csam]", "the affected user", "obligations[0].party"),
        ("    party: user\n    hold: not while it could prejudice an investigation\n", "[csam]", "the user", None),
        ("    party: user\n", "[other-breach]", "the affected user", None),
        ("", "[csam]", "the police", None),
    ],
)
def test_tip_off_rule_fires(tmp_path: Path, extra: str, categories: str, recipient: str, expected: str | None) -> None:
    lib = load_library(
        make_library(tmp_path, {"sop/levels.md": SEVERITY, "sop/notice.md": _notice(extra, categories, recipient)})
    )
    found = consistency.tip_off_problems(lib.clauses.values())
    if expected is None:
        assert found == []
    else:
        assert [p.path for p in found] == [expected]
        assert "S1/S2" in found[0].message and "no-tipping-off" in found[0].message


def test_user_notices_are_not_authorities(tmp_path: Path) -> None:
    lib = load_library(
        make_library(
            tmp_path,
            {
                "sop/levels.md": SEVERITY,
                "sop/notice.md": _notice("    party: user\n    hold: not while it could prejudice an investigation\n"),
            },
        )
    )
    profile = validate_profile(
        {
            "company": {"name": "X", "contact": {"safety": "s@x.example"}},
            "services": ["forum"],
            "jurisdictions": ["eu"],
        },
        "<t>",
    )
    table = routing_table(select(lib, profile), profile, lib)
    route = next(r for r in table["routes"] if r["category"] == "csam")
    assert route["external_reports"] == []
    assert [n["hold"] for n in route["user_notices"]] == ["not while it could prejudice an investigation"]


def test_hotline_notice_row_has_no_government_preservation_period(library) -> None:
    profile = load_profile(SAMPLES / "boxdrop.yaml")
    _, table, _ = _build(library, profile)
    routes = {r["category"]: r for r in table["routes"]}
    clauses = {h["clause"] for h in routes["authority-notice"]["preservation"]}
    assert "sop.law-enforcement.us-preservation-requests" not in clauses
    assert "sop.law-enforcement.us-preservation-requests" in {
        h["clause"] for h in routes["legal-request"]["preservation"]
    }
    assert not any("90 days" in (h["period"] or "") for h in routes["authority-notice"]["preservation"])


def test_tos_statement_of_reasons_says_it_may_be_deferred(library) -> None:
    body = library.clauses["tos.appeals.statement-of-reasons"].body
    assert "prejudice a criminal investigation" in body and "delay" in body and "as far as the law allows" in body


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("    channel:\n      url: https://body.example/report\n", "channel.verified"),
        ("    channel:\n      phone: '000'\n      verified: V\n", "channel.last_verified"),
        (
            "    channel:\n      email: a@body.example\n      verified: V\n      last_verified: 2026-13-40\n",
            "channel.last_verified",
        ),
        ("    channel:\n      email: not-an-address\n", "channel.email"),
        ("    party: user\n    hold: later\n    channel:\n      how: by post\n", "channel"),
    ],
)
def test_channel_metadata_is_checked(tmp_path: Path, extra: str, expected: str) -> None:
    from generator.errors import LibraryError

    root = make_library(tmp_path, {"sop/levels.md": SEVERITY, "sop/notice.md": _notice(extra, recipient="the police")})
    with pytest.raises(LibraryError) as exc:
        load_library(root)
    assert any(expected in p.path for p in exc.value.problems), [str(p) for p in exc.value.problems]
