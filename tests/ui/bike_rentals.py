"""A second dataset for the dashboard tests: bike rentals, with their own spec, suite and file.

Its dimensions (station, bike type), measures (fare in euros, minutes), headers (`Rental ID`, ...)
and missing-value marker (`N/A`) all differ from the sales dataset's, so anything the dashboard
still assumed about sales shows. `fill_two_datasets` runs the real pipeline on both datasets.
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from tests.conftest import ROOT

DATASET = "bike_rentals"
TITLE = "Bike rentals"
HOSTILE_STATION = "<b>Pier</b>"
SPEC = """\
# A tiny dataset for the dashboard tests: bike rentals, headers as the rental system writes them.
name: bike_rentals
title: Bike rentals
suite: bike_rental_checks
tables:
  raw: raw_bike_rentals
  clean: clean_bike_rentals
business_key: rental_id
missing_values: ["", "N/A"]
columns:
  rental_id: {source: Rental ID,  type: string,  required: true}
  rented_on: {source: Rented On,  type: date,    required: true, format: "%Y-%m-%d"}
  station:   {source: Station,    type: string,  required: true}
  bike_type: {source: Bike Type,  type: string,  required: false}
  minutes:   {source: Minutes,    type: integer, required: true}
  fare:      {source: Fare,       type: decimal, required: true, precision: 8, scale: 2}
analytics:
  date: rented_on
  currency: EUR
  dimensions: [station, bike_type]
  measures:
    fare: sum
    minutes: sum
  breakdowns:
    - [rented_on]
    - [station]
    - [rented_on, station, bike_type]
"""
HEADER = "Rental ID,Rented On,Station,Bike Type,Minutes,Fare"
FIRST_FILE = [
    "R001,2024-05-01,Harbour,E-bike,30,6.50",
    "R002,2024-05-01,Harbour,Classic,45,4.00",
    "R003,2024-05-02,Old Town,E-bike,20,4.50",
    "R004,2024-05-02,Old Town,N/A,15,2.00",  # no bike type: kept, its key is missing
    "R005,2024-05-03,Harbour,,60,5.00",
    "R006,2024-05-03,Station Sq,Classic,25,2.50",
    "R007,2024-05-04,Old Town,Classic,-5,1.00",  # negative minutes: quarantined
    "R008,2024-05-04,Harbour,E-bike,40,abc",  # fare is not an amount: quarantined
    "R009,2024-05-05,,Classic,10,1.50",  # no station: quarantined
    f"R010,2024-05-05,{HOSTILE_STATION},E-bike,35,7.00",  # unknown station: quarantined
    "R011,2024-05-06,Station Sq,E-bike,50,9.25",
    "R011,2024-05-06,Station Sq,E-bike,50,9.25",  # exact duplicate: the copy is quarantined
]
HOSTILE_BIKE = "<img src=x onerror=alert(3)>"  # an unknown bike type only warns: it reaches the filters
# Another month's file: the first file's values again, under its own rental ids (R1xx, never a resend of R0xx).
SECOND_FILE = [
    *(row.replace("R0", "R1", 1) for row in FIRST_FILE[:10]),
    "R111,2024-05-06,Station Sq,E-bike,50,12.75",
    f"R112,2024-05-07,Harbour,{HOSTILE_BIKE},30,3.00",
]
STATIONS = ["Harbour", "Old Town", "Station Sq"]


def _rule(
    kind: str, kwargs: dict[str, object], name: str, control: str, category: str, severity: str = "error"
) -> dict:
    return {
        "type": kind,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"bike_rental_checks/{name}")),
        "kwargs": kwargs,
        "meta": {
            "rule": name,
            "control_type": control,
            "error_category": category,
            "severity": severity,
            "description": f"Bike rentals: {name.replace('_', ' ')}.",
        },
    }


def suite_document() -> dict:
    """The GX suite of the bike rentals, in the style of expectations/sales_orders.json."""
    fields = ["rental_id", "rented_on", "station", "bike_type", "minutes", "fare"]
    required = [f for f in fields if f != "bike_type"]
    missing = "MISSING_REQUIRED_FIELD"
    rules = [_rule("expect_column_to_exist", {"column": f}, f"{f}_column_present", "SCHEMA", missing) for f in required]
    rules += [
        _rule("expect_column_values_to_not_be_null", {"column": f}, f"{f}_not_null", "DATA_QUALITY", missing)
        for f in required
    ]
    rules += [
        _rule("expect_column_values_to_be_unique", {"column": "rental_id"}, "rental_id_unique", "DUPLICATE",
              "DATA_QUALITY_ISSUE"),
        _rule("expect_column_values_to_match_regex", {"column": "rented_on", "regex": r"^\d{4}-\d{2}-\d{2}$"},
              "rented_on_iso_format", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
        _rule("expect_column_values_to_be_in_set", {"column": "station", "value_set": STATIONS},
              "station_in_reference_set", "DATA_QUALITY", "DATA_QUALITY_ISSUE"),
        _rule("expect_column_values_to_be_in_set", {"column": "bike_type", "value_set": ["E-bike", "Classic"]},
              "bike_type_known", "DATA_QUALITY", "DATA_QUALITY_ISSUE", "warning"),
        _rule("expect_column_values_to_match_regex", {"column": "minutes", "regex": r"^-?\d{1,9}$"},
              "minutes_is_integer", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
        _rule("expect_column_values_to_not_match_regex", {"column": "minutes", "regex": r"^-|^0+$"},
              "minutes_positive", "BUSINESS_RULE", "BUSINESS_RULE_VIOLATION"),
        _rule("expect_column_values_to_match_regex", {"column": "fare", "regex": r"^-?\d{1,6}(?:\.\d{1,2})?$"},
              "fare_is_amount", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
    ]  # fmt: skip
    return {
        "name": "bike_rental_checks",
        "id": "b1ce0000-0000-4000-8000-000000000001",
        "meta": {"dataset": DATASET, "description": "Row and schema controls for bike rentals."},
        "expectations": rules,
    }


def write_expectations(folder: Path) -> Path:
    """An expectations folder with the repository's specs and suites plus the bike rentals'."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "expectations").iterdir():
        if path.suffix in (".yaml", ".json"):
            shutil.copy(path, folder / path.name)
    (folder / f"{DATASET}.yaml").write_text(SPEC, encoding="utf-8")
    (folder / "bike_rental_checks.json").write_text(json.dumps(suite_document(), indent=2), encoding="utf-8")
    return folder


