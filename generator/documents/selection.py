"""Choose the clauses that apply to a profile, recording why for every clause.

Selection runs in two steps. First each clause's ``when`` condition is
evaluated against the profile's facts. Then links are applied until nothing
changes: a selected clause that ``excludes`` another drops it, and a clause
whose ``requires`` are not all selected is dropped too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..library import Clause, Library, claims_reason, evaluate
from ..library.conditions import claim_holds, holds
from ..profile import Profile


@dataclass(frozen=True)
class Decision:
    """Whether one clause is in a profile's documents, and the rule that decided it."""

    clause: Clause
    included: bool
    reason: str


_memo: dict[tuple, tuple[Library, list[Decision]]] | None = None
_MEMO_SIZE = 80  # a little over the 65 service x jurisdiction pairs, whose decisions lint reuses in turn


@contextlib.contextmanager
def memoised() -> Iterator[None]:
    """Within the block, :func:`select` answers a library and facts it has seen from memory.

    ``lint`` selects for the same profile facts many times over (coverage
    pairs, their promise backing, the consistency pairs, dead-clause
    candidates); the decisions depend on nothing else.
    """
    global _memo
    previous, _memo = _memo, {}
    try:
        yield
    finally:
        _memo = previous
        if _memo is None:
            _shared[:] = [None, {}]


def _facts_key(facts: dict[str, Any]) -> tuple:
    return tuple((k, tuple(sorted(v)) if isinstance(v, (set, frozenset)) else v) for k, v in sorted(facts.items()))


def select(library: Library, profile: Profile) -> list[Decision]:
    """Decide every clause in the library for a profile (in clause-id order)."""
    facts = profile.facts()
    if _memo is None:
        return _select(library, facts)
    key = (id(library), _facts_key(facts))
    hit = _memo.get(key)
    if hit is None or hit[0] is not library:
        if len(_memo) >= _MEMO_SIZE:  # oldest first: lint's repeats come close together
            del _memo[next(iter(_memo))]
        hit = _memo[key] = (library, _select(library, facts))
    return list(hit[1])


_plans: dict[int, tuple[Library, tuple, tuple, tuple]] = {}


def _plan(library: Library) -> tuple[tuple, tuple]:
    """Per library (while it holds the same clause objects): every clause's condition and claims, and the linked ones.

    Only a clause with ``excludes`` or ``requires`` can change a verdict in the
    second step, so that step walks those alone, in the same (id) order.
    """
    same = tuple(map(id, library.clauses.values()))
    got = _plans.get(id(library))
    if got is not None and got[0] is library and got[1] == same:
        return got[2], got[3]
    tests = tuple((cid, c.meta["when"], tuple(c.meta.get("claims") or ())) for cid, c in library.clauses.items())
    links = tuple(
        (cid, tuple(c.meta["excludes"]), tuple(c.meta["requires"]))
        for cid, c in library.clauses.items()
        if c.meta["excludes"] or c.meta["requires"]
    )
    if len(_plans) >= 4:
        _plans.clear()
    _plans[id(library)] = (library, same, tests, links)
    return tests, links


def _select(library: Library, facts: dict[str, Any]) -> list[Decision]:
    tests, links = _plan(library)
    verdict: dict[str, tuple[bool, str]] = {}
    for cid, when, claims in tests:
        verdict[cid] = evaluate(when, facts)
        if verdict[cid][0] and claims:
            ok, why = claims_reason(list(claims), facts)
            verdict[cid] = (ok, f"{verdict[cid][1]}; {why}" if ok else why)
    changed = True
    while changed:
        changed = False
        for cid, excludes, requires in links:
            if not verdict[cid][0]:
                continue
            for other in excludes:
                if verdict.get(other, (False, ""))[0]:
                    verdict[other] = (False, f"replaced by {cid}, which applies and excludes it")
                    changed = True
            missing = [r for r in requires if not verdict.get(r, (False, ""))[0]]
            if missing:
                verdict[cid] = (False, f"requires {', '.join(missing)}, which is not selected")
                changed = True
    if _memo is None:
        return [Decision(c, *verdict[cid]) for cid, c in library.clauses.items()]
    # Within memoised() (lint): decisions are immutable, and most repeat from one profile to the next
    # (same clause, verdict and reason), so reuse them rather than build a quarter of a million.
    if _shared[0] is not library:
        _shared[:] = [library, {}]
    made: dict[tuple, Decision] = _shared[1]
    out = []
    for cid, c in library.clauses.items():
        key = (cid, *verdict[cid])
        d = made.get(key)
        if d is None or d.clause is not c:
            d = made[key] = Decision(c, *verdict[cid])
        out.append(d)
    if len(made) > 100_000:
        made.clear()
    return out


_shared: list = [None, {}]  # the last library, and its decisions by (clause id, included, reason)


def included_ids(library: Library, profile: Profile) -> set[str]:
    """Return the ids of the clauses :func:`select` includes for ``profile``, without the reasons.

    The same two steps as :func:`select` on booleans only: the dead-clause
    check tries a hundred or more candidate profiles and needs nothing else.
    """
    facts = profile.facts()
    tests, links = _plan(library)
    ok: dict[str, bool] = {
        cid: holds(when, facts) and all(claim_holds(c, facts) for c in claims) for cid, when, claims in tests
    }
    changed = True
    while changed:
        changed = False
        for cid, excludes, requires in links:
            if not ok[cid]:
                continue
            for other in excludes:
                if ok.get(other, False):
                    ok[other] = False
                    changed = True
            if not all(ok.get(r, False) for r in requires):
                ok[cid] = False
                changed = True
    return {cid for cid, v in ok.items() if v}


def selected(decisions: list[Decision], doc: str | None = None) -> list[Clause]:
    """Return the included clauses, optionally of one document kind."""
    return [d.clause for d in decisions if d.included and (doc is None or d.clause.doc == doc)]
