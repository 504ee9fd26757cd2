"""The on-disk cache only saves time: it never changes output or hides an edit."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINIMAL, clause, make_library

from generator import api, cache
from generator.documents.skeletons import load_templates
from generator.library import templating
from generator.library.clauses import load_library
from generator.profile.profile import load_profile


def build(lib: Path, profile: Path) -> dict[str, bytes]:
    cache.close()  # write what the last build stored; read the database afresh, as a new run would
    cache._texts.clear()
    templating._compiled.cache_clear()
    return api.build(load_profile(profile), load_library(lib), load_templates()).files


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path]:
    lib = make_library(tmp_path / "lib")
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    return lib, profile


def test_warm_cache_gives_identical_output(setup, tmp_path: Path) -> None:
    lib, profile = setup
    cold = build(lib, profile)
    cache.close()
    assert (tmp_path / "cache" / cache.DB_NAME).stat().st_size, "the cache was written"
    warm = build(lib, profile)
    assert cold == warm


def test_an_edited_clause_is_never_served_from_cache(setup) -> None:
    lib, profile = setup
    build(lib, profile)
    (lib / "tos/a.md").write_text(clause("tos.prohibited.sharing", "Edited text for {{ company.name }}."))
    assert b"Edited text for PixelPals." in build(lib, profile)["tos.md"]


def test_corrupt_entries_are_ignored(setup, tmp_path: Path) -> None:
    lib, profile = setup
    first = build(lib, profile)
    cache.close()
    db = tmp_path / "cache" / cache.DB_NAME
    db.write_bytes(b"\x00garbage" * 1000)
    assert build(lib, profile) == first
    cache.close()
    assert db.read_bytes().startswith(b"SQLite format 3\x00"), "the garbage was replaced by a fresh cache"


def test_cache_can_be_switched_off(setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYGEN_NO_CACHE", "1")
    lib, profile = setup
    build(lib, profile)
    cache.close()
    assert not (tmp_path / "cache").exists()


def test_unwritable_cache_is_harmless(setup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(blocker / "cache"))
    lib, profile = setup
    assert build(lib, profile)["tos.md"]
    cache.close()  # the write fails silently
    assert blocker.read_text() == "a file where the cache folder should be"


def test_lint_results_are_cached_and_invalidated(setup, tmp_path: Path) -> None:
    from generator.checks.lint import lint_library

    lib, _ = setup
    first = lint_library(lib, coverage=False)
    assert first.ok and lint_library(lib, coverage=False).errors == first.errors
    (lib / "tos/a.md").write_text(clause("tos.prohibited.sharing", "Broken {{ compnay.name }}"))
    again = lint_library(lib, coverage=False)
    assert any("undeclared variable 'compnay'" in p.message for p in again.errors)
