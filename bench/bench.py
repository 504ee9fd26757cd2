#!/usr/bin/env python3
"""Benchmark for the issue "Hardening and speed": policygen against pandoc, batch and scale.

Not a test: run it by hand with the venv's Python (see bench/README.md)::

    python bench/bench.py [--repeat 7] [--json bench.json]

It measures whole commands as a user runs them (subprocesses of the
``policygen`` console script and of ``pandoc``), in temporary folders, and
prints a report to stdout. Progress goes to stderr. Standard library only.

Sections:

1. Largest sample: the ``samples/*.yaml`` profile with the most generated Markdown.
2. Speed: ``policygen generate LARGEST`` (3 documents x md, html, docx) against
   the pandoc pipeline on the same three Markdown files (3 x md->docx and
   3 x md->standalone html), and against one pandoc md->docx of the three
   documents concatenated. Medians and ratios.
3. Batch: one ``policygen generate`` of N profiles against N separate calls
   (a subset of separate calls, extrapolated linearly); marginal cost per profile.
4. Scale: a synthetic library of 1x, 2x, 5x, 10x the real one (clause files
   copied with suffixed ids); ``lint --no-coverage`` and ``generate`` times.
5. Profile: cProfile of one ``generate`` of the largest sample in a fresh
   interpreter (top cumulative entries, self time by package, import times).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
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

TARGET_PIPELINE = 0.5  # policygen / pandoc pipeline (6 conversions)
TARGET_CONCAT = 1.0  # policygen / one pandoc md->docx of the 3 documents concatenated
TARGET_BATCH = 0.25  # one batch call / N separate calls
TARGET_SCALE_SECONDS = 1.0  # 10x library: lint, and generate one profile


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

    def time(self, cmd: list[str], ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> float:
        """Run ``cmd``; return its wall time in seconds (of the successful attempt)."""
        for attempt in range(self.retries + 1):
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
            if proc.returncode in ok:
                return elapsed
            tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
            if proc.returncode == 2 and self._library_error(proc.stderr) and attempt < self.retries:
                self.retried += 1
                log(f"library error (someone is editing clauses/?); retry in {self.retry_wait:.0f}s:\n{tail}")
                time.sleep(self.retry_wait)
                continue
            raise BenchError(f"command failed (exit {proc.returncode}): {' '.join(map(str, cmd))}\n{tail}")
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


# --------------------------------------------------------------------------- 1. largest sample


def largest_sample(run: Runner, pg: Path, work: Path) -> tuple[Path, dict[str, int]]:
    samples = sorted(SAMPLES.glob("*.yaml"))
    if not samples:
        raise BenchError(f"no samples in {SAMPLES}")
    sizes: dict[str, int] = {}
    dest = work / "sizes"
    try:
        run.time([str(pg), "generate", *map(str, samples), "-o", str(dest), "--format", "md", "-q", "--force"])
        for s in samples:
            sizes[s.name] = sum((dest / s.stem / f"{d}.md").stat().st_size for d in DOCS)
    except BenchError as exc:  # one bad sample fails the batch; measure them one by one
        log(f"batch of samples failed, measuring each: {exc}")
        for s in samples:
            d_out = dest / ("one-" + s.stem)
            try:
                run.time([str(pg), "generate", str(s), "-o", str(d_out), "--format", "md", "-q", "--force"])
            except BenchError as e:
                log(f"skipping {s.name}: {e}")
                continue
            sizes[s.name] = sum((d_out / f"{d}.md").stat().st_size for d in DOCS)
    if not sizes:
        raise BenchError("no sample could be generated")
    best = max(sizes, key=lambda k: sizes[k])
    return SAMPLES / best, sizes


# --------------------------------------------------------------------------- 2. speed vs pandoc


def md_title(md: Path, fallback: str) -> str:
    for line in md.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return fallback


def bench_speed(run: Runner, pg: Path, pandoc: Path, sample: Path, work: Path, repeat: int) -> dict:
    pg_out = work / "speed-policygen"
    src = work / "speed-md"
    pd_out = work / "speed-pandoc"
    src.mkdir()
    pd_out.mkdir()
    pg_cmd = [str(pg), "generate", str(sample), "-o", str(pg_out), "--force", "-q"]
    run.time(pg_cmd)  # warm-up; also gives the Markdown pandoc converts
    for d in DOCS:
        shutil.copy(pg_out / f"{d}.md", src / f"{d}.md")
    concat = src / "all.md"
    concat.write_text("\n\n".join((src / f"{d}.md").read_text(encoding="utf-8") for d in DOCS), encoding="utf-8")
    conversions: list[tuple[str, list[str]]] = []
    for d in DOCS:
        conversions.append((f"{d}.md->docx", [str(pandoc), str(src / f"{d}.md"), "-o", str(pd_out / f"{d}.docx")]))
    for d in DOCS:
        title = md_title(src / f"{d}.md", d)
        conversions.append(
            (
                f"{d}.md->html",
                [
                    str(pandoc),
                    str(src / f"{d}.md"),
                    "--standalone",
                    "--metadata",
                    f"title={title}",
                    "-o",
                    str(pd_out / f"{d}.html"),
                ],
            )
        )
    concat_cmd = [str(pandoc), str(concat), "-o", str(pd_out / "all.docx")]
    for _, c in conversions:  # warm-up
        run.time(c)
    run.time(concat_cmd)

    t_pg: list[float] = []
    t_cold: list[float] = []
    t_pipe: list[float] = []
    t_concat: list[float] = []
    t_each: dict[str, list[float]] = {name: [] for name, _ in conversions}
    cold_cmd = ["env", "POLICYGEN_NO_CACHE=1", *pg_cmd]  # what a first-ever run costs
    for i in range(repeat):
        log(f"speed: repetition {i + 1}/{repeat}")
        t_pg.append(run.time(pg_cmd))
        t_cold.append(run.time(cold_cmd))
        total = 0.0
        for name, c in conversions:
            t = run.time(c)
            t_each[name].append(t)
            total += t
        t_pipe.append(total)
        t_concat.append(run.time(concat_cmd))

    startup_pg = [run.time([str(pg), "--help"]) for _ in range(repeat)]
    startup_pd = [run.time([str(pandoc), "--version"]) for _ in range(repeat)]
    md_bytes = {d: (src / f"{d}.md").stat().st_size for d in DOCS}
    out_bytes = {p.name: p.stat().st_size for p in sorted(pg_out.iterdir())}
    return {
        "sample": sample.name,
        "repeat": repeat,
        "markdown_bytes": md_bytes,
        "policygen_output_bytes": out_bytes,
        "policygen_s": t_pg,
        "pandoc_pipeline_s": t_pipe,
        "pandoc_concat_docx_s": t_concat,
        "pandoc_each_median_s": {k: med(v) for k, v in t_each.items()},
        "policygen_median_s": med(t_pg),
        "policygen_cold_s": t_cold,
        "policygen_cold_median_s": med(t_cold),
        "ratio_pipeline_cold": med(t_cold) / med(t_pipe),
        "ratio_concat_cold": med(t_cold) / med(t_concat),
        "pandoc_pipeline_median_s": med(t_pipe),
        "pandoc_concat_docx_median_s": med(t_concat),
        "ratio_pipeline": med(t_pg) / med(t_pipe),
        "ratio_concat": med(t_pg) / med(t_concat),
        "ratio_pipeline_of_minimums": min(t_pg) / min(t_pipe),
        "ratio_concat_of_minimums": min(t_pg) / min(t_concat),
        "startup_policygen_help_median_s": med(startup_pg),
        "startup_pandoc_version_median_s": med(startup_pd),
        "commands": {
            "policygen": " ".join(pg_cmd),
            "pandoc_docx": " ".join(conversions[0][1]),
            "pandoc_html": " ".join(conversions[3][1]),
            "pandoc_concat": " ".join(concat_cmd),
        },
    }


def report_speed(r: dict) -> None:
    md = r["markdown_bytes"]
    out(f"sample: {r['sample']}  (Markdown: " + ", ".join(f"{d} {md[d] / 1000:.1f} kB" for d in DOCS) + ")")
    out(f"repetitions: {r['repeat']} (medians; each command a fresh process)")
    out("")
    out(f"  {'command':<58} {'median s':>9}  {'min s':>7}  {'max s':>7}")
    rows = [
        ("policygen generate (3 docs x md, html, docx + manifest)", r["policygen_s"]),
        ("  same, cache off (POLICYGEN_NO_CACHE=1: a first-ever run)", r["policygen_cold_s"]),
        ("pandoc pipeline (3 x md->docx + 3 x md->html --standalone)", r["pandoc_pipeline_s"]),
        ("pandoc md->docx of the 3 documents concatenated", r["pandoc_concat_docx_s"]),
    ]
    for name, xs in rows:
        out(f"  {name:<58} {med(xs):>9.3f}  {min(xs):>7.3f}  {max(xs):>7.3f}")
    out(
        "  pandoc per conversion (median s): " + ", ".join(f"{k} {v:.3f}" for k, v in r["pandoc_each_median_s"].items())
    )
    out(
        f"  process start-up (median s): policygen --help {r['startup_policygen_help_median_s']:.3f}, "
        f"pandoc --version {r['startup_pandoc_version_median_s']:.3f}"
    )
    out("")
    out(
        f"policygen / pandoc pipeline (6 conversions) = {r['ratio_pipeline']:.2f} "
        f"(target <= {TARGET_PIPELINE}: {verdict(r['ratio_pipeline'], TARGET_PIPELINE)})"
    )
    out(
        f"policygen / pandoc single md->docx of the 3 documents concatenated = {r['ratio_concat']:.2f} "
        f"(target <= {TARGET_CONCAT}: {verdict(r['ratio_concat'], TARGET_CONCAT)})"
    )
    out(
        f"(same ratios from the fastest repetition of each, less sensitive to a busy machine: "
        f"{r['ratio_pipeline_of_minimums']:.2f} and {r['ratio_concat_of_minimums']:.2f})"
    )
    out(
        f"with the cache off (first-ever run): {r['ratio_pipeline_cold']:.2f} of the pipeline, "
        f"{r['ratio_concat_cold']:.2f} of the single conversion"
    )


# --------------------------------------------------------------------------- 3. batch


def bench_batch(run: Runner, pg: Path, work: Path, n: int, separate: int, repeat: int) -> dict:
    samples = sorted(SAMPLES.glob("*.yaml"))
    pdir = work / "batch-profiles"
    pdir.mkdir()
    profiles = []
    for i in range(n):
        s = samples[i % len(samples)]
        dst = pdir / f"p{i + 1:03d}-{s.stem}.yaml"
        shutil.copy(s, dst)
        profiles.append(dst)
    separate = max(1, min(separate, n))
    # evenly spread over the N copies, so the subset mixes the samples like the batch does
    picks = sorted({round(k * n / separate) for k in range(separate)})
    t_batch: list[float] = []
    t_sep: list[float] = []
    for i in range(repeat):
        log(f"batch: repetition {i + 1}/{repeat}: one call with {n} profiles")
        dest = work / f"batch-out-{i}"
        t_batch.append(run.time([str(pg), "generate", *map(str, profiles), "-o", str(dest), "-q"]))
        shutil.rmtree(dest, ignore_errors=True)
        log(f"batch: repetition {i + 1}/{repeat}: {len(picks)} separate calls")
        for k in picks:
            dest = work / f"sep-out-{i}-{k}"
            t_sep.append(run.time([str(pg), "generate", str(profiles[k]), "-o", str(dest), "-q"]))
            shutil.rmtree(dest, ignore_errors=True)
    single = statistics.mean(t_sep)
    batch = med(t_batch)
    separate_total = single * n
    return {
        "n": n,
        "repeat": repeat,
        "separate_calls_measured": len(picks),
        "separate_profiles": [profiles[k].name for k in picks],
        "batch_s": t_batch,
        "separate_s": t_sep,
        "batch_median_s": batch,
        "single_profile_mean_s": single,
        "single_profile_median_s": med(t_sep),
        "separate_total_extrapolated_s": separate_total,
        "ratio_batch_vs_separate": batch / separate_total,
        "marginal_per_profile_s": (batch - single) / (n - 1) if n > 1 else float("nan"),
    }


def report_batch(r: dict) -> None:
    n = r["n"]
    out(f"{n} copies of the samples (cycled, distinct file names); {r['repeat']} repetition(s)")
    out(f"  one call: policygen generate <{n} profiles> -o DIR -q     median {r['batch_median_s']:.2f} s")
    out(
        f"  separate calls: {r['separate_calls_measured']} profiles spread over the {n} copies, measured "
        f"{r['repeat']}x each: mean {r['single_profile_mean_s']:.3f} s, "
        f"median {r['single_profile_median_s']:.3f} s per call"
    )
    out(
        f"  {n} separate calls, EXTRAPOLATED linearly from those {r['separate_calls_measured']}: "
        f"{r['separate_total_extrapolated_s']:.2f} s"
    )
    out(
        f"  marginal cost per profile in a batch = (batch - single) / (N - 1) = "
        f"{r['marginal_per_profile_s']:.3f} s  (fixed cost per call ~ "
        f"{r['single_profile_mean_s'] - r['marginal_per_profile_s']:.3f} s)"
    )
    out("")
    out(
        f"one batch call / {n} separate calls = {r['ratio_batch_vs_separate']:.2f} "
        f"(target <= {TARGET_BATCH}: {verdict(r['ratio_batch_vs_separate'], TARGET_BATCH)})"
    )


# --------------------------------------------------------------------------- 4. scale

_ID_LINE = re.compile(r"^id:\s*(['\"]?)([^'\"\s#]+)\1\s*(#.*)?$")
_REF_KEY = re.compile(r"^(requires|excludes|implements):\s*(.*?)\s*(#.*)?$")
_REF_ITEM = re.compile(r"^(\s*-\s+)(['\"]?)([^'\"\s#]+)\2\s*(#.*)?$")


def suffix_clause(text: str, suffix: str) -> str | None:
    """Return the clause text with its id and its links (requires/excludes/implements) suffixed."""
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


def snapshot_library(run: Runner, pg: Path, sample: Path, work: Path) -> Path:
    """A copy of clauses/ that generates (others edit clauses/ while we run)."""
    for attempt in range(run.retries + 1):
        snap = work / f"library-snapshot-{attempt}"
        shutil.copytree(CLAUSES, snap)
        try:
            run.time(
                [
                    str(pg),
                    "generate",
                    str(sample),
                    "--library",
                    str(snap),
                    "-o",
                    str(work / "snap-check"),
                    "-q",
                    "--force",
                ]
            )
            return snap
        except BenchError as exc:
            if attempt == run.retries:
                raise
            log(f"library snapshot does not generate; new snapshot in {run.retry_wait:.0f}s: {exc}")
            time.sleep(run.retry_wait)
    raise AssertionError("unreachable")


def bench_scale(
    run: Runner, pg: Path, sample: Path, work: Path, sizes: list[int], repeat: int, variants: bool = True
) -> dict:
    snap = snapshot_library(run, pg, sample, work)
    services = set(re.findall(r"[a-z-]+", (re.search(r"services:\s*\[([^\]]*)\]", sample.read_text()) or ["", ""])[1]))
    absent = next(s for s in ("search-engine", "web-hosting", "dating", "forum", "gaming") if s not in services)
    rows = []
    for factor in sizes:
        lib = work / f"library-{factor}x"
        n_clauses = make_library(snap, lib, factor, variants, absent)
        dest = work / f"scale-out-{factor}x"
        lint_cmd = [str(pg), "lint", "--library", str(lib), "--no-coverage"]
        gen_cmd = [str(pg), "generate", str(sample), "--library", str(lib), "-o", str(dest), "--force", "-q"]
        # explain = load, parse and validate the library and select clauses, without rendering
        explain_cmd = [str(pg), "explain", str(sample), "--library", str(lib), "--json"]
        run.time(gen_cmd)  # warm-up, and checks the library generates
        lint_rc = subprocess.run(lint_cmd, capture_output=True, text=True)
        lint_summary = (lint_rc.stderr.strip().splitlines() or [""])[-1] if lint_rc.returncode else "clean"
        t_lint, t_gen, t_explain = [], [], []
        for i in range(repeat):
            log(f"scale {factor}x ({n_clauses} clauses): repetition {i + 1}/{repeat}")
            t_lint.append(run.time(lint_cmd, ok=(0, 1)))  # 1 = lint found problems; still a full lint
            t_gen.append(run.time(gen_cmd))
            t_explain.append(run.time(explain_cmd))
        md_kb = sum((dest / f"{d}.md").stat().st_size for d in DOCS) / 1000
        rows.append(
            {
                "factor": factor,
                "clauses": n_clauses,
                "lint_s": t_lint,
                "generate_s": t_gen,
                "explain_s": t_explain,
                "lint_median_s": med(t_lint),
                "generate_median_s": med(t_gen),
                "explain_median_s": med(t_explain),
                "lint_exit": lint_rc.returncode,
                "lint_summary": lint_summary,
                "markdown_kb": md_kb,
            }
        )
        shutil.rmtree(lib, ignore_errors=True)
        shutil.rmtree(dest, ignore_errors=True)
    first, last = rows[0], rows[-1]
    growth = {}
    if last["clauses"] > first["clauses"]:
        size_ratio = last["clauses"] / first["clauses"]
        for key in ("lint", "explain", "generate"):
            a, b = first[f"{key}_median_s"], last[f"{key}_median_s"]
            growth[key] = {
                "exponent": math.log(b / a) / math.log(size_ratio),
                "ms_per_extra_clause": 1000 * (b - a) / (last["clauses"] - first["clauses"]),
            }
    return {"sample": sample.name, "repeat": repeat, "rows": rows, "growth": growth, "variants": variants}


def report_scale(r: dict) -> None:
    how = (
        "copies are variants for a service the sample lacks (not selected; documents keep their size)"
        if r.get("variants")
        else "every copy is selected (documents grow with the library)"
    )
    out(
        f"sample: {r['sample']}; library = snapshot of clauses/ plus suffixed copies; {how}; "
        f"{r['repeat']} repetition(s)"
    )
    out("  explain = load + validate the library and select clauses (no rendering); with --scale-all-selected")
    out("  every copy of a selected clause is selected too, so generate renders documents N times longer (md kB)")
    out(
        f"  {'size':>4}  {'clauses':>7}  {'lint s':>7}  {'x 1x':>5}  {'explain s':>9}  {'x 1x':>5}  "
        f"{'generate s':>10}  {'x 1x':>5}  {'md kB':>6}  lint result"
    )
    base = r["rows"][0]
    for row in r["rows"]:
        out(
            f"  {row['factor']:>3}x  {row['clauses']:>7}  {row['lint_median_s']:>7.3f}  "
            f"{row['lint_median_s'] / base['lint_median_s']:>5.1f}  {row['explain_median_s']:>9.3f}  "
            f"{row['explain_median_s'] / base['explain_median_s']:>5.1f}  {row['generate_median_s']:>10.3f}  "
            f"{row['generate_median_s'] / base['generate_median_s']:>5.1f}  {row['markdown_kb']:>6.0f}  "
            f"{row['lint_summary'][:50]}"
        )
    g = r["growth"]
    if g:
        out(
            "  growth (time ~ size^k, from smallest to largest): "
            + "; ".join(
                f"{k} k={v['exponent']:.2f}, {v['ms_per_extra_clause']:.2f} ms per extra clause" for k, v in g.items()
            )
        )
    last = r["rows"][-1]
    out("")
    for key, name in (("lint", "lint --no-coverage"), ("generate", "generate (one profile)")):
        t = last[f"{key}_median_s"]
        out(
            f"{last['factor']}x library ({last['clauses']} clauses): {name} = {t:.2f} s "
            f"(target < {TARGET_SCALE_SECONDS:.0f} s: {verdict(t, TARGET_SCALE_SECONDS)})"
        )


# --------------------------------------------------------------------------- 5. profile


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
        if rel.parts[0] == "generator":
            return "generator." + (rel.parts[1][:-3] if len(rel.parts) == 2 else rel.parts[1])
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


# frames that only dispatch (interpreter start, runpy, click) and repeated import-machinery frames
_WRAPPERS = re.compile(
    r"^(~:0\(<built-in method builtins\.exec>\)|<string>:|<frozen runpy>|click/core\.py|generator/__main__\.py"
    r"|generator/cli\.py:\d+\((main|invoke)\)|<frozen importlib\._bootstrap(_external)?>:\d+\((?!_find_and_load\)))"
)


def bench_profile(run: Runner, sample: Path, work: Path) -> dict:
    prof = work / "generate.prof"
    args = ["generate", str(sample), "-o", str(work / "profile-out"), "--force", "-q"]
    python = sys.executable
    run.time([python, "-m", "generator", *args], cwd=ROOT)  # warm-up and library check
    t_plain = run.time([python, "-m", "generator", *args], cwd=ROOT)
    run.time([python, "-m", "cProfile", "-o", str(prof), "-m", "generator", *args], cwd=ROOT)
    stats = pstats.Stats(str(prof))
    total = stats.total_tt  # type: ignore[attr-defined]
    entries = []
    for func, (_cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append((ct, tt, nc, func))
    entries.sort(key=lambda e: -e[0])
    top = []
    for ct, tt, nc, (fn, line, name) in entries:
        short = fn
        for base in (str(ROOT) + os.sep, str(Path(sys.prefix)) + os.sep):
            short = short.replace(base, "")
        short = re.sub(r"^lib/python[\d.]+/site-packages/", "", short)
        label = f"{short}:{line}({name})"
        if _WRAPPERS.match(label):
            continue
        top.append({"cumtime_s": ct, "tottime_s": tt, "ncalls": nc, "function": label})
        if len(top) == 15:
            break
    by_pkg = self_time_by_package(stats)
    imp_total, imp_top = import_times(python, args)
    return {
        "sample": sample.name,
        "wall_unprofiled_s": t_plain,
        "profiled_total_s": total,
        "top_cumulative": top,
        "self_time_by_package": by_pkg,
        "import_total_s": imp_total,
        "import_by_top_level": imp_top,
    }


def report_profile(r: dict) -> None:
    out(
        f"cProfile of `python -m generator generate {r['sample']}` in a fresh interpreter "
        f"(profiled {r['profiled_total_s']:.2f} s; unprofiled {r['wall_unprofiled_s']:.2f} s wall)"
    )
    out("top 15 by cumulative time (dispatch frames - exec, runpy, click - and duplicate import frames left out):")
    out(f"  {'cumtime':>8} {'tottime':>8} {'ncalls':>8}  function")
    for e in r["top_cumulative"]:
        out(f"  {e['cumtime_s']:>8.3f} {e['tottime_s']:>8.3f} {e['ncalls']:>8}  {e['function']}")
    total = r["profiled_total_s"] or 1.0
    out("self time by package (C functions charged to their callers), top 12:")
    for pkg, t in r["self_time_by_package"][:12]:
        out(f"  {t:>7.3f} s {100 * t / total:>5.1f}%  {pkg}")
    out(
        f"imports (python -X importtime; each package with what it imports): {r['import_total_s']:.3f} s total: "
        + ", ".join(f"{k} {v:.3f}" for k, v in r["import_by_top_level"][:9])
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    # generate fills in the Word contents' page numbers with LibreOffice when it is installed (a few seconds);
    # the speed targets are for generating the documents, so the benchmark leaves that pass out.
    os.environ.setdefault("POLICYGEN_TOC_PAGES", "0")
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--repeat", type=int, default=7, help="repetitions for the speed section (default 7)")
    ap.add_argument("--batch-n", type=int, default=50, help="profiles in the batch call (default 50)")
    ap.add_argument("--batch-repeat", type=int, default=3, help="repetitions of the batch section (default 3)")
    ap.add_argument(
        "--separate", type=int, default=10, help="separate calls measured and extrapolated to N (default 10)"
    )
    ap.add_argument(
        "--scale-sizes", default="1,2,5,10", help="library sizes, multiples of the real one (default 1,2,5,10)"
    )
    ap.add_argument("--scale-repeat", type=int, default=3, help="repetitions per library size (default 3)")
    ap.add_argument(
        "--scale-all-selected",
        action="store_true",
        help="scale section: select every copy (documents grow too) instead of variants for another service",
    )
    ap.add_argument("--sample", type=Path, help="profile to use instead of the largest sample")
    ap.add_argument(
        "--only", default="speed,batch,scale,profile", help="sections to run (default speed,batch,scale,profile)"
    )
    ap.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    ap.add_argument("--retries", type=int, default=5, help="retries when the clause library is mid-edit (default 5)")
    ap.add_argument("--retry-wait", type=float, default=60, help="seconds between those retries (default 60)")
    args = ap.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    unknown = sections - {"speed", "batch", "scale", "profile"}
    if unknown:
        ap.error(f"unknown section(s) {', '.join(sorted(unknown))}; allowed: speed, batch, scale, profile")
    try:
        sizes = sorted({int(x) for x in args.scale_sizes.split(",") if x.strip()})
    except ValueError:
        ap.error("--scale-sizes takes whole numbers, e.g. 1,2,5,10")
    if not sizes or sizes[0] < 1 or args.repeat < 1 or args.batch_n < 2:
        ap.error("sizes >= 1, --repeat >= 1 and --batch-n >= 2")

    try:
        pg = find_policygen()
        pandoc = find_pandoc() if "speed" in sections else None
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2

    run = Runner(args.retries, args.retry_wait)
    results: dict = {}
    clauses_start = count_clauses(CLAUSES)
    work = Path(tempfile.mkdtemp(prefix="policygen-bench-"))
    t_start = time.perf_counter()
    try:
        out("policygen benchmark (issue: Hardening and speed)")
        out("=" * 78)
        env = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "policygen": run.output([str(pg), "--version"]),
            "pandoc": run.output([str(pandoc), "--version"]).splitlines()[0] if pandoc else None,
            "library_clauses_at_start": clauses_start,
            "load_average_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        }
        results["environment"] = env
        load = env["load_average_at_start"]
        load_s = f"  load average {load[0]:.2f}" if load else ""
        out(f"{env['date']}  {env['platform']}  {env['cpus']} CPUs{load_s}  Python {env['python']}")
        out(
            f"{env['policygen']} ({pg});  {env['pandoc'] or 'pandoc not used'};  clauses/: {clauses_start} clause files"
        )
        out("")

        if args.sample:
            sample = args.sample.resolve()
            out(f"sample (given): {sample.name}")
        else:
            log("finding the largest sample")
            sample, md_sizes = largest_sample(run, pg, work)
            results["sample_markdown_bytes"] = md_sizes
            ranked = sorted(md_sizes.items(), key=lambda kv: -kv[1])
            out(
                "largest sample by generated Markdown (tos+sop+tips): "
                + ", ".join(f"{k} {v / 1000:.1f} kB" for k, v in ranked[:4])
                + (f", ... ({len(ranked)} samples)" if len(ranked) > 4 else "")
            )
            out(f"-> {sample.name}")
        results["sample"] = sample.name
        out("")

        if "speed" in sections:
            out("Speed: policygen against pandoc")
            out("-" * 78)
            results["speed"] = bench_speed(run, pg, pandoc, sample, work, args.repeat)  # type: ignore[arg-type]
            report_speed(results["speed"])
            out("")
        if "batch" in sections:
            out("Batch: one call with many profiles against separate calls")
            out("-" * 78)
            results["batch"] = bench_batch(run, pg, work, args.batch_n, args.separate, args.batch_repeat)
            report_batch(results["batch"])
            out("")
        if "scale" in sections:
            out("Scale: synthetic libraries of 1x to 10x the real one")
            out("-" * 78)
            results["scale"] = bench_scale(
                run, pg, sample, work, sizes, args.scale_repeat, variants=not args.scale_all_selected
            )
            report_scale(results["scale"])
            out("")
        if "profile" in sections:
            out("Profile")
            out("-" * 78)
            results["profile"] = bench_profile(run, sample, work)
            report_profile(results["profile"])
            out("")
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    clauses_end = count_clauses(CLAUSES)
    results["environment"]["library_clauses_at_end"] = clauses_end
    results["environment"]["library_error_retries"] = run.retried
    results["environment"]["total_bench_s"] = time.perf_counter() - t_start
    results["environment"]["load_average_at_end"] = os.getloadavg() if hasattr(os, "getloadavg") else None
    load_end = results["environment"]["load_average_at_end"]
    out(
        f"total benchmark time {results['environment']['total_bench_s']:.0f} s; library-error retries: {run.retried}"
        + (f"; load average at end {load_end[0]:.2f}" if load_end else "")
    )
    if clauses_end != clauses_start:
        out(f"NOTE: clauses/ changed during the run ({clauses_start} -> {clauses_end} clause files); numbers mix both.")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
        out(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
