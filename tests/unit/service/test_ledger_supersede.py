"""Superseding ledger rows is set-based (one UPDATE per batch of pairs) and still refuses a row that is no longer
current, leaving nothing half-marked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.dataset import DatasetSpec
from flows.stages.ledger import LedgerConflict
from flows.storage import ledger as ledger_storage
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table
from tests.unit.service.runner import run_file, uow


def test_batches_mark_each_row_with_its_own_successor_and_a_stale_row_rolls_back(
    tmp_path: Path, spec: DatasetSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    run = run_file(url, spec, write_csv(tmp_path / "day.csv", make_frame(6)), tmp_path / "work").run
    ids = sorted(read_table(url, spec.clean_table, run.run_id)["record_id"].tolist())
    assert len(ids) == 6
    monkeypatch.setattr(ledger_storage, "SUPERSEDE_BATCH", 2)  # three pairs: two UPDATEs
    pairs = {ids[0]: ids[3], ids[1]: ids[4], ids[2]: ids[5]}
    with uow(url) as unit:
        unit.prepare(spec)
        before = unit.ledger.supersede(spec, run.run_id, pairs)
    assert sorted(before.index) == ids[:3]  # the rows as they were, for the ledger's aggregates
    clean = read_table(url, spec.clean_table, run.run_id).set_index("record_id")
    assert clean.loc[ids[:3], "superseded_by_record_id"].tolist() == ids[3:]
    assert (clean.loc[ids[:3], "superseded_in_run_id"] == run.run_id).all()
    assert clean.loc[ids[3:], "superseded_by_record_id"].isna().all()

    with pytest.raises(LedgerConflict, match=r"1 of records .* no longer current"), uow(url) as unit:
        unit.prepare(spec)
        unit.ledger.supersede(spec, "later", {ids[3]: ids[5], ids[0]: ids[4]})  # ids[0] was superseded above
    after = read_table(url, spec.clean_table, run.run_id).set_index("record_id")
    pd.testing.assert_series_equal(after["superseded_by_record_id"], clean["superseded_by_record_id"])
