"""The datasets a command line visits: the one named, else every dataset with runs in the database, each with its
spec loaded (or the reason it could not be), for commands that go through them one by one (verify, purge)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine

from flows.dataset import DatasetSpec, SpecError, load_dataset
from flows.storage.read import list_datasets


def datasets_to_visit(
    engine: Engine, dataset: str | None, expectations_dir: Path
) -> Iterator[tuple[str, DatasetSpec | SpecError]]:
    """(name, spec) of the named dataset, else of each dataset the database holds runs of; a spec that does not
    load comes as its SpecError, so the command reports it and goes on with the others."""
    if dataset is None:
        with engine.connect() as conn:
            names = list_datasets(conn)
    else:
        names = [dataset]
    for name in names:
        try:
            yield name, load_dataset(name, expectations_dir)
        except SpecError as exc:
            yield name, exc
