"""Tests for the test factories' order ids: the same by default, disjoint across frames given other `first`s."""

from __future__ import annotations

from tests.factories import make_frame


def test_make_frame_numbers_from_one_by_default() -> None:
    """It numbers the valid rows ORD-0000001 upward and the extra rows ORD-9000000 upward, as it always has."""
    frame = make_frame(3, [{"region": "north"}, {"revenue": "-1.00"}])
    ids = ["ORD-0000001", "ORD-0000002", "ORD-0000003", "ORD-9000000", "ORD-9000001"]
    assert frame["order_id"].tolist() == ids
    assert make_frame(3, [{"region": "north"}, {"revenue": "-1.00"}], first=1).equals(frame)


def test_make_frame_first_starts_both_ranges() -> None:
    """It starts the valid rows at ORD-{first:07d} and the extra rows at ORD-9{first - 1:06d}."""
    frame = make_frame(2, [{"region": "north"}], first=101)
    assert frame["order_id"].tolist() == ["ORD-0000101", "ORD-0000102", "ORD-9000100"]


def test_make_frame_frames_far_enough_apart_share_no_id() -> None:
    """It gives frames whose `first` differ by at least max(n, extra rows) no order id in common."""
    rows = [{"revenue": "-5.00"}] * 4
    a, b, c = make_frame(4, rows), make_frame(4, rows, first=5), make_frame(3, rows[:1], first=9)
    ids = [set(f["order_id"]) for f in (a, b, c)]
    assert not (ids[0] & ids[1] or ids[1] & ids[2] or ids[0] & ids[2])
