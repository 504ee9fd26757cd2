"""Cross-document consistency: ToS promises, authorities, channels and contact text agree with the SOP and tips."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES, clause, make_library

from generator.checks import consistency
from generator.checks.lint import lint_library
from generator.documents.assemble import assemble
from generator.documents.selection import select
from generator.documents.skeletons import load_templates
from generator.errors import LibraryError, Problem
from generator.library.clauses import load_library
from generator.profile.profile import Profile, load_profile, validate_profile

CITE = """\
citations:
  - {source: Test Act, pinpoint: s.1, url: https://law.example/1, verified: V}"""

# A consistent base: the ToS and tips offer the Report option and the safety
# address, and the SOP intake step handles both and implements the promise.
BASE = {
    "tos/how.md": clause(
        "tos.reporting.how",
        "Use the Report option or email {{ company.contact.safety }}.",
        extra="channels: [report-button, contact.safety]",
    ),
    "sop/intake.md": clause(
        "sop.intake.user-reports",
        "Reports arrive by the report option and at {{ company.contact.safety }}.",
        extra="channels: [report-button, contact.safety]\nimplements: [tos.reporting.how]",
    ),
    "tips/how.md": clause(
        "tips.everyone.how",
        "Use the **Report** option, or email {{ company.contact.safety }}.",
        extra="channels: [report-button, contact.safety]",
    ),
}

PROFILE = {
    "company": {
        "name": "PixelPals",
        "website": "https://pixelpals.example",
        "contact": {
            "safety": "safety@pixelpals.example",
            "legal": "legal@pixelpals.example",
            "law_enforcement": "lers@pixelpals.example",
        },
    },
    "services": ["photo-sharing"],
    "jurisdictions": ["us"],
}


def profile(**changes: Any) -> Profile:
    return validate_profile({**PROFILE, **changes}, "<test profile>")


def problems(tmp_path: Path, files: dict[str, str], prof: Profile | None = None, **kw: Any) -> list[Problem]:
    """Build a library of BASE plus ``files`` (None deletes), select, assemble all documents, check."""
    merged = {**BASE, **files}
    library = load_library(make_library(tmp_path / "lib", {k: v for k, v in merged.items() if v is not None}))
    prof = prof or profile()
    decisions = select(library, prof)
    templates = load_templates()
    documents = {doc: assemble(doc, decisions, library, templates, prof) for doc in ("tos", "sop", "tips")}
    return consistency.check(decisions, documents, prof, **kw)


def messages(found: list[Problem]) -> str:
    return "\n".join(str(p) for p in found)


def test_consistent_library_has_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, {}) == []


# -- promises -------------------------------------------------------------------------


def test_promise_whose_sop_step_is_not_selected_names_both_clauses(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "tos/uk.md": clause("tos.authorities.uk", "We report to the NCA.", extra="when: {jurisdictions: [uk]}"),
            "tos/appeal.md": clause("tos.appeals.appeal", "You can appeal."),
            "sop/appeal.md": clause(
                "sop.appeals.handle",
                "Handle appeals.",
                extra="when: {jurisdictions: [uk]}\nimplements: [tos.appeals.appeal, tos.authorities.uk]",
            ),
        },
    )
    assert len(found) == 1, messages(found)
    p = found[0]
    assert p.file.endswith("tos/appeal.md") and p.path == "section"
    assert "tos.appeals.appeal" in p.message
    assert "sop.appeals.handle (not selected: jurisdictions is us (needs any of uk))" in p.message


def test_promise_no_sop_clause_implements(tmp_path: Path) -> None:
    found = problems(tmp_path, {"tos/resp.md": clause("tos.our-response.removal", "We remove it.")})
    assert [(Path(p.file).name, p.path) for p in found] == [("resp.md", "section")]
    assert "no SOP clause in the library implements it" in found[0].message


# -- authorities ----------------------------------------------------------------------


def obligation(kind: str, recipient: str, jurisdiction: str = "us") -> str:
    entry = f"{{kind: {kind}, jurisdiction: {jurisdiction}, recipient: {recipient}, summary: x}}"
    return f"{CITE}\nobligations:\n  - {entry}"


