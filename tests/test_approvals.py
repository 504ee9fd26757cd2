"""Sign-off recorded (approve) and a final mode that needs it (generate --final --approvals)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

from conftest import SAMPLES
from test_diff import V1, V2, run

DRAFT = "Draft — not legal advice"


def _packet(tmp_path: Path) -> Path:
    out = tmp_path / "review"
    result = run("review", V1, V2, "--profile", SAMPLES / "minimal.yaml", "-o", out, "--today", "2026-11-25")
    assert result.exit_code == 1, result.output
    return out


def test_approve_then_generate_final(tmp_path: Path) -> None:
    packet = _packet(tmp_path)
    approved = run("approve", packet, "--by", "A. Counsel", "--note", "March release", "--date", "2026-11-26")
    assert approved.exit_code == 0, approved.output
    data = json.loads((packet / "approvals.json").read_text())
    assert data["format"] == "policygen-approvals/1"
    entry = next(e for e in data["approvals"] if e["id"] == "sop.triage.urgent")
    assert entry["version"] == "1.1.0" and entry["hash"].startswith("sha256:")
    assert (entry["approver"], entry["date"], entry["note"]) == ("A. Counsel", "2026-11-26", "March release")
    assert any(e["id"] == "skeleton:tos" for e in data["approvals"])

    out = tmp_path / "site"
    result = run(
        "generate", SAMPLES / "minimal.yaml", "-o", out, "--library", V2, "--final", "--approvals",
        packet / "approvals.json", "--doc", "tos,sop,tips",  # the notice kit's forms still need notices.form_action
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("tos.md", "tos.html"):
        page = (out / name).read_text()
        assert DRAFT not in page.split("---", 2)[-1] if name.endswith(".md") else DRAFT not in page, name
    xml = zipfile.ZipFile(io.BytesIO((out / "tos.docx").read_bytes())).read("word/document.xml").decode()
    assert DRAFT not in xml and "Build: " not in xml
    head, page_body = (out / "tos.html").read_text().split("</head>", 1)
    digest = re.search(r'name="policygen:build-digest" content="sha256:([0-9a-f]{64})"', head).group(1)
    assert digest not in page_body and digest not in (out / "tos.md").read_text(), "no build details on the pages"
    assert "About this document" not in page_body
    assert run("generate", SAMPLES / "minimal.yaml", "-o", tmp_path / "draft", "--library", V2).exit_code == 0
    assert DRAFT in (tmp_path / "draft" / "tos.md").read_text(), "the draft banner stays the default"


def test_final_refuses_an_unapproved_clause(tmp_path: Path) -> None:
    packet = _packet(tmp_path)
    assert run("approve", packet, "--by", "A. Counsel").exit_code == 0
    lib = tmp_path / "lib"
    shutil.copytree(V2, lib)
    triage = lib / "sop" / "triage.md"
    triage.write_text(triage.read_text().replace("within 1 hour", "within 2 hours"))
    out = tmp_path / "site"
    result = run(
        "generate", SAMPLES / "minimal.yaml", "-o", out, "--library", lib, "--final", "--approvals",
        packet / "approvals.json",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "sop.triage.urgent" in result.output and "not approved" in result.output
    assert "tos.prohibited.evasion" not in result.output
    assert not out.exists(), "nothing written"


def test_final_refuses_a_to_complete_marker(tmp_path: Path) -> None:
    packet = _packet(tmp_path)
    assert run("approve", packet, "--by", "A. Counsel").exit_code == 0
    data = json.loads((packet / "approvals.json").read_text())
    lib = tmp_path / "lib"
    shutil.copytree(V2, lib)
    triage = lib / "sop" / "triage.md"
    triage.write_text(triage.read_text().replace("Tell the safety lead.", "Tell TO COMPLETE."))
    from generator.library import load_library

    clause = load_library(lib).clauses["sop.triage.urgent"]
    data["approvals"].append({"id": clause.id, "version": clause.version, "hash": clause.content_hash, "approver": "x"})
    (packet / "approvals.json").write_text(json.dumps(data))
    result = run(
        "generate", SAMPLES / "minimal.yaml", "-o", tmp_path / "site", "--library", lib, "--final", "--approvals",
        packet / "approvals.json",
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "TO COMPLETE" in result.output


def test_final_needs_approvals(tmp_path: Path) -> None:
    result = run("generate", SAMPLES / "minimal.yaml", "-o", tmp_path / "x", "--final")
    assert result.exit_code == 2 and "--approvals" in result.output


def test_review_force_replaces_the_earlier_packet_but_keeps_approvals(tmp_path: Path) -> None:
    """Issue 14: --force on review -o / diff -o left old redlines next to new ones."""
    out = tmp_path / "review"
    assert run("review", V1, V2, "--samples", SAMPLES, "-o", out, "--today", "2026-11-25").exit_code == 1
    assert (out / "redline" / "pixelpals" / "sop.docx").exists()
    assert run("approve", out, "--by", "A. Counsel").exit_code == 0
    again = run("review", V1, V2, "--profile", SAMPLES / "minimal.yaml", "-o", out, "--force", "--today", "2026-11-25")
    assert again.exit_code == 1, again.output
    assert not (out / "redline" / "pixelpals").exists(), "stale redlines removed"
    assert (out / "redline" / "sop.docx").exists() and (out / "approvals.json").exists()
    diff_out = tmp_path / "diff"
    assert run("diff", V1, V2, "--samples", SAMPLES, "-o", diff_out).exit_code == 1
    assert run("diff", V1, V2, "-p", SAMPLES / "minimal.yaml", "-o", diff_out, "--force").exit_code == 1
    assert sorted(p.name for p in (diff_out / "redline").iterdir()) == sorted(
        f"{d}.{f}" for d in ("sop", "tips", "tos") for f in ("md", "html", "docx")
    )


def test_summary_counts_are_singular_and_sections_sort_numerically() -> None:
    from generator.review.diff import number_key, plural

    assert plural(1, "change") == "1 change" and plural(2, "change") == "2 changes"
    assert sorted(["10.1", "11.2", "4.3", "A.1"], key=number_key) == ["4.3", "10.1", "11.2", "A.1"]


def test_strict_refuses_a_substantive_change_without_a_version_bump(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    shutil.copytree(V2, lib)
    triage = lib / "sop" / "triage.md"
    triage.write_text(triage.read_text().replace("version: 1.1.0", "version: 1.0.0"))
    warned = run("diff", V1, lib, "-p", SAMPLES / "minimal.yaml")
    assert warned.exit_code == 1 and "version not bumped" in warned.output
    strict = run("diff", V1, lib, "-p", SAMPLES / "minimal.yaml", "--strict")
    assert strict.exit_code == 2 and "sop.triage.urgent" in strict.output
    assert run("diff", V1, V2, "-p", SAMPLES / "minimal.yaml", "--strict").exit_code == 1


def test_rationale_commit_subjects_and_word_comments(tmp_path: Path) -> None:
    from test_diff import git

    repo = tmp_path / "repo"
    shutil.copytree(V1, repo / "clauses")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "v1")
    triage = repo / "clauses/sop/triage.md"
    text = triage.read_text().replace("within 24 hours", "within 1 hour").replace("version: 1.0.0", "version: 1.1.0")
    triage.write_text(text.replace("---\n", "---\nrationale: Regulator guidance asks for one hour.\n", 1))
    git(repo, "commit", "-qam", "Tighten urgent escalation to one hour")
    out = tmp_path / "packet"
    result = run("review", "git:HEAD~1", "git:HEAD", "-p", SAMPLES / "minimal.yaml", "-o", out, cwd=repo)
    assert result.exit_code == 1, result.output
    change = next(
        c for c in json.loads((out / "summary.json").read_text())["changes"] if c["id"] == "sop.triage.urgent"
    )
    assert change["rationale"] == "Regulator guidance asks for one hour."
    assert change["commits"] == ["Tighten urgent escalation to one hour"]
    summary = (out / "summary.md").read_text()
    assert "rationale: Regulator guidance" in summary and "commit: Tighten urgent escalation" in summary
    with zipfile.ZipFile(out / "redline/sop.docx") as z:
        comments = z.read("word/comments.xml").decode()
        document = z.read("word/document.xml").decode()
    assert "substantive" in comments and "Regulator guidance asks for one hour." in comments
    assert "commentReference" in document
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    assert f"commit {commit[:12]}" in document, "the cover names the commit compared"
