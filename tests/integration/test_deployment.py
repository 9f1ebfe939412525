"""The deployment for real: a local Prefect server and worker from prefect.yaml, `prefect deployment run`."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.local_stack import DEPLOYMENT, Stack
from tests.conftest import ROOT
from tests.integration.deployed import Deployed, api
from tests.integration.helpers import read_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(deployed: Deployed) -> tuple[Stack, Path]:
    """The session's deployed stack (tests/integration/conftest.py) and its scratch folder."""
    return deployed.stack, deployed.work


def test_schedule_is_the_one_the_readme_states(stack: tuple[Stack, Path]) -> None:
    """It registers the daily 02:00 Asia/Kolkata cron schedule that the README documents."""
    running, _ = stack
    deployment = api(running, f"/deployments/name/{DEPLOYMENT}")
    schedules = [s["schedule"] for s in deployment["schedules"]]
    assert [(s["cron"], s["timezone"]) for s in schedules] == [("0 2 * * *", "Asia/Kolkata")]
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"`0 2 \* \* \*`.*Asia/Kolkata", readme)
    assert deployment["description"]
    assert deployment["work_pool_name"] == "local-pool"


def test_deployment_run_processes_the_incoming_folder(stack: tuple[Stack, Path]) -> None:
    """It completes a `prefect deployment run` that loads the dropped file, moves it, and leaves artifacts and logs."""
    running, work = stack
    incoming = work / "incoming"
    write_generated(generate_sales(800, seed=11), incoming / "drop.csv", 11, DefectRates(), work / "drop.answers.json")
    os.utime(incoming / "drop.csv", (1_000_000_000, 1_000_000_000))  # settled: older than INCOMING_SETTLE_SECONDS

    result = running.prefect("deployment", "run", DEPLOYMENT, "--param", f"incoming={incoming}", "--watch", timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    flow_run_id = re.search(r"UUID: ([0-9a-f-]{36})", result.stdout).group(1)  # type: ignore[union-attr]

    assert (work / "processed" / "drop.csv").is_file()
    assert not (incoming / "drop.csv").exists()
    url = f"sqlite:///{work / 'pipeline.db'}"
    runs = read_table(url, "pipeline_runs")
    assert runs["status"].tolist() == ["COMPLETED"]
    assert len(read_table(url, "raw_sales")) == 800

    stored_flow_run = runs["flow_run_id"].iloc[0]  # the pipeline's own (sub)flow run
    parent = api(running, f"/flow_runs/{stored_flow_run}")["parent_task_run_id"]
    assert api(running, f"/task_runs/{parent}")["flow_run_id"] == flow_run_id
    artifacts = api(running, "/artifacts/filter", {"artifacts": {"key": {"any_": ["sales-run-summary"]}}})
    assert any(runs["run_id"].iloc[0] in str(a["data"]) for a in artifacts)
    logs = api(running, "/logs/filter", {"logs": {"flow_run_id": {"any_": [stored_flow_run]}}, "limit": 200})
    messages = [entry["message"] for entry in logs]
    assert any(m.startswith("chunk 1: 800 rows, ") for m in messages), messages[:20]
    assert any(m.startswith("finalize: reconciled 800") for m in messages)


def test_cafe_deployment_runs_the_pipeline_for_its_dataset(stack: tuple[Stack, Path]) -> None:
    """The cafe deployment differs only by parameters: `prefect deployment run` loads cafe rows into its tables."""
    running, work = stack
    deployment = api(running, "/deployments/name/process-incoming/cafe-daily-incoming")
    assert deployment["parameters"]["dataset"] == "dirty_cafe_sales"
    incoming = work / "cafe" / "incoming"
    incoming.mkdir(parents=True)
    lines = (ROOT / "data" / "samples" / "dirty_cafe_sales.csv").read_bytes().splitlines(keepends=True)
    (incoming / "cafe.csv").write_bytes(b"".join(lines[:301]))  # header + 300 rows, CRLF as published
    os.utime(incoming / "cafe.csv", (1_000_000_000, 1_000_000_000))

    name = "process-incoming/cafe-daily-incoming"
    result = running.prefect("deployment", "run", name, "--param", f"incoming={incoming}", "--watch", timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    assert (work / "cafe" / "processed" / "cafe.csv").is_file()
    url = f"sqlite:///{work / 'pipeline.db'}"
    runs = read_table(url, "pipeline_runs")
    cafe = runs[runs["dataset"] == "dirty_cafe_sales"]
    assert cafe["status"].tolist() == ["COMPLETED"]
    raw = read_table(url, "raw_dirty_cafe_sales", cafe["run_id"].iloc[0])
    assert len(raw) == 300
    clean = read_table(url, "clean_dirty_cafe_sales", cafe["run_id"].iloc[0])
    exceptions = read_table(url, "exceptions", cafe["run_id"].iloc[0])
    assert len(clean) + len(exceptions) == 300
