"""The README documents every command, option family and profile field."""

from __future__ import annotations

from conftest import REPO

from generator.cli import cli
from generator.profile.profile import field_reference

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_profile_field_is_documented() -> None:
    for path, *_ in field_reference():
        assert f"`{path}`" in README, path


def test_every_command_and_option_is_documented() -> None:
    for name, command in cli.commands.items():
        assert f"policygen {name}" in README, name
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--") and opt != "--help":
                    assert opt in README, f"{name} {opt}"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert ".venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest" in README
    assert ".venv/bin/pip install --quiet -e '.[test]'" in ci and ".venv/bin/python -m pytest" in ci
