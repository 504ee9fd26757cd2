"""The provider's own answers: ``assessments.yaml`` beside the profile.

Risk levels are the provider's judgment; the records never fill them in.
A provider who has made the judgment writes it here, and the records show it.
The file is read like the profile: it may be hostile, every problem names the
file, the field and the value, and a bad file stops the run (exit 2).

Schema (every key optional)::

    completed_by: Dana Lee, COO          # who carried out the assessment
    responsible_person: Dana Lee, COO    # the named person accountable (ICU A2)
    approved_by: Board, 2026-11-20       # who approved it
    date_completed: 2026-11-20
    illegal_harms:                       # UK illegal-content risk assessment, per kind
      grooming: {level: medium, reasoning: "DMs between adults and teens ..."}
    children_harms:                      # UK children's risk assessment, per kind
      pornographic-content: {level: low, reasoning: "..."}
    measures:                            # UK code measures register
      ICU D13: {status: not applicable, reason: "..."}
      ICU F1: {status: alternative measure, reason: "..."}   # s.23(4): reason required
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..errors import Problem, ProfileError
from ..profile import YamlProblem, did_you_mean, parse_yaml, read_text

FILE_NAME = "assessments.yaml"
LEVELS: tuple[str, ...] = ("negligible", "low", "medium", "high")
STATUSES: tuple[str, ...] = ("in use", "not applicable", "alternative measure")
MAX_TEXT = 5000
TOP_KEYS = (
    "completed_by",
    "responsible_person",
    "approved_by",
    "date_completed",
    "illegal_harms",
    "children_harms",
    "measures",
)


def slug(label: str) -> str:
    """Return the id of a content kind in ``assessments.yaml``: its label, lower case, words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def load_assessments(
    profile_source: str, harm_ids: list[str], child_ids: list[str], measure_ids: list[str]
) -> dict[str, Any]:
    """Read and check ``assessments.yaml`` beside the profile; an empty mapping when there is none.

    Raises:
        ProfileError: the file is unreadable, not YAML, or holds an unknown
            key, level or status, or an alternative measure without a reason.
    """
    path = Path(profile_source).parent / FILE_NAME
    if not path.exists() and not path.is_symlink():
        return {}
    shown = str(path)
    try:
        data, lines = parse_yaml(read_text(path, shown), shown)
    except YamlProblem as exc:
        raise ProfileError(f"Cannot read {shown}", [exc.problem]) from None
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        key = tuple(field.split("."))
        problems.append(Problem(shown, field, message, lines.get(key)))

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ProfileError(f"Cannot read {shown}", [Problem(shown, "", "must be a mapping of the fields below")])
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in TOP_KEYS:
            bad(str(key), f"unknown field{did_you_mean(key, TOP_KEYS)}; allowed: {', '.join(TOP_KEYS)}")
            continue
        if key in ("completed_by", "responsible_person", "approved_by"):
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
                bad(key, f"must be a non-empty text of at most {MAX_TEXT} characters, not {value!r:.60}")
            else:
                out[key] = value.strip()
        elif key == "date_completed":
            if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
                bad(key, f"must be a date (YYYY-MM-DD), not {value!r:.60}")
            else:
                out[key] = value.isoformat()
        elif key in ("illegal_harms", "children_harms"):
            allowed = harm_ids if key == "illegal_harms" else child_ids
            out[key] = _levels(value, key, allowed, bad)
        else:
            out[key] = _measures(value, measure_ids, bad)
    if problems:
        raise ProfileError(f"{shown} is not valid", problems)
    return out


def _levels(value: Any, key: str, allowed: list[str], bad: Any) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if not isinstance(value, dict):
        bad(key, "must be a mapping of kind id to {level, reasoning}")
        return out
    for kind, answer in value.items():
        field = f"{key}.{kind}"
        if kind not in allowed:
            bad(field, f"unknown kind {kind!r:.60}{did_you_mean(kind, allowed)}; allowed: {', '.join(allowed)}")
            continue
        if not isinstance(answer, dict) or set(answer) - {"level", "reasoning"}:
            bad(field, "must be a mapping with `level` and `reasoning`")
            continue
        level, reasoning = answer.get("level"), answer.get("reasoning")
        if level not in LEVELS:
            bad(f"{field}.level", f"must be one of {', '.join(LEVELS)}, not {level!r:.60}{did_you_mean(level, LEVELS)}")
            continue
        if not isinstance(reasoning, str) or not reasoning.strip() or len(reasoning) > MAX_TEXT:
            bad(f"{field}.reasoning", "must say why (a non-empty text): a level without reasoning is not a record")
            continue
        out[kind] = {"level": level, "reasoning": reasoning.strip()}
    return out


def _measures(value: Any, allowed: list[str], bad: Any) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    if not isinstance(value, dict):
        bad("measures", "must be a mapping of measure id (e.g. 'ICU C1') to {status, reason}")
        return out
    for mid, answer in value.items():
        field = f"measures.{mid}"
        if mid not in allowed:
            bad(field, f"unknown measure {mid!r:.60}{did_you_mean(mid, allowed)}; allowed: {', '.join(allowed)}")
            continue
        if not isinstance(answer, dict) or set(answer) - {"status", "reason"}:
            bad(field, "must be a mapping with `status` and `reason`")
            continue
        status, reason = answer.get("status"), answer.get("reason")
        if status not in STATUSES:
            bad(f"{field}.status", f"must be one of {', '.join(STATUSES)}, not {status!r:.60}")
            continue
        if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_TEXT):
            bad(f"{field}.reason", f"must be a text of at most {MAX_TEXT} characters")
            continue
        if status != "in use" and not (reason or "").strip():
            bad(f"{field}.reason", f"is required for {status!r} (OSA s.23(4) for an alternative measure)")
            continue
        out[mid] = {"status": status, "reason": (reason or "").strip()}
    return out
