"""Hostile library sources: lockfiles and git revisions (issue 10, items 1, 10, 12 and 15).

Every test goes through the command line, as an attacker or an unlucky user would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import MINIMAL, REPO

from generator import __version__
from generator.cli import cli

FIX = Path(__file__).parent / "fixtures" / "diff"
V1, V2 = FIX / "v1", FIX / "v2"


def run(*args: object, cwd: Path | None = None) -> Result:
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, [str(a) for a in args])
    finally:
        os.chdir(old)


def refused(result: Result, *expected: str) -> None:
    """Exit 2 with a message, never a traceback; every expected text is in the message."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, (text, result.output)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def redigest(data: dict) -> dict:
    """Recompute the lock digest as docs/diff-format.md specifies (an honest writer of the edited lock)."""
    if "digest" in data:
        covered = {
            "format": data["format"],
            "generator": data["generator"],
            "templates": data["templates"],
            "library": {"name": data["library"]["name"], "version": data["library"]["version"]},
            "clauses": {cid: e["hash"] for cid, e in data["clauses"].items()},
        }
        canonical = json.dumps(covered, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        data["digest"] = sha(canonical)
    return data


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    return path


@pytest.fixture
def lock(tmp_path: Path, profile: Path) -> Path:
    path = tmp_path / "adopted.lock.json"
    result = run("generate", profile, "-o", tmp_path / "first", "--format", "md", "--library", V1, "--lock", path)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temporary folder for this run, so messages can be checked for temporary paths."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def edit(lock: Path, change, *, digest: bool = True) -> dict:
    data = json.loads(lock.read_text(encoding="utf-8"))
    change(data)
    if digest:
        redigest(data)
    lock.write_text(json.dumps(data), encoding="utf-8")
    return data


# -- item 1: lockfile clause ids never become paths ------------------------------------


def _commands(lock: Path, profile: Path, tmp_path: Path) -> dict[str, list[object]]:
    return {
        "generate": ["generate", profile, "-o", tmp_path / "out", "--format", "md", "--lock", lock],
        "diff": ["diff", lock, V2, "--profile", profile, "-o", tmp_path / "diff-out"],
        "review": ["review", lock, V2, "--profile", profile, "-o", tmp_path / "packet"],
    }


@pytest.mark.parametrize("command", ["generate", "diff", "review"])
@pytest.mark.parametrize("kind", ["relative", "absolute"])
def test_poisoned_lock_id_writes_nothing_anywhere(
    tmp_path: Path, scratch: Path, lock: Path, profile: Path, command: str, kind: str
) -> None:
    """A clause keyed ../../outside/x or /abs/x, with a matching sha256, is refused before any use."""
    victim = tmp_path / "outside"
    victim.mkdir()
    (victim / "x.md").write_text("precious, must survive\n")
    cid = "../../outside/x" if kind == "relative" else str(victim / "x")
    text = (V1 / "tos" / "joke.md").read_text(encoding="utf-8").replace("id: tos.", "id: tos.evil-")

    def poison(data: dict) -> None:
        data["clauses"][cid] = {"version": "1.0.0", "hash": sha(text), "text": text}

    edit(lock, poison)
    before = snapshot(tmp_path)
    result = run(*_commands(lock, profile, tmp_path)[command])
    refused(result, str(lock), "is not a clause id")
    assert snapshot(tmp_path) == before  # nothing written or overwritten, inside or outside


def test_diff_against_poisoned_lock_leaves_the_compared_library_alone(
    tmp_path: Path, scratch: Path, lock: Path, profile: Path
) -> None:
    """Today a lock id ../../lib/sop/triage overwrites the library being compared: '0 changes'."""
    lib = tmp_path / "lib"
    shutil.copytree(V2, lib)
    before = snapshot(lib)
    text = (V1 / "sop" / "triage.md").read_text(encoding="utf-8")
    edit(
        lock,
        lambda d: d["clauses"].update({"../../lib/sop/triage": {"version": "1.0.0", "hash": sha(text), "text": text}}),
    )
    refused(run("diff", lock, lib, "--profile", profile), "is not a clause id")
    assert snapshot(lib) == before


def test_lock_clauses_are_never_copied_to_disk(
    scratch: Path, monkeypatch: pytest.MonkeyPatch, lock: Path, profile: Path
) -> None:
    """A valid lock is read in memory: no temporary clause files at all (so no path is built from an id)."""
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp
    monkeypatch.setattr(tempfile, "mkdtemp", lambda *a, **k: made.append(k.get("prefix", "")) or real_mkdtemp(*a, **k))
    result = run("diff", lock, V2, "--profile", profile)
    assert result.exit_code == 1, result.output
    assert not [p for p in made if "lock" in p]


# -- item 10: empty, incomplete and drifted lockfiles ----------------------------------


def test_empty_library_folder_is_refused(tmp_path: Path, profile: Path) -> None:
    lib = tmp_path / "empty"
    lib.mkdir()
    (lib / "library.yaml").write_text("name: empty\nversion: 1.0.0\n")
    refused(run("generate", profile, "-o", tmp_path / "out", "--library", lib), "no clause")
    refused(
        run("generate", profile, "-o", tmp_path / "out", "--library", lib, "--lock", tmp_path / "l.json"), "no clause"
    )
    refused(run("diff", lib, V2, "--profile", profile), "no clause")
    assert not (tmp_path / "out").exists() and not (tmp_path / "l.json").exists()


def test_lock_with_no_clauses_is_refused(tmp_path: Path, lock: Path, profile: Path) -> None:
    edit(lock, lambda d: d["clauses"].clear())
    refused(run("generate", profile, "-o", tmp_path / "out", "--lock", lock), str(lock), "pins no clauses")
    refused(run("diff", lock, V2, "--profile", profile), "pins no clauses")
    assert not (tmp_path / "out").exists()


def test_lock_records_generator_templates_and_a_digest(lock: Path) -> None:
    data = json.loads(lock.read_text(encoding="utf-8"))
    assert data["format"] == "policygen-lock/2"
    assert data["generator"] == __version__
    assert data["templates"].startswith("sha256:") and len(data["templates"]) == 71
    assert data["digest"] == redigest(dict(data))["digest"]
    assert len(data["clauses"]) == 6


EDITS = {
    "clause deleted": lambda d: d["clauses"].pop("sop.triage.urgent"),
    "generator changed": lambda d: d.update(generator="9.9.9"),
    "library version changed": lambda d: d["library"].update(version="2.0.0"),
    "library name changed": lambda d: d["library"].update(name="other"),
    "templates changed": lambda d: d.update(templates="sha256:" + "0" * 64),
    "format downgraded": lambda d: d.update(format="policygen-lock/1"),
}


@pytest.mark.parametrize("change", list(EDITS))
def test_edited_lock_is_refused(tmp_path: Path, lock: Path, profile: Path, change: str) -> None:
    """An incomplete lock (a clause the adopted library had is gone) or an edited field never builds documents."""
    edit(lock, EDITS[change], digest=False)
    for extra in ([], ["--allow-drift"]):
        result = run("generate", profile, "-o", tmp_path / "out", "--lock", lock, *extra)
        refused(result, str(lock), "digest", "edited")
    assert not (tmp_path / "out").exists()


def test_lock_from_another_generator_version_needs_allow_drift(tmp_path: Path, lock: Path, profile: Path) -> None:
    edit(lock, lambda d: d.update(generator="0.0.1"))
    result = run("generate", profile, "-o", tmp_path / "out", "--format", "md", "--lock", lock)
    refused(result, str(lock), "generator", "0.0.1", __version__, "--allow-drift")
    assert not (tmp_path / "out").exists()
    refused(run("diff", lock, V2, "--profile", profile), "0.0.1", "--allow-drift")
    refused(run("review", lock, V2, "--profile", profile, "-o", tmp_path / "pk"), "0.0.1", "--allow-drift")
    ok = run("generate", profile, "-o", tmp_path / "out", "--format", "md", "--lock", lock, "--allow-drift")
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "out" / "tos.md").exists()
    assert run("diff", lock, V2, "--profile", profile, "--allow-drift").exit_code == 1


