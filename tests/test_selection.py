"""Clause selection: conditions, links, and the recorded reason for every clause."""

from __future__ import annotations

from pathlib import Path

from conftest import MINIMAL, clause, make_library

from generator.documents.selection import select
from generator.library.clauses import load_library
from generator.library.conditions import evaluate
from generator.profile.profile import load_profile


def facts(**kw: object) -> dict:
    base = {
        "services": {"photo-sharing"},
        "jurisdictions": {"us"},
        "hash_matching": set(),
        "url_lists": set(),
        "age_assurance": "self-declaration",
        "team_size": "small",
        "minors": True,
        "under_13": False,
        "e2ee": False,
        "direct_messages": False,
    }
    base.update(kw)
    return base


def test_no_condition_is_global() -> None:
    assert evaluate(None, facts()) == (True, "global baseline: applies to every profile")


def test_any_of_list_and_reasons() -> None:
    assert evaluate({"jurisdictions": ["uk", "us"]}, facts()) == (True, "jurisdictions includes us")
    ok, why = evaluate({"jurisdictions": ["uk"]}, facts())
    assert not ok and why == "jurisdictions is us (needs any of uk)"


def test_all_entries_must_hold() -> None:
    ok, why = evaluate({"services": ["photo-sharing"], "e2ee": True}, facts())
    assert not ok and why == "e2ee is false (needs true)"
    assert evaluate({"services": ["photo-sharing"], "e2ee": False}, facts())[0]


def test_combinators() -> None:
    cond = {"any": [{"e2ee": True}, {"team_size": ["small"]}]}
    assert evaluate(cond, facts()) == (True, "team_size is small")
    ok, why = evaluate({"not": {"minors": True}}, facts())
    assert not ok and why == "not (minors is true)"
    assert evaluate({"all": [{"minors": True}, {"not": {"e2ee": True}}]}, facts())[0]


def test_list_facts_take_booleans() -> None:
    assert not evaluate({"hash_matching": True}, facts())[0]
    assert evaluate({"hash_matching": True}, facts(hash_matching={"pdq"}))[0]
    assert evaluate({"hash_matching": False}, facts())[0]


def test_select_records_every_clause_with_links(tmp_path: Path) -> None:
    lib = make_library(
        tmp_path / "lib",
        {
            "a.md": clause("sop.reporting.generic"),
            "b.md": clause(
                "sop.reporting.us",
                extra="when: {jurisdictions: [us]}\nexcludes: [sop.reporting.generic]",
            ),
            "c.md": clause("sop.reporting.uk", extra="when: {jurisdictions: [uk]}"),
            "d.md": clause("sop.reporting.uk-extra", extra="requires: [sop.reporting.uk]"),
        },
    )
    p = tmp_path / "p.yaml"
    p.write_text(MINIMAL)
    decisions = {d.clause.id: d for d in select(load_library(lib), load_profile(p))}
    assert len(decisions) == 4
    assert decisions["sop.reporting.us"].included
    assert decisions["sop.reporting.us"].reason == "jurisdictions includes us"
    assert not decisions["sop.reporting.generic"].included
    assert decisions["sop.reporting.generic"].reason == ("replaced by sop.reporting.us, which applies and excludes it")
    assert decisions["sop.reporting.uk"].reason == "jurisdictions is us (needs any of uk)"
    assert decisions["sop.reporting.uk-extra"].reason == ("requires sop.reporting.uk, which is not selected")
