"""Every command and its error paths, through click's CliRunner."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner
from conftest import MINIMAL, SAMPLES, US_KIT, clause, files_in, make_library

from generator.cli import cli

ALL_FILES = {f"{d}.{f}" for d in ("tos", "sop", "tips") for f in ("md", "html", "docx")} | {"manifest.json", "sop.json"}
ALL_FILES |= US_KIT  # the profile is a US one, so the notice-and-action kit comes by default


def run(runner: CliRunner, *args: str, input: str | None = None):
    return runner.invoke(cli, [str(a) for a in args], input=input)


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = run(runner, "--help")
    assert result.exit_code == 0
    for name in ("generate", "explain", "list", "lint", "init"):
        assert name in result.output
    for name in ("generate", "explain", "list", "lint", "init"):
        sub = run(runner, name, "--help")
        assert sub.exit_code == 0 and "Example:" in sub.output


def test_generate_writes_nine_documents_and_manifest(runner, library, profile, tmp_path) -> None:
    out = tmp_path / "out"
    result = run(runner, "generate", profile, "-o", out, "--library", library)
    assert result.exit_code == 0, result.output
    assert files_in(out) == ALL_FILES
    assert "Wrote 19 files" in result.output and "lawyer" in result.output  # 11, and the US notice kit


def test_generate_narrows_docs_and_formats(runner, library, profile, tmp_path) -> None:
    out = tmp_path / "out"
    result = run(
        runner,
        "generate",
        profile,
        "-o",
        out,
        "--library",
        library,
        "--doc",
        "tos,tips",
        "--format",
        "md",
    )
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"tos.md", "tips.md", "manifest.json"}


def test_generate_unknown_format_is_usage_error(runner, library, profile, tmp_path) -> None:
    result = run(runner, "generate", profile, "-o", tmp_path / "o", "--library", library, "--format", "pdff")
    assert result.exit_code == 2
    assert "--format: unknown format 'pdff' (did you mean 'pdf'?); allowed: md, html, docx, pdf" in result.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("list", "service"), "WHAT: unknown list 'service' (did you mean 'services'?); allowed: services,"),
        (
            ("generate", "P", "--doc", "tipps"),
            "--doc: unknown document 'tipps' (did you mean 'tips'?); allowed: tos, sop",
        ),
        (("explain", "P", "--doc", "tipps"), "--doc: unknown document 'tipps' (did you mean 'tips'?)"),
        (("lint", "--max-age", "thirteen"), "--max-age: 'thirteen' is not a whole number; allowed: 1 to 36500"),
        (("lint", "--max-age", "0"), "--max-age: 0 is out of range; allowed: 1 to 36500"),
        (("lint", "--today", "2026-13-01"), "--today: '2026-13-01' is not a date; allowed: a date written YYYY-MM-DD"),
        (("coverage", "--format", "cvs"), "--format: unknown format 'cvs' (did you mean 'csv'?); allowed: table, md"),
    ],
)
def test_bad_options_name_option_value_near_miss_and_allowed(runner, profile, tmp_path, args, message) -> None:
    args = [str(profile) if a == "P" else a for a in args]
    result = run(runner, *args, "-o", tmp_path / "o") if args[0] == "generate" else run(runner, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "not a valid integer range" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_list_usage_line_does_not_break_words(runner) -> None:
    result = runner.invoke(cli, ["list", "--help"], prog_name="policygen", terminal_width=80)
    usage = result.output.split("\n\n")[0]
    assert usage == "Usage: policygen list [OPTIONS] WHAT", usage


@pytest.mark.parametrize("columns", [120, 80, 60])
def test_list_fields_fits_the_terminal(runner, columns: int) -> None:
    result = runner.invoke(cli, ["list", "fields"], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= columns, [line for line in lines if len(line) > columns][:3]
    text = " ".join(result.output.split())
    for expected in ("company.contact.law_enforcement", "generative-ai", "Youngest age allowed"):
        assert expected in text  # nothing is cut off, only wrapped
    words = {w for line in lines for w in line.split()}
    assert "cloud-storage," in words and "self-declaration," in words  # wrapped between words, never inside one


def test_list_services_is_still_a_table_when_it_fits(runner) -> None:
    result = runner.invoke(cli, ["list", "services"], env={"COLUMNS": "200"})
    assert result.output.splitlines()[1].startswith("--  ")


def test_lint_on_a_folder_of_generated_documents_says_so_once(runner, profile, tmp_path) -> None:
    out = tmp_path / "out"
    assert run(runner, "generate", profile, "-o", out, "-q").exit_code == 0
    result = run(runner, "lint", "--library", out)
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "not a clause library: no library.yaml" in errors[0] and "generated documents" in errors[0]
    assert "1 errors" in result.output


def test_generate_refuses_to_overwrite_without_force(runner, library, profile, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "tos.md").write_text("my own edits")
    result = run(runner, "generate", profile, "-o", out, "--library", library)
    assert result.exit_code == 2
    assert "already exist" in result.output and "--force" in result.output
    assert (out / "tos.md").read_text() == "my own edits"
    assert {p.name for p in out.iterdir()} == {"tos.md"}, "nothing else was written"
    result = run(runner, "generate", profile, "-o", out, "--library", library, "--force")
    assert result.exit_code == 0 and (out / "tos.md").read_text() != "my own edits"


def test_bad_profile_writes_nothing_and_exits_2(runner, library, tmp_path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(MINIMAL)
    bad = tmp_path / "bad.yaml"
    bad.write_text(MINIMAL.replace("[us]", "[usa]"))
    out = tmp_path / "out"
    result = run(runner, "generate", good, bad, "-o", out, "--library", library)
    assert result.exit_code == 2
    assert "bad.yaml:6: jurisdictions[0]: unknown value 'usa'" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".policygen-*")), "no staging folder left behind"


def test_several_profiles_get_subfolders(runner, library, tmp_path) -> None:
    paths = []
    for name in ("alpha", "beta"):
        p = tmp_path / f"{name}.yaml"
        p.write_text(MINIMAL)
        paths.append(p)
    out = tmp_path / "out"
    result = run(runner, "generate", *paths, "-o", out, "--library", library)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"alpha", "beta"}
    assert files_in(out / "beta") == ALL_FILES
    assert "Generating" in result.output  # the progress bar


def test_colliding_profile_stems_are_refused(runner, library, tmp_path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "p.yaml").write_text(MINIMAL)
    result = run(
        runner,
        "generate",
        tmp_path / "a/p.yaml",
        tmp_path / "b/p.yaml",
        "-o",
        tmp_path / "o",
        "--library",
        library,
    )
    assert result.exit_code == 2 and "would both write to folder 'p'" in result.output


def test_broken_library_is_reported_with_file_and_line(runner, profile, tmp_path) -> None:
    lib = make_library(
        tmp_path / "lib",
        {"tos/x.md": clause("tos.prohibited.x", extra="when: {servics: [gaming]}")},
    )
    result = run(runner, "generate", profile, "-o", tmp_path / "o", "--library", lib)
    assert result.exit_code == 2
    assert "x.md:" in result.output and "unknown fact 'servics'" in result.output
    assert "did you mean 'services'?" in result.output
    assert not (tmp_path / "o").exists()


def test_explain_table_and_json(runner, tmp_path, profile) -> None:
    lib = make_library(
        tmp_path / "lib",
        {
            "a.md": clause("sop.reporting.us", extra="when: {jurisdictions: [us]}"),
            "b.md": clause("sop.reporting.uk", extra="when: {jurisdictions: [uk]}"),
        },
    )
    result = run(runner, "explain", profile, "--library", lib)
    assert result.exit_code == 0
    assert "sop.reporting.uk  no        jurisdictions is us (needs any of uk)" in result.output
    assert "1 of 2 clauses included." in result.output
    rows = json.loads(run(runner, "explain", profile, "--library", lib, "--json").output)
    assert rows == [
        {
            "id": "sop.reporting.uk",
            "doc": "sop",
            "included": False,
            "reason": "jurisdictions is us (needs any of uk)",
        },
        {
            "id": "sop.reporting.us",
            "doc": "sop",
            "included": True,
            "reason": "jurisdictions includes us",
        },
    ]
    assert run(runner, "explain", profile, "--doc", "terms").exit_code == 2


@pytest.mark.parametrize(
    ("what", "expected"),
    [
        ("services", "generative-ai"),
        ("jurisdictions", "global"),
        ("features", "volunteer_moderators"),
        ("fields", "company.contact.law_enforcement"),
        ("facts", "hash_matching"),
        ("documents", "sop"),
    ],
)
def test_list(runner, what: str, expected: str) -> None:
    result = run(runner, "list", what)
    assert result.exit_code == 0 and expected in result.output


def test_list_clauses_and_bad_choice(runner, library) -> None:
    result = run(runner, "list", "clauses", "--library", library)
    assert result.exit_code == 0 and "tos.prohibited.sharing" in result.output
    result = run(runner, "list", "servics")
    assert result.exit_code == 2 and "did you mean 'services'" in result.output


def test_lint_clean_library(runner, library) -> None:
    result = run(runner, "lint", "--library", library, "--today", "2026-11-25", "--no-coverage")
    assert result.exit_code == 0, result.output
    assert "lint passed: 3 clauses, 0 errors, 0 warnings" in result.output


def test_lint_reports_every_problem_with_location(runner, tmp_path) -> None:
    lib = make_library(
        tmp_path / "lib",
        {
            "a.md": clause(
                "tos.prohibited.a",
                "Hello {{ compnay.name }}",
                extra="requires: [tos.prohibited.zz]",
            ),
            "b.md": clause("tos.nowhere.b", "{% if %}"),
            "c.md": clause("sop.triage.c", "# A heading", extra="implements: [sop.triage.d]"),
            "d.md": clause("sop.triage.d"),
            "e.md": clause(
                "tos.prohibited.e",
                extra="""\
                guide_area: legal
                citations:
                  - {source: X Act, pinpoint: s.1, url: https://x.example, verified: UNVERIFIED}""",
            ).replace("guide_area: universal-tools\n", ""),
        },
    )
    result = run(runner, "lint", "--library", lib, "--today", "2026-11-25", "--no-coverage")
    assert result.exit_code == 1
    out = result.output
    assert "a.md:11: undeclared variable 'compnay'" in out
    assert "a.md: requires[0]: dangling link to 'tos.prohibited.zz'" in out
    assert "b.md:10: template syntax error" in out
    assert "b.md: section: unknown section 'nowhere'" in out
    assert "c.md:11: clause bodies cannot contain headings" in out
    assert "c.md: implements[0]: 'sop.triage.d' is not a ToS clause" in out
    assert "e.md: citations[0]: marked UNVERIFIED without a note" in out
    assert "lint failed" in out


