"""Where a clause library comes from: a folder, a git revision, or a lockfile.

``policygen diff OLD NEW``, ``review OLD NEW`` and ``generate --lock`` accept:

* a folder path: a library folder with ``library.yaml``;
* ``git:REV`` or ``git:REV:PATH``: the ``clauses/`` folder (or PATH, relative
  to the top of the repository) at a revision of the git repository around
  the current folder, read from git's object store, never touching the
  working tree;
* a lockfile (``*.lock.json``) written by ``generate --lock``: the exact
  clause files a company adopted.

Every one of these may be hostile. Lockfiles and git revisions are parsed in
memory: no file path is ever built from a clause id or a name in a commit,
and nothing is written to disk, so a lockfile keyed ``../../x`` or a committed
symbolic link cannot reach the file system. Problems name the lockfile and
clause id (``adopted.lock.json[tos.x]``) or ``git:REV:clauses/x.md``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from .. import __version__
from ..errors import LibraryError, Problem, UsageError
from ..profile import Checker, YamlProblem, parse_yaml
from ..profile.yamlio import MAX_BYTES
from .clauses import ID_RE, LIBRARY_SCHEMA, SEMVER_RE, Clause, Library, load_library, parse_clause, parse_clauses

#: The lockfile format written by this version.
LOCK_FORMAT = "policygen-lock/2"
#: Older formats, read only with ``--allow-drift``: they record neither the
#: templates nor a digest of the clause set.
LEGACY_LOCK_FORMATS = ("policygen-lock/1",)
#: A lockfile larger than this is refused before it is parsed (the built-in
#: library's lock is about 0.5 MB).
MAX_LOCK_BYTES = 32 * 1024 * 1024
#: A clause file or ``library.yaml`` in a ``git:`` source larger than this is
#: refused before it is read: the same 1 MiB limit as for files in a folder.
#: Other files in the revision are never read at all.
MAX_GIT_FILE_BYTES = MAX_BYTES

_HASH_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
_LOCK_KEYS = ("format", "generator", "templates", "library", "clauses", "digest")
_ENTRY_KEYS = ("version", "hash", "text")


@contextmanager
def library_source(
    spec: str | Path | None, *, templates_digest: str | None = None, allow_drift: bool = False
) -> Iterator[Library]:
    """Load a library from a folder, ``git:REV[:PATH]`` or a lockfile.

    ``templates_digest`` (see :func:`templates_digest`) is the digest of the
    templates the caller renders with; a lockfile written with other
    templates, or by another policygen version, is refused unless
    ``allow_drift``.

    Raises:
        UsageError: when the spec is neither an existing folder, a git
            revision nor a lockfile (never silently compared as text).
        LibraryError: when what it names is not a valid library.
    """
    if spec is None:
        yield load_library(None)
        return
    text = str(spec)
    if text.startswith("git:"):
        yield load_git(text)
        return
    path = Path(text)
    if path.is_dir():
        yield load_library(path)
        return
    if path.is_file() and (path.suffix == ".json" or path.name.endswith(".lock")):
        yield load_lock(path, templates_digest=templates_digest, allow_drift=allow_drift)
        return
    if path.exists():
        raise UsageError(f"{text} is neither a clause-library folder nor a lockfile (*.json)")
    raise UsageError(f"{text}: no such folder or lockfile; for a git revision write git:{text}")


# -- building a library from texts in memory ------------------------------------------


def _manifest(text: str, shown: str) -> tuple[str, str, list[Problem]]:
    """Check ``library.yaml`` text; return (name, version, problems)."""
    try:
        raw, lines = parse_yaml(text, shown)
    except YamlProblem as exc:
        return "unnamed", "0.0.0", [exc.problem]
    ck = Checker(shown, lines)
    info = LIBRARY_SCHEMA.check(raw, ck, ())
    if isinstance(info, dict) and not ck.problems and not SEMVER_RE.match(info["version"]):
        ck.add(("version",), f"{info['version']!r} is not a version; use MAJOR.MINOR.PATCH")
    if ck.problems:
        return "unnamed", "0.0.0", ck.problems
    return info["name"], info["version"], []


def _parse_clauses(texts: Sequence[tuple[str, str]], problems: list[Problem]) -> dict[str, Clause]:
    """Parse (shown, text) pairs into clauses by id, sorted, adding problems (duplicates too)."""
    return dict(sorted(parse_clauses(texts, problems).items()))


def _finish(shown_root: str, name: str, version: str, clauses: dict[str, Clause], problems: list[Problem]) -> Library:
    if not clauses and not problems:
        problems.append(Problem(shown_root, "", "holds no clauses; a library needs at least one"))
    if problems:
        n = len(problems)
        raise LibraryError(f"Clause library {shown_root} has {n} problem{'s' if n != 1 else ''}", problems)
    return Library(shown_root, name, version, clauses)


def _decode(data: bytes, shown: str) -> str:
    """Decode a file's bytes as ``read_text`` does: UTF-8, no BOM, LF line endings."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlProblem(
            Problem(shown, "", f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})", line)
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def _escaped(value: str, limit: int = 60) -> str:
    """Show untrusted text safely: quoted, non-ASCII and controls escaped, shortened."""
    shown = json.dumps(value[:limit])
    return shown if len(value) <= limit else shown[:-1] + '…"'


