"""Issue 10, items 2, 4, 9, 13, 14 and part of 18: the cache, template folders and hostile libraries.

The cache folder, a ``--templates`` folder and a clause library may all be
written by someone else. Whatever they hold, policygen produces the right
text or exits 2 naming the file: it never runs code from them, follows a
link out of them, hangs, crashes, or prints a memory address.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import MINIMAL, REPO, SAMPLES, clause, files_in, make_library

from generator import cache
from generator.cli import cli

LEGAL_TEXT = "SI 2026/268"  # in pixelpals' SOP (UK reporting regulations)


def run_cli(args: list[str], cache_dir: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run policygen in a fresh process (a crash or hang shows as such, not as a test-runner failure)."""
    environ = {**os.environ, "POLICYGEN_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO), **env}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], capture_output=True, text=True, timeout=timeout, env=environ
    )


def db_of(cache_dir: Path) -> Path:
    return cache_dir / cache.DB_NAME


def rows(cache_dir: Path) -> list[tuple[str, str, str, bytes]]:
    """Every row of the cache database, read directly (not through policygen's checks)."""
    with contextlib.closing(sqlite3.connect(db_of(cache_dir))) as conn:
        return conn.execute("SELECT kind, digest, seal, payload FROM entries ORDER BY kind, digest").fetchall()


def rewrite(cache_dir: Path, change) -> int:  # noqa: ANN001
    """Replace each row's (seal, payload) by ``change(row)`` where it returns one; return how many changed."""
    changed = 0
    with contextlib.closing(sqlite3.connect(db_of(cache_dir))) as conn, conn:
        for kind, digest, seal, payload in rows(cache_dir):
            new = change(kind, digest, seal, payload)
            if new is not None:
                conn.execute(
                    "UPDATE entries SET seal = ?, payload = ? WHERE kind = ? AND digest = ?", (*new, kind, digest)
                )
                changed += 1
    return changed


def schema(cache_dir: Path) -> set[tuple]:
    with contextlib.closing(sqlite3.connect(db_of(cache_dir))) as conn:
        return set(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))


def read_outputs(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in sorted(files_in(folder))}


# -- item 2: the cache holds sealed data, never code ----------------------------------------------


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A cache warmed by one run of pixelpals (md only), and that run's output."""
    root = tmp_path_factory.mktemp("warm")
    result = run_cli(
        ["generate", str(SAMPLES / "pixelpals.yaml"), "-o", str(root / "out"), "--format", "md", "-q"], root / "cache"
    )
    assert result.returncode == 0, result.stderr
    out = read_outputs(root / "out")
    assert LEGAL_TEXT.encode() in out["sop.md"]
    return root / "cache", out


