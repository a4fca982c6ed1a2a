"""Panel 5's incident rows: a time of another day carries its date, a clearance already past is overdue."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from feeds import incidents
from feeds.demo import body_at
from layouts import panels
from layouts.spec import PARTS
from tests.conftest import DEMO_MOMENT
from tests.test_layouts import texts

SEOUL = "Asia/Seoul"
NOW = pd.Timestamp(DEMO_MOMENT, unit="s", tz=SEOUL)  # 2026-11-19 18:30


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=SEOUL)


def classes(component) -> list[str]:
    """Every class name in a component tree."""
    if component is None or isinstance(component, str):
        return []
    if isinstance(component, (list, tuple)):
        return [name for child in component for name in classes(child)]
    own = (getattr(component, "className", None) or "").split()
    return own + classes(getattr(component, "children", None))


@pytest.fixture(scope="module")
def open_now() -> pd.DataFrame:
    frame = incidents.parse(body_at(7, DEMO_MOMENT, "xml", "AccInfo", 1, 1000))
    assert len(frame) >= 3
    return frame


def three(open_now: pd.DataFrame) -> pd.DataFrame:
    """An incident of eight days ago due to clear that day, one of today due this evening, one of
    today due tomorrow; none severe, so the list keeps them newest first."""
    rows = open_now.head(3).assign(severe=False, closure="")
    rows["occurred_at"] = [at("2026-11-19 17:40"), at("2026-11-19 13:05"), at("2026-11-11 09:15")]
    rows["expected_clear_at"] = [at("2026-11-19 19:00"), at("2026-11-20 02:00"), at("2026-11-11 11:30")]
    return rows.reset_index(drop=True)


def rows_said(frame: pd.DataFrame, moment: pd.Timestamp, lang: str) -> list[tuple[str, str]]:
    """(time column, status line) of each row, as the wall shows them."""
    shown = panels.incident_list(frame, None, lang, moment.timestamp())
    return [
        ("".join(texts(row.children[0])).strip(), "".join(texts(row.children[1].children[-1])))
        for row in shown
    ]


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "ko",
            [
                ("17:40", "처리 중 · 19:00 해제 예정"),
                ("13:05", "처리 중 · 11/20 02:00 해제 예정"),
                ("11/11 09:15", "처리 중 · 해제 예정 11/11 11:30 지남"),
            ],
        ),
        (
            "en",
            [
                ("17:40", "In progress · clears ~19:00"),
                ("13:05", "In progress · clears ~11/20 02:00"),
                ("11/11 09:15", "In progress · overdue: was to clear 11/11 11:30"),
            ],
        ),
    ],
)
def test_an_old_incident_carries_its_date_and_its_past_clearance_reads_overdue(open_now, lang, expected):
    assert rows_said(three(open_now), NOW, lang) == expected


def test_an_overdue_clearance_is_marked_on_its_row_and_nowhere_else(open_now):
    shown = panels.incident_list(three(open_now), None, "ko", NOW.timestamp())
    marked = ["incident-late" in row.className.split() for row in shown]
    assert marked == [False, False, True]
    assert "incident-overdue" in classes(shown[2]) and "incident-overdue" not in classes(shown[:2])
    assert "incident-date" in classes(shown[2]) and "incident-date" not in classes(shown[:2])


def test_the_time_machine_judges_today_and_overdue_at_the_moment_shown(open_now):
    frame = three(open_now)
    # The evening before the old incident was due, seen on its own day: today, not yet overdue.
    assert rows_said(frame, at("2026-11-11 10:00"), "ko")[2] == ("09:15", "처리 중 · 11:30 해제 예정")
    # The next morning, the incidents of the 19th carry their date, and 19:00 is past.
    next_morning = rows_said(frame, at("2026-11-20 01:00"), "en")
    assert next_morning[0] == ("11/19 17:40", "In progress · overdue: was to clear 11/19 19:00")
    assert next_morning[1] == ("11/19 13:05", "In progress · clears ~02:00")


def test_a_clearance_exactly_now_is_overdue_and_a_missing_one_says_nothing(open_now):
    frame = three(open_now)
    frame.loc[0, "expected_clear_at"] = NOW
    frame.loc[1, "expected_clear_at"] = pd.NaT
    said = rows_said(frame, NOW, "ko")
    assert said[0][1] == "처리 중 · 해제 예정 18:30 지남"
    assert said[1][1] == "처리 중"


def test_the_lists_build_key_moves_when_the_day_turns_or_a_clearance_passes(open_now):
    frame = three(open_now)
    clock = panels.incident_clock
    assert PARTS["5:incident-list"].clock is not None  # the key reads the clock, not the frame only
    assert clock(frame, at("2026-11-19 18:31").timestamp()) == clock(
        frame, at("2026-11-19 18:59").timestamp()
    )
    assert clock(frame, at("2026-11-19 18:59").timestamp()) != clock(
        frame, at("2026-11-19 19:00").timestamp()
    )
    assert clock(frame, at("2026-11-19 23:59").timestamp()) != clock(
        frame, at("2026-11-20 00:00").timestamp()
    )
    assert clock(None, NOW.timestamp()) == clock(frame.iloc[0:0], NOW.timestamp())


def test_the_same_frame_is_rebuilt_overdue_once_its_clearance_has_passed(live_wall):
    wall = live_wall.wall
    frame = wall.store.frame("incidents").data.assign(severe=False, closure="")
    now = pd.Timestamp(live_wall.source.now(), unit="s", tz=SEOUL)
    frame.loc[:, "expected_clear_at"] = pd.NaT
    frame.loc[0, "expected_clear_at"] = now + pd.Timedelta(minutes=5)
    frame.loc[0, "occurred_at"] = now - pd.Timedelta(minutes=1)
    begun = (now - pd.Timedelta(minutes=1)).strftime("%H:%M")
    wall.store.put("incidents", frame, source="demo", measured_at=None, source_now=now.timestamp())
    part = PARTS["5:incident-list"]
    time.sleep(wall.read.ttl + 0.1)  # the read model reads the store's metas at most once a ttl

    def status_of_newest(minutes_on: float) -> str:
        view = wall.read.view("ko", None, None)
        view.__dict__["moment"] = (now + pd.Timedelta(minutes=minutes_on)).timestamp()  # the live clock then
        rows = wall.builds.get(part, view).value  # as the browser receives it: plain JSON
        newest = next(row for row in rows if row["props"]["children"][0]["props"]["children"][-1] == begun)
        pieces = newest["props"]["children"][1]["props"]["children"][-1]["props"]["children"]
        return "".join(piece if isinstance(piece, str) else piece["props"]["children"] for piece in pieces)

    clear = (now + pd.Timedelta(minutes=5)).strftime("%H:%M")
    assert status_of_newest(0) == f"처리 중 · {clear} 해제 예정"
    builds = wall.builds.builds
    assert status_of_newest(4) == f"처리 중 · {clear} 해제 예정"
    assert wall.builds.builds == builds  # nothing it says moved: the same build, nothing sent
    assert status_of_newest(6) == f"처리 중 · 해제 예정 {clear} 지남"
    assert wall.builds.builds == builds + 1


def test_the_district_detail_dates_an_incident_of_another_day(open_now):
    row = open_now.iloc[0]
    code, occurred = row["district_code"], row["occurred_at"]

    def detail(seconds_later: float) -> list[str]:
        moment = occurred.timestamp() + seconds_later
        return texts(panels.district_detail(code, False, None, None, open_now, "ko", moment))

    same_day, week_on = detail(60), detail(8 * 86400)
    assert occurred.strftime("%H:%M") in same_day
    assert occurred.strftime("%m/%d %H:%M") not in same_day
    assert occurred.strftime("%m/%d %H:%M") in week_on
