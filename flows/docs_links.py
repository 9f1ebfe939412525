"""Where a run's Data Docs page sits inside the docs folder: what the dashboard's `/docs` route and the alerts'
links both serve it under."""

from __future__ import annotations

from pathlib import Path

DOCS_ROUTE = "docs"  # `panel serve --static-dirs docs=<DOCS_DIR>` serves the Data Docs here, beside the app


def docs_relative(page: str, docs_dir: Path) -> str:
    """The page's path under `docs_dir` (POSIX); for a page recorded before the folder moved, its last two parts
    (<run_id>/index.html)."""
    path = Path(page)
    try:
        return path.resolve().relative_to(docs_dir.resolve()).as_posix()
    except ValueError:
        return Path(*path.parts[-2:]).as_posix()
