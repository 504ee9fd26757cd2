"""Measurement harness for bench/bench.py: run and time whole commands, medians, verdicts, tools.

Nothing here knows a scenario. It holds what every section of the benchmark
uses: the paths of the project under test, :class:`Runner` (wall time of one
command in a fresh process, with retries while ``clauses/`` is mid-edit),
finding the ``policygen`` console script and ``pandoc``, medians and target
verdicts, the synthetic library builder (suffixed copies of every clause file)
and the cProfile / ``-X importtime`` analysis. Standard library only.
"""

from __future__ import annotations

import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CLAUSES = ROOT / "clauses"
DOCS = ("tos", "sop", "tips")


class BenchError(Exception):
    """The benchmark cannot go on (missing tool, a command failed)."""


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def out(line: str = "") -> None:
    print(line, flush=True)


def verdict(value: float, target: float) -> str:
    return "MET" if value <= target else "NOT MET"


# --------------------------------------------------------------------------- running commands


class Runner:
    """Runs and times commands; retries policygen when the clause library is mid-edit."""

    def __init__(self, retries: int, retry_wait: float) -> None:
        self.retries = retries
        self.retry_wait = retry_wait
        self.retried = 0

    @staticmethod
    def _library_error(stderr: str) -> bool:
        s = stderr.lower()
        return any(k in s for k in ("clauses/", "librar", "template", ".md:", ".md "))

    def time(
        self,
        cmd: list[str],
        ok: tuple[int, ...] = (0,),
        cwd: Path | None = None,
        retry: bool = True,
        env: dict[str, str] | None = None,
    ) -> float:
        """Run ``cmd``; return its wall time in seconds (of the successful attempt).

        ``retry=False`` for a library the benchmark built itself (the scale
        section): a library error there is the benchmark's or policygen's, and
        waiting will not fix it.
        """
        return self.measure(cmd, ok, cwd, retry, env)[0]

    def measure(
        self,
        cmd: list[str],
        ok: tuple[int, ...] = (0,),
        cwd: Path | None = None,
        retry: bool = True,
        env: dict[str, str] | None = None,
    ) -> tuple[float, float, float]:
        """Run ``cmd``; return (wall s, CPU s of the process and its children, peak RSS MiB of the largest).

        CPU and peak memory come from ``wait4`` of this one process (its
        waited-for children included), so they never mix with other runs.
        """
        full_env = {**os.environ, **env} if env else None
        for attempt in range(self.retries + 1):
            with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
                t0 = time.perf_counter()
                proc = subprocess.Popen(cmd, cwd=cwd, stdout=fo, stderr=fe, env=full_env)
                _, status, usage = os.wait4(proc.pid, 0)  # this child's own CPU and peak memory
                elapsed = time.perf_counter() - t0
                proc.returncode = rc = os.waitstatus_to_exitcode(status)
                fo.seek(0)
                fe.seek(0)
                out = fo.read().decode("utf-8", "replace")
                err = fe.read().decode("utf-8", "replace")
            cpu = usage.ru_utime + usage.ru_stime
            rss = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
            if rc in ok:
                return elapsed, cpu, rss
            tail = "\n".join((err or out).strip().splitlines()[-8:])
            if retry and rc == 2 and self._library_error(err) and attempt < self.retries:
                self.retried += 1
                log(f"library error (someone is editing clauses/?); retry in {self.retry_wait:.0f}s:\n{tail}")
                time.sleep(self.retry_wait)
                continue
            raise BenchError(f"command failed (exit {rc}): {' '.join(map(str, cmd))}\n{tail}")
        raise AssertionError("unreachable")

    def output(self, cmd: list[str]) -> str:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return proc.stdout.strip()


def find_policygen() -> Path:
    here = Path(sys.executable).parent / ("policygen.exe" if os.name == "nt" else "policygen")
    if here.exists():
        return here
    found = shutil.which("policygen")
    if found:
        return Path(found)
    raise BenchError(
        "the policygen console script was not found next to this Python or on PATH; run the "
        "benchmark with the venv's Python, e.g.: source /tmp/venv/bin/activate && python bench/bench.py"
    )


