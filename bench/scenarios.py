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
TARGET_CONCAT = 0.6  # warm policygen / one pandoc md->docx of the 3 documents concatenated (issue 19)
TARGET_COLD = 1.0  # first run (empty cache folder) / the same pandoc conversion (issue 19)
TARGET_BATCH = 0.25  # one batch call / N separate calls
TARGET_SCALE_SECONDS = 1.0  # 10x library: lint --no-coverage, and generate one profile
TARGET_LINT_SECONDS = 2.0  # 10x library: default lint (coverage, consistency, claims), linear
TARGET_REVIEW = 2.0  # review over the samples / a full generate of the same samples
TARGET_PDF_ONE = 1.2  # generate --format pdf, one profile / soffice --convert-to pdf of its 3 DOCX
TARGET_PDF_BATCH_CPU = 1.3  # CPU: generate --format pdf, 5 profiles / one soffice run over their 15 DOCX
TARGET_MEMORY_MIB = 120.0  # peak RSS of one batch call (500 and 5,000 profiles)


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
    for i in range(repeat):
        log(f"speed: repetition {i + 1}/{repeat}")
        t_pg.append(run.time(pg_cmd))
        # a first run on a machine: an empty cache folder, so every entry is computed and written
        fresh = work / f"speed-cache-{i}"
        t_cold.append(run.time(pg_cmd, env={"POLICYGEN_CACHE_DIR": str(fresh)}))
        shutil.rmtree(fresh, ignore_errors=True)
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
        ("  same, first run (an empty cache folder each time)", r["policygen_cold_s"]),
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
        f"first run (empty cache folder) / pandoc single md->docx = {r['ratio_concat_cold']:.2f} "
        f"(target <= {TARGET_COLD}: {verdict(r['ratio_concat_cold'], TARGET_COLD)}); "
        f"/ pandoc pipeline = {r['ratio_pipeline_cold']:.2f}"
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
        lint_full_cmd = [str(pg), "lint", "--library", str(lib)]  # the default: coverage and consistency too
        gen_cmd = [str(pg), "generate", str(sample), "--library", str(lib), "-o", str(dest), "--force", "-q"]
        # explain = load, parse and validate the library and select clauses, without rendering
        explain_cmd = [str(pg), "explain", str(sample), "--library", str(lib), "--json"]
        # the library is ours: a library error is not someone editing clauses/, so never wait and retry
        run.time(gen_cmd, retry=False)  # warm-up, and checks the library generates
        lint_rc = subprocess.run(lint_full_cmd, capture_output=True, text=True)
        lint_summary = (lint_rc.stderr.strip().splitlines() or [""])[-1] if lint_rc.returncode else "clean"
        t_lint, t_gen, t_explain, t_full, cpu_full = [], [], [], [], []
        for i in range(repeat):
            log(f"scale {factor}x ({n_clauses} clauses): repetition {i + 1}/{repeat}")
            t_lint.append(run.time(lint_cmd, ok=(0, 1), retry=False))  # 1 = lint found problems; still a full lint
            wall, cpu, _ = run.measure(lint_full_cmd, ok=(0, 1), retry=False)
            t_full.append(wall)
            cpu_full.append(cpu)
            t_gen.append(run.time(gen_cmd, retry=False))
            t_explain.append(run.time(explain_cmd, retry=False))
        md_kb = sum((dest / f"{d}.md").stat().st_size for d in DOCS) / 1000
        rows.append(
            {
                "factor": factor,
                "clauses": n_clauses,
                "lint_s": t_lint,
                "generate_s": t_gen,
                "explain_s": t_explain,
                "lint_median_s": med(t_lint),
                "lint_default_s": t_full,
                "lint_default_median_s": med(t_full),
                "lint_default_cpu_median_s": med(cpu_full),
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
        for key in ("lint", "lint_default", "explain", "generate"):
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
    out("  lint = lint --no-coverage; lint all = the default lint (coverage, dead clauses, consistency, claims)")
    out(
        f"  {'size':>4}  {'clauses':>7}  {'lint s':>7}  {'x 1x':>5}  {'lint all s':>10}  {'x 1x':>5}  {'CPU s':>6}  "
        f"{'explain s':>9}  {'x 1x':>5}  {'generate s':>10}  {'x 1x':>5}  {'md kB':>6}  lint result"
    )
    base = r["rows"][0]
    for row in r["rows"]:
        out(
            f"  {row['factor']:>3}x  {row['clauses']:>7}  {row['lint_median_s']:>7.3f}  "
            f"{row['lint_median_s'] / base['lint_median_s']:>5.1f}  {row['lint_default_median_s']:>10.3f}  "
            f"{row['lint_default_median_s'] / base['lint_default_median_s']:>5.1f}  "
            f"{row['lint_default_cpu_median_s']:>6.2f}  {row['explain_median_s']:>9.3f}  "
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
    t = last["lint_default_median_s"]
    ratio = t / base["lint_default_median_s"]
    size = last["clauses"] / base["clauses"]
    out(
        f"{last['factor']}x library: default lint = {t:.2f} s wall, {last['lint_default_cpu_median_s']:.2f} s CPU "
        f"(target <= {TARGET_LINT_SECONDS:.0f} s: {verdict(t, TARGET_LINT_SECONDS)}); "
        f"/ default lint of the {base['factor']}x library = {ratio:.1f} for {size:.1f}x the clauses "
        f"(linear or better: {'MET' if ratio <= size * 1.1 else 'NOT MET'})"
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


# --------------------------------------------------------------------------- 6. review


def edited_library(src: Path, dst: Path, per_doc: int = 3) -> list[str]:
    """Copy library ``src`` to ``dst`` and add a sentence to the first ``per_doc`` clause files of each document."""
    shutil.copytree(src, dst)
    changed = []
    for doc in DOCS:
        for path in sorted((dst / doc).rglob("*.md"))[:per_doc]:
            path.write_text(
                path.read_text(encoding="utf-8").rstrip("\n") + "\n\nThis sentence was added by the benchmark.\n",
                encoding="utf-8",
            )
            changed.append(path.relative_to(dst).as_posix())
    return changed


def bench_review(run: Runner, pg: Path, work: Path, repeat: int) -> dict:
    """``review OLD NEW --samples`` against a full ``generate`` of the same samples (same library, same run)."""
    old = work / "review-old"
    shutil.copytree(CLAUSES, old)
    new = work / "review-new"
    changed = edited_library(old, new)
    samples = sorted(SAMPLES.glob("*.yaml"))
    review_cmd = [str(pg), "review", str(old), str(new), "--samples", str(SAMPLES), "-o", str(work / "review-out")]
    review_cmd.append("--force")
    gen_cmd = [str(pg), "generate", *map(str, samples), "--library", str(new), "-o", str(work / "review-gen")]
    gen_cmd += ["--force", "-q"]
    run.time(review_cmd, ok=(0, 1), retry=False)  # warm-up (1 = differences found, the normal case)
    run.time(gen_cmd, retry=False)
    t_review, t_gen = [], []
    for i in range(repeat):
        log(f"review: repetition {i + 1}/{repeat}")
        t_review.append(run.time(review_cmd, ok=(0, 1), retry=False))
        t_gen.append(run.time(gen_cmd, retry=False))
    return {
        "samples": len(samples),
        "changed_clauses": changed,
        "review_s": t_review,
        "generate_s": t_gen,
        "ratio": med(t_review) / med(t_gen),
        "commands": {"review": " ".join(review_cmd), "generate": " ".join(gen_cmd)},
    }


def report_review(r: dict) -> None:
    out(
        f"{r['samples']} samples; NEW = the library with a sentence added to {len(r['changed_clauses'])} clauses "
        f"({', '.join(r['changed_clauses'][:3])}, ...)"
    )
    out(f"  review OLD NEW --samples -o DIR        median {med(r['review_s']):.3f} s")
    out(f"  generate <the same samples> (NEW)      median {med(r['generate_s']):.3f} s")
    out(
        f"review / full generate of the same samples = {r['ratio']:.2f} "
        f"(target <= {TARGET_REVIEW}: {verdict(r['ratio'], TARGET_REVIEW)})"
    )


# --------------------------------------------------------------------------- 7. PDF


def bench_pdf(run: Runner, pg: Path, sample: Path, work: Path, repeat: int) -> dict:
    """``generate --format pdf`` against ``soffice --convert-to pdf`` of the same DOCX files.

    The target rows compare the three documents the issue measured (``--doc
    tos,sop,tips``: terms, SOP, tips) with the same three DOCX; a further row,
    for information, compares a profile's default set (with the records and
    the notice kit's letters) with the same DOCX. The peer runs with a
    LibreOffice profile made once before timing (as a user's own LibreOffice
    has one); policygen makes a fresh, throw-away one each run. CPU is user +
    system time of the whole process tree.
    """
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise BenchError("the pdf section needs LibreOffice (soffice)")
    samples = sorted(SAMPLES.glob("*.yaml"))
    five = [sample, *[s for s in samples if s != sample][:4]]
    docx_dir = work / "pdf-docx"
    run.time([str(pg), "generate", *map(str, five), "-o", str(docx_dir), "--format", "docx", "-q", "--force"])
    one_docx = [docx_dir / sample.stem / f"{d}.docx" for d in DOCS]
    one_default = sorted((docx_dir / sample.stem).glob("*.docx"))  # with records and notices where they apply
    all_docx = [docx_dir / s.stem / f"{d}.docx" for s in five for d in DOCS]
    lo_profile = (work / "pdf-lo-profile").as_uri()
    env = {"HOME": str(work / "pdf-home")}

    def convert(files: list[Path], dest: Path) -> list[str]:
        # same-named files from several profiles: one soffice run, one output folder per profile is not
        # possible, so each input gets a unique name first (a copy, outside the timing)
        return [
            soffice,
            f"-env:UserInstallation={lo_profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(dest),
            *map(str, files),
        ]

    flat = work / "pdf-flat"
    flat.mkdir()
    renamed = []
    for f in all_docx:
        target = flat / f"{f.parent.name}-{f.name}"
        shutil.copy(f, target)
        renamed.append(target)
    three = ["--doc", ",".join(DOCS)]
    one_cmd = [str(pg), "generate", str(sample), "-o", str(work / "pdf-one"), "--format", "pdf", *three, "-q"]
    one_cmd.append("--force")
    five_cmd = [str(pg), "generate", *map(str, five), "-o", str(work / "pdf-five"), "--format", "pdf", *three]
    five_cmd += ["-q", "--force"]
    one_all_cmd = [str(pg), "generate", str(sample), "-o", str(work / "pdf-one-all"), "--format", "pdf", "-q"]
    one_all_cmd.append("--force")
    peer_one = convert(one_docx, work / "pdf-peer-one")
    peer_all = convert(renamed, work / "pdf-peer-all")
    peer_one_all = convert(one_default, work / "pdf-peer-one-all")
    run.time(peer_one, env=env)  # warm-up: makes the peer's LibreOffice profile
    run.time(one_cmd)
    rows: dict[str, list[tuple[float, float]]] = {
        "one": [],
        "peer_one": [],
        "five": [],
        "peer_all": [],
        "one_all": [],
        "peer_one_all": [],
    }
    for i in range(repeat):
        log(f"pdf: repetition {i + 1}/{repeat}")
        rows["one"].append(run.measure(one_cmd)[:2])
        rows["peer_one"].append(run.measure(peer_one, env=env)[:2])
        rows["five"].append(run.measure(five_cmd)[:2])
        rows["peer_all"].append(run.measure(peer_all, env=env)[:2])
        rows["one_all"].append(run.measure(one_all_cmd)[:2])
        rows["peer_one_all"].append(run.measure(peer_one_all, env=env)[:2])
    wall = {k: med([w for w, _ in v]) for k, v in rows.items()}
    cpu = {k: med([c for _, c in v]) for k, v in rows.items()}
    return {
        "sample": sample.name,
        "five": [s.name for s in five],
        "repeat": repeat,
        "wall_median_s": wall,
        "cpu_median_s": cpu,
        "ratio_one_wall": wall["one"] / wall["peer_one"],
        "ratio_five_cpu": cpu["five"] / cpu["peer_all"],
        "ratio_five_wall": wall["five"] / wall["peer_all"],
        "ratio_one_default_wall": wall["one_all"] / wall["peer_one_all"],
        "default_documents": [f.name for f in one_default],
        "commands": {"one": " ".join(one_cmd), "peer_one": " ".join(peer_one), "five": " ".join(five_cmd)},
    }


def report_pdf(r: dict) -> None:
    w, c = r["wall_median_s"], r["cpu_median_s"]
    out(f"one profile: {r['sample']}; five: {', '.join(r['five'])}; {r['repeat']} repetition(s), medians")
    out("  peer: soffice --convert-to pdf with a LibreOffice profile made before timing (policygen: a fresh one)")
    out(f"  {'command':<58} {'wall s':>7}  {'CPU s':>6}")
    for key, name in (
        ("one", "policygen generate ONE --format pdf --doc tos,sop,tips"),
        ("peer_one", "soffice --convert-to pdf of its 3 DOCX"),
        ("five", "policygen generate FIVE --format pdf --doc tos,sop,tips"),
        ("peer_all", "soffice --convert-to pdf of their 15 DOCX, one run"),
        ("one_all", f"policygen generate ONE --format pdf ({len(r['default_documents'])} documents)"),
        ("peer_one_all", f"soffice --convert-to pdf of the same {len(r['default_documents'])} DOCX"),
    ):
        out(f"  {name:<58} {w[key]:>7.3f}  {c[key]:>6.2f}")
    out(
        f"--format pdf, one profile / soffice of its 3 DOCX (wall) = {r['ratio_one_wall']:.2f} "
        f"(target <= {TARGET_PDF_ONE}: {verdict(r['ratio_one_wall'], TARGET_PDF_ONE)})"
    )
    out(
        f"--format pdf, 5 profiles / one soffice run over the 15 DOCX (CPU) = {r['ratio_five_cpu']:.2f} "
        f"(target <= {TARGET_PDF_BATCH_CPU}: {verdict(r['ratio_five_cpu'], TARGET_PDF_BATCH_CPU)}); "
        f"wall {r['ratio_five_wall']:.2f}"
    )
    out(
        f"--format pdf, one profile, default documents ({', '.join(r['default_documents'])}) / soffice of the "
        f"same DOCX (wall) = {r['ratio_one_default_wall']:.2f} (no target; for information)"
    )


# --------------------------------------------------------------------------- 8. batch memory


def bench_memory(run: Runner, pg: Path, work: Path, sizes: list[int]) -> dict:
    """Peak resident memory of one ``generate`` call with N profiles (default formats), from ``wait4``."""
    samples = sorted(SAMPLES.glob("*.yaml"))
    pdir = work / "memory-profiles"
    pdir.mkdir()
    rows = []
    made = 0
    for n in sorted(sizes):
        while made < n:
            s = samples[made % len(samples)]
            shutil.copy(s, pdir / f"m{made + 1:05d}-{s.stem}.yaml")
            made += 1
        profiles = sorted(pdir.glob("*.yaml"))[:n]
        dest = work / f"memory-out-{n}"
        log(f"memory: one call with {n} profiles")
        wall, cpu, rss = run.measure([str(pg), "generate", *map(str, profiles), "-o", str(dest), "-q"])
        shutil.rmtree(dest, ignore_errors=True)
        rows.append({"profiles": n, "peak_rss_mib": rss, "wall_s": wall, "cpu_s": cpu})
    return {"rows": rows}


def report_memory(r: dict) -> None:
    out("one generate call with N profiles (default formats: md, html, docx); peak RSS of the process (wait4)")
    for row in r["rows"]:
        out(
            f"  {row['profiles']:>6} profiles: peak {row['peak_rss_mib']:.0f} MiB "
            f"(target <= {TARGET_MEMORY_MIB:.0f} MiB: {verdict(row['peak_rss_mib'], TARGET_MEMORY_MIB)}); "
            f"{row['wall_s']:.0f} s wall, {row['cpu_s']:.0f} s CPU"
        )
    if len(r["rows"]) > 1:
        a, b = r["rows"][0], r["rows"][-1]
        slope = (b["peak_rss_mib"] - a["peak_rss_mib"]) / (b["profiles"] - a["profiles"]) * 1024
        out(f"  growth: {slope:.1f} KiB per extra profile")
