"""Process-wide settings, applied in one place when a process starts pipeline work."""

from __future__ import annotations

import csv
import logging
import os
import sys
from functools import cache


@cache
def configure_process() -> None:
    """Quiet GX's logs, lift the csv module's field-size limit, keep telemetry off; runs once per process.

    Called by every entry point (the command lines, the flows) and by tasks that may run in a worker
    process of their own (a Dask worker never ran the flow's entry point).
    """
    os.environ.setdefault("DO_NOT_TRACK", "1")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    csv.field_size_limit(sys.maxsize)  # a single huge field is data, not a reason to refuse a file
