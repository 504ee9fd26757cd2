"""`policygen init` in a real pseudo-terminal: every question, checked as typed; a profile stating every answer."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.profile import vocabulary as V
from generator.profile.profile import field_reference, load_profile

REPO = Path(__file__).resolve().parents[1]


def spawn(*args: str) -> pexpect.spawn:
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200", "TERM": "dumb"}
    return pexpect.spawn(
        sys.executable, ["-m", "generator", "init", *args], env=env, encoding="utf-8", timeout=20, dimensions=(50, 250)
    )


def answer(child: pexpect.spawn, prompt: str, text: str) -> None:
    child.expect_exact(prompt)
    child.sendline(text)


def stated(data: dict, prefix: str = "") -> set[str]:
    out = set()
    for k, v in data.items():
        key = f"{prefix}{k}"
        leaf = key == "audience.minimum_age_for"
        out |= stated(v, key + ".") if isinstance(v, dict) and not leaf else {key}
    return out


def test_init_in_a_terminal_recovers_from_bad_answers(tmp_path: Path) -> None:
    path = tmp_path / "profile.yaml"
    child = spawn(str(path))
    answer(child, "Company name", "LiveNow")
    answer(child, "Legal entity name", "")  # default: the name
    answer(child, "Country where the company is established", "United Kingdom")
    answer(child, "Public website", "livenow.example")  # no scheme: asked again
    child.expect_exact("did you mean 'https://livenow.example'?")
    answer(child, "Public website", "https://livenow.example")
    answer(child, "Email address for safety reports", "safety@livenow")  # bad email: asked again at once
    child.expect_exact("is not an email address")
    answer(child, "Email address for safety reports", "safety@livenow.example")
    answer(child, "Legal contact email", "")
    answer(child, "Email for law-enforcement requests", "")
    answer(child, "Service types", "Livestreaming, messaging")
    answer(child, "Where the service operates", "UK, Australia")
    answer(child, "Minimum age of users", "10")
    answer(child, "Do you collect verifiable consent from a parent", "no")  # not allowed under 13: asked again
    child.expect_exact("verifiable parental consent")
    answer(child, "Do you collect verifiable consent from a parent", "13")  # raise the minimum age instead
    answer(child, "How is age checked", "estimaton")  # typo: did you mean
    child.expect_exact("did you mean 'estimation'?")
    answer(child, "How is age checked", "estimation")
    # each feature, with the default the services imply
    for name in V.FEATURES:
        child.expect(r"Feature: .*\? \[(yes|no)\]")
        default = child.match.group(1)
        if name == "payments":
            child.sendline("yes")
        elif name == "livestream":
            assert default == "yes"  # implied by livestreaming
            child.sendline("")
        else:
            child.sendline("")
    answer(child, "Minimum age to use public_content", "")
    answer(child, "Minimum age to use direct_messages", "")
    answer(child, "Minimum age to use livestream", "12")  # below the service's age: asked again
    child.expect_exact("out of range")
    answer(child, "Minimum age to use livestream", "18")
    answer(child, "Minimum age to use payments", "18")
    answer(child, "Minimum age to use groups", "")  # messaging suggests groups
    answer(child, "URL block lists", "")
    answer(child, "text classifiers", "")
    answer(child, "Can users report a post", "yes")
    answer(child, "recent messages around it", "unknown")
    answer(child, "Can users block another user", "yes")
    answer(child, "Do accounts of users under 18 start private", "")
    answer(child, "kept out of suggestions and search", "")
    answer(child, "Can an adult send a private message to a 13-year-old they are not connected with?", "no")
    answer(child, "supervision tools for parents", "no")
    answer(child, "filter for sexual or violent content", "")
    answer(child, "Are images that may show nudity blurred", "")
    answer(child, "appeal a moderation decision from inside the app", "")
    answer(child, "children's access assessment", "")
    answer(child, "700,000 monthly active UK users", "no")
    answer(child, "age-restricted social media platform", "")
    # contacts only the provider knows, for this profile's recipients (UK and Australia only)
    answer(child, "NCA reporting-portal organisation administrator", "Jo Bloggs (CEO); replacement: Sam Roe (CTO)")
    answer(child, "Australian police (AFP) contact for referrals", "")
    answer(child, "URL your report forms send", "")  # the notice kit (uk): none yet
    answer(child, "Who handles trust and safety", "solo")
    answer(child, "Version of these documents", "")
    answer(child, "Paper size", "")
    answer(child, "Date the documents take effect", "")
    answer(child, "Governing law", "")
    child.expect_exact("What these documents assume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before

    data = yaml.safe_load(path.read_text())
    assert stated(data) == {p for p, *_ in field_reference()}  # every field stated
    assert data["company"]["country"] == "gb" and data["jurisdictions"] == ["uk", "au"]
    assert data["document"] == {"version": "1.0", "paper": "a4"}  # no us or ca: A4 by default
    assert data["audience"]["parental_consent"] is False  # the user said no: never set silently
    assert data["audience"]["minimum_age"] == 13
    assert data["contacts"]["nca_administrator"] == "Jo Bloggs (CEO); replacement: Sam Roe (CTO)"
    assert data["contacts"]["police_au"] is None and data["contacts"]["ncmec_esp_id"] is None  # not asked: no us
    assert data["audience"]["minimum_age_for"] == {"livestream": 18, "payments": 18}
    assert data["safeguards"]["restrict_adult_minor_dms"] is True  # "can an adult message?" no
    assert data["safeguards"]["report_includes_context"] is None  # unknown
    assert data["features"]["livestream"] is True and data["features"]["payments"] is True
    assert "# Users can broadcast live." in path.read_text()
    load_profile(path)


def test_init_never_writes_parental_consent_true_unless_told(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--no-input", "--name", "K", "--safety-email", "k@k.example", "--service", "photo-sharing"]
    over = tmp_path / "a.yaml"
    res = runner.invoke(cli, ["init", str(over), *base, "--minimum-age", "13"])
    assert res.exit_code == 0, res.output
    assert yaml.safe_load(over.read_text())["audience"]["parental_consent"] is False
    under = tmp_path / "b.yaml"
    res = runner.invoke(cli, ["init", str(under), *base, "--minimum-age", "9"])
    assert res.exit_code == 2 and "--parental-consent" in res.output and not under.exists()
    res = runner.invoke(cli, ["init", str(under), *base, "--minimum-age", "9", "--parental-consent", "yes"])
    assert res.exit_code == 0, res.output
    assert yaml.safe_load(under.read_text())["audience"]["parental_consent"] is True


def test_init_flags_take_comma_lists_and_common_names(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    res = CliRunner().invoke(
        cli,
        [
            "init",
            str(path),
            "--no-input",
            "--name",
            "Q",
            "--safety-email",
            "q@q.example",
            "--service",
            "gaming,Messaging",
            "--jurisdiction",
            "United Kingdom,Australia,Germany",
            "--country",
            "UK",
            "--feature",
            "voice_video_chat,payments=yes",
            "--age-for",
            "payments=18",
            "--safeguard",
            "report_button=yes,block_users=no",
            "--determination",
            "eu_micro_or_small=yes",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "What these documents assume" not in res.output  # --quiet
    data = yaml.safe_load(path.read_text())
    assert data["jurisdictions"] == ["uk", "au", "eu"] and data["company"]["country"] == "gb"
    assert data["services"] == ["gaming", "messaging"]
    assert data["features"]["voice_video_chat"] is True and data["audience"]["minimum_age_for"] == {"payments": 18}
    assert data["safeguards"]["report_button"] is True and data["safeguards"]["block_users"] is False
    assert data["determinations"]["eu_micro_or_small"] == "yes"
    assert data["determinations"]["au_age_restricted_platform"] == "no"  # gaming and messaging are excluded
    load_profile(path)


def test_no_input_lists_every_missing_answer_and_every_bad_flag(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    res = CliRunner().invoke(cli, ["init", str(path), "--no-input", "--minimum-age", "10", "--website", "nope"])
    assert res.exit_code == 2
    for flag in ("--name", "--safety-email", "--service", "--parental-consent"):
        assert flag in res.output
    assert "--website 'nope'" in res.output
    assert not path.exists()
    res = CliRunner().invoke(cli, ["init", str(path), "--no-input", "--jurisdiction", "Untied Kingdom"])
    assert res.exit_code == 2 and "did you mean 'united kingdom'" in res.output
