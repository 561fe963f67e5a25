"""The ``faceright batch`` command: click wiring over :mod:`faceright.batch`.

Kept apart from ``cli.py`` so the batch machinery is imported only when it is used.
"""

from __future__ import annotations

import json
import os
import sys

import click

from .batch import CHUNK_SIZE, BatchError, Interrupted, Options, interruptible, run
from .errors import FacerightError


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", "out", metavar="OUT",
              help="Write records to OUT: first to OUT.partial (with a manifest and a journal), "
                   "renamed to OUT when complete. Without -o, records go to standard output "
                   "(streamed, but neither atomic nor resumable).")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default=None,
              help="Output format [default: csv when OUT ends in .csv, else jsonl].")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes [default: the number of cores]; 1 runs in this process.")
@click.option("--unordered", is_flag=True, help="Write records as they finish, not in input order.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run into the same OUT (refused when the inputs, "
                   "rules or output options changed; starts afresh when there is nothing to resume).")
@click.option("--fail-fast", is_flag=True,
              help="Stop after the first chunk holding an error record (OUT.partial is kept).")
@click.option("--check-ids", is_flag=True,
              help="Report duplicate case ids (exit 1); the index is kept on disk.")
@click.option("--summary", "summary", metavar="FILE", help="Also write the summary as JSON to FILE.")
@click.option("--cluster", metavar="ADDRESS",
              help="Run on an existing Dask scheduler, e.g. tcp://10.0.0.5:8786 (needs faceright[dask] "
                   "on the workers; the rules are sent to them).")
@click.option("--rules", type=click.Path(file_okay=False), default=None,
              help="Rules directory (default: the shipped rulebook).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=CHUNK_SIZE, hidden=True)
def batch(inputs: tuple[str, ...], out: str | None, fmt: str | None, jobs: int | None,
          unordered: bool, resume: bool, fail_fast: bool, check_ids: bool, summary: str | None,
          cluster: str | None, rules: str | None, chunk_size: int) -> None:
    """Assess every case in INPUT... (files, directories recursively, globs, - for stdin;
    YAML, JSON, JSONL or CSV): one record per case, in input order, an error record in place
    of each bad case. Exit 1 when any error record was written, 2 when the batch cannot run,
    130 when interrupted (run again with --resume).

    Example: faceright batch cases/ -o results.jsonl --jobs 4 --summary summary.json
    """
    fmt = fmt or ("csv" if out is not None and out.lower().endswith(".csv") else "jsonl")
    opts = Options(inputs=inputs, out=out, format=fmt, jobs=jobs or _cores(), unordered=unordered,
                   resume=resume, fail_fast=fail_fast, check_ids=check_ids, summary=summary,
                   cluster=cluster, rules=rules, chunk_size=chunk_size,
                   progress=sys.stderr.isatty())

    def say(text: str) -> None:
        click.echo(text, err=True)

    try:
        with interruptible():
            report = run(opts, sys.stdout.buffer, say, sys.stdin.buffer)
    except Interrupted:
        where = f"; {out}.partial is kept: run again with --resume" if out else ""
        say(f"interrupted{where}")
        sys.exit(130)
    except (BatchError, FacerightError) as exc:
        say(f"error: {exc}")
        sys.exit(2)
    except OSError as exc:
        say(f"error: {exc.filename or ''}: {exc.strerror or exc}")
        sys.exit(2)
    except Exception:  # a bug: the CLI's boundary reports it (exit 70, logged, no input echoed)
        if out:
            say(f"{out}.partial is kept")
        raise
    say(report.text())
    if report.stopped_early:
        where = f"; {out}.partial is kept: --resume goes on" if out else ""
        say(f"stopped at the first error record (--fail-fast){where}")
    if summary is not None:
        try:
            with open(summary, "w", encoding="utf-8") as handle:
                json.dump(report.to_json(), handle, ensure_ascii=False, indent=2, sort_keys=True)
                handle.write("\n")
        except OSError as exc:
            say(f"error: {summary}: cannot write the summary: {exc.strerror}")
            sys.exit(2)
    sys.exit(report.exit_code)
