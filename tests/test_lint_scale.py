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
    real = coverage.select

    def counting(library, profile):  # noqa: ANN001, ANN202
        calls["n"] += 1
        return real(library, profile)

    monkeypatch.setattr(coverage, "select", counting)
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