@dataclass(frozen=True)
class TwoDatasets:
    """A database with a COMPLETED sales run and two COMPLETED bike-rental runs, and the specs' folder."""

    url: str
    expectations_dir: Path
    docs_dir: Path
    sales: str
    bikes_first: str
    bikes_second: str


_FILLED: dict[str, TwoDatasets] = {}


def fill_two_datasets(url: str, workdir: Path) -> TwoDatasets:
    """Run the real pipeline on a sales file and on two bike-rental files (once per process and URL)."""
    from flows.pipeline import run_pipeline

    if url in _FILLED:
        return _FILLED[url]
    expectations = write_expectations(workdir / "expectations")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        env.setenv("DOCS_DIR", str(workdir / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(expectations))
        write_generated(generate_sales(400, seed=21), workdir / "sales.csv", 21, DefectRates())
        (workdir / "rentals_may.csv").write_text("\n".join([HEADER, *FIRST_FILE]) + "\n", encoding="utf-8")
        (workdir / "rentals_june.csv").write_text("\n".join([HEADER, *SECOND_FILE]) + "\n", encoding="utf-8")
        runs = [
            run_pipeline(str(workdir / "sales.csv")),
            run_pipeline(str(workdir / "rentals_may.csv"), dataset=DATASET),
            run_pipeline(str(workdir / "rentals_june.csv"), dataset=DATASET),
        ]
    assert [r.status for r in runs] == ["COMPLETED"] * 3, [r.status for r in runs]
    filled = TwoDatasets(url, expectations, workdir / "docs", *(r.run_id for r in runs))
    _FILLED[url] = filled
    return filled
