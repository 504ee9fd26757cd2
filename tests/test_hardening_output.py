"""Issue 10, data safety: --force is all or nothing, parallel runs, the lockfile, PDFs, permissions.

Every run that writes goes through ``generator.output.commit``: lock the
folder, check every target, stage beside the targets, swap with signals held,
roll back on any failure. These tests drive it through the command line (real
processes where signals and races matter) and by injecting failures at every
rename of the swap.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import MINIMAL, SAMPLES, files_in, make_library

from generator import output
from generator.errors import OutputError

PY = sys.executable


def cli(*args: str | Path, env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [PY, "-m", "generator", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
        **kw,
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under folder (links as 'link -> target'), hidden files included."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = b"link -> " + os.readlink(path).encode()
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel + "/"] = b""
    return out


def assert_complete_build(folder: Path) -> str:
    """The folder holds exactly one build: manifest.json lists every document file with its hash."""
    manifest = json.loads((folder / "manifest.json").read_bytes())
    listed = {}
    for doc in manifest["documents"].values():
        for entry in doc["files"].values():
            listed[entry["path"]] = entry["sha256"]
    assert listed, "the manifest lists no files"
    for name, digest in listed.items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, f"{name} is from another build"
    names = files_in(folder)
    assert names == {*listed, "manifest.json", "sop.json"}, f"unexpected files: {sorted(names)}"
    return manifest["profile"]["digest"]


@pytest.fixture
def two_profiles(tmp_path: Path) -> tuple[Path, Path]:
    """Two profiles that give different documents."""
    a = tmp_path / "a.yaml"
    a.write_text(MINIMAL, encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text(MINIMAL.replace("PixelPals", "OtherCo"), encoding="utf-8")
    return a, b


# -- item 6: --force replaces the folder's files as one step ------------------------------------


def test_force_with_a_folder_in_the_way_changes_nothing(tmp_path: Path, library: Path, two_profiles) -> None:
    a, b = two_profiles
    good = tmp_path / "good"
    assert cli("generate", a, "-o", good, "--library", library).returncode == 0
    (good / "tos.md").unlink()
    (good / "tos.md").mkdir()
    before = snapshot(good)
    result = cli("generate", b, "-o", good, "--library", library, "--force")
    assert result.returncode == 2, result.stderr
    assert "tos.md" in result.stderr and "folder" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(good) == before, "a failed --force run changed files"


SWAP_RENAMES = 7 + 9  # 7 existing files moved aside, 9 new ones moved into place


@pytest.mark.parametrize("fail_at", range(SWAP_RENAMES + 2))
def test_a_failure_at_any_rename_of_the_swap_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    out = tmp_path / "out"
    old = {f"f{i}.txt": f"old {i}\n".encode() for i in range(6)} | {"manifest.json": b"old\n"}
    output.write_files(out, old, force=False)
    (out / "user-notes.txt").write_text("mine")
    before = snapshot(out)
    new = {f"f{i}.txt": f"new {i}\n".encode() for i in range(8)} | {"manifest.json": b"new\n"}
    calls = {"n": 0}
    real_rename = os.rename

    def flaky(src, dst, *a, **kw):
        calls["n"] += 1
        if calls["n"] == fail_at + 1:
            raise OSError(5, "Input/output error", str(dst))
        return real_rename(src, dst, *a, **kw)

    monkeypatch.setattr(output.os, "rename", flaky)
    if fail_at < SWAP_RENAMES:
        with pytest.raises(OutputError, match="nothing was written"):
            output.write_files(out, new, force=True)
        assert snapshot(out) == before
    else:
        output.write_files(out, new, force=True)
        assert snapshot(out) == {**new, "user-notes.txt": b"mine"}


def test_keyboard_interrupt_during_the_swap_puts_everything_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C half way through the renames: held until the swap ends, then everything is put back."""
    out = tmp_path / "out"
    output.write_files(out, {f"f{i}": b"old" for i in range(5)}, force=False)
    before = snapshot(out)
    real_rename = os.rename
    calls = {"n": 0}

    def rename_then_signal(src, dst, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 4:
            os.kill(os.getpid(), signal.SIGINT)
        return real_rename(src, dst, *a, **kw)

    monkeypatch.setattr(output.os, "rename", rename_then_signal)
    with pytest.raises(KeyboardInterrupt):
        output.write_files(out, {f"f{i}": b"new" for i in range(5)}, force=True)
    assert calls["n"] > 4, "the signal stopped the swap half way"
    assert snapshot(out) == before


@pytest.mark.parametrize("when", ["swap", "after the swap"])
def test_a_signal_whose_handler_returns_is_honoured_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """A handler that does not stop the run: during the swap the old files come back, after it the new stay."""
    out = tmp_path / "out"
    output.write_files(out, {"a": b"old", "b": b"old"}, force=False)
    seen = []
    previous = signal.signal(signal.SIGHUP, lambda s, f: seen.append(s))
    patched = "rename" if when == "swap" else "unlink"
    real = getattr(os, patched)

    def send_hup(*a, **kw):
        if not seen:
            os.kill(os.getpid(), signal.SIGHUP)
        return real(*a, **kw)

    monkeypatch.setattr(output.os, patched, send_hup)
    try:
        if when == "swap":
            with pytest.raises(OutputError, match="Interrupted"):
                output.write_files(out, {"a": b"new", "b": b"new"}, force=True)
            assert snapshot(out) == {"a": b"old", "b": b"old"}
        else:
            output.write_files(out, {"a": b"new", "b": b"new"}, force=True)
            assert snapshot(out) == {"a": b"new", "b": b"new"}
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert seen == [signal.SIGHUP], "the signal was delivered once, after the swap"


def test_a_journal_left_by_a_killed_run_is_rolled_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGKILL cannot be caught: the next run finds the journal and restores the previous set."""
    out = tmp_path / "out"
    output.write_files(out, {"a": b"old a", "sub/b": b"old b"}, force=False)
    before = snapshot(out)
    real_rename = os.rename
    calls = {"n": 0}

    def die(src, dst, *a, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise SystemExit("killed")  # stands in for SIGKILL: no rollback may run
        return real_rename(src, dst, *a, **kw)

    monkeypatch.setattr(output.os, "rename", die)
    monkeypatch.setattr(output, "_undo", lambda groups: None)
    with pytest.raises(SystemExit):
        output.write_files(out, {"a": b"new a", "sub/b": b"new b", "sub/c/d": b"new d"}, force=True)
    assert snapshot(out) != before
    monkeypatch.undo()
    with pytest.raises(OutputError, match="already exist"):
        output.write_files(out, {"a": b"x"}, force=False)  # recovery runs first, under the lock
    assert snapshot(out) == before


def test_mount_point_or_read_only_parent_stages_inside_the_folder(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root ignores folder permissions")
    parent = tmp_path / "ro"
    out = parent / "out"
    output.write_files(out, {"a": b"old"}, force=False)
    parent.chmod(0o555)
    try:
        output.write_files(out, {"a": b"new", "b": b"new"}, force=True)
    finally:
        parent.chmod(0o755)
    assert snapshot(out) == {"a": b"new", "b": b"new"}


@pytest.fixture
def mount_point(tmp_path: Path):
    """A tmpfs mounted on an empty folder (needs root and mount rights; skipped otherwise)."""
    target = tmp_path / "mnt"
    target.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(target)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_output_folder_that_is_a_mount_point(mount_point: Path, library: Path, two_profiles) -> None:
    a, b = two_profiles
    for profile, extra in ((a, []), (b, ["--force"])):
        r = cli("generate", profile, "-o", mount_point, "--library", library, *extra)
        assert r.returncode == 0, r.stderr  # was: "Invalid cross-device link", exit 2
    assert_complete_build(mount_point)


def test_read_only_parent_as_an_ordinary_user(two_profiles) -> None:
    """Root ignores folder permissions, so the run is made as user nobody (65534)."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root to switch to an unprivileged user")
    base = Path(tempfile.mkdtemp(prefix="policygen-ro-"))  # pytest's own tmp folders are private
    try:
        base.chmod(0o755)
        library = make_library(base / "lib")
        profiles = [shutil.copy(p, base / p.name) for p in two_profiles]
        out = base / "ro" / "out"
        out.mkdir(parents=True)
        (base / "ro").chmod(0o555)
        home = base / "home"
        home.mkdir()
        for path in (out, home):
            os.chown(path, 65534, 65534)
        run_as = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        env = {**os.environ, "HOME": str(home), "POLICYGEN_CACHE_DIR": str(home / "cache")}
        probe = subprocess.run([*run_as, PY, "-c", "import generator"], capture_output=True, env=env, cwd=home)
        if probe.returncode:
            pytest.skip("user nobody cannot run the code in this checkout")
        for profile, extra in ((profiles[0], []), (profiles[1], ["--force"])):
            cmd = [*run_as, PY, "-m", "generator", "generate", str(profile), "-o", str(out), "--library", str(library)]
            r = subprocess.run([*cmd, *extra], capture_output=True, text=True, env=env, cwd=home)
            assert r.returncode == 0, r.stderr
        assert_complete_build(out)
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base)


