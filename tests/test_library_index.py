"""The built-in library's parsed metadata ships with the package, and is only ever a shortcut.

A first run on a machine reads the shipped index instead of parsing and
checking every clause file. These tests check that the shipped index is what
parsing the files gives today (``pytest tests/test_library_index.py
--update-golden`` rewrites it after a clause or the parsing code changes),
and that it is never used when it does not fit: an edited clause, another
library, a damaged index file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.library import clauses as C

SHIPPED = C.INDEX_FILE


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> C.Library:
    """The built-in library parsed from its files: no index, no cache."""
    monkeypatch.setenv("POLICYGEN_NO_CACHE", "1")
    monkeypatch.setattr(C, "INDEX_FILE", tmp_path / "none.json")
    return C.load_library()


def test_the_shipped_index_is_current(fresh: C.Library, request: pytest.FixtureRequest) -> None:
    expected = C.index_bytes(fresh)
    if request.config.getoption("--update-golden"):
        SHIPPED.write_bytes(expected)
    assert SHIPPED.is_file() and SHIPPED.read_bytes() == expected, (
        "generator/library/builtin_index.json is out of date (a clause or the clause-parsing code changed); "
        "regenerate it: pytest tests/test_library_index.py --update-golden"
    )


def test_the_index_gives_the_same_library_as_parsing(fresh: C.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()
    monkeypatch.setenv("POLICYGEN_NO_CACHE", "1")
    calls: list[int] = []
    real = C.parse_clauses
    monkeypatch.setattr(C, "parse_clauses", lambda *a: calls.append(1) or real(*a))
    shipped = C.load_library()
    assert not calls  # nothing was parsed
    assert shipped == fresh
    assert [(c.id, c.meta, c.body, c.body_line, c.file) for c in shipped.clauses.values()] == [
        (c.id, c.meta, c.body, c.body_line, c.file) for c in fresh.clauses.values()
    ]
    # in the same order, too: the order of a clause's conditions is the order its reasons are written in
    assert [repr(c.meta) for c in shipped.clauses.values()] == [repr(c.meta) for c in fresh.clauses.values()]


def _copy_builtin(tmp_path: Path) -> Path:
    lib = tmp_path / "clauses"
    shutil.copytree(C.builtin_root("clauses"), lib)
    return lib


def test_an_edited_builtin_clause_is_parsed_not_taken_from_the_index(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    lib = _copy_builtin(tmp_path)
    clause = next(iter(sorted(lib.rglob("*.md"))))
    text = clause.read_text(encoding="utf-8")
    clause.write_text(text.replace("\nid: ", "\nid: ", 1) + "\nAn added sentence.\n", encoding="utf-8")
    monkeypatch.setenv("POLICYGEN_NO_CACHE", "1")
    monkeypatch.setattr(C, "builtin_root", lambda kind: lib)
    calls: list[int] = []
    real = C.parse_clauses
    monkeypatch.setattr(C, "parse_clauses", lambda *a: calls.append(1) or real(*a))
    library = C.load_library()
    assert calls, "an edited clause must be parsed, not read from the index"
    assert any(c.body.endswith("An added sentence.\n") for c in library.clauses.values())


def test_another_library_never_uses_the_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lib = _copy_builtin(tmp_path)  # the same texts, given as --library: parsed and checked as usual
    monkeypatch.setenv("POLICYGEN_NO_CACHE", "1")
    calls: list[int] = []
    real = C.parse_clauses
    monkeypatch.setattr(C, "parse_clauses", lambda *a: calls.append(1) or real(*a))
    C.load_library(lib)
    assert calls


@pytest.mark.parametrize(
    "damage",
    [b"", b"{not json", b"[]", b'{"format": "other"}', b"\xff\xfe"],
    ids=["empty", "not-json", "a-list", "other-format", "not-utf8"],
)
def test_a_damaged_index_is_ignored(
    damage: bytes, fresh: C.Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bad = tmp_path / "index.json"
    bad.write_bytes(damage)
    monkeypatch.setattr(C, "INDEX_FILE", bad)
    assert C.load_library() == fresh


def test_an_index_with_forged_entries_but_the_right_key_is_checked(
    fresh: C.Library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Entries that do not fit the texts (a body offset past the front matter) are refused, not trusted."""
    import json

    data = json.loads(C.index_bytes(fresh))
    data["entries"][0]["body_at"] = 1
    forged = tmp_path / "index.json"
    forged.write_text(json.dumps(data), encoding="utf-8")
    monkeypatch.setattr(C, "INDEX_FILE", forged)
    assert C.load_library() == fresh
