"""Batch evaluation at scale: many case files in, one record per case out, nothing lost.

The parent process reads inputs lazily (:mod:`.inputs`: YAML and JSON per file; JSONL and CSV
line by line, so files of any size stream), cuts the case documents into chunks and keeps a
bounded window of chunks in flight on a backend: in-process (``--jobs 1``), worker processes
(:mod:`.pool`: one durable_rules Host each, made in the worker; a dead worker's chunk is retried
once, then becomes error records), or a Dask cluster (:mod:`.cluster`: the rulebook travels as
data). Workers validate and assess and render each record (:mod:`.records`, the one record
writer); the parent reorders and writes (:mod:`.run`). A file output goes to ``OUT.partial`` with
a manifest and a journal of finished chunks (:mod:`.journal`); ``--resume`` truncates to the last
journalled chunk and skips the chunks done, and the file is renamed into place only when
complete. :mod:`.summary` counts, :mod:`.ids` finds duplicate ids, :mod:`.progress` draws the bar.
"""

from __future__ import annotations

from .inputs import SUFFIXES, Reader, expand_inputs, file_digest
from .journal import MANIFEST_FORMAT, FileSink, StdoutSink, make_manifest, manifest_difference
from .model import CHUNK_SIZE, BatchError, Chunk, Column, Interrupted, Item, Options, Outcome
from .records import (WorkerState, column_name, csv_columns, csv_header, error_line, evaluate,
                      neutralise, result_record)
from .run import interruptible, run
from .summary import Report, Tally

__all__ = ["CHUNK_SIZE", "MANIFEST_FORMAT", "SUFFIXES", "BatchError", "Chunk", "Column",
           "FileSink", "Interrupted", "Item", "Options", "Outcome", "Reader", "Report",
           "StdoutSink", "Tally", "WorkerState", "column_name", "csv_columns", "csv_header",
           "error_line", "evaluate", "expand_inputs", "file_digest", "interruptible",
           "make_manifest", "manifest_difference", "neutralise", "result_record", "run"]