def test_lock_with_other_templates_needs_allow_drift(tmp_path: Path, lock: Path, profile: Path) -> None:
    tpl = tmp_path / "tpl"
    (tpl / "html").mkdir(parents=True)
    css = (REPO / "templates" / "html" / "style.css").read_text(encoding="utf-8")
    (tpl / "html" / "style.css").write_text(css + "\n/* house style */\n", encoding="utf-8")
    args = ["generate", profile, "-o", tmp_path / "out", "--format", "md", "--lock", lock, "--templates", tpl]
    refused(run(*args), str(lock), "templates", "--allow-drift")
    refused(run("diff", lock, V2, "--profile", profile, "--templates", tpl), "templates")
    assert run(*args, "--allow-drift").exit_code == 0
    # the same templates as when the lock was written: no drift
    again = run("generate", profile, "-o", tmp_path / "again", "--format", "md", "--lock", lock)
    assert again.exit_code == 0, again.output


def test_legacy_lock_needs_allow_drift(tmp_path: Path, lock: Path, profile: Path) -> None:
    def downgrade(d: dict) -> None:
        d["format"] = "policygen-lock/1"
        del d["templates"], d["digest"]

    edit(lock, downgrade, digest=False)
    refused(run("generate", profile, "-o", tmp_path / "out", "--lock", lock), "policygen-lock/1", "--allow-drift")
    ok = run("generate", profile, "-o", tmp_path / "out", "--format", "md", "--lock", lock, "--allow-drift")
    assert ok.exit_code == 0, ok.output