def generate_with_cache(copy: Path, tmp_path: Path, timeout: float = 120) -> dict[str, bytes]:
    """Run pixelpals (md) with ``copy`` as the cache folder in a fresh process; return its files."""
    result = run_cli(
        ["generate", str(SAMPLES / "pixelpals.yaml"), "-o", str(tmp_path / "out"), "--format", "md", "-q"],
        copy,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return read_outputs(tmp_path / "out")


def test_every_cache_entry_is_sealed_json_data(warm_cache, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir, _ = warm_cache
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(cache_dir))
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    assert sorted(p.name for p in cache_dir.iterdir()) == [cache.DB_NAME], "one file, no journal left behind"
    assert schema(cache_dir) == cache._SCHEMA
    found = rows(cache_dir)
    # (the built-in library's metadata ships parsed with the package, so it has no entry here)
    assert {kind for kind, *_ in found} >= {"markdown", "render"}
    for kind, digest, seal, payload in found:
        assert seal == cache._seal(kind, digest, payload), (kind, digest)
        assert cache.load(kind, digest) == payload, f"{kind}/{digest}: the integrity digest does not match"
        json.loads(payload)  # plain JSON: nothing to unmarshal, unpickle or compile
    cache.close()


def _copy(cache_dir: Path, dest: Path) -> Path:
    shutil.copytree(cache_dir, dest)
    return dest


def test_garbled_legal_text_in_the_cache_never_reaches_the_documents(warm_cache, tmp_path: Path) -> None:
    cache_dir, out = warm_cache
    copy = _copy(cache_dir, tmp_path / "cache")

    def garble(kind: str, digest: str, seal: str, payload: bytes) -> tuple[str, bytes] | None:
        if b"2026/268" in payload:
            return seal, payload.replace(b"2026/268", b"202$/268")  # still valid JSON
        return None

    assert rewrite(copy, garble)
    assert generate_with_cache(copy, tmp_path) == out


def _flip(rng: random.Random, data: bytes, times: int = 3) -> bytes:
    flipped = bytearray(data)
    for _ in range(times):
        i = rng.randrange(len(flipped))
        flipped[i] ^= 1 << rng.randrange(8)
    return bytes(flipped)


def test_flipped_bytes_in_every_row_never_change_output_or_crash(warm_cache, tmp_path: Path) -> None:
    cache_dir, out = warm_cache
    copy = _copy(cache_dir, tmp_path / "cache")
    rng = random.Random(10)
    n = rewrite(copy, lambda kind, digest, seal, payload: (seal, _flip(rng, payload)))
    assert n == len(rows(cache_dir))
    assert generate_with_cache(copy, tmp_path) == out
    assert all(seal == cache._seal(k, d, p) for k, d, seal, p in rows(copy)), "the bad rows were rewritten"


def test_rows_copied_under_another_key_or_truncated_are_misses(warm_cache, tmp_path: Path) -> None:
    cache_dir, out = warm_cache
    copy = _copy(cache_dir, tmp_path / "cache")
    found = rows(cache_dir)
    by_kind: dict[str, list[tuple[str, bytes]]] = {}
    for kind, _, seal, payload in found:
        by_kind.setdefault(kind, []).append((seal, payload))
    count = iter(range(len(found)))

    def swap(kind: str, digest: str, seal: str, payload: bytes) -> tuple[str, bytes]:
        i = next(count)
        if i % 2:  # a well-sealed row of the same kind, under this key
            others = [row for row in by_kind[kind] if row[1] != payload]
            return others[i % len(others)] if others else (seal, payload[: len(payload) // 2])
        return seal, payload[: len(payload) // 2]  # truncated payload, seal kept

    rewrite(copy, swap)
    assert generate_with_cache(copy, tmp_path) == out


def _forged(cache_dir: Path, dest: Path) -> Path:
    """A well-formed cache whose rows are correctly sealed but say "202$/268": served, it would show."""
    forged = _copy(cache_dir, dest)

    def forge(kind: str, digest: str, seal: str, payload: bytes) -> tuple[str, bytes] | None:
        if b"2026/268" not in payload:
            return None
        payload = payload.replace(b"2026/268", b"202$/268")
        return cache._seal(kind, digest, payload), payload

    assert rewrite(forged, forge)
    return forged


def _hostile_db(case: str, db: Path, cache_dir: Path, tmp_path: Path) -> Path:
    """Make ``db`` hostile; return a file outside the cache that must be left exactly as it was."""
    outside = db_of(_forged(cache_dir, tmp_path / "forged"))
    if case in ("trigger", "view", "extra-table"):
        sql = {
            "trigger": "CREATE TRIGGER t AFTER INSERT ON entries BEGIN UPDATE entries SET payload = x'00'; END",
            "view": "CREATE VIEW v AS SELECT * FROM entries",
            "extra-table": "CREATE TABLE other (x)",
        }[case]
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute(sql)
            conn.commit()
    elif case == "truncated":
        with db.open("r+b") as f:
            f.truncate(db.stat().st_size // 2)
    else:
        db.unlink()
    if case == "symlink":  # to a forged cache: following the link would serve its text
        db.symlink_to(outside)
    elif case == "fifo":
        os.mkfifo(db)
    elif case == "directory":
        db.mkdir()
    elif case == "oversized":  # the forged cache, grown (sparse) past the size limit: opened, it would be served
        shutil.copyfile(outside, db)
        with db.open("r+b") as f:
            f.truncate(cache.MAX_FILE + 1)
    elif case in ("wal", "foreign-owner"):  # the forged cache, in WAL mode or owned by someone else
        shutil.copyfile(outside, db)
        if case == "wal":
            with contextlib.closing(sqlite3.connect(db)) as conn:
                assert conn.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
        else:
            os.chown(db, 12345, 12345)
    elif case == "garbage":
        db.write_bytes(bytes(random.Random(3).randrange(256) for _ in range(100_000)))
    elif case == "empty":
        db.write_bytes(b"")
    return outside


@pytest.mark.parametrize(
    "case",
    [
        "symlink",
        "fifo",
        "directory",
        "foreign-owner",
        "oversized",
        "garbage",
        "truncated",
        "empty",
        "trigger",
        "view",
        "extra-table",
        "wal",
    ],
)
def test_hostile_database_file_is_a_miss(case: str, warm_cache, tmp_path: Path) -> None:
    if case == "foreign-owner" and os.geteuid() != 0:
        pytest.skip("only root can give a file to another user")
    cache_dir, out = warm_cache
    copy = _copy(cache_dir, tmp_path / "cache")
    db = db_of(copy)
    outside = _hostile_db(case, db, cache_dir, tmp_path)
    before = outside.read_bytes()
    assert generate_with_cache(copy, tmp_path, timeout=60) == out
    assert outside.read_bytes() == before
    if case in ("symlink", "fifo", "directory", "foreign-owner"):  # not ours to delete: left alone, no cache
        info = os.lstat(db)
        assert not stat.S_ISREG(info.st_mode) or info.st_uid == 12345
    else:  # our file: replaced by a fresh database holding exactly our schema, refilled
        assert schema(copy) == cache._SCHEMA
        assert len(rows(copy)) == len(rows(cache_dir))
        assert db.stat().st_size < cache.MAX_FILE
        assert sorted(p.name for p in copy.iterdir()) == [cache.DB_NAME]


def test_a_cache_folder_that_is_a_link_is_not_used(warm_cache, tmp_path: Path) -> None:
    _, out = warm_cache
    (tmp_path / "real").mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert generate_with_cache(tmp_path / "link", tmp_path) == out
    assert not list((tmp_path / "real").iterdir()), "nothing written through the link"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a folder away")
def test_a_cache_folder_owned_by_someone_else_is_not_used(warm_cache, tmp_path: Path) -> None:
    cache_dir, out = warm_cache
    forged = _forged(cache_dir, tmp_path / "forged")
    os.chown(forged, 12345, 12345)
    before = db_of(forged).read_bytes()
    assert generate_with_cache(forged, tmp_path) == out
    assert db_of(forged).read_bytes() == before


# -- writes are buffered, flushed once, and safe with several processes ------------------------


def test_pending_entries_are_seen_before_the_flush(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(folder))
    digest = cache.key("pending")
    cache.store("markdown", digest, b'"pending"')
    assert not db_of(folder).exists(), "nothing written before the flush"
    assert cache.load("markdown", digest) == b'"pending"'
    cache.flush()
    assert [(k, p) for k, _, _, p in rows(folder)] == [("markdown", b'"pending"')]
    cache.close()
    assert cache.load("markdown", digest) == b'"pending"', "read back from the database"
    cache.close()


def test_entries_are_flushed_when_the_folder_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "a"))
    cache.store("render", cache.key("a"), b'"a"')
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "b"))
    assert cache.load("render", cache.key("a")) is None, "folder b does not see folder a's entries"
    assert [p for *_, p in rows(tmp_path / "a")] == [b'"a"']
    cache.close()


def test_many_pending_bytes_are_flushed_early(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "FLUSH_BYTES", 5_000)
    for i in range(10):
        cache.store("render", cache.key("big", str(i)), b"x" * 1000)
    assert len(rows(tmp_path / "c")) >= 5
    cache.close()
    assert len(rows(tmp_path / "c")) == 10


def test_entries_are_flushed_at_exit(tmp_path: Path) -> None:
    folder = tmp_path / "c"
    code = "from generator import cache; cache.store('render', cache.key('exit'), b'\"bye\"')"
    environ = {**os.environ, "POLICYGEN_CACHE_DIR": str(folder), "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, "-c", code], check=True, env=environ, timeout=60)
    assert rows(folder) == [("render", cache.key("exit"), cache._seal("render", cache.key("exit"), b'"bye"'), b'"bye"')]


def test_two_processes_share_a_cache_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    environ = {**os.environ, "POLICYGEN_CACHE_DIR": str(folder), "PYTHONPATH": str(REPO)}
    outputs = []
    for _ in range(2):  # cold, then warm: both pairs run at the same time
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "generator", "generate", str(SAMPLES / "pixelpals.yaml"), "-o", str(out)]
                + ["--format", "md", "-q", "--force"],
                env=environ,
                stderr=subprocess.PIPE,
                text=True,
            )
            for out in (tmp_path / "one", tmp_path / "two")
        ]
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        outputs += [read_outputs(tmp_path / "one"), read_outputs(tmp_path / "two")]
    assert all(o == outputs[0] for o in outputs)
    assert schema(folder) == cache._SCHEMA and len(rows(folder)) > 100


