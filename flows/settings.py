"""The one object that reads the environment (and an optional `.env` file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/pipeline.db"


class Settings(BaseSettings):
    """Pipeline settings; build with `get_settings()` where needed, never at import time."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    # The dataset a run, the incoming flow and the dashboard use when none is named (expectations/<name>.yaml).
    default_dataset: str = "sales"
    expectations_dir: Path = Path("expectations")
    data_dir: Path = Path("data")
    docs_dir: Path = Path("data/docs")
    # Data Docs retention: at the end of each run, the site drops the pages (and index entries) of runs built more
    # than this many days ago; their run records and summaries stay in the database. Unset: keep every page.
    docs_retention_days: int | None = Field(default=None, ge=1)  # 0 would drop the run's own fresh pages
    # Where a run spills its chunks for the workers (one folder per run, removed when the run ends).
    # With workers on other machines, a folder every worker can read, like the input files.
    work_dir: Path = Path("data/work")
    dashboard_database_url: SecretStr | None = None
    # The dashboard's steward actions (correct, waive, dismiss, reopen, upload) write through this connection only;
    # without it, or without `panel serve --basic-auth`, the dashboard has no write control.
    steward_database_url: SecretStr | None = None
    prefect_ui_url: str = "http://127.0.0.1:4200"
    # Where people open the dashboard: alert notifications link to a run's page and its Data Docs under it.
    dashboard_url: str = "http://127.0.0.1:5006/app"
    # Alert notifications: `python -m flows.alerts setup` makes Prefect's webhook block from this URL (kept as a
    # block secret, never printed) and applies automations.yaml. Without it, findings are recorded and emitted
    # as Prefect events, but nobody is notified.
    alert_webhook_url: SecretStr | None = None
    # Alert e-mail (optional, beside or instead of the webhook): the SMTP server prefect-email sends through
    # (SSL, STARTTLS or INSECURE; the port defaults to the type's), the recipients (comma-separated) and sender.
    alert_smtp_server: str | None = None
    alert_smtp_port: int | None = None
    alert_smtp_type: str = "STARTTLS"
    alert_smtp_username: str | None = None
    alert_smtp_password: SecretStr | None = None
    alert_email_to: str | None = None
    alert_email_from: str | None = None
    # Rows per chunk: memory is bounded by the chunk, not the file (GX needs ~650 MB per 1M rows).
    chunk_rows: int = 250_000
    # Where chunk tasks run: threads (default), dask, or serial (one after the other, for debugging); at most
    # CHUNKS_IN_FLIGHT run at once. With dask, DASK_ADDRESS names a running scheduler (tcp://host:8786);
    # without it a LocalCluster of DASK_WORKERS processes is started for the run.
    task_runner: str = "threads"
    chunks_in_flight: int = 2
    dask_address: str | None = None
    dask_workers: int = 2
    # Limits: a file over either is REJECTED before any of its rows is stored.
    max_file_bytes: int = 2 * 1024**3
    max_file_rows: int = 20_000_000
    # A diagnostic and test hook: a run waits at this point (opened, indexed, chunk-N, finalize) while another
    # session holds the PAUSE advisory lock (PostgreSQL only), so a fault can be injected mid-run, deterministically.
    pause_at: str = ""
    # The incoming flow leaves files modified this recently for the next pickup (they may still be written).
    incoming_settle_seconds: float = 5.0
    # Retention (README, "Retention and housekeeping"): `python -m flows.purge` removes, from runs that ended more
    # than this many days ago, the raw rows nothing references any more and the row-level validation results. Unset
    # (the default): kept for good. Exceptions, runs, audit events, analytics, the ledger and clean rows always are.
    raw_retention_days: int | None = Field(default=None, ge=0)
    validation_retention_days: int | None = Field(default=None, ge=0)


def get_settings() -> Settings:
    """Read the settings from the environment now."""
    return Settings()