def find_pandoc() -> Path:
    found = shutil.which("pandoc")
    if not found:
        raise BenchError(
            "pandoc is not installed; it is the peer this benchmark compares against.\n"
            "  Debian/Ubuntu: apt-get update && apt-get install -y pandoc\n"
            "  macOS: brew install pandoc    other systems: https://pandoc.org/installing.html"
        )
    return Path(found)


def count_clauses(lib: Path) -> int:
    return sum(1 for p in lib.rglob("*.md") if not p.name.startswith("_"))


def med(xs: list[float]) -> float:
    return statistics.median(xs)


# --------------------------------------------------------------------------- synthetic libraries

_ID_LINE = re.compile(r"^id:\s*(['\"]?)([^'\"\s#]+)\1\s*(#.*)?$")
_REF_KEY = re.compile(r"^(requires|excludes|implements):\s*(.*?)\s*(#.*)?$")
_REF_ITEM = re.compile(r"^(\s*-\s+)(['\"]?)([^'\"\s#]+)\2\s*(#.*)?$")
_RECIPIENT = re.compile(r"^(\s*(?:-\s+)?recipient:\s*)(\S.*?)\s*$")


def suffix_clause(text: str, suffix: str) -> str | None:
    """Return the clause text with its id, its links (requires/excludes/implements) and its recipients suffixed.

    A copy's ``obligations`` name a recipient of their own (``NCA (copy -c1)``),
    so the consistency check pairs a copied ToS duty with the copied SOP step
    that carries it, never with the original's: the copies form a second,
    self-contained library inside the first, consistent by construction.
    """
    if not text.startswith("---\n"):
        return None
    end = re.search(r"^---[ \t]*$", text[4:], flags=re.M)
    if end is None:
        return None
    front, rest = text[4 : 4 + end.start()], text[4 + end.start() :]
    lines: list[str] = []
    in_refs = False
    seen_id = False
    for line in front.split("\n"):
        m = _ID_LINE.match(line)
        if m:
            lines.append(f"id: {m.group(2)}{suffix}")
            in_refs, seen_id = False, True
            continue
        m = _RECIPIENT.match(line)
        if m:
            val = m.group(2)
            if len(val) > 1 and val[0] in "'\"" and val[-1] == val[0]:
                val = f"{val[:-1]} (copy {suffix}){val[0]}"
            elif val[0] in ">|":
                raise BenchError(f"cannot suffix a block-scalar recipient: {line.strip()}")
            else:
                val = f"{val} (copy {suffix})"
            lines.append(m.group(1) + val)
            continue
        m = _REF_KEY.match(line)
        if m:
            key, val = m.group(1), m.group(2)
            if val.startswith("[") and val.endswith("]"):
                items = [x.strip().strip("'\"") for x in val[1:-1].split(",") if x.strip()]
                lines.append(f"{key}: [{', '.join(x + suffix for x in items)}]")
                in_refs = False
            else:
                lines.append(line)
                in_refs = val == ""
            continue
        if in_refs:
            m = _REF_ITEM.match(line)
            if m:
                lines.append(f"{m.group(1)}{m.group(3)}{suffix}")
                continue
            if line.strip() and not line.startswith((" ", "-")):
                in_refs = False
        lines.append(line)
    if not seen_id:
        return None
    return "---\n" + "\n".join(lines) + rest


GATE_ID = "tos.scope.synthetic-variant-gate"


def make_library(src: Path, dst: Path, factor: int, variants: bool = True, absent_service: str = "") -> int:
    """Copy library ``src`` to ``dst`` with ``factor - 1`` suffixed copies of every clause file.

    With ``variants`` (the default) every copy also ``requires`` a gate clause
    that applies only to a service the sample does not offer, as a library
    grown by variants for other services would be: the library is ten times
    larger but the sample's documents are the same size. Without it, every
    copy is selected and the documents grow ten times too.
    """
    shutil.copytree(src, dst)
    if variants and factor > 1:
        (dst / "synthetic-gate.md").write_text(
            f"---\nid: {GATE_ID}\ntitle: Synthetic gate\ndoc: tos\nsection: scope\n"
            f"when: {{services: [{absent_service}]}}\nguide_area: universal-tools\nversion: 1.0.0\n"
            "last_reviewed: 2026-11-25\n---\nSynthetic benchmark clause.\n",
            encoding="utf-8",
        )
    for path in sorted(src.rglob("*.md")):
        if path.name.startswith("_"):
            continue
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(src)
        for c in range(1, factor):
            new = suffix_clause(text, f"-c{c}")
            if new is None:
                raise BenchError(f"cannot copy {path}: no front matter or id")
            if variants:
                new = new.replace("\n---\n", f"\nrequires: [{GATE_ID}]\n---\n", 1)
            (dst / rel.parent / f"{path.stem}-c{c}.md").write_text(new, encoding="utf-8")
    return count_clauses(dst)


