"""Scenarios of bench/bench.py: largest sample, speed against pandoc, batch, scale, profile.

Each section has a ``bench_*`` function that runs and times the commands
(through :class:`harness.Runner`) and returns its numbers as a dict (written
as is to ``--json``), and a ``report_*`` function that prints that dict.
The targets each section is judged against are here too.
"""

from __future__ import annotations

import math
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import (
    CLAUSES,
    DOCS,
    ROOT,
    SAMPLES,
    BenchError,
    Runner,
    import_times,
    log,
    make_library,
    med,
    out,
    self_time_by_package,
    verdict,
)

TARGET_PIPELINE = 0.5  # policygen / pandoc pipeline (6 conversions)
TARGET_CONCAT = 1.0  # policygen / one pandoc md->docx of the 3 documents concatenated
TARGET_BATCH = 0.25  # one batch call / N separate calls
TARGET_SCALE_SECONDS = 1.0  # 10x library: lint, and generate one profile


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