def _swapped(clauses: dict, a: str, b: str) -> dict:
    clauses[a], clauses[b] = clauses[b], clauses[a]
    return clauses


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["clauses"]["sop.triage.urgent"].update(version="9.0.0"), "clauses.sop.triage.urgent.version"),
        (
            lambda d: d["clauses"].update({"sop.triage.other": d["clauses"].pop("sop.triage.urgent")}),
            "sop.triage.other",
        ),
        (
            lambda d: d.update(clauses=_swapped(d["clauses"], "sop.triage.urgent", "tos.reporting.how")),
            "must be its id",
        ),
    ],
    ids=["version differs from text", "key is not the text's id", "two entries swap texts"],
)
def test_lock_entries_agree_with_their_texts(tmp_path: Path, lock: Path, profile: Path, change, expected: str) -> None:
    edit(lock, change)
    refused(run("generate", profile, "-o", tmp_path / "out", "--lock", lock), str(lock), expected)


# -- item 12 (lockfile half): malformed lockfiles are exit 2, never a traceback ---------


def _raw(text: str):
    return lambda lock: lock.write_bytes(text.encode("utf-8", "surrogatepass"))


def _json(change):
    def apply(lock: Path) -> None:
        data = json.loads(lock.read_text(encoding="utf-8"))
        change(data)
        lock.write_text(json.dumps(data), encoding="utf-8")  # ensure_ascii: a lone surrogate becomes \ud800

    return apply


def _first(d: dict) -> dict:
    return d["clauses"]["sop.triage.urgent"]


