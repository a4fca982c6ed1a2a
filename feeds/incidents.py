"""Road incidents from AccInfo (OA-13315): every incident open now, positioned and districted.

Frame columns (one row per open incident):

    incident_id        str
    type_code          str   A01 ... A13 (AccMainCode)
    type               str   Korean type name (교통사고 ...)
    type_en            str   English type name
    detail_code        str   e.g. 01B01 (AccSubCode)
    detail, detail_en  str   detail name in Korean and English ("" when the code is unknown)
    occurred_at        Timestamp, Asia/Seoul
    expected_clear_at  Timestamp | NaT
    description        str   upstream free text, lines joined with " / " (data, never markup)
    closure            str   "full", "partial" or ""
    link_id            str   TOPIS road link
    lon, lat           float WGS84, converted from EPSG:5181
    district_code      str   "" when the point is outside Seoul
    district           str
    severe             bool  a type that must push itself forward (fire, disaster)
    stage              str   handling stage code (see STAGES), "" when the text names none

AccInfo has no field for the handling stage. When a source knows it (the demo's scripted
scenarios do), it writes it as the first line of acc_info in one fixed form,
``[진행단계] 초진``, with a Korean stage name from STAGES (spaces inside it optional); the parser
takes that line out of the description and reads it into ``stage``. Any other text is left alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from types import MappingProxyType
from typing import Any

import pandas as pd
from pyproj import Transformer

from feeds import envelope
from feeds.base import Alarms, FeedError, Source
from feeds.districts import locate
from feeds.envelope import read_rows
from feeds.reasons import Reason
from feeds.values import date_and_time, number, text

SERVICE = "AccInfo"

# AccMainCode, built in (the service itself is fetched by the live source when it can be).
TYPES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "A01": ("교통사고", "Traffic accident"),
        "A02": ("차량고장", "Vehicle breakdown"),
        "A03": ("보행사고", "Pedestrian accident"),
        "A04": ("공사", "Construction"),
        "A05": ("낙하물", "Fallen object"),
        "A06": ("버스사고", "Bus accident"),
        "A07": ("지하철사고", "Subway accident"),
        "A08": ("화재", "Fire"),
        "A09": ("기상/재난", "Weather/disaster"),
        "A10": ("집회및행사", "Rally/event"),
        "A11": ("기타", "Other"),
        "A12": ("제보", "Citizen report"),
        "A13": ("단순정보", "Information"),
    }
)
SEVERE_TYPES = frozenset({"A08", "A09"})

# AccSubCode, the part of it the wall names; unknown codes keep their code.
DETAILS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "01B01": ("추돌사고", "Rear-end collision"),
        "01B02": ("충돌사고", "Collision"),
        "01B03": ("전복사고", "Rollover"),
        "02B01": ("차량고장", "Breakdown"),
        "02B02": ("타이어 펑크", "Flat tyre"),
        "03B01": ("보행자 사고", "Pedestrian struck"),
        "04B01": ("도로공사", "Roadworks"),
        "04B02": ("상수도공사", "Water main works"),
        "04B03": ("전기공사", "Electrical works"),
        "04B04": ("도로보수", "Road repair"),
        "05B01": ("낙하물", "Debris on road"),
        "06B01": ("버스 사고", "Bus collision"),
        "07B01": ("지하철 운행장애", "Subway disruption"),
        "08B01": ("화재", "Fire"),
        "08B02": ("차량화재", "Vehicle fire"),
        "09B01": ("강풍", "High wind"),
        "09B02": ("폭설", "Heavy snow"),
        "09B16": ("도로침수", "Road flooding"),
        "10B01": ("행사", "Event"),
        "10B02": ("집회/시위", "Rally/protest"),
        "10B03": ("마라톤", "Marathon"),
        "11B01": ("기타", "Other"),
    }
)
CLOSURES = {"009": "full", "010": "partial"}

# Handling stages as (code, Korean, English), in the order an incident meets them. A type goes
# through a subsequence of them, its flow (stage_flow); a fire's is the one the city's own wall
# showed: dispatch ordered -> arrived -> operation started -> initial -> full suppression -> closed.
STAGES: tuple[tuple[str, str, str], ...] = (
    ("reported", "신고 접수", "Reported"),
    ("dispatched", "출동", "Dispatched"),
    ("arrived", "현장 도착", "On scene"),
    ("operating", "진압 중", "Firefighting"),
    ("initial_suppression", "초진", "Under control"),
    ("full_suppression", "완진", "Extinguished"),
    ("pumping", "배수 중", "Pumping out"),
    ("reopened", "통제 해제", "Reopened"),
    ("closed", "상황 종료", "Closed"),  # the feed drops a closed incident: its history shows this
)
STAGE_LINE = "[진행단계]"
STAGE_FLOWS: dict[str, tuple[str, ...]] = {
    "A08": (
        "reported",
        "dispatched",
        "arrived",
        "operating",
        "initial_suppression",
        "full_suppression",
        "closed",
    ),
    "A09": ("reported", "dispatched", "pumping", "reopened", "closed"),
}
DEFAULT_FLOW = ("reported", "dispatched", "arrived", "reopened", "closed")
_STAGE_BY_WORD = {word.replace(" ", ""): code for code, word, _ in STAGES}


def stage_flow(type_code: str) -> tuple[str, ...]:
    """The stage codes an incident of this type goes through, in order (for a progress bar)."""
    return STAGE_FLOWS.get(type_code, DEFAULT_FLOW)


COLUMNS = [
    "incident_id",
    "type_code",
    "type",
    "type_en",
    "detail_code",
    "detail",
    "detail_en",
    "occurred_at",
    "expected_clear_at",
    "description",
    "closure",
    "link_id",
    "lon",
    "lat",
    "district_code",
    "district",
    "severe",
    "stage",
]


@cache
def _to_wgs84() -> Transformer:
    # EPSG:5181 is Korea 2000 / Central Belt with a 500 000 m false northing (not 5186).
    return Transformer.from_crs("EPSG:5181", "EPSG:4326", always_xy=True)


def to_wgs84(x: float, y: float) -> tuple[float, float]:
    """EPSG:5181 metres to WGS84 (lon, lat)."""
    lon, lat = _to_wgs84().transform(x, y)
    return lon, lat


@dataclass(frozen=True)
class CodeNames:
    """What the incident codes are called: (Korean, English) per type and detail code. The
    built-in ones, or those a source read from upstream's code tables (``named``): data the
    incident feed reads with each answer, never a table rewritten for the whole process."""

    types: Mapping[str, tuple[str, str]]
    details: Mapping[str, tuple[str, str]]

    def named(self, table: str, rows: Iterable[dict[str, Any]]) -> tuple[CodeNames, int]:
        """These names with the Korean names of a code table's rows (AccMainCode: types,
        AccSubCode: details); English names stay built-in. Also how many codes were named."""
        code_field, name_field, current = (
            ("acc_type", "acc_type_nm", self.types)
            if table == "AccMainCode"
            else ("acc_dtype", "acc_dtype_nm", self.details)
        )
        found = dict(current)
        named = 0
        for row in rows:
            code, name = text(row.get(code_field)), text(row.get(name_field))
            if code and name:
                found[code] = (name, current.get(code, (name, name))[1])
                named += 1
        names = MappingProxyType(found)
        return (replace(self, types=names) if table == "AccMainCode" else replace(self, details=names)), named


CODE_TABLES = ("AccMainCode", "AccSubCode")  # the services naming the type and detail codes


def read_code_names(fetch: Callable[..., str]) -> tuple[CodeNames, list[int]]:
    """The built-in names with upstream's code tables, asked with ``fetch`` (a source's fetch);
    also how many codes each table named. A table that fails raises its FeedError."""
    names, counts = BUILT_IN, []
    for table in CODE_TABLES:
        names, count = names.named(table, read_rows(fetch("xml", table, 1, 1000), table))
        counts.append(count)
    return names, counts


BUILT_IN = CodeNames(TYPES, DETAILS)  # read-only: what a source learns lives in its own CodeNames


@dataclass(frozen=True)
class Answer:
    """An AccInfo answer with the code names it is read with."""

    body: str | bytes
    names: CodeNames = BUILT_IN


def fetch(source: Source) -> Answer:
    """The open incidents, with the names the source knows for their codes (the live source reads
    upstream's code tables; every other source has the built-in names)."""
    body = source.fetch("xml", SERVICE, 1, 1000)
    names = getattr(source, "code_names", None)
    return Answer(body, names() if callable(names) else BUILT_IN)


def parse(answer: Answer | str | bytes) -> pd.DataFrame:
    """Parse an AccInfo response (XML or JSON); an empty frame when nothing is open."""
    if not isinstance(answer, Answer):
        answer = Answer(answer)
    names = answer.names
    records = envelope.records(read_rows(answer.body, SERVICE), lambda row: _record(row, names), SERVICE)
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    if frame.empty:
        return frame
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"])
    frame["expected_clear_at"] = pd.to_datetime(frame["expected_clear_at"])
    frame["severe"] = frame["severe"].astype(bool)
    frame = frame.drop_duplicates("incident_id", keep="last")
    return frame.sort_values("occurred_at", ascending=False).reset_index(drop=True)


def measured_at(frame: pd.DataFrame) -> None:
    return None  # AccInfo carries no snapshot time: the fetch time is the measurement time


# A severe incident (fire; weather and disaster, the demo's road flooding 09B16 among them) is
# alerted beyond the wall when it opens and when it leaves the feed.
ALARMS = Alarms(
    "incident",
    "incident_id",
    on=lambda frame: frame["severe"].astype(bool),
    fields=(
        "type_code",
        "type",
        "type_en",
        "detail_code",
        "detail",
        "detail_en",
        "stage",
        "description",
        "closure",
        "district_code",
        "district",
        "lon",
        "lat",
        "occurred_at",
        "expected_clear_at",
    ),
    started="occurred_at",
)


def _record(row: dict, names: CodeNames = BUILT_IN) -> dict | None:
    incident_id = text(row.get("acc_id"))
    if not incident_id:
        raise FeedError(Reason("incident.no_id", service=SERVICE))
    x, y = number(row.get("grs80tm_x")), number(row.get("grs80tm_y"))
    lon = lat = math.nan
    district = None
    if not (math.isnan(x) or math.isnan(y)) and x > 0 and y > 0:
        lon, lat = to_wgs84(x, y)
        district = locate(lat, lon)
    type_code = text(row.get("acc_type"))
    detail_code = text(row.get("acc_dtype"))
    type_ko, type_en = names.types.get(type_code, (type_code or "기타", type_code or "Other"))
    occurred = date_and_time(row.get("occr_date"), row.get("occr_time"))
    if occurred is None:
        raise FeedError(Reason("incident.no_time", service=SERVICE, incident=incident_id))
    lines = text(row.get("acc_info")).replace("\r\n", "\r").replace("\n", "\r").split("\r")
    lines = [line.strip() for line in lines if line.strip()]
    stage = _stage(lines[0]) if lines else ""
    description = " / ".join(lines[1:] if stage else lines)
    return {
        "incident_id": incident_id,
        "type_code": type_code,
        "type": type_ko,
        "type_en": type_en,
        "detail_code": detail_code,
        "detail": names.details.get(detail_code, ("", ""))[0],
        "detail_en": names.details.get(detail_code, ("", ""))[1],
        "occurred_at": occurred,
        "expected_clear_at": date_and_time(row.get("exp_clr_date"), row.get("exp_clr_time")),
        "description": description,
        "closure": CLOSURES.get(text(row.get("acc_road_code")), ""),
        "link_id": text(row.get("link_id")),
        "lon": lon,
        "lat": lat,
        "district_code": district.code if district else "",
        "district": district.name if district else "",
        "severe": type_code in SEVERE_TYPES,
        "stage": stage,
    }


def _stage(line: str) -> str:
    """The stage code a ``[진행단계] 초진`` line names; "" for any other line or an unknown word."""
    if not line.startswith(STAGE_LINE):
        return ""
    return _STAGE_BY_WORD.get(line.removeprefix(STAGE_LINE).replace(" ", ""), "")
