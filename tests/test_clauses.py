"""Clause files: parsing, the front-matter schema, library loading."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_tree, clause, make_library

from generator.errors import LibraryError
from generator.library.clauses import builtin_root, load_library, parse_clause, split_front_matter


def test_split_front_matter_reports_body_line() -> None:
    front, body, line = split_front_matter("---\na: 1\nb: 2\n---\nBody\n")
    assert front == "a: 1\nb: 2\n" and body == "Body\n" and line == 5
    assert split_front_matter("no front matter") is None


def test_valid_clause_parses_with_defaults() -> None:
    c, problems = parse_clause(clause("tos.prohibited.x"), "x.md")
    assert problems == [] and c is not None
    assert c.meta["when"] is None and c.meta["requires"] == [] and c.meta["order"] == 100
    assert c.content_hash.startswith("sha256:") and len(c.content_hash) == 71


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("colour: red", "unknown field 'colour'"),
        ("citatons: []", "did you mean 'citations'?"),
        ("when: {servces: [gaming]}", "unknown fact 'servces'"),
        ("when: {services: [gamng]}", "did you mean 'gaming'?"),
        ("when: {jurisdictions: [global]}", "'global' always applies"),
        ("when: {e2ee: yes please}", "expected true or false"),
        ("when: {}", "an empty condition"),
        ("when: {any: []}", "'any' takes a non-empty list"),
        ("covers: [everything]", "unknown value 'everything'"),
        ("obligations: [{kind: report, jurisdiction: us, summary: x}]", "must cite their source"),
        ("order: first", "expected a number"),
        ("implements: [tos.x.y]", "only for SOP clauses"),
    ],
)
def test_schema_problems_are_named(extra: str, expected: str) -> None:
    _, problems = parse_clause(clause("tos.prohibited.x", extra=extra), "x.md")
    assert any(expected in str(p) for p in problems), problems


def test_legal_clause_needs_citation_and_problem_has_line() -> None:
    _, problems = parse_clause(clause("tos.prohibited.x", guide_area="legal"), "x.md")
    assert [str(p) for p in problems] == [
        "x.md:2: citations: a clause in the 'legal' guide area states a duty and must cite its source"
    ]


def test_id_must_match_doc() -> None:
    text = clause("tos.prohibited.x").replace("doc: tos", "doc: sop")
    _, problems = parse_clause(text, "x.md")
    assert any("starts with 'tos' but doc is 'sop'" in str(p) for p in problems)


def test_tips_need_an_audience() -> None:
    text = clause("tips.everyone.x").replace("audience: everyone\n", "")
    _, problems = parse_clause(text, "x.md")
    assert any("audience" in str(p) and "required for safety tips" in str(p) for p in problems)


def test_missing_front_matter_and_empty_body() -> None:
    _, problems = parse_clause("Just text", "x.md")
    assert "front-matter block" in str(problems[0])
    _, problems = parse_clause(clause("tos.prohibited.x", body=" "), "x.md")
    assert "no body text" in str(problems[0])


def test_library_reports_every_broken_file(tmp_path: Path) -> None:
    root = make_library(
        tmp_path,
        {
            "a.md": clause("tos.prohibited.a", extra="bogus: 1"),
            "b.md": "---\nid: [unclosed\n---\nBody\n",
            "c.md": clause("tos.prohibited.c"),
            "d.md": clause("tos.prohibited.c"),
            "_draft.md": "ignored: not a clause",
        },
    )
    with pytest.raises(LibraryError) as info:
        load_library(root)
    found = "\n".join(str(p) for p in info.value.problems)
    assert "a.md:" in found and "unknown field 'bogus'" in found
    assert "b.md:" in found and "invalid YAML" in found
    assert "duplicate clause id 'tos.prohibited.c'" in found
    assert "_draft.md" not in found
    assert info.value.exit_code == 2


def test_library_needs_version(tmp_path: Path) -> None:
    build_tree(tmp_path, {"library.yaml": "name: x\nversion: one\n", "a.md": clause("tos.prohibited.a")})
    with pytest.raises(LibraryError) as info:
        load_library(tmp_path)
    assert "not a version" in str(info.value.problems[0])


def test_missing_library_folder(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="is not a folder"):
        load_library(tmp_path / "nope")


def test_builtin_library_loads() -> None:
    lib = load_library()
    assert builtin_root("clauses").is_dir()
    assert lib.clauses and lib.version.count(".") == 2
