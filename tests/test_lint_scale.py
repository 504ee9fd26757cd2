"""lint's cost grows linearly with the library: counted in ``select`` calls, not timed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from generator.checks import coverage
from generator.library import builtin_root, load_library

ID_LINE = re.compile(r"^id: (\S+)$", re.M)


def grown_library(tmp_path: Path, factor: int) -> Path:
    """The built-in library plus ``factor - 1`` renamed copies of every clause (same conditions)."""
    src = builtin_root("clauses")
    dst = tmp_path / f"lib{factor}"
    shutil.copytree(src, dst)
    for copy in range(2, factor + 1):
        for path in sorted(src.rglob("*.md")):
            text = path.read_text(encoding="utf-8")
            text = ID_LINE.sub(lambda m, c=copy: f"id: {m.group(1)}-copy{c}", text, count=1)
            target = dst / path.relative_to(src).with_name(f"{path.stem}-copy{copy}.md")
            target.write_text(text, encoding="utf-8")
    return dst


@pytest.fixture
def count_selects(monkeypatch: pytest.MonkeyPatch):
    calls = {"n": 0}

    def counting(real):  # noqa: ANN001, ANN202
        def call(library, profile):  # noqa: ANN001, ANN202
            calls["n"] += 1
            return real(library, profile)

        return call

    # dead_clauses selects through included_ids (the decisions without reasons); count both ways in
    monkeypatch.setattr(coverage, "select", counting(coverage.select))
    monkeypatch.setattr(coverage, "included_ids", counting(coverage.included_ids))
    return calls


def test_dead_clause_check_selects_once_per_distinct_candidate_profile(tmp_path: Path, count_selects) -> None:
    counts = {}
    for factor in (1, 3):
        library = load_library(grown_library(tmp_path, factor))
        assert len(library.clauses) >= 200 * factor
        count_selects["n"] = 0
        dead = coverage.dead_clauses(library)
        counts[factor] = count_selects["n"]
        assert dead == []
    # Copies bring no new candidate profiles, so they cost no new select calls: the work is
    # bounded by distinct candidates (linear), not by clauses x candidates (quadratic in time,
    # since each select call itself grows with the library).
    assert counts[1] > 10
    assert counts[3] <= counts[1] * 1.1, counts


def test_default_lint_selection_work_grows_linearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole default lint (coverage, consistency, rendered claims): selections counted on 1x and 3x."""
    from generator.checks import lint
    from generator.documents import selection

    calls = {"n": 0}
    real_select, real_ids = selection._select, coverage.included_ids

    def counted_select(library, facts):  # noqa: ANN001, ANN202
        calls["n"] += 1
        return real_select(library, facts)

    def counted_ids(library, profile):  # noqa: ANN001, ANN202
        calls["n"] += 1
        return real_ids(library, profile)

    monkeypatch.setattr(selection, "_select", counted_select)
    monkeypatch.setattr(coverage, "included_ids", counted_ids)
    counts = {}
    for factor in (1, 3):
        calls["n"] = 0
        report = lint.lint_library(grown_library(tmp_path, factor))
        assert report.library is not None and len(report.library.clauses) >= 200 * factor
        counts[factor] = calls["n"]
    assert counts[1] > 50
    assert counts[3] <= counts[1] * 1.1, counts


def test_included_ids_and_holds_agree_with_select_and_evaluate() -> None:
    """The reason-free selection the dead-clause check uses decides exactly as select does."""
    from generator.documents import select
    from generator.documents.selection import included_ids
    from generator.errors import ProfileError
    from generator.library.conditions import evaluate, holds
    from generator.profile import load_profile, validate_profile

    library = load_library()
    samples = Path(__file__).resolve().parents[1] / "samples"
    profiles = [load_profile(p) for p in sorted(samples.glob("*.yaml"))]
    for clause in list(library.clauses.values())[::4]:
        for raw in coverage._candidates(clause, library, limit=8):
            try:
                profiles.append(validate_profile(raw, "<candidate>"))
            except ProfileError:
                continue
    assert len(profiles) > 60
    for profile in profiles:
        decisions = select(library, profile)
        assert included_ids(library, profile) == {d.clause.id for d in decisions if d.included}
        facts = profile.facts()
        for clause in library.clauses.values():
            assert holds(clause.meta["when"], facts) == evaluate(clause.meta["when"], facts)[0], clause.id


def test_memoised_select_gives_the_same_decisions() -> None:
    from generator.documents import select
    from generator.documents.selection import memoised

    library = load_library()
    profile = coverage.pair_profile("forum", "uk")
    plain = select(library, profile)
    with memoised():
        first = select(library, profile)
        first.pop()  # a caller changing its list does not change the next answer
        assert select(library, profile) == plain
    assert first != plain


def test_bench_synthetic_library_passes_the_default_lint(tmp_path: Path) -> None:
    """bench/harness.make_library: copies of the library are consistent by construction (issue 19).

    Before, a copied SOP step carried the original's report duty (same recipient) without
    implementing the original ToS clause, so the 2x library failed the consistency check.
    """
    import sys

    from generator.checks import lint

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    try:
        from harness import make_library  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    lib = tmp_path / "lib2x"
    make_library(builtin_root("clauses"), lib, 2, variants=True, absent_service="search-engine")
    report = lint.lint_library(lib)
    assert report.library is not None and len(report.library.clauses) > 400
    assert report.ok, [f"{p.file}: {p.message[:160]}" for p in report.errors[:3]]
