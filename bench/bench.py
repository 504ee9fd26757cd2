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
   copied with suffixed ids, consistent by construction); ``lint --no-coverage``,
   the default ``lint``, ``explain`` and ``generate`` times.
5. Review: ``review OLD NEW --samples`` against a full ``generate`` of the samples.
6. PDF: ``generate --format pdf`` (one profile; five) against ``soffice
   --convert-to pdf`` of the same DOCX (wall; CPU of the process tree).
7. Memory: peak RSS of one ``generate`` call with 500 and 5,000 profiles.
8. Profile: cProfile of one ``generate`` of the largest sample in a fresh
   interpreter (top cumulative entries, self time by package, import times).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

from harness import CLAUSES, BenchError, Runner, count_clauses, find_pandoc, find_policygen, log, out
from scenarios import (
    bench_batch,
    bench_memory,
    bench_pdf,
    bench_profile,
    bench_review,
    bench_scale,
    bench_speed,
    largest_sample,
    report_batch,
    report_memory,
    report_pdf,
    report_profile,
    report_review,
    report_scale,
    report_speed,
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
        "--only",
        default="speed,batch,scale,review,pdf,memory,profile",
        help="sections to run (default speed,batch,scale,review,pdf,memory,profile)",
    )
    ap.add_argument("--review-repeat", type=int, default=3, help="repetitions of the review section (default 3)")
    ap.add_argument("--pdf-repeat", type=int, default=3, help="repetitions of the pdf section (default 3)")
    ap.add_argument(
        "--memory-sizes", default="500,5000", help="profiles per batch call for peak memory (default 500,5000)"
    )
    ap.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder and print where it is")
    ap.add_argument("--retries", type=int, default=5, help="retries when the clause library is mid-edit (default 5)")
    ap.add_argument("--retry-wait", type=float, default=60, help="seconds between those retries (default 60)")
    args = ap.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    allowed = ("speed", "batch", "scale", "review", "pdf", "memory", "profile")
    unknown = sections - set(allowed)
    if unknown:
        ap.error(f"unknown section(s) {', '.join(sorted(unknown))}; allowed: {', '.join(allowed)}")
    try:
        memory_sizes = sorted({int(x) for x in args.memory_sizes.split(",") if x.strip()})
    except ValueError:
        ap.error("--memory-sizes takes whole numbers, e.g. 500,5000")
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
        if "review" in sections:
            out("Review: review OLD NEW over the samples against a full generate of them")
            out("-" * 78)
            results["review"] = bench_review(run, pg, work, args.review_repeat)
            report_review(results["review"])
            out("")
        if "pdf" in sections:
            out("PDF: generate --format pdf against soffice --convert-to pdf of the same DOCX")
            out("-" * 78)
            results["pdf"] = bench_pdf(run, pg, sample, work, args.pdf_repeat)
            report_pdf(results["pdf"])
            out("")
        if "memory" in sections:
            out("Batch memory: peak resident memory of one call")
            out("-" * 78)
            results["memory"] = bench_memory(run, pg, work, memory_sizes)
            report_memory(results["memory"])
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