def authorities(tos_recipient: str, sop_recipient: str | None, sop_when: str = "") -> dict[str, str]:
    files = {
        "tos/us.md": clause(
            "tos.authorities.us", "We report to NCMEC.", extra=obligation("report", tos_recipient), guide_area="legal"
        ),
        "sop/us.md": clause(
            "sop.reporting.us",
            "Report to NCMEC.",
            extra=(sop_when + "\n" if sop_when else "")
            + "implements: [tos.authorities.us]\n"
            + (obligation("report", sop_recipient) if sop_recipient else ""),
            guide_area="legal" if sop_recipient else "universal-tools",
        ),
    }
    return files


def test_authority_exact_recipient_is_consistent(tmp_path: Path) -> None:
    assert problems(tmp_path, authorities("NCMEC CyberTipline", "NCMEC CyberTipline")) == []


def test_authority_near_match_names_both_clauses_and_both_recipients(tmp_path: Path) -> None:
    found = problems(tmp_path, authorities("NCMEC CyberTipline", "NCMEC Cybertipline"))
    assert len(found) == 1, messages(found)
    p = found[0]
    assert p.file.endswith("tos/us.md") and p.path == "obligations[0].recipient"
    assert p.line is not None
    for part in ("tos.authorities.us", "sop.reporting.us", "'NCMEC CyberTipline'", "'NCMEC Cybertipline'"):
        assert part in p.message


def test_authority_without_any_sop_obligation(tmp_path: Path) -> None:
    found = problems(tmp_path, authorities("NCMEC CyberTipline", None))
    assert [p.path for p in found] == ["obligations[0]"]
    assert "no SOP clause in the library carries it" in found[0].message


def test_authority_carried_by_unselected_step_names_it(tmp_path: Path) -> None:
    files = authorities("NCMEC CyberTipline", "NCMEC CyberTipline", "when: {team_size: [solo]}")
    found = problems(tmp_path, files, rules=["authorities"])
    assert len(found) == 1, messages(found)
    assert found[0].path == "obligations[0]"
    assert "it is carried by sop.reporting.us (not selected: team_size is small (needs solo))" in found[0].message


def test_authority_scoped_out_for_this_service_with_alternative_step(tmp_path: Path) -> None:
    files = authorities("NCMEC CyberTipline", "NCMEC CyberTipline", "when: {services: [forum]}")
    found = problems(tmp_path / "a", files, rules=["authorities"])
    assert len(found) == 1 and "it is carried by sop.reporting.us" in found[0].message, messages(found)
    # The library's deliberate alternative for other services makes it consistent.
    files["sop/other.md"] = clause(
        "sop.reporting.us-other",
        "For our other services the duty does not apply; counsel checks.",
        extra="when: {not: {services: [forum]}}\nimplements: [tos.authorities.us]",
    )
    assert problems(tmp_path / "b", files) == []


# -- channels -------------------------------------------------------------------------


def test_tips_channel_missing_from_tos_names_both_clauses(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "tos/how.md": clause(
                "tos.reporting.how", "Email {{ company.contact.safety }}.", extra="channels: [contact.safety]"
            )
        },
    )
    assert len(found) == 1, messages(found)
    p = found[0]
    assert p.file.endswith("tips/how.md") and p.path == "channels"
    assert "tips.everyone.how offers 'report-button'" in p.message
    assert "nearest: tos.reporting.how" in p.message


def test_tos_channel_missing_from_tips_names_both_clauses(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {"tips/how.md": clause("tips.everyone.how", "Use the **Report** option.", extra="channels: [report-button]")},
    )
    assert len(found) == 1, messages(found)
    assert found[0].file.endswith("tos/how.md")
    assert "tos.reporting.how offers 'contact.safety' but no selected tips clause does" in found[0].message
    assert "nearest: tips.everyone.how" in found[0].message


