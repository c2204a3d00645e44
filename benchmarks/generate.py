"""Generation throughput: `kaoping generate` against writing the same rows with no modelling.

The baseline writes an Arrow table of the same shape (same columns and types, values
repeated from one generated chunk) with the same writer, in this process: the ratio says
how much of the time goes into drawing a realistic dataset rather than into the file format.

    python benchmarks/generate.py --persons 10000000 --format csv
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from kaoping.synth import generate_dataset


def _baseline(sample: pa.Table, rows: int, path: Path, fmt: str) -> float:
    started = time.perf_counter()
    if fmt == "parquet":
        writer: pq.ParquetWriter | pacsv.CSVWriter = pq.ParquetWriter(
            path, sample.schema, compression="zstd"
        )
    else:
        writer = pacsv.CSVWriter(path, sample.schema)
    written = 0
    while written < rows:
        part = sample.slice(0, min(sample.num_rows, rows - written))
        writer.write_table(part)
        written += part.num_rows
    writer.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--years", default="2019-2020")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "data"
        started = time.perf_counter()
        paths = generate_dataset(
            out, persons=args.persons, years=(first, last), seed=7, fmt=args.format
        )
        elapsed = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size = sum(p.stat().st_size for p in paths.values())
        if args.format == "parquet":
            sample = pq.ParquetFile(paths["persons"]).read_row_group(0)
        else:
            reader = pacsv.open_csv(paths["persons"])  # streamed: the file may be GBs
            batches = [reader.read_next_batch()]
            while sum(b.num_rows for b in batches) < 400_000:
                batches.append(reader.read_next_batch())
            sample = pa.Table.from_batches(batches)
        base = _baseline(sample, args.persons, Path(tmp) / f"baseline.{args.format}", args.format)
    print(f"persons: {args.persons:,}  years: {args.years}  format: {args.format}")
    print(f"generate_seconds: {elapsed:.2f}")
    print(f"persons_per_minute: {args.persons / elapsed * 60:,.0f}")
    print(f"bytes_written: {size:,}")
    print(f"baseline_write_seconds: {base:.2f}")
    print(f"generate_peak_rss_mb: {peak_mb:,.0f}")
    print(f"ratio_vs_plain_write: {elapsed / base:.2f}")


if __name__ == "__main__":
    main()
