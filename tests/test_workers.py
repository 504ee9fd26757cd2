"""A batch is built in child processes, group by group, and is still one transaction.

The children (``generator/workers.py``) must give exactly the files the
process itself would, pass a bad profile's error (and a bug's traceback) back
to the parent, which then writes nothing, leave no process behind, and refuse
a profile that changed between the check and the build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES

from generator import api, workers
from generator.errors import PolicyGenError, ProfileError

pytestmark = pytest.mark.skipif(not workers.can_fork(), reason="needs os.fork")


@pytest.fixture
def batch(tmp_path: Path) -> list[Path]:
    """Eleven profiles: three groups of at most four (the first built in the parent, the rest in children)."""
    folder = tmp_path / "profiles"
    folder.mkdir()
    samples = sorted(SAMPLES.glob("*.yaml"))
    out = []
    for i in range(11):
        target = folder / f"p{i:02d}-{samples[i % len(samples)].name}"
        shutil.copy(samples[i % len(samples)], target)
        out.append(target)
    return out


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def spawned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the child processes the batch starts."""
    pids: list[int] = []
    real = workers.Workers._spawn

    def spawn(self, index):  # noqa: ANN001, ANN202
        pid = real(self, index)
        pids.append(pid)
        return pid

    monkeypatch.setattr(workers.Workers, "_spawn", spawn)
    return pids


def _all_reaped(pids: list[int]) -> bool:
    """Every child has ended and been waited for (no process, no zombie left)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def _failing_for(profile: Path, error: Exception):  # noqa: ANN202
    """``api.build_many``, raising ``error`` for the group holding ``profile`` (children inherit it by fork)."""
    real = api.build_many

    def build_many(profiles, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if any(p.source == str(profile) for p in profiles):
            raise error
        return real(profiles, *args, **kwargs)

    return build_many


def test_children_build_exactly_what_the_process_builds(
    batch: list[Path], spawned: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forked = api.generate(batch, tmp_path / "forked", formats=["md", "html", "docx"], keep_builds=False)
    assert len(spawned) == 2, "the second and third groups are built in child processes"
    monkeypatch.setenv("POLICYGEN_NO_FORK", "1")
    alone = api.generate(batch, tmp_path / "alone", formats=["md", "html", "docx"], keep_builds=False)
    assert _tree(tmp_path / "forked") == _tree(tmp_path / "alone")
    assert len(forked.written) == len(alone.written) == len(list((tmp_path / "alone").rglob("*.*")))
    assert [(b.profile.source, len(b.files), b.clause_count, b.warnings, b.assumptions) for b in forked.builds] == [
        (b.profile.source, len(b.files), b.clause_count, b.warnings, b.assumptions) for b in alone.builds
    ]
    assert _all_reaped(spawned)


def test_an_error_in_a_child_fails_the_whole_batch_and_writes_nothing(
    batch: list[Path], spawned: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = _failing_for(batch[9], ProfileError(f"{batch[9]}: a clause cannot be rendered for this profile"))
    monkeypatch.setattr(api, "build_many", failing)  # children inherit it (fork)
    with pytest.raises(ProfileError, match="cannot be rendered"):
        api.generate(batch, tmp_path / "out", formats=["md"], keep_builds=False)
    assert not (tmp_path / "out").exists()
    assert _all_reaped(spawned)


def test_a_bug_in_a_child_comes_back_with_its_traceback(
    batch: list[Path], spawned: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buggy = _failing_for(batch[6], ZeroDivisionError("a real bug"))
    monkeypatch.setattr(api, "build_many", buggy)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: a real bug"):
        api.generate(batch, tmp_path / "out", formats=["md"], keep_builds=False)
    assert not (tmp_path / "out").exists()
    assert _all_reaped(spawned)


def test_a_profile_changed_after_its_check_is_refused(
    batch: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = api._checked

    def check_then_edit(path, deferred):  # noqa: ANN001, ANN202
        profile = real(path, deferred)
        if Path(path) == batch[5]:  # edited after its check, before its build
            text = batch[5].read_text(encoding="utf-8")
            batch[5].write_text(text.replace("  name: ", "  name: Renamed ", 1), encoding="utf-8")
        return profile

    monkeypatch.setattr(api, "_checked", check_then_edit)
    with pytest.raises(PolicyGenError, match="changed while the batch was being built"):
        api.generate(batch, tmp_path / "out", formats=["md"], keep_builds=False)
    assert not (tmp_path / "out").exists()


def test_children_add_to_the_cache(batch: list[Path], tmp_path: Path) -> None:
    from generator import cache
    from generator.documents import mdparse

    cache._texts.clear()  # what earlier tests in this process rendered and parsed is remembered in memory
    mdparse._parse_cached.cache_clear()
    api.generate(batch, tmp_path / "out", formats=["md"], keep_builds=False)
    cache.close()
    import sqlite3

    db = sqlite3.connect(Path(os.environ["POLICYGEN_CACHE_DIR"]) / cache.DB_NAME)
    try:
        kinds = {k for (k,) in db.execute("SELECT kind FROM entries")}
    finally:
        db.close()
    assert {"render", "markdown"} <= kinds


def test_a_child_asked_to_stop_unwinds_first(tmp_path: Path) -> None:
    """Stopping the batch lets a child's cleanup run (it stops a LibreOffice it started), then reaps it."""
    import contextlib
    import time

    marker = tmp_path / "cleaned-up"

    def build(index: int) -> int:
        if index == 0:
            return 0
        with contextlib.ExitStack() as stack:
            stack.callback(marker.write_text, "unwound", encoding="utf-8")
            time.sleep(60)  # a long build, stopped below
        return index

    pool = workers.Workers(3, build)
    pids: list[int] = []
    try:
        assert pool.result(0) == 0
        pids = list(pool.running.values())
        assert pids  # the next groups are building
        time.sleep(0.3)  # let them reach their build
    finally:
        started = time.monotonic()
        pool.close()
    assert time.monotonic() - started < workers.STOP_WAIT
    assert marker.read_text(encoding="utf-8") == "unwound"
    assert _all_reaped(pids)
    assert not pool.folder.exists()