def test_channel_not_handled_by_sop_names_the_unselected_handler(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "tos/le.md": clause(
                "tos.authorities.le",
                "Police write to {{ company.contact.law_enforcement }}.",
                extra="channels: [contact.law_enforcement]",
            ),
            "sop/le.md": clause(
                "sop.intake.police",
                "Requests arrive at {{ company.contact.law_enforcement }}.",
                extra="when: {jurisdictions: [uk]}\n"
                "channels: [contact.law_enforcement]\n"
                "implements: [tos.authorities.le]",
            ),
        },
        rules=["channels"],
    )
    assert len(found) == 1, messages(found)
    assert found[0].file.endswith("tos/le.md")
    assert "no selected SOP clause handles it" in found[0].message
    assert "sop.intake.police (not selected: jurisdictions is us (needs any of uk))" in found[0].message


def test_website_needs_no_sop_handler_and_is_not_user_facing(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "tos/terms.md": clause(
                "tos.changes.terms", "Read them at {{ company.website }}.", extra="channels: [website]"
            )
        },
    )
    assert found == []


# -- text vs metadata -----------------------------------------------------------------


def test_address_in_text_but_not_declared(tmp_path: Path) -> None:
    found = problems(
        tmp_path, {"tos/age.md": clause("tos.age.parents", "Parents can write to {{ company.contact.legal }}.")}
    )
    assert len(found) == 1, messages(found)
    assert found[0].file.endswith("tos/age.md") and found[0].path == "channels"
    assert "tos.age.parents shows the address in company.contact.legal in the ToS" in found[0].message


def test_declared_address_missing_from_text(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        {
            "tips/how.md": clause(
                "tips.everyone.how", "Use the **Report** option.", extra="channels: [report-button, contact.safety]"
            )
        },
    )
    assert len(found) == 1, messages(found)
    assert "tips.everyone.how declares 'contact.safety' but does not show company.contact.safety in the tips" in (
        found[0].message
    )


def test_shared_address_counts_for_every_channel_it_is(tmp_path: Path) -> None:
    # With one address for everything, naming it satisfies a contact.safety declaration.
    same = {"safety": "hi@pixelpals.example"}
    prof = profile(company={"name": "PixelPals", "contact": same})
    files = {
        "tos/le.md": clause(
            "tos.age.parents", "Write to {{ company.contact.legal }}.", extra="channels: [contact.safety]"
        )
    }
    assert problems(tmp_path, files, prof) == []


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("Write to reports@pixelpals.example.", "'reports@pixelpals.example'"),
        ("Write to help@elsewhere.example.", "'help@elsewhere.example'"),
        ("See [our form](https://pixelpals.example/report).", "'https://pixelpals.example/report'"),
        ("See https://help.pixelpals.example/form for more.", "'https://help.pixelpals.example/form'"),
    ],
)
def test_hard_coded_address_is_an_error_in_any_document(tmp_path: Path, body: str, shown: str) -> None:
    found = problems(tmp_path, {"sop/notes.md": clause("sop.records.notes", body)})
    assert len(found) == 1, messages(found)
    assert found[0].file.endswith("sop/notes.md") and shown in found[0].message


def test_other_sites_and_the_website_itself_are_fine(tmp_path: Path) -> None:
    files = {
        "tips/help.md": clause(
            "tips.help-now.us",
            "Call 911. Report to [NCMEC](https://report.cybertip.org). Our site: {{ company.website }}.",
            extra="channels: [website]",
        )
    }
    assert problems(tmp_path, files) == []
    # Without the declaration, showing the website is an error.
    files["tips/help.md"] = files["tips/help.md"].replace("channels: [website]\n", "")
    found = problems(tmp_path / "b", files)
    assert ["does not declare 'website'" in p.message for p in found] == [True]


# -- API ------------------------------------------------------------------------------


def test_problems_are_sorted_and_deduplicated(tmp_path: Path) -> None:
    files = {
        "tos/z.md": clause("tos.our-response.z", "We act."),
        "tos/a.md": clause("tos.our-response.a", "We act at {{ company.contact.legal }}."),
    }
    found = problems(tmp_path, files)
    assert found == sorted(set(found), key=lambda p: (p.file, p.line or 0, p.path, p.message))
    assert [Path(p.file).name for p in found] == ["a.md", "a.md", "z.md"]


