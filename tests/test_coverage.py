"""Coverage: needs per service x jurisdiction pair, dead clauses, unbacked promises."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner
from conftest import clause, make_library

from generator.checks import coverage as cov
from generator.cli import cli
from generator.documents.selection import select
from generator.library.clauses import load_library
from generator.profile import vocabulary as V

CITE = """\
citations:
  - {source: Test Act, pinpoint: s.1, url: https://law.example/1, verified: V}"""


def full_library(root: Path, drop: str | None = None) -> Path:
    """A tiny library that meets every need for every pair (unless one is dropped)."""
    files = {
        "tos/report.md": clause("tos.reporting.how", extra="covers: [user-reporting]"),
        "tos/age.md": clause("tos.age.minimum", extra="covers: [minimum-age]"),
        "sop/le.md": clause(
            "sop.law-enforcement.requests", extra="covers: [law-enforcement]\nimplements: [tos.reporting.how]"
        ),
        "tips/report.md": clause("tips.everyone.report", extra="covers: [user-reporting]"),
    }
    for j in V.JURISDICTIONS:
        when = f"when: {{jurisdictions: [{j}]}}"
        files[f"tos/{j}.md"] = clause(f"tos.authorities.{j}", extra=f"{when}\ncovers: [mandatory-reporting]")
        files[f"sop/r-{j}.md"] = clause(
            f"sop.reporting.{j}", extra=f"{when}\ncovers: [mandatory-reporting]\nimplements: [tos.authorities.{j}]"
        )
        files[f"sop/p-{j}.md"] = clause(
            f"sop.quarantine.{j}",
            extra=f"covers: [preservation]\n{CITE}\nobligations:\n"
            f"  - {{kind: preserve, jurisdiction: {j}, period: 1 year, categories: [csam], summary: Keep it.}}",
        )
        files[f"tips/{j}.md"] = clause(f"tips.help-now.{j}", extra=f"{when}\ncovers: [help-resources]")
    if drop:
        del files[drop]
    return make_library(root, files)


def test_complete_library_has_no_gaps(tmp_path: Path) -> None:
    lib = load_library(full_library(tmp_path / "lib"))
    cells = cov.matrix(lib)
    assert len(cells) == 13 * 5
    assert all(not c.missing for c in cells), [(c.service, c.jurisdiction, c.missing) for c in cells if c.missing]
    uk = next(c for c in cells if c.service == "gaming" and c.jurisdiction == "uk")
    assert uk.counts == {"tos": 3, "sop": 7, "tips": 2}
    assert "preserve:uk" in uk.obligations
    assert cov.dead_clauses(lib) == []


def test_missing_local_topic_is_a_gap_for_that_jurisdiction_only(tmp_path: Path) -> None:
    lib = load_library(full_library(tmp_path / "lib", drop="tips/ca.md"))
    gaps = {(c.service, c.jurisdiction, n.doc, n.topic) for c in cov.matrix(lib) for n in c.missing}
    assert gaps == {(s, "ca", "tips", "help-resources") for s in V.SERVICES}


def test_dead_clause_detection(tmp_path: Path) -> None:
    root = full_library(tmp_path / "lib")
    (root / "tos/dead.md").write_text(
        clause("tos.prohibited.dead", extra="when: {services: [dating], minors: true}")  # dating is 18+
    )
    (root / "tos/alive.md").write_text(
        clause("tos.prohibited.alive", extra="when: {e2ee: true, team_size: [solo], jurisdictions: [eu]}")
    )
    (root / "tos/unreachable.md").write_text(
        clause("tos.prohibited.needs-dead", extra="requires: [tos.prohibited.dead]")
    )
    dead = {c.id for c in cov.dead_clauses(load_library(root))}
    assert dead == {"tos.prohibited.dead", "tos.prohibited.needs-dead"}


def test_unbacked_promise_found_per_profile(tmp_path: Path) -> None:
    root = full_library(tmp_path / "lib")
    # the SOP step that implements the UK promise only applies to solo teams
    text = (
        (root / "sop/r-uk.md")
        .read_text()
        .replace("when: {jurisdictions: [uk]}", "when: {jurisdictions: [uk], team_size: [solo]}")
    )
    (root / "sop/r-uk.md").write_text(text)
    lib = load_library(root)
    decisions = select(lib, cov.pair_profile("forum", "uk"))
    (found,) = cov.unbacked_promises(decisions)
    assert found[0].id == "tos.authorities.uk"
    assert found[1] == "implemented by sop.reporting.uk, none selected for this profile"


def test_lint_reports_coverage_problems(tmp_path: Path) -> None:
    root = full_library(tmp_path / "lib", drop="sop/r-au.md")
    result = CliRunner().invoke(cli, ["lint", "--library", str(root), "--today", "2026-11-25"])
    assert result.exit_code == 1
    assert "tos/au.md: a ToS promise that no SOP clause implements" in result.output
    assert "<coverage gaming x au>: sop: no 'mandatory-reporting' clause for au is selected" in result.output
    clean = CliRunner().invoke(cli, ["lint", "--library", str(full_library(tmp_path / "ok")), "--today", "2026-11-25"])
    assert clean.exit_code == 0, clean.output


def test_coverage_command_formats(tmp_path: Path) -> None:
    root = full_library(tmp_path / "lib")
    runner = CliRunner()
    table = runner.invoke(cli, ["coverage", "--library", str(root)])
    assert table.exit_code == 0, table.output
    assert "generative-ai" in table.output and "3/7/2" in table.output and "No gaps in 65 pairs." in table.output
    out = runner.invoke(cli, ["coverage", "--library", str(root), "--format", "csv"])
    rows = list(csv.reader(io.StringIO(out.output)))
    assert rows[0] == ["service", "jurisdiction", "tos", "sop", "tips", "obligations", "gaps", "measure gaps"]
    assert len(rows) == 66
    md = runner.invoke(cli, ["coverage", "--library", str(root), "--format", "md"]).output
    assert md.startswith("# Coverage of test library 1.2.3") and "| gaming | uk | 3 | 7 | 2 |" in md
    target = tmp_path / "c.html"
    html = runner.invoke(cli, ["coverage", "--library", str(root), "--format", "html", "-o", str(target)])
    assert html.exit_code == 0 and "<table>" in target.read_text()
    again = runner.invoke(cli, ["coverage", "--library", str(root), "--format", "html", "-o", str(target)])
    assert again.exit_code == 2 and "use --force" in again.output


def test_coverage_gaps_exit_1(tmp_path: Path) -> None:
    root = full_library(tmp_path / "lib", drop="tips/report.md")
    result = CliRunner().invoke(cli, ["coverage", "--library", str(root)])
    assert result.exit_code == 1 and "GAP" in result.output
    assert "gap: photo-sharing x us: tips has no 'user-reporting' clause" in result.output


def test_clause_needing_two_jurisdictions_is_alive(tmp_path: Path) -> None:
    root = full_library(tmp_path / "lib")
    (root / "tos/both.md").write_text(
        clause("tos.prohibited.both", extra="when: {all: [{jurisdictions: [eu]}, {jurisdictions: [us]}]}")
    )
    assert cov.dead_clauses(load_library(root)) == []
