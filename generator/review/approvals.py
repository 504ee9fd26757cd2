"""Counsel's sign-off: the approvals file, and the check ``generate --final`` makes.

``policygen approve REVIEW_DIR --by NAME`` records one entry per clause
version (and per document skeleton) that the review packet covers, in
``REVIEW_DIR/approvals.json`` (schema ``policygen-approvals/1``, documented in
``docs/diff-format.md``). ``generate --final --approvals FILE`` refuses to
publish unless every included clause version and skeleton is approved.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..errors import Problem, UsageError

FORMAT = "policygen-approvals/1"
#: The literal marker another step leaves where a company must fill something in.
TO_COMPLETE = "TO COMPLETE"


def approvable(reviews: list[Any]) -> list[dict[str, Any]]:
    """Every clause version and skeleton on the new side of a review, once each (for summary.json)."""
    from .diff import skeleton_hash

    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for review in reviews:
        c = review.comparison
        for cid, clause in sorted(review.new_included.items()):
            seen.setdefault(
                (cid, clause.content_hash), {"id": cid, "version": clause.version, "hash": clause.content_hash}
            )
        if c is not None:
            for doc in sorted(review.new_docs):
                h = skeleton_hash(c.new_templates, doc)
                seen.setdefault((f"skeleton:{doc}", h), {"id": f"skeleton:{doc}", "version": None, "hash": h})
    return [seen[k] for k in sorted(seen)]


def read_approvals(path: str | Path) -> dict[str, Any]:
    """Read and check an approvals file.

    Raises:
        UsageError: when it is missing, not JSON, or not an approvals file.
    """
    shown = str(path)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--approvals {shown}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--approvals {shown}: cannot read it", [Problem(shown, "", str(exc))]) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("approvals"), list):
        raise UsageError(f"{shown} is not a policygen approvals file (format {FORMAT})")
    for i, entry in enumerate(data["approvals"]):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("id", "hash", "approver")):
            raise UsageError(
                f"{shown} is not a valid approvals file",
                [Problem(shown, f"approvals[{i}]", "needs id, hash, approver")],
            )
    return data


def approve(review_dir: str | Path, by: str, note: str | None, today: dt.date) -> tuple[Path, bytes, int]:
    """Build the approvals file for a review packet; return (path, bytes, entries added)."""
    folder = Path(review_dir)
    summary_path = folder / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{folder}: no summary.json; approve a folder written by `policygen review -o`") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{summary_path}: cannot read it ({exc})") from None
    items = summary.get("approvable") if isinstance(summary, dict) else None
    if not isinstance(items, list):
        raise UsageError(f"{summary_path}: lists nothing to approve (written by an older policygen?)")
    if not by.strip():
        raise UsageError("--by: name the person approving")
    target = folder / "approvals.json"
    existing = read_approvals(target)["approvals"] if target.exists() else []
    have = {(e["id"], e["hash"]) for e in existing}
    added = []
    for item in items:
        if (item["id"], item["hash"]) in have:
            continue
        added.append(
            {
                "id": item["id"],
                "version": item.get("version"),
                "hash": item["hash"],
                "approver": by.strip(),
                "date": today.isoformat(),
                "note": note,
                "review": {"old": summary.get("old"), "new": summary.get("new")},
            }
        )
    data = {"format": FORMAT, "approvals": sorted([*existing, *added], key=lambda e: (e["id"], e["hash"]))}
    return target, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode(), len(added)


def unapproved(builds: list[Any], templates: Any, approvals: dict[str, Any]) -> list[Problem]:
    """Included clause versions and skeletons with no approval, and TO COMPLETE markers left in documents."""
    from .diff import skeleton_hash

    ok = {(e["id"], e["hash"]) for e in approvals["approvals"]}
    problems: list[Problem] = []
    for b in builds:
        where = str(b.profile.source)
        for d in b.decisions:
            c = d.clause
            if d.included and c.doc in b.documents and (c.id, c.content_hash) not in ok:
                problems.append(Problem(where, c.id, f"version {c.version} is not approved"))
        for doc in b.documents:
            if doc not in templates.skeletons:  # the compliance records: built from clauses, no skeleton
                continue
            if (f"skeleton:{doc}", skeleton_hash(templates, doc)) not in ok:
                problems.append(Problem(where, f"skeleton:{doc}", "the document skeleton is not approved"))
        for name, data in b.files.items():
            if (
                name.endswith((".md", ".html", ".json"))
                and TO_COMPLETE.encode() in data
                or name.endswith(".docx")
                and _docx_has(data, TO_COMPLETE)
            ):
                problems.append(Problem(f"{where} → {name}", "", f'a "{TO_COMPLETE}" marker remains'))
    seen: set[tuple[str, str, str]] = set()
    out = []
    for p in problems:
        key = (p.file, p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _docx_has(data: bytes, text: str) -> bool:
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return text.encode() in z.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        return False
