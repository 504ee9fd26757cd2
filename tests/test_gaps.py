"""What the profile lacks: safeguards to consider, legal requirements it misses, explain --gaps, assumptions."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from conftest import SAMPLES

from generator import api
from generator.cli import cli
from generator.documents import block_text
from generator.library.guidance import assumptions, gaps
from generator.profile.profile import load_profile

NO_BUTTON_UK = """\
company:
  name: Fora
  contact: {safety: safety@fora.example}
services: [forum]
jurisdictions: [uk]
safeguards: {report_button: false}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def appendix_text(build: api.Build) -> list[str]:
    (appendix,) = [a for a in build.documents["sop"].appendices if a.id == "counsel-questions"]
    return [block_text(b) for b in appendix.intro]


def test_required_safeguard_stated_false_warns_and_heads_the_appendix(tmp_path: Path) -> None:
    result = api.generate([write(tmp_path, NO_BUTTON_UK)], tmp_path / "out", formats=["md"])
    (build,) = result.builds
    assert any("safeguards.report_button" in w and "Online Safety Act 2023 ss.20-21" in w for w in build.warnings)
    blocks = appendix_text(build)
    assert blocks[0] == "Required by law but missing from the product"
    assert "ICU D1 and D2" in blocks[2]
    # the documents still work, and promise no Report option
    assert "Report option" not in (tmp_path / "out" / "tips.md").read_text()


def test_generate_prints_the_warning_and_the_assumptions_unless_quiet(tmp_path: Path) -> None:
    runner = CliRunner()
    profile = write(tmp_path, NO_BUTTON_UK)
    res = runner.invoke(cli, ["generate", str(profile), "-o", str(tmp_path / "a"), "--format", "md"])
    assert res.exit_code == 0, res.output
    assert "required by law but missing: safeguards.report_button" in res.output
    assert "What these documents assume" in res.output
    assert "features.public_content is on because the profile lists forum" in res.output
    quiet = runner.invoke(cli, ["generate", str(profile), "-o", str(tmp_path / "b"), "--format", "md", "-q"])
    assert quiet.exit_code == 0
    assert "What these documents assume" not in quiet.output


def test_explain_gaps_exit_status(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(cli, ["explain", str(write(tmp_path, NO_BUTTON_UK)), "--gaps"])
    assert res.exit_code == 1, res.output
    assert "safeguards.report_button [false; MISSING (required by law)]" in res.output
    fine = runner.invoke(cli, ["explain", str(write(tmp_path, NO_BUTTON_UK.replace("false", "true"))), "--gaps"])
    assert fine.exit_code == 0, fine.output
    assert "safeguards.report_button" not in fine.output


def test_no_safeguards_gets_the_safeguards_to_consider_block() -> None:
    from generator.checks.claims import without_safeguards

    profile = without_safeguards(load_profile(SAMPLES / "clipcast.yaml"))
    assert profile.data["safeguards"]["report_button"] is None
    found = [g.safeguard for g in gaps(profile)]
    assert found[0] == "report_button"  # required in the UK: most weighty first
    assert "private_by_default_minors" in found
    build = api.build(profile, api.load_library(), api.load_templates(), docs=["sop"], formats=["md"])
    text = appendix_text(build)
    assert "Safeguards to consider" in text
    assert "Required by law but missing from the product" not in text  # unknown is not missing


def test_gaps_are_filtered_to_the_profiles_jurisdictions(tmp_path: Path) -> None:
    us_only = NO_BUTTON_UK.replace("[uk]", "[us]")
    assert all(s.jurisdiction == "us" for g in gaps(load_profile(write(tmp_path, us_only))) for s in g.sources)


def test_assumptions_name_implied_features_unknown_safeguards_and_undecided_determinations(tmp_path: Path) -> None:
    found = assumptions(load_profile(write(tmp_path, NO_BUTTON_UK)))
    assert "determinations.uk_likely_accessed_by_children is undecided; it is a question for counsel" in found
    assert "safeguards.block_users is unknown, so no document promises it" in found
    assert not any("report_button" in a for a in found)  # stated, not assumed


def test_undecided_determinations_and_country_become_counsel_questions(tmp_path: Path) -> None:
    text = NO_BUTTON_UK.replace("jurisdictions: [uk]", "jurisdictions: [uk, eu]").replace(
        "company:\n", "company:\n  country: us\n"
    )
    build = api.build(load_profile(write(tmp_path, text)), api.load_library(), api.load_templates(), ["sop"], ["md"])
    joined = "\n".join(appendix_text(build))
    assert "determinations.eu_micro_or_small" in joined
    assert "DSA Art 13 requires a provider with no EU establishment" in joined