DEEP = 100_000
MALFORMED = {
    "clauses is a list": (_json(lambda d: d.update(clauses=list(d["clauses"].values()))), "clauses"),
    "library missing": (_json(lambda d: d.pop("library")), "library"),
    "library is text": (_json(lambda d: d.update(library="lib")), "library"),
    "text is a number": (_json(lambda d: _first(d).update(text=42)), "clauses.sop.triage.urgent.text"),
    "text is null": (_json(lambda d: _first(d).update(text=None)), "clauses.sop.triage.urgent.text"),
    "hash is a list": (_json(lambda d: _first(d).update(hash=[])), "clauses.sop.triage.urgent.hash"),
    "entry is a list": (_json(lambda d: d["clauses"].update({"sop.triage.urgent": []})), "sop.triage.urgent"),
    "key with slash": (_json(lambda d: d["clauses"].update({"tos/x": _first(d)})), "is not a clause id"),
    "key with NUL": (_json(lambda d: d["clauses"].update({"tos.x\x00y": _first(d)})), "is not a clause id"),
    "key is dot-dot": (_json(lambda d: d["clauses"].update({"..": _first(d)})), "is not a clause id"),
    "lone surrogate in text": (_json(lambda d: _first(d).update(text="a\ud800b")), "surrogate"),
    "lone surrogate in key": (_json(lambda d: d["clauses"].update({"tos.\udc00": _first(d)})), "surrogate"),
    "lone surrogate in name": (_json(lambda d: d["library"].update(name="\ud800")), "surrogate"),
    "deeply nested clause": (
        _raw('{"format": "policygen-lock/2", "clauses": ' + "[" * DEEP + "]" * DEEP + "}"),
        "deep",
    ),
    "deeply nested file": (_raw("[" * DEEP + "]" * DEEP), "deep"),
    "top level is a list": (_raw("[]"), "not a policygen lockfile"),
    "empty file": (_raw(""), "not JSON"),
    "not UTF-8": (lambda lock: lock.write_bytes(b'{"format": "\xff"}'), "not UTF-8"),
    "duplicate key": (_raw('{"format": "policygen-lock/2", "format": "policygen-lock/2"}'), "appears twice"),
    "unknown field": (_json(lambda d: d.update(clause={})), "did you mean 'clauses'"),
    "format is a number": (_json(lambda d: d.update(format=2)), "not a policygen lockfile"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_lock_is_a_clear_error(tmp_path: Path, lock: Path, profile: Path, case: str) -> None:
    write, expected = MALFORMED[case]
    write(lock)
    for args in (
        ["generate", profile, "-o", tmp_path / "out", "--lock", lock, "--allow-drift"],
        ["diff", lock, V2, "--profile", profile],
    ):
        refused(run(*args), str(lock), expected)
    assert not (tmp_path / "out").exists()


def test_lock_that_is_not_a_regular_file_is_refused(tmp_path: Path, profile: Path) -> None:
    fifo = tmp_path / "fifo.lock.json"
    os.mkfifo(fifo)
    refused(run("generate", profile, "-o", tmp_path / "out", "--lock", fifo), "not a regular file")


# -- item 15: git sources ---------------------------------------------------------------


def git(cwd: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@x",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@x",
    }
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=env, **kw)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(V1, root / "clauses")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "v1")
    return root


def _no_temp_paths(output: str, scratch: Path) -> None:
    assert "policygen-git-" not in output and "policygen-lock-" not in output, output
    assert str(scratch) not in output, output


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside.md", "log.md"])
def test_committed_symlink_under_clauses_is_exit_2(repo: Path, profile: Path, scratch: Path, target: str) -> None:
    (repo / "clauses" / "sop" / "evil.md").symlink_to(target)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "link")
    result = run("diff", "git:HEAD", V2, "--profile", profile, cwd=repo)
    refused(result, "git:HEAD:clauses/sop/evil.md", "symbolic link")
    _no_temp_paths(result.output, scratch)


def test_committed_submodule_under_clauses_is_exit_2(repo: Path, profile: Path, scratch: Path) -> None:
    head = git(repo, "rev-parse", "HEAD").stdout.decode().strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},clauses/vendor")
    git(repo, "commit", "-qm", "submodule")
    result = run("diff", "git:HEAD", V2, "--profile", profile, cwd=repo)
    refused(result, "git:HEAD:clauses/vendor", "submodule")
    _no_temp_paths(result.output, scratch)


@pytest.mark.parametrize("target", ["/etc/passwd", "../../outside.css", "page.html"])
def test_committed_symlink_under_templates_is_exit_2(repo: Path, profile: Path, scratch: Path, target: str) -> None:
    """A git: side reads the skeletons at its revision too: same rule as clauses, no traceback."""
    (repo / "templates" / "html").mkdir(parents=True)
    (repo / "templates" / "html" / "style.css").symlink_to(target)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "link")
    result = run("diff", "git:HEAD", V2, "--profile", profile, cwd=repo)
    refused(result, "git:HEAD:templates/html/style.css", "symbolic link")
    _no_temp_paths(result.output, scratch)