def test_a_locked_database_neither_hangs_nor_fails_a_run(warm_cache, tmp_path: Path) -> None:
    cache_dir, out = warm_cache
    copy = _copy(cache_dir, tmp_path / "cache")
    with contextlib.closing(sqlite3.connect(db_of(copy), isolation_level=None)) as conn:
        conn.execute("BEGIN EXCLUSIVE")  # another process holding the write lock throughout the run
        start = time.monotonic()
        assert generate_with_cache(copy, tmp_path, timeout=60) == out
        assert time.monotonic() - start < 20, "waited on the lock for every entry"
        conn.execute("ROLLBACK")


def test_a_row_longer_than_any_entry_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(folder))
    small, big = cache.key("small"), cache.key("big")
    cache.store("render", small, b'"small"')
    cache.close()
    payload = b"x" * (cache.MAX_ENTRY + 10_000)
    with contextlib.closing(sqlite3.connect(db_of(folder))) as conn, conn:
        conn.execute(
            "INSERT INTO entries VALUES ('render', ?, ?, ?, 0)", (big, cache._seal("render", big, payload), payload)
        )
    assert cache.load("render", big) is None
    assert cache.load("render", small) == b'"small"', "one oversized row does not turn the cache off"
    cache.close()


def test_old_entry_files_are_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    old = folder / "render" / "ab" / ("ab" + "0" * 62)
    old.parent.mkdir(parents=True)
    old.write_bytes(b"policygen-cache 2\n...")
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(folder))
    cache.store("render", cache.key("new"), b'"new"')
    cache.close()
    assert old.read_bytes() == b"policygen-cache 2\n..." and len(rows(folder)) == 1