# --------------------------------------------------------------------------- profile analysis


def _package(filename: str) -> str:
    if filename == "~":
        return "~"
    if filename.startswith("<frozen importlib"):
        return "import machinery"
    if filename.startswith("<frozen "):
        return "stdlib " + filename[len("<frozen ") : -1]
    p = Path(filename)
    parts = p.parts
    if "site-packages" in parts:
        i = parts.index("site-packages")
        name = parts[i + 1] if i + 1 < len(parts) else "?"
        return name[:-3] if name.endswith(".py") else name
    try:
        rel = p.resolve().relative_to(ROOT)
        if rel.parts[0] == "generator":  # one row per module, subpackages included: generator.render.docx
            return ".".join(rel.with_suffix("").parts)
        return str(rel.parts[0])
    except (ValueError, IndexError, OSError):
        pass
    if filename.startswith("<"):
        return "python (other)"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    try:
        rel = p.relative_to(stdlib)
        return "stdlib " + (rel.parts[0][:-3] if rel.parts[0].endswith(".py") else rel.parts[0])
    except ValueError:
        return "other"


def self_time_by_package(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Self time per package; a C function's time goes to its callers' packages."""
    totals: dict[str, float] = {}
    raw = stats.stats  # type: ignore[attr-defined]
    for func, (_cc, _nc, tt, _ct, callers) in raw.items():
        pkg = _package(func[0])
        if pkg != "~":
            totals[pkg] = totals.get(pkg, 0.0) + tt
            continue
        weights = {c: v[2] for c, v in callers.items()}  # the callers' tottime share of this C function
        total_w = sum(weights.values())
        if not callers or total_w <= 0:
            key = f"C: {func[2][:40]}"
            totals[key] = totals.get(key, 0.0) + tt
            continue
        for c, w in weights.items():
            cp = _package(c[0])
            cp = "C (called from C)" if cp == "~" else cp
            totals[cp] = totals.get(cp, 0.0) + tt * w / total_w
    return sorted(totals.items(), key=lambda kv: -kv[1])


def import_times(python: str, args: list[str]) -> tuple[float, list[tuple[str, float]]]:
    """Import time of one run (``-X importtime``), charged to the outermost non-policygen package.

    ``docx`` includes the ``lxml`` it imports; ``generator`` is the self time of
    policygen's own modules; stdlib modules are named as they are (e.g. ``xml``).
    """
    proc = subprocess.run(
        [python, "-X", "importtime", "-m", "generator", *args], cwd=ROOT, capture_output=True, text=True
    )
    # lines come children first; a line's children are the pending lines just before it, one level deeper
    pending: list[tuple[int, str, float, float, list]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( +)(\S+)", line)
        if not m:
            continue
        depth = len(m.group(3))
        children = []
        while pending and pending[-1][0] > depth:
            children.append(pending.pop())
        pending.append((depth, m.group(4), int(m.group(1)) / 1e6, int(m.group(2)) / 1e6, children))
    totals: dict[str, float] = {}

    def charge(node: tuple) -> None:
        _depth, name, self_s, cum_s, children = node
        root = name.split(".")[0]
        if root == "generator":
            totals["generator"] = totals.get("generator", 0.0) + self_s
            for child in children:
                charge(child)
        else:
            totals[root] = totals.get(root, 0.0) + cum_s

    for node in pending:
        charge(node)
    return sum(totals.values()), sorted(totals.items(), key=lambda kv: -kv[1])