def test_staging_never_leaves_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rename stays in the folder it writes to, so a mount point (EXDEV) cannot break it."""
    out = tmp_path / "out"
    output.write_files(out, {"a": b"old", "p/b": b"old"}, force=False)
    real_rename = os.rename
    seen = []

    def same_folder_only(src, dst, *a, **kw):
        seen.append((src, dst))
        if Path(src).parent != Path(dst).parent:
            raise OSError(18, "Invalid cross-device link", str(dst))
        return real_rename(src, dst, *a, **kw)

    monkeypatch.setattr(output.os, "rename", same_folder_only)
    output.write_files(out, {"a": b"new", "p/b": b"new", "p/q/c": b"new"}, force=True)
    assert snapshot(out) == {"a": b"new", "p/": b"", "p/b": b"new", "p/q/": b"", "p/q/c": b"new"}
    assert seen


# -- item 7: parallel runs into one new folder --------------------------------------------------


def test_eight_parallel_runs_into_one_new_folder_exactly_one_wins(tmp_path: Path, library: Path, profile) -> None:
    out = tmp_path / "new"
    go = tmp_path / "go"
    # Each process waits for the same moment, so they really race for the folder.
    starter = (
        "import os, sys, time\n"
        "from generator.cli import main\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.005)\n"
        "sys.argv = ['policygen', *sys.argv[1:]]\n"
        "main()\n"
    )
    procs = [
        subprocess.Popen(
            [PY, "-c", starter, "generate", str(profile), "-o", str(out), "--library", str(library)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    time.sleep(1.5)
    go.touch()
    results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0] + [2] * 7, [r[2] for r in results]
    for code, _, err in results:
        if code == 2:
            assert "already exist" in err and "--force" in err and "Traceback" not in err
    assert_complete_build(out)
    assert not [p for p in out.iterdir() if p.name.startswith(".policygen-")]


# -- item 8: the lockfile is part of the same transaction ---------------------------------------


def test_unwritable_lock_path_writes_nothing(tmp_path: Path, library: Path, profile) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the lock's folder should be")
    out = tmp_path / "out"
    result = cli("generate", profile, "-o", out, "--library", library, "--lock", blocker / "policy.lock")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(blocker) in result.stderr
    assert not out.exists(), "documents were written although the lock could not be"


def test_existing_link_at_lock_path_writes_nothing(tmp_path: Path, library: Path, profile) -> None:
    lock = tmp_path / "policy.lock"
    lock.symlink_to(tmp_path / "elsewhere.lock")  # dangling: Path.exists() is False
    out = tmp_path / "out"
    result = cli("generate", profile, "-o", out, "--library", library, "--lock", lock)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not out.exists() and not (tmp_path / "elsewhere.lock").exists()


def test_lock_and_documents_are_written_together(tmp_path: Path, library: Path, profile) -> None:
    out, lock = tmp_path / "out", tmp_path / "locks" / "policy.lock"
    result = cli("generate", profile, "-o", out, "--library", library, "--lock", lock)
    assert result.returncode == 0, result.stderr
    assert json.loads(lock.read_text())["clauses"]
    assert_complete_build(out)


# -- item 17: PDFs do not depend on the time zone or locale -------------------------------------


@pytest.mark.slow
def test_pdf_bytes_do_not_depend_on_time_zone_or_locale(tmp_path: Path) -> None:
    from generator.render.pdf import find_soffice

    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    sample = SAMPLES / "pixelpals.yaml"
    runs = {
        "utc": {"TZ": "UTC", "LANG": "C.UTF-8"},
        "kolkata": {"TZ": "Asia/Kolkata", "LANG": "de_DE.UTF-8", "LC_ALL": "de_DE.UTF-8", "LANGUAGE": "de"},
    }
    for name, env in runs.items():
        r = cli("generate", sample, "-o", tmp_path / name, "--format", "pdf", "--doc", "tos", env=env)
        assert r.returncode == 0, r.stderr
    assert (tmp_path / "utc" / "tos.pdf").read_bytes() == (tmp_path / "kolkata" / "tos.pdf").read_bytes()


# -- item 18: permissions, and coverage -o / init through the same writer -----------------------


def test_new_output_folders_follow_the_umask(tmp_path: Path, library: Path, two_profiles) -> None:
    out = tmp_path / "site"
    r = cli("generate", *two_profiles, "-o", out, "--library", library, env={}, preexec_fn=lambda: os.umask(0o022))
    assert r.returncode == 0, r.stderr
    for path in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), f"{path}: {oct(mode)}"


@pytest.mark.parametrize("command", ["coverage", "init"])
def test_coverage_and_init_never_write_through_a_link(tmp_path: Path, command: str) -> None:
    victim = tmp_path / "victim.txt"
    link = tmp_path / "out.txt"
    link.symlink_to(victim)  # dangling
    args = {
        "coverage": ["coverage", "--format", "csv", "-o", link, "--force"],
        "init": [
            "init",
            link,
            "--no-input",
            "--name",
            "X",
            "--safety-email",
            "s@x.example",
            "--service",
            "photo-sharing",
            "--force",
        ],
    }[command]
    r = cli(*args)
    assert "Traceback" not in r.stderr
    assert not victim.exists(), "written through the link"
    # with --force the link itself is replaced by a real file, atomically
    assert r.returncode in (0, 1), r.stderr
    assert not link.is_symlink() and link.is_file()


@pytest.mark.parametrize("command", ["coverage", "init"])
def test_coverage_and_init_refuse_a_dangling_link_without_force(tmp_path: Path, command: str) -> None:
    victim = tmp_path / "victim.txt"
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    args = {
        "coverage": ["coverage", "--format", "csv", "-o", link],
        "init": [
            "init",
            link,
            "--no-input",
            "--name",
            "X",
            "--safety-email",
            "s@x.example",
            "--service",
            "photo-sharing",
        ],
    }[command]
    r = cli(*args)
    assert r.returncode == 2 and "exist" in r.stderr and "Traceback" not in r.stderr
    assert link.is_symlink() and not victim.exists()


def test_coverage_out_is_atomic_and_follows_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "cov.csv"
    r = cli("coverage", "--format", "csv", "-o", target, preexec_fn=lambda: os.umask(0o022))
    assert r.returncode in (0, 1), r.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".policygen-")]


# -- item 6 under real signals ------------------------------------------------------------------


RUNS = 150


@pytest.mark.slow
def test_force_runs_killed_at_random_moments_leave_one_complete_build(tmp_path: Path, two_profiles) -> None:
    """SIGINT / SIGTERM at RUNS random moments of --force runs: the old build or the new, never a mix.

    The moments are drawn over the whole run, weighted towards its end where
    the swap happens. "No output was written or changed" must mean the old
    build is there; exit 0 must mean the new one.
    """
    library = make_library(tmp_path / "lib")
    profiles = {"a": two_profiles[0], "b": two_profiles[1]}
    digests = {}
    start = time.monotonic()
    for name, p in profiles.items():
        assert cli("generate", p, "-o", tmp_path / f"probe-{name}", "--library", library).returncode == 0
        digests[name] = assert_complete_build(tmp_path / f"probe-{name}")
    duration = (time.monotonic() - start) / 2
    out = tmp_path / "out"
    assert cli("generate", profiles["a"], "-o", out, "--library", library).returncode == 0
    rng = random.Random(10)
    current = "a"
    outcomes = {"kept old": 0, "new": 0}
    for i in range(RUNS):
        nxt = "b" if current == "a" else "a"
        cmd = ["generate", profiles[nxt], "-o", out, "--library", library, "--force", "-q"]
        proc = subprocess.Popen(
            [PY, "-m", "generator", *map(str, cmd)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        time.sleep(duration * 1.2 * rng.random() ** 0.5)
        proc.send_signal(rng.choice([signal.SIGINT, signal.SIGTERM]))
        _, err = proc.communicate(timeout=120)
        # Tolerated noise, not about the output: CPython's "Exception ignored in: ZipFile.__del__"
        # when Ctrl-C hit a ZipFile constructor, and Ctrl-C while Python was still importing.
        own = err.split("Exception ignored in:")[0]
        if "Traceback" in own:
            assert own.rstrip().endswith("KeyboardInterrupt") and "generator/api.py" not in own, err
        found = assert_complete_build(out)
        assert not [p for p in out.iterdir() if p.name.startswith(".policygen-")], f"run {i}: litter left"
        assert found in (digests[current], digests[nxt])
        if proc.returncode < 0:
            # Killed by the default action: before main() installed its handlers (nothing written
            # yet) or while Python shut down after a complete run. What it did claim must hold.
            if "no output was written" in err:
                assert found == digests[current], f"run {i}: 'no output was written or changed' but it changed"
        elif proc.returncode == 0 or "no output was written" not in err:
            assert proc.returncode in (0, 130), err
            assert found == digests[nxt], f"run {i}: exit {proc.returncode} but the old build is there: {err}"
        else:
            assert proc.returncode == 130, err
            assert found == digests[current], f"run {i}: 'no output was written or changed' but it changed"
        outcomes["new" if found == digests[nxt] else "kept old"] += 1
        kind = f"exit {proc.returncode}" + (" after the swap" if "after the output" in err else "")
        outcomes[kind] = outcomes.get(kind, 0) + 1
        current = "b" if found == digests["b"] else "a"
    print(outcomes)
    assert outcomes["new"] >= 5 and outcomes["kept old"] >= 5, outcomes


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name an fsync-ed file")
@pytest.mark.parametrize("n_files", [3, 600])  # a few files synced in turn; a batch's many, in parallel
def test_every_staged_file_is_on_disk_before_any_rename(
    n_files: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fsyncs are deferred and grouped; none may come after the first file is renamed into place."""
    synced: set[str] = set()
    events: list[str] = []
    real_fsync, real_rename = os.fsync, os.rename

    def fsync(fd: int) -> None:
        real_fsync(fd)
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))

    def rename(src, dst) -> None:  # noqa: ANN001
        if f"{output.PREFIX}new-" in str(src):
            events.append("rename")
            assert os.path.realpath(src) in synced, f"{src} renamed into place before it was fsync-ed"
        real_rename(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", rename)
    files = {f"f{i}.txt": f"file {i}\n".encode() for i in range(n_files)}
    output.write_files(tmp_path / "out", files, force=False)
    assert events.count("rename") == n_files
    assert (tmp_path / "out" / f"f{n_files - 1}.txt").read_bytes() == f"file {n_files - 1}\n".encode()