def test_prune_keeps_the_cache_under_its_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(folder))
    for i in range(40):
        cache.store("markdown", cache.key("x", str(i)), b"x" * 1000)
    cache.flush()
    assert sum(len(p) for *_, p in rows(folder)) == 40_000
    assert cache.prune(folder, limit=20_000) >= 25_000
    assert sum(len(p) for *_, p in rows(folder)) <= 15_000
    cache.close()


def test_a_flush_prunes_oldest_first_and_the_file_shrinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "c"
    monkeypatch.setenv("POLICYGEN_CACHE_DIR", str(folder))
    rng = random.Random(5)
    for i in range(20):
        cache.store("render", cache.key("old", str(i)), rng.randbytes(50_000))
    cache.close()
    big = db_of(folder).stat().st_size
    assert big > 1_000_000
    monkeypatch.setattr(cache, "MAX_TOTAL", 400_000)
    cache.store("render", cache.key("new"), b'"new"')
    cache.close()
    kept = rows(folder)
    assert sum(len(p) for *_, p in kept) <= 300_000
    assert ("render", cache.key("new")) in {(k, d) for k, d, *_ in kept}, "the newest entry is kept"
    assert db_of(folder).stat().st_size < big // 2, "auto_vacuum gave the space back"


@pytest.mark.parametrize(("value", "off"), [("1", True), ("true", True), ("YES", True), ("0", False), ("no", False)])
def test_only_a_true_value_turns_the_cache_off(value: str, off: bool, tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    result = run_cli(
        ["generate", str(profile), "-o", str(tmp_path / "out"), "--format", "md", "-q"],
        tmp_path / "cache",
        POLICYGEN_NO_CACHE=value,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cache").exists() is not off


# -- item 9: a same-size, same-mtime edit is never served stale ------------------------------------


def test_same_size_same_mtime_edit_is_seen(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib")
    target = lib / "tos" / "a.md"
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)

    def generate(out: str) -> str:
        result = CliRunner().invoke(
            cli, ["generate", str(profile), "-o", str(tmp_path / out), "--library", str(lib), "--format", "md"]
        )
        assert result.exit_code == 0, result.output
        return (tmp_path / out / "tos.md").read_text()

    assert "Do not share CSAM" in generate("one")
    st = target.stat()
    text = target.read_text()
    edited = text.replace("Do not share CSAM", "Do NOT share CSAM")
    assert len(edited) == len(text)
    target.write_text(edited)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # as cp -p, rsync -a or tar leave it
    assert target.stat().st_size == st.st_size and target.stat().st_mtime_ns == st.st_mtime_ns
    assert "Do NOT share CSAM" in generate("two")


# -- item 4: nothing in a --templates folder links outside it --------------------------------------

SECRET = "TOP-SECRET-CONTENTS-42"


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    folder = tmp_path / "tpl"
    shutil.copytree(REPO / "templates", folder)
    (tmp_path / "secret.txt").write_text(f"{SECRET}\n")
    return folder


def _generate_with(templates: Path, tmp_path: Path, *extra: str) -> object:
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    return CliRunner().invoke(
        cli, ["generate", str(profile), "-o", str(tmp_path / "o"), "--templates", str(templates), *extra]
    )


@pytest.mark.parametrize("linked", ["html/style.css", "html/page.html", "documents/tos.yaml", "docx/reference.docx"])
def test_template_file_linking_outside_is_refused(templates: Path, tmp_path: Path, linked: str) -> None:
    (templates / linked).unlink()
    (templates / linked).symlink_to(tmp_path / "secret.txt")
    result = _generate_with(templates, tmp_path)
    assert result.exit_code == 2, result.output
    assert "links outside the templates folder" in result.output and linked.split("/")[-1] in result.output
    assert SECRET not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_included_template_linking_outside_is_refused(templates: Path, tmp_path: Path) -> None:
    (templates / "html" / "extra.html").symlink_to(tmp_path / "secret.txt")
    page = templates / "html" / "page.html"
    page.write_text(page.read_text().replace("</body>", '{% include "extra.html" %}</body>'))
    result = _generate_with(templates, tmp_path)
    assert result.exit_code == 2, result.output
    assert "extra.html" in result.output and "links outside the templates folder" in result.output
    assert SECRET not in result.output and not (tmp_path / "o").exists()


def test_links_inside_the_templates_folder_still_work(templates: Path, tmp_path: Path) -> None:
    css = templates / "html" / "style.css"
    (templates / "html" / "real.css").write_text(css.read_text() + "\n/* linked inside */\n")
    css.unlink()
    css.symlink_to("real.css")
    result = _generate_with(templates, tmp_path, "--format", "html")
    assert result.exit_code == 0, result.output
    assert "/* linked inside */" in (tmp_path / "o" / "tos.html").read_text()


# -- item 13: hostile clause libraries fail cleanly, per clause ------------------------------------

HOSTILE_BODIES = {
    "recursive-macro": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "huge-string": "{{ 'a'*10**10 }}",
    "huge-join": "{% set a = 'x'*900000 %}{{ [a, a, a]|join }}",
    "huge-concat": "{% set a = 'x'*900000 %}{{ a ~ a }}",
    "huge-number": "{{ 7**(10**8) }}",
    "long-loops": "{% set l = 'x'*5000 %}{% for a in l %}{% for b in l %}{% for c in l %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "nested-list": "".join("    " * i + "- x\n" for i in range(300)),
    "stars": " ".join(["*a"] * 2500) + " " + " ".join(["a*"] * 2500),
    "brackets": "[" * 8000,
    "string-padding": "{{ 'a'.center(10**9) }}",
    "format-escape": "{{ '{0.__class__}'.format(company) }}",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_hostile_clause_is_a_clause_error(name: str, tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib", {"tos/evil.md": clause("tos.prohibited.evil", HOSTILE_BODIES[name])})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    start = time.monotonic()
    result = run_cli(
        ["generate", str(profile), "-o", str(tmp_path / "o"), "--library", str(lib), "--format", "md"],
        tmp_path / "cache",
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "evil.md" in result.stderr and "Traceback" not in result.stderr
    assert time.monotonic() - start < 30
    assert not (tmp_path / "o").exists()


def test_fifo_clause_file_does_not_hang(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib")
    os.mkfifo(lib / "tos" / "x.md")
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    result = run_cli(
        ["generate", str(profile), "-o", str(tmp_path / "o"), "--library", str(lib)], tmp_path / "c", timeout=30
    )
    assert result.returncode == 2, result.stderr
    assert "x.md" in result.stderr and "not a regular file" in result.stderr


# -- item 18 (part): profile values are plain data; no method or repr can leak ----------------------


@pytest.mark.parametrize(
    "body",
    [
        "{{ company.items }}",
        "{{ company['keys'] }}",
        "{{ company.name.upper }}",
        "{{ company.name.upper|string }}",
        "{{ company.name.upper ~ '' }}",
        "{{ [company.name.split]|join }}",
    ],
)
def test_no_method_or_address_can_be_printed(body: str, tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib", {"tos/leak.md": clause("tos.prohibited.leak", body)})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    result = CliRunner().invoke(cli, ["generate", str(profile), "-o", str(tmp_path / "o"), "--library", str(lib)])
    assert result.exit_code == 2, result.output
    assert "leak.md" in result.output and " at 0x" not in result.output


def test_lazy_filters_print_their_values_not_a_generator(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib", {"tos/a.md": clause("tos.prohibited.sharing", "{{ services|map('upper') }}")})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    result = CliRunner().invoke(
        cli, ["generate", str(profile), "-o", str(tmp_path / "o"), "--library", str(lib), "--format", "md"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "o" / "tos.md").read_text()
    assert "PHOTO" in text and "generator object" not in text and " at 0x" not in text


def test_lint_flags_unknown_profile_fields() -> None:
    from generator.library.templating import syntax_problems

    problems = syntax_problems("{{ company.items }} {{ company.contact.safety }} {{ company.nmae }}", "x.md", 10)
    messages = [p.message for p in problems]
    assert any("company has no field 'items'" in m for m in messages)
    assert any("'nmae'" in m and "did you mean" in m.lower() for m in messages)
    assert not any("'safety'" in m for m in messages)


def test_lint_command_reports_company_items(tmp_path: Path) -> None:
    lib = make_library(tmp_path / "lib", {"tos/leak.md": clause("tos.prohibited.leak", "{{ company.items }}")})
    result = CliRunner().invoke(cli, ["lint", "--library", str(lib), "--no-coverage"])
    assert result.exit_code == 1, result.output
    assert "leak.md" in result.output and "items" in result.output


# -- item 14: template and reference-document errors are bad input (exit 2) ------------------------


@pytest.mark.parametrize(
    ("snippet", "expect"),
    [
        ("{% if %}", "template syntax error"),
        ("{{ no_such_variable }}", "undefined variable"),
        ("{{ ''.__class__ }}", "sandbox"),
        ('{% include "missing.html" %}', "missing.html"),
        ("{{ 'a'*10**10 }}", "longer than"),
    ],
)
def test_page_template_errors_exit_2_naming_the_file(
    templates: Path, tmp_path: Path, snippet: str, expect: str
) -> None:
    page = templates / "html" / "page.html"
    page.write_text(page.read_text().replace("</body>", snippet + "</body>"))
    result = _generate_with(templates, tmp_path, "--format", "html")
    assert result.exit_code == 2, result.output
    assert "page.html" in result.output and expect in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_non_utf8_stylesheet_exits_2(templates: Path, tmp_path: Path) -> None:
    (templates / "html" / "style.css").write_bytes(b"body { color: \xff; }\n")
    result = _generate_with(templates, tmp_path, "--format", "html")
    assert result.exit_code == 2, result.output
    assert "style.css" in result.output and "not UTF-8" in result.output


def _reference_without(style_name: str, dest: Path) -> None:
    from docx import Document

    document = Document(str(REPO / "templates" / "docx" / "reference.docx"))
    for style in list(document.styles):
        if style.name == style_name:
            style.element.getparent().remove(style.element)
    document.save(str(dest))


@pytest.mark.parametrize("style", ["Footer", "toc 1", "List Bullet 2", "List Number 3", "List Continue 2"])
def test_reference_docx_missing_a_used_style_exits_2(templates: Path, tmp_path: Path, style: str) -> None:
    _reference_without(style, templates / "docx" / "reference.docx")
    result = _generate_with(templates, tmp_path, "--format", "docx")
    assert result.exit_code == 2, result.output
    assert "reference.docx" in result.output and repr(style) in result.output


NESTED_ORDERED = """
1. one

    more one

    - two

        more two

        1. three

            more three
"""
NESTED_BULLETS = """
- one

    more one

    1. two

        more two

        - three

            more three

- [ ] not a checklist: the other items have no box
"""


def test_required_styles_are_exactly_those_the_writer_uses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Render every sample, and lists nested three deep, recording each style the writer looks up."""
    from docx.styles.styles import Styles

    from generator import api
    from generator.documents.skeletons import load_templates
    from generator.library.clauses import load_library
    from generator.profile.profile import load_profile
    from generator.render import docx as writer

    used: set[str] = set()
    original = Styles.__getitem__

    def recording(self, key):  # noqa: ANN001, ANN202
        used.add(key)
        return original(self, key)

    monkeypatch.setattr(Styles, "__getitem__", recording)
    templates = load_templates()
    library = load_library()
    for sample in sorted(SAMPLES.glob("*.yaml")):
        for doc in api.build(load_profile(sample), library, templates, formats=("md",)).documents.values():
            writer.render_docx(doc, templates)
    lib = make_library(
        tmp_path / "lib",
        {
            "tos/a.md": clause("tos.prohibited.sharing", NESTED_ORDERED),
            "sop/a.md": clause("sop.triage.first-look", NESTED_BULLETS),
            "tips/a.md": clause("tips.everyone.report", "- [ ] one\n- [ ] two"),
        },
    )
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    for doc in api.build(load_profile(profile), load_library(lib), templates, formats=("md",)).documents.values():
        writer.render_docx(doc, templates)
    assert used == set(writer.REQUIRED_STYLES)


def test_zip_bomb_reference_docx_is_refused_before_unpacking(templates: Path, tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(REPO / "templates" / "docx" / "reference.docx") as ref:
            for info in ref.infolist():
                z.writestr(info.filename, ref.read(info))
        z.writestr("word/media/bomb.bin", b"\0" * (200 * 1024 * 1024))
    (templates / "docx" / "reference.docx").write_bytes(buf.getvalue())
    assert len(buf.getvalue()) < 2 * 1024 * 1024
    result = _generate_with(templates, tmp_path, "--format", "docx")
    assert result.exit_code == 2, result.output
    assert "reference.docx" in result.output and "zip bomb" in result.output


def test_the_program_writes_the_cache_and_its_output_before_its_quick_exit(tmp_path: Path) -> None:
    """``policygen`` ends with os._exit after a run: the cache's entries, the printed summary and the
    exit code must all survive it."""
    folder = tmp_path / "c"
    environ = {**os.environ, "POLICYGEN_CACHE_DIR": str(folder), "PYTHONPATH": str(REPO)}
    program = "import sys; from generator.cli import run; sys.argv[0] = 'policygen'; run()"  # the console script
    cmd = [sys.executable, "-c", program, "generate", str(SAMPLES / "minimal.yaml"), "-o", str(tmp_path / "o")]
    done = subprocess.run([*cmd, "--format", "md"], env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "minimal.yaml: " in done.stdout and " files" in done.stdout  # the summary reached the pipe
    assert len(rows(folder)) > 10  # rendered text and parsed Markdown entries, flushed at exit
    again = subprocess.run([*cmd, "--format", "md"], env=environ, capture_output=True, text=True, timeout=120)
    assert again.returncode == 2 and "--force" in again.stderr  # files in the way: exit 2, message kept