def test_lint_warns_on_stale_reviews_and_strict_fails(runner, library) -> None:
    result = run(runner, "lint", "--library", library, "--today", "2028-01-01", "--no-coverage")
    assert result.exit_code == 0 and "warning:" in result.output and "days old" in result.output
    assert (
        run(runner, "lint", "--library", library, "--today", "2028-01-01", "--no-coverage", "--strict").exit_code == 1
    )


def test_lint_unreadable_library_exits_2(runner, tmp_path) -> None:
    result = run(runner, "lint", "--library", tmp_path / "nope")
    assert result.exit_code == 1 and "is not a folder" in result.output


def test_shipped_library_lints_clean(runner) -> None:
    result = run(runner, "lint", "--today", "2026-11-25")
    assert result.exit_code == 0, result.output


def test_init_with_flags_writes_valid_profile(runner, tmp_path) -> None:
    path = tmp_path / "p.yaml"
    result = run(
        runner,
        "init",
        path,
        "--no-input",
        "--name",
        "PixelPals",
        "--safety-email",
        "s@p.example",
        "--service",
        "photo-sharing",
        "--service",
        "messaging",
        "--jurisdiction",
        "us",
        "--jurisdiction",
        "uk",
        "--feature",
        "e2ee",
        "--team-size",
        "solo",
    )
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(path.read_text())
    assert data["services"] == ["photo-sharing", "messaging"] and data["features"]["e2ee"] is True
    assert len(data["features"]) == 13  # every answer stated, the implied ones too
    gen = run(runner, "generate", path, "-o", tmp_path / "out", "--format", "md")
    assert gen.exit_code == 0, gen.output


