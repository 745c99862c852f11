"""Write a sweep's rows as they come, chunk by chunk: Parquet (pyarrow, one row group per chunk) or CSV.

Nothing here computes a conclusion; the rows come from `ppexpert.reasoning.sweep`. Memory holds one chunk at a
time, and the same rows give the same bytes (no time, no host, no random ids in either format).
"""
from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ppexpert.knowledge.model import UNKNOWN
from ppexpert.knowledge.problems import InputError, Problem, Span
from ppexpert.reasoning.sweep import extra

FORMATS = {".parquet": "parquet", ".csv": "csv"}


def format_of(path: str | Path) -> str:
    found = FORMATS.get(Path(path).suffix.lower())
    if found is None:
        raise InputError([Problem(Span("<command line>"), ("-o",), f"cannot tell the format of '{path}'",
                                  "name the file .parquet or .csv", code="bad-output")])
    return found


def write(prepared, chunks: Iterable[dict[str, list[Any]]], path: str | Path, progress: bool = False) -> int:
    """Write every chunk to `path` (format from its suffix); return the number of rows."""
    kind = format_of(path)
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    counted = _progress(chunks, prepared.design.size) if progress else chunks
    try:
        rows = (_parquet if kind == "parquet" else _csv)(prepared, counted, temporary)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return rows


def arrow_schema(prepared):
    """Columns typed from the knowledge base's domains, so every chunk (and every run) has the same schema."""
    pyarrow = extra("pyarrow")
    fields = []
    for vary in prepared.design.varies:
        words = any(isinstance(item, str) for item in vary.items)
        kind = {"number": pyarrow.float64(), "integer": pyarrow.int64(), "boolean": pyarrow.bool_()}.get(vary.kind)
        fields.append(pyarrow.field(vary.name, pyarrow.string() if kind is None or words else kind))
    for conclusion, has_level in prepared.conclusions.items():
        fields.append(pyarrow.field(conclusion, pyarrow.string() if has_level else pyarrow.bool_()))
    return pyarrow.schema(fields, metadata=prepared.metadata())


def _parquet(prepared, chunks: Iterable[dict[str, list[Any]]], path: Path) -> int:
    pyarrow, parquet = extra("pyarrow"), extra("pyarrow.parquet")
    schema = arrow_schema(prepared)
    rows = 0
    with parquet.ParquetWriter(path, schema, compression="zstd") as writer:
        for chunk in chunks:
            arrays = [pyarrow.array(_typed(chunk[f.name], f.type), type=f.type) for f in schema]
            writer.write_table(pyarrow.Table.from_arrays(arrays, schema=schema))
            rows += len(arrays[0]) if arrays else 0
    return rows


def _typed(values: list[Any], kind) -> list[Any]:
    pyarrow = extra("pyarrow")
    if kind == pyarrow.string():
        return [None if v is None else _text(v) for v in values]
    if kind == pyarrow.float64():
        return [None if v is None else float(v) for v in values]
    return values


def _csv(prepared, chunks: Iterable[dict[str, list[Any]]], path: Path) -> int:
    names = prepared.columns
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for chunk in chunks:
            columns = [chunk[name] for name in names]
            for row in zip(*columns):
                writer.writerow(["" if v is None else _text(v) for v in row])
                rows += 1
    return rows


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if value == UNKNOWN:
        return UNKNOWN
    return str(value)


def _progress(chunks: Iterable[dict[str, list[Any]]], total: int) -> Iterator[dict[str, list[Any]]]:
    """A progress bar on the terminal's error stream (rich), advanced chunk by chunk."""
    # lazy: rich.progress is only needed for a sweep written from a terminal
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not console.is_terminal:
        yield from chunks
        return
    with Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task("sweep", total=total)
        for chunk in chunks:
            yield chunk
            bar.advance(task, len(next(iter(chunk.values()))) if chunk else 0)
