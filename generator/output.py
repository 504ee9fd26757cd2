"""Write generated files safely: all or nothing, never over a user's file without force."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

from .errors import OutputError, Problem

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(name: str) -> str:
    """Turn a profile stem into a safe folder name (no separators, no dots first)."""
    cleaned = _SAFE.sub("-", name).strip("-.") or "profile"
    return cleaned[:80]


def write_files(out_dir: Path, files: dict[str, bytes], *, force: bool) -> list[Path]:
    """Write ``files`` (relative path -> bytes) under ``out_dir`` atomically.

    Every file is first written to a temporary folder beside ``out_dir``; only
    when all are written are they moved into place. Existing files are kept
    unless ``force`` is true, and that check happens before anything is
    written.

    Raises:
        OutputError: when files exist (without ``force``) or cannot be written.
    """
    out_dir = Path(out_dir)
    for rel in files:
        if Path(rel).is_absolute() or ".." in Path(rel).parts:
            raise OutputError(f"Refusing to write outside {out_dir}: {rel}")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"Output path {out_dir} exists and is not a folder")
    existing = sorted(rel for rel in files if (out_dir / rel).exists())
    if existing and not force:
        raise OutputError(
            f"{len(existing)} output file(s) already exist in {out_dir}; nothing was written. "
            "Use --force to replace them, or -o to choose another folder.",
            [Problem(str(out_dir / rel), "", "exists") for rel in existing[:20]],
        )
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".policygen-", dir=parent))
    except OSError as exc:
        raise OutputError(f"Cannot create output folder {out_dir}: {exc.strerror}") from None
    try:
        for rel, data in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        if not out_dir.exists():
            os.replace(staging, out_dir)
            staging = None
        else:
            for rel in files:
                dest = out_dir / rel
                if dest.is_dir():
                    raise OutputError(f"Cannot replace {dest}: it is a folder")
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / rel, dest)
    except OSError as exc:
        raise OutputError(f"Cannot write to {out_dir}: {exc.strerror or exc}") from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / rel for rel in files]