def test_init_errors(runner, tmp_path) -> None:
    path = tmp_path / "p.yaml"
    result = run(runner, "init", path, "--no-input", "--name", "X")
    assert result.exit_code == 2 and "--safety-email" in result.output and "--service" in result.output
    result = run(
        runner,
        "init",
        path,
        "--no-input",
        "--name",
        "X",
        "--safety-email",
        "bad",
        "--service",
        "forum",
    )
    assert result.exit_code == 2 and "is not an email address" in result.output
    assert not path.exists()
    result = run(runner, "init", path, "--no-input", "--feature", "e2e")
    assert result.exit_code == 2 and "did you mean 'e2ee'?" in result.output
    path.write_text("keep me")
    result = run(runner, "init", path, "--no-input")
    assert result.exit_code == 2 and "already exists" in result.output and path.read_text() == "keep me"


def test_every_sample_generates(runner, tmp_path) -> None:
    samples = sorted(SAMPLES.glob("*.yaml"))
    result = run(runner, "generate", *samples, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out").iterdir())) == len(samples)


def _manifest_files(out) -> dict[str, dict]:
    manifest = json.loads((out / "manifest.json").read_text())
    return {rec["path"]: rec for doc in manifest["documents"].values() for rec in doc["files"].values()}


def test_partial_regeneration_keeps_the_manifest_describing_every_file(runner, library, profile, tmp_path) -> None:
    import hashlib

    out = tmp_path / "out"
    assert run(runner, "generate", profile, "-o", out, "--library", library).exit_code == 0
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    # a different profile, so the regenerated page differs from the kept ones
    other = tmp_path / "other.yaml"
    other.write_text(MINIMAL.replace("PixelPals", "PixelPals Two"), encoding="utf-8")
    result = run(
        runner, "generate", other, "-o", out, "--library", library, "--doc", "tips", "--format", "html", "--force"
    )
    assert result.exit_code == 0, result.output
    on_disk = files_in(out) - {"manifest.json"}
    listed = _manifest_files(out)
    assert set(listed) == on_disk == ALL_FILES - {"manifest.json"}
    for name, rec in listed.items():
        assert rec["sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest(), name
    assert "kept" not in listed["tips.html"] and (out / "tips.html").read_bytes() != before["tips.html"]
    assert listed["tos.md"]["kept"] is True and listed["tips.md"]["kept"] is True
    first_digest = json.loads(before["manifest.json"])["profile"]["digest"]
    assert (
        listed["tos.md"]["profile_digest"]
        == first_digest
        != json.loads((out / "manifest.json").read_text())["profile"]["digest"]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["documents"]["tos"]["clauses"] == json.loads(before["manifest.json"])["documents"]["tos"]["clauses"]
    # and again: a kept record survives a second partial run
    assert (
        run(
            runner, "generate", other, "-o", out, "--library", library, "--doc", "sop", "--format", "md", "--force"
        ).exit_code
        == 0
    )
    listed = _manifest_files(out)
    assert set(listed) == on_disk and listed["tos.md"]["profile_digest"] == first_digest


def test_partial_regeneration_refuses_files_the_manifest_cannot_vouch_for(runner, library, profile, tmp_path) -> None:
    out = tmp_path / "out"
    assert run(runner, "generate", profile, "-o", out, "--library", library).exit_code == 0
    (out / "tos.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "tos.pdf").write_bytes(b"%PDF-1.4 not ours")
    before = {name: (out / name).read_bytes() for name in files_in(out)}
    result = run(runner, "generate", profile, "-o", out, "--library", library, "--doc", "tips", "--force")
    assert result.exit_code == 2, result.output
    assert "tos.md: has changed since manifest.json recorded it" in result.output
    assert "tos.pdf: is not listed in manifest.json" in result.output
    assert {name: (out / name).read_bytes() for name in files_in(out)} == before  # nothing written
    # a full regeneration (every document, the same formats) replaces tos.md; tos.pdf is still not vouched for
    result = run(runner, "generate", profile, "-o", out, "--library", library, "--force")
    assert result.exit_code == 2 and "tos.pdf" in result.output
    (out / "tos.pdf").unlink()
    assert run(runner, "generate", profile, "-o", out, "--library", library, "--force").exit_code == 0
    assert set(_manifest_files(out)) == ALL_FILES - {"manifest.json"}


def test_an_interrupt_wrapped_by_python_during_an_import_is_still_exit_130(monkeypatch, capsys) -> None:
    """SIGTERM inside a dataclass's class body surfaces as RuntimeError from KeyboardInterrupt: no traceback."""
    import generator.cli as cli_module

    def interrupted_import(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise RuntimeError("Error calling __set_name__ on 'Field' instance") from exc

    monkeypatch.setattr(cli_module, "cli", interrupted_import)
    with pytest.raises(SystemExit) as stop:
        cli_module.main()
    assert stop.value.code == 130
    assert "Interrupted" in capsys.readouterr().err

    def real_bug(*args, **kwargs):
        raise RuntimeError("a real bug")

    monkeypatch.setattr(cli_module, "cli", real_bug)
    with pytest.raises(RuntimeError, match="a real bug"):
        cli_module.main()