def test_git_errors_name_the_revision_and_path(repo: Path, profile: Path, scratch: Path) -> None:
    (repo / "clauses" / "sop" / "broken.md").write_text("no front matter\n")
    (repo / "clauses" / "library.yaml").write_text("name: x\nversion: one\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "broken")
    result = run("diff", "git:HEAD", V2, "--profile", profile, cwd=repo)
    refused(result, "git:HEAD:clauses/sop/broken.md:1", "git:HEAD:clauses/library.yaml")
    _no_temp_paths(result.output, scratch)


def test_lock_errors_name_the_lockfile_and_clause_id(tmp_path: Path, lock: Path, profile: Path, scratch: Path) -> None:
    text = (V1 / "sop" / "triage.md").read_text(encoding="utf-8").replace("title:", "title: [unclosed", 1)
    edit(lock, lambda d: _first(d).update(text=text, hash=sha(text)))
    result = run("diff", lock, V2, "--profile", profile)
    refused(result, f"{lock}[sop.triage.urgent]")
    _no_temp_paths(result.output, scratch)


def test_git_absolute_path_is_refused(repo: Path, profile: Path) -> None:
    """git:REV:/abs read the working tree, not the revision."""
    result = run("diff", f"git:HEAD:{repo / 'clauses'}", V2, "--profile", profile, cwd=repo)
    refused(result, "absolute path")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("git:HEAD:../repo/clauses", "leaves the repository"),
        ("git:--output=x", "is not a git revision"),
        ("git:HEAD:clauses/sop/log.md", "is not a folder"),
        ("git:HEAD:nope", "does not exist at revision HEAD"),
    ],
)
def test_bad_git_specs_are_refused(repo: Path, profile: Path, spec: str, expected: str) -> None:
    refused(run("diff", spec, V2, "--profile", profile, cwd=repo), expected)
    assert not (repo / "x").exists()


def test_git_source_reads_the_revision_at_a_subpath(repo: Path, profile: Path) -> None:
    (repo / "clauses" / "sop" / "triage.md").write_text("working tree: must not be read\n")
    result = run("diff", "git:HEAD:clauses", V1, "--profile", profile, cwd=repo)
    assert result.exit_code == 0, result.output
    result = run("diff", "git:HEAD:./clauses/", V2, "--profile", profile, cwd=repo)
    assert result.exit_code == 1, result.output


def test_oversized_clause_in_git_is_refused_by_name(repo: Path, profile: Path, scratch: Path) -> None:
    (repo / "clauses" / "tos" / "big.md").write_bytes(b"x" * (2 * 1024 * 1024))
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "big")
    result = run("diff", "git:HEAD", V2, "--profile", profile, cwd=repo)
    refused(result, "git:HEAD:clauses/tos/big.md", "2,097,152 bytes", "1,048,576")
    _no_temp_paths(result.output, scratch)


def test_git_source_never_reads_big_files_into_memory(repo: Path, profile: Path) -> None:
    """A 300 MB file in the revision: git archive piped it all into memory (over 600 MB peak)."""
    size = 300 * 1024 * 1024
    blob = git(repo, "hash-object", "-w", "--stdin", input=b"\0" * size).stdout.decode().strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},clauses/assets/scan.bin")
    git(repo, "commit", "-qm", "big asset")
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
        "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", probe, sys.executable, "-m", "generator", "diff", "git:HEAD", str(V1)]
    out = subprocess.run([*cmd, "--profile", str(profile)], cwd=repo, env=env, capture_output=True, text=True)
    code, peak_kib = map(int, out.stdout.split())
    assert code == 0
    assert peak_kib < 200 * 1024, f"peak memory {peak_kib // 1024} MiB for a 300 MiB file that is never needed"


@pytest.mark.parametrize("name", ["../x.md", "/abs/x.md", "redline/../../x.md", ".hidden", "a//b.md", "a\x00b"])
def test_review_packet_names_stay_inside_the_output_folder(name: str) -> None:
    """Defence in depth: a file name built from an id or a profile name cannot leave the packet folder."""
    from generator.errors import OutputError
    from generator.review.packet import _checked

    with pytest.raises(OutputError, match="Refusing to write"):
        _checked({"summary.md": b"", name: b""})
    assert _checked({"summary.md": b"", "redline/pixel-pals/tos.docx": b""})
