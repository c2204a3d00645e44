"""Import case-management exports (CSV, Excel, Parquet) into the warehouse.

Files are read as text, validated set-wise in DuckDB, and upserted by natural key in one
transaction; rows that fail a rule go to the ``quarantine`` table with the reason. A file
with some of its table's columns updates those columns only; every import is logged in
``imports`` (:func:`list_imports`).
"""

from kaoping.ingest.errors import IngestError
from kaoping.ingest.history import ImportRecord, list_imports
from kaoping.ingest.load import PAUSE_ENV, ImportProgress, ImportReport, import_files
from kaoping.ingest.quarantine import (
    QuarantinedFile,
    QuarantinedValue,
    count_quarantine,
    list_quarantine,
    quarantine_files,
)

__all__ = [
    "PAUSE_ENV",
    "ImportProgress",
    "ImportRecord",
    "ImportReport",
    "IngestError",
    "QuarantinedFile",
    "QuarantinedValue",
    "count_quarantine",
    "import_files",
    "list_imports",
    "list_quarantine",
    "quarantine_files",
]
