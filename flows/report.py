"""The run report an operator reads in Prefect: pure builders of its markdown and table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flows.records import RunSummary


def failures_table(failures: list[dict[str, Any]], records_checked: int) -> list[dict[str, Any]]:
    """Failures per control with the share of records that passed it."""
    return [
        {
            **row,
            "records_checked": records_checked,
            "pass_rate_pct": round(100 * (1 - row["failed"] / records_checked), 2) if records_checked else None,
        }
        for row in failures
    ]


def summary_markdown(
    summary: RunSummary, docs_link: str | None = None, alerts: Sequence[Mapping[str, Any]] = ()
) -> str:
    """The run summary: status, counts, reconciliation, exceptions per category, Data Docs link, alerts."""
    lines = [
        f"# Run `{summary.run_id}`: **{summary.status}**",
        "",
        f"- dataset: `{_code(summary.dataset)}`",
        f"- source: `{_code(summary.source_name)}`",
        f"- duration: {summary.duration_s:.2f} s",
    ]
    if summary.reason:
        lines.append(f"- reason: {_code(summary.reason)}")
    if summary.status == "COMPLETED":
        raw, clean, exceptions = summary.raw_count, summary.clean_count, summary.exception_count
        lines.append(f"- reconciliation: **balanced**: {raw:,} raw = {clean:,} clean + {exceptions:,} exceptions")
    if docs_link:
        lines.append(f"- Data Docs: [{docs_link}]({docs_link})")
    lines += ["", "| table | rows |", "|---|---:|"]
    lines += [f"| {table} | {count:,} |" for table, count in summary.counts.items()]
    lines.append(f"| (warnings) | {summary.warnings:,} |")
    if summary.exceptions_by_category:
        lines += ["", "| exception category | records |", "|---|---:|"]
        lines += [f"| {c} | {n:,} |" for c, n in sorted(summary.exceptions_by_category.items())]
    if alerts:
        lines += ["", f"## Alerts ({len(alerts)})", "", "| kind | metric | value | expected | notified |"]
        lines.append("|---|---|---:|---|---|")
        lines += [
            f"| {a['kind']} | `{_code(str(a['metric']))}` | {_number(a['value'])} | {_code(str(a['expected']))} "
            f"| {_notified(a.get('notified'))} |"
            for a in alerts
        ]
    return "\n".join(lines) + "\n"


def _number(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{int(number):,}" if number.is_integer() else f"{number:,.4g}"


def _notified(value: Any) -> str:
    return "not tried" if value is None else ("yes" if value else "no")


def _code(text: str) -> str:
    """Keep file names and reasons from breaking the markdown."""
    return text.replace("`", "'").replace("|", "/").replace("\n", " ")