def test_check_build_raises_a_library_error(tmp_path: Path) -> None:
    library = load_library(make_library(tmp_path / "lib", {**BASE, "tos/r.md": clause("tos.our-response.r")}))
    prof = profile()
    decisions = select(library, prof)
    with pytest.raises(LibraryError) as info:
        consistency.check_build(decisions, {}, prof)
    assert info.value.message == "The documents contradict each other"
    assert info.value.exit_code == 2
    assert [Path(p.file).relative_to(library.root).as_posix() for p in info.value.problems] == ["tos/r.md"]
    assert "tos.our-response.r" in info.value.render()
    consistency.check_build(select(load_library(make_library(tmp_path / "ok", BASE)), prof), {}, prof)


def test_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown consistency rule"):
        consistency.check([], {}, profile(), rules=["promise"])


def test_lint_reports_inconsistency_once_for_all_pairs(tmp_path: Path) -> None:
    files = {
        **BASE,
        "tips/how.md": clause("tips.everyone.how", "Use the **Report** option.", extra="channels: [report-button]"),
    }
    report = lint_library(make_library(tmp_path / "lib", files))
    hits = [p for p in report.errors if "tos.reporting.how offers 'contact.safety'" in p.message]
    assert len(hits) == 1, [str(p) for p in report.errors]
    more = 13 * 5 + len(list(SAMPLES.glob("*.yaml"))) - 3  # every pair and every sample, merged
    assert f"[for photo-sharing x us, photo-sharing x eu, photo-sharing x uk and {more} more]" in hits[0].message


def test_lint_varies_team_size_only_when_it_matters(tmp_path: Path) -> None:
    assert len(consistency.lint_profiles(load_library(make_library(tmp_path / "a", BASE)))) == 13 * 5
    sized = {
        **BASE,
        "sop/intake.md": BASE["sop/intake.md"].replace("implements:", "when: {team_size: [solo]}\nimplements:"),
    }
    library = load_library(make_library(tmp_path / "b", sized))
    labels = [label for label, _ in consistency.lint_profiles(library)]
    assert len(labels) == 13 * 5 * 3 and "gaming x uk (dedicated team)" in labels
    report = lint_library(library.root)
    hits = [p for p in report.errors if "sop.intake.user-reports (not selected: team_size is small" in p.message]
    assert hits and all(p.file.endswith(("tos/how.md", "tips/how.md")) for p in hits), [str(p) for p in report.errors]


# -- the built-in library -------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin() -> tuple[Any, Any]:
    return load_library(), load_templates()


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_sample_is_consistent(sample: Path, builtin: tuple[Any, Any]) -> None:
    library, templates = builtin
    prof = load_profile(sample)
    decisions = select(library, prof)
    documents = {doc: assemble(doc, decisions, library, templates, prof) for doc in ("tos", "sop", "tips")}
    assert consistency.check(decisions, documents, prof) == []


def test_builtin_library_declares_the_channels_it_names(builtin: tuple[Any, Any]) -> None:
    library, _ = builtin
    how = library.clauses["tos.reporting.how-to-report"]
    assert consistency.channels_of(how) == ["report-button", "contact.safety"]
    assert "contact.law_enforcement" in consistency.channels_of(library.clauses["sop.intake.authority-notices"])


def test_library_without_any_channels_is_only_checked_for_hard_coded_addresses(tmp_path: Path) -> None:
    # The conftest default library predates `channels`: its tips name the safety address undeclared.
    library = load_library(make_library(tmp_path / "lib"))
    prof = profile()
    decisions = select(library, prof)
    templates = load_templates()
    documents = {doc: assemble(doc, decisions, library, templates, prof) for doc in ("tos", "sop", "tips")}
    assert consistency.check(decisions, documents, prof) == []
    hard = load_library(
        make_library(
            tmp_path / "hard", {"tips/a.md": clause("tips.everyone.report", "Write to help@pixelpals.example.")}
        )
    )
    decisions = select(hard, prof)
    documents = {"tips": assemble("tips", decisions, hard, templates, prof)}
    assert ["help@pixelpals.example" in p.message for p in consistency.check(decisions, documents, prof)] == [True]