def _kind(value: Any) -> str:
    """Name a JSON value's type without printing it (it may be nested 100,000 deep)."""
    names = {dict: "an object", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


# -- git revisions --------------------------------------------------------------------


def _git(top: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", top, *args], capture_output=True)


def _git_spec(spec: str) -> tuple[str, str]:
    """Split ``git:REV[:PATH]`` into (rev, path relative to the repository top; "" for the top)."""
    rev, _, sub = spec[len("git:") :].partition(":")
    if not rev:
        raise UsageError(f"{spec}: name a revision, e.g. git:HEAD~1 or git:v1.2")
    if rev.startswith("-") or any(ch in rev for ch in "\x00\n\r"):
        raise UsageError(f"{spec}: {_escaped(rev)} is not a git revision")
    sub = "clauses" if sub == "" else sub
    if sub.startswith(("/", "\\")) or PurePosixPath(sub).is_absolute() or re.match(r"^[A-Za-z]:", sub):
        raise UsageError(
            f"{spec}: {_escaped(sub)} is an absolute path; git sources read a folder of the revision, "
            f"named relative to the top of the repository, e.g. git:{rev}:clauses"
        )
    parts = [p for p in PurePosixPath(sub).parts if p != "."]
    if ".." in parts or "\x00" in sub:
        raise UsageError(f"{spec}: {_escaped(sub)} leaves the repository; name a folder inside it, e.g. clauses")
    return rev, "/".join(parts)


def load_git(spec: str) -> Library:
    """Load the library at ``git:REV[:PATH]`` from git's object store, in memory.

    Only ``library.yaml`` and ``*.md`` clause files are read, one at a time,
    each refused above :data:`MAX_GIT_FILE_BYTES` before it is read; other
    files are never read. Symbolic links and submodules are refused (they
    would point outside the revision).

    Raises:
        UsageError: for a bad spec, no repository, or an unknown revision or path.
        LibraryError: when the files at that revision are not a valid library.
    """
    rev, sub = _git_spec(spec)
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        raise UsageError(f"{spec}: the current folder is not inside a git repository") from None
    commit = _git(top, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if commit.returncode != 0:
        raise UsageError(f"{spec}: unknown git revision {rev!r}")
    oid = commit.stdout.decode().strip()
    tree = _git(top, "rev-parse", "--verify", "--quiet", f"{oid}:{sub}")
    if tree.returncode != 0:
        raise UsageError(f"{spec}: {sub!r} does not exist at revision {rev}")
    tree_oid = tree.stdout.decode().strip()
    kind = _git(top, "cat-file", "-t", tree_oid).stdout.decode().strip()
    if kind != "tree":
        raise UsageError(f"{spec}: {sub!r} is not a folder at revision {rev} (it is a git {kind or 'object'})")
    listing = _git(top, "ls-tree", "-r", "-l", "-z", tree_oid)
    if listing.returncode != 0:
        raise UsageError(f"{spec}: cannot list {sub!r} at revision {rev}")
    base = f"git:{rev}:{sub}" if sub else f"git:{rev}:"
    problems: list[Problem] = []
    wanted: list[tuple[str, str]] = []  # (shown, blob id)
    manifest_oid = None
    for record in listing.stdout.split(b"\x00"):
        if not record:
            continue
        info, _, raw_name = record.partition(b"\t")
        mode, otype, blob, size = info.decode().split(maxsplit=3)
        rel = raw_name.decode("utf-8", errors="replace")
        shown = f"{base}/{rel}" if sub else f"{base}{rel}"
        fname = rel.rsplit("/", 1)[-1]
        if mode == "120000":
            problems.append(Problem(shown, "", "is a symbolic link; a library in git must hold plain files"))
            continue
        if otype != "blob":
            problems.append(Problem(shown, "", f"is a git {otype} (submodule); a library must hold plain files"))
            continue
        is_manifest = rel == "library.yaml"
        if not is_manifest and (not fname.endswith(".md") or fname.startswith("_")):
            continue  # never read
        if int(size) > MAX_GIT_FILE_BYTES:
            problems.append(
                Problem(shown, "", f"is {int(size):,} bytes; files over {MAX_GIT_FILE_BYTES:,} bytes are refused")
            )
            continue
        if is_manifest:
            manifest_oid = blob
        else:
            wanted.append((shown, blob))
    manifest_shown = f"{base}/library.yaml" if sub else f"{base}library.yaml"
    oids = [b for _, b in wanted] if manifest_oid is None else [manifest_oid, *(b for _, b in wanted)]
    blobs = _read_blobs(top, oids)
    name, version = "unnamed", "0.0.0"
    if manifest_oid is None:
        if not any(p.file == manifest_shown for p in problems):
            problems.append(Problem(manifest_shown, "", "missing: a library needs name and version"))
    else:
        try:
            name, version, found = _manifest(_decode(blobs.pop(0), manifest_shown), manifest_shown)
            problems.extend(found)
        except YamlProblem as exc:
            problems.append(exc.problem)
    texts = []
    for (shown, _), data in sorted(zip(wanted, blobs, strict=True)):
        try:
            texts.append((shown, _decode(data, shown)))
        except YamlProblem as exc:
            problems.append(exc.problem)
    clauses = _parse_clauses(texts, problems)
    return _finish(spec, name, version, clauses, problems)


def _read_blobs(top: str, oids: list[str]) -> list[bytes]:
    """Read blobs one at a time through one ``git cat-file --batch`` (sizes already checked)."""
    if not oids:
        return []
    proc = subprocess.Popen(["git", "-C", top, "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    out: list[bytes] = []
    try:
        for oid in oids:
            proc.stdin.write(oid.encode() + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob" or int(header[2]) > MAX_GIT_FILE_BYTES:
                raise UsageError(f"git cat-file gave an unexpected answer for object {oid}")
            out.append(proc.stdout.read(int(header[2])))
            proc.stdout.read(1)  # the newline after each object
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait()
    return out


# -- lockfiles ------------------------------------------------------------------------


class _DuplicateKey(Exception):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(key)
        seen[key] = value
    return seen


def lock_digest(data: dict[str, Any]) -> str:
    """Return the digest a lockfile records over everything but the clause texts.

    SHA-256 of the compact, key-sorted UTF-8 JSON of ``format``,
    ``generator``, ``templates``, ``library`` (name and version) and
    ``clauses`` as ``{id: hash}``; each hash covers its clause's text. So
    adding, removing or renaming a clause, or editing any of those fields,
    without recomputing the digest is detected.
    """
    covered = {
        "format": data["format"],
        "generator": data["generator"],
        "templates": data["templates"],
        "library": {"name": data["library"]["name"], "version": data["library"]["version"]},
        "clauses": {cid: entry["hash"] for cid, entry in data["clauses"].items()},
    }
    canonical = json.dumps(covered, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text_field(value: Any, path: str, shown: str, problems: list[Problem]) -> str | None:
    """Return ``value`` when it is text that can be written as UTF-8, else add a problem."""
    if not isinstance(value, str):
        problems.append(Problem(shown, path, f"expected text, got {_kind(value)}"))
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        problems.append(
            Problem(shown, path, f"contains a lone surrogate (U+{ord(value[exc.start]):04X}); not valid Unicode text")
        )
        return None
    return value


def read_lock(path: Path) -> dict[str, Any]:
    """Read a lockfile and check its structure, every clause id, every hash and its digest.

    Raises:
        LibraryError: when it is not a well-formed policygen lockfile: not
            JSON, nested too deeply, a clause id that is not a clause id
            (``../x``, ``/abs``, NUL), a text that does not match its hash,
            no clauses, or a digest that does not match its contents.
    """
    shown = str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block open()
            raise LibraryError(f"Lockfile {shown} is not a regular file")
        with open(path, "rb") as fh:
            data = fh.read(MAX_LOCK_BYTES + 1)
    except OSError as exc:
        raise LibraryError(f"Cannot read lockfile {shown}: {exc.strerror or exc}") from None
    if len(data) > MAX_LOCK_BYTES:
        raise LibraryError(f"Lockfile {shown} is over {MAX_LOCK_BYTES:,} bytes; refused")
    try:
        raw = json.loads(_decode(data, shown), object_pairs_hook=_no_duplicates)
    except YamlProblem as exc:
        raise LibraryError(f"Cannot read lockfile {shown}", [exc.problem]) from None
    except json.JSONDecodeError as exc:
        raise LibraryError(
            f"Cannot read lockfile {shown}", [Problem(shown, "", f"not JSON: {exc.msg}", exc.lineno)]
        ) from None
    except RecursionError:
        raise LibraryError(
            f"Cannot read lockfile {shown}", [Problem(shown, "", "is nested too deeply to be a lockfile")]
        ) from None
    except _DuplicateKey as exc:
        raise LibraryError(
            f"Cannot read lockfile {shown}", [Problem(shown, "", f"the key {_escaped(str(exc))} appears twice")]
        ) from None
    if not isinstance(raw, dict) or raw.get("format") not in (LOCK_FORMAT, *LEGACY_LOCK_FORMATS):
        raise LibraryError(f"{shown} is not a policygen lockfile (format {LOCK_FORMAT})")
    legacy = raw["format"] in LEGACY_LOCK_FORMATS
    problems: list[Problem] = []
    for key in raw:
        if legacy and key in ("templates", "digest"):
            problems.append(Problem(shown, key, f"is not a field of a {raw['format']} lockfile"))
        elif key not in _LOCK_KEYS:
            import difflib

            close = difflib.get_close_matches(key, _LOCK_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; allowed: {', '.join(_LOCK_KEYS)}"
            problems.append(Problem(shown, _escaped(key), f"unknown field{hint}"))
    required = ("generator", "library", "clauses") if legacy else _LOCK_KEYS
    for key in required:
        if key not in raw:
            problems.append(Problem(shown, key, "missing"))
    if "generator" in raw:
        _text_field(raw["generator"], "generator", shown, problems)
    for key in ("templates", "digest"):
        if key in raw and _text_field(raw[key], key, shown, problems) is not None and not _HASH_RE.match(raw[key]):
            problems.append(Problem(shown, key, f"{_escaped(raw[key])} is not a digest (sha256: and 64 hex digits)"))
    lib = raw.get("library")
    if "library" in raw:
        if not isinstance(lib, dict):
            problems.append(Problem(shown, "library", f"expected an object with name and version, got {_kind(lib)}"))
        else:
            for key in lib:
                if key not in ("name", "version"):
                    problems.append(Problem(shown, f"library.{_escaped(key)}", "unknown field; allowed: name, version"))
            texts = {k: _text_field(lib.get(k), f"library.{k}", shown, problems) for k in ("name", "version")}
            if all(v is not None for v in texts.values()):
                ck = Checker(shown)
                info = LIBRARY_SCHEMA.check(texts, ck, ("library",))
                if not ck.problems and not SEMVER_RE.match(info["version"]):
                    ck.add(
                        ("library", "version"), f"{_escaped(info['version'])} is not a version; use MAJOR.MINOR.PATCH"
                    )
                problems.extend(ck.problems)
    clauses = raw.get("clauses")
    if "clauses" in raw:
        if not isinstance(clauses, dict):
            problems.append(
                Problem(shown, "clauses", f"expected an object mapping clause id to clause, got {_kind(clauses)}")
            )
        elif not clauses:
            problems.append(Problem(shown, "clauses", "pins no clauses; a lockfile must hold the library it adopted"))
        else:
            problems.extend(_check_entries(clauses, shown))
    if problems:
        raise LibraryError(f"Lockfile {shown} is malformed or was edited", problems)
    if not legacy and lock_digest(raw) != raw["digest"]:
        raise LibraryError(
            f"Lockfile {shown} was edited",
            [
                Problem(
                    shown,
                    "digest",
                    "does not match the lockfile's contents: a clause was added, removed or renamed, or the "
                    "generator, templates or library fields were changed. Regenerate the lockfile with "
                    "generate --lock",
                )
            ],
        )
    return raw


def _check_entries(clauses: dict[str, Any], shown: str) -> list[Problem]:
    problems: list[Problem] = []
    for cid, entry in clauses.items():
        where = f"clauses[{_escaped(cid)}]"
        if _text_field(cid, where, shown, problems) is None:
            continue
        if not ID_RE.match(cid):
            problems.append(
                Problem(
                    shown,
                    where,
                    "is not a clause id: use '<doc>.<section>.<name>' in lower-case letters, digits and "
                    "hyphens, e.g. 'tos.prohibited.csam'",
                )
            )
            continue
        where = f"clauses.{cid}"
        if not isinstance(entry, dict):
            problems.append(
                Problem(shown, where, f"expected an object with version, hash and text, got {_kind(entry)}")
            )
            continue
        bad = [k for k in entry if k not in _ENTRY_KEYS]
        for key in bad:
            problems.append(Problem(shown, f"{where}.{_escaped(key)}", "unknown field; allowed: version, hash, text"))
        values = {}
        for key in _ENTRY_KEYS:
            if key not in entry:
                problems.append(Problem(shown, f"{where}.{key}", "missing"))
            else:
                values[key] = _text_field(entry[key], f"{where}.{key}", shown, problems)
        if bad or any(values.get(k) is None for k in _ENTRY_KEYS):
            continue
        if not _HASH_RE.match(values["hash"]):
            problems.append(Problem(shown, f"{where}.hash", "is not sha256: and 64 hex digits"))
        elif "sha256:" + hashlib.sha256(values["text"].encode("utf-8")).hexdigest() != values["hash"]:
            problems.append(Problem(shown, f"{where}.text", "text does not match its hash; the lockfile was edited"))
    return problems


def load_lock(path: str | Path, *, templates_digest: str | None = None, allow_drift: bool = False) -> Library:
    """Load the library a lockfile pins, in memory (nothing is written).

    Besides :func:`read_lock`'s checks, every clause's front matter must give
    the id it is keyed by and the version recorded with it. A lockfile
    written by another policygen version, or with templates whose digest
    differs from ``templates_digest``, or of an older format, is refused
    unless ``allow_drift``.

    Raises:
        LibraryError: naming the lockfile, the clause id and what is wrong.
    """
    path = Path(path)
    shown = str(path)
    data = read_lock(path)
    problems: list[Problem] = []
    clauses: dict[str, Clause] = {}
    for cid, entry in sorted(data["clauses"].items()):
        clause, found = parse_clause(entry["text"], f"{shown}[{cid}]")
        problems.extend(found)
        if clause is None:
            continue
        if clause.id != cid:  # also stops two entries swapping their texts
            problems.append(Problem(shown, f"clauses.{cid}", f"its text has id {clause.id!r}; the key must be its id"))
        elif clause.version != entry["version"]:
            problems.append(
                Problem(
                    shown, f"clauses.{cid}.version", f"is {entry['version']!r} but its text says {clause.version!r}"
                )
            )
        else:
            clauses[cid] = clause
    if problems:
        raise LibraryError(f"Lockfile {shown} has {len(problems)} problem{'s' if len(problems) != 1 else ''}", problems)
    drift = []
    if data["format"] in LEGACY_LOCK_FORMATS:
        drift.append(
            Problem(shown, "format", f"{data['format']} records neither the templates nor a digest of its clauses")
        )
    if data["generator"] != __version__:
        drift.append(
            Problem(shown, "generator", f"written by policygen {_escaped(data['generator'])}; this is {__version__}")
        )
    recorded = data.get("templates")
    if templates_digest is not None and recorded is not None and recorded != templates_digest:
        drift.append(
            Problem(
                shown,
                "templates",
                f"written with templates {recorded[:19]}…; the templates in use are {templates_digest[:19]}… "
                "(the default templates or --templates differ)",
            )
        )
    if drift and not allow_drift:
        raise LibraryError(
            f"Lockfile {shown} does not match this run, so it would not reproduce the adopted documents. "
            "Regenerate it, or pass --allow-drift to use its clauses anyway",
            drift,
        )
    library = data["library"]
    return Library(shown, library["name"], library["version"], clauses)


def templates_digest(search_path: Sequence[str | Path]) -> str:
    """Digest of the templates a run uses: every regular file on the search path.

    A file in an earlier folder (``--templates``) hides the same relative
    path in a later one (the built-in templates), as at render time. Hidden
    files, ``__pycache__`` and anything that is not a regular file are left
    out; links are not followed.
    """
    seen: dict[str, str] = {}
    for base in search_path:
        base = Path(base)
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
            for fname in sorted(files):
                if fname.startswith("."):
                    continue
                full = Path(folder) / fname
                rel = full.relative_to(base).as_posix()
                if rel in seen:
                    continue
                try:
                    st = os.lstat(full)
                    if not stat.S_ISREG(st.st_mode):
                        continue
                    h = hashlib.sha256()
                    with open(full, "rb") as fh:
                        for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                            h.update(chunk)
                except OSError:
                    continue
                seen[rel] = h.hexdigest()
    canonical = "".join(f"{rel}\x00{digest}\n" for rel, digest in sorted(seen.items()))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lock_bytes(library: Library, templates: str) -> bytes:
    """Serialise a library as a lockfile: every clause's exact text and hash.

    ``templates`` is :func:`templates_digest` of the templates used. The
    lockfile also records the generator version and a digest over all of it
    (see :func:`lock_digest`).

    Raises:
        LibraryError: when the library holds no clauses.
    """
    if not library.clauses:
        raise LibraryError(f"Clause library {library.root} holds no clauses; nothing to lock")
    data: dict[str, Any] = {
        "format": LOCK_FORMAT,
        "generator": __version__,
        "templates": templates,
        "library": {"name": library.name, "version": library.version},
        "clauses": {
            cid: {"version": c.version, "hash": c.content_hash, "text": c.text} for cid, c in library.clauses.items()
        },
    }
    data["digest"] = lock_digest(data)
    return (json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
