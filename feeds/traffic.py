"""Road traffic from citydata (OA-21285): road links and averages around the city's hotspots.

citydata answers one place per call. The frame joins the places polled, one row per road link:

    link_id             str
    road                str    road name (세종대로 ...)
    start_node, end_node  str
    length_m            float
    speed_kmh           float  NaN when not reported
    congestion          str    원활 / 서행 / 정체, "" when not reported
    path                list[tuple[float, float]]  WGS84 (lon, lat) vertices
    lon, lat            float  the link's middle vertex
    district_code, district  str  where the link's middle lies ("" outside Seoul)
    hotspot             str    the place the link was reported for
    hotspot_speed_kmh   float  the place's average road speed
    hotspot_congestion  str    the place's average congestion level
    measured_at         Timestamp, Asia/Seoul (the place's ROAD_TRAFFIC_TIME)
"""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Callable

import pandas as pd

from feeds.base import FeedError, Series, Source
from feeds.districts import locate
from feeds.envelope import read_object
from feeds.reasons import Reason
from feeds.values import number, seoul_time, text

SERVICE = "citydata"
CONGESTION = ("원활", "서행", "정체")
# The speed bands citydata grades ordinary city roads by (km/h): 정체 below 15, 서행 below 25.
JAMMED_BELOW, SLOW_BELOW = 15, 25


def congestion_of(speed: float) -> str:
    """The congestion level of a road speed, as citydata words it ("" for no speed)."""
    if speed != speed:  # NaN
        return ""
    return "정체" if speed < JAMMED_BELOW else "서행" if speed < SLOW_BELOW else "원활"


# Places polled by default, spread over the districts (names as the place list spells them).
HOTSPOTS: tuple[str, ...] = (
    "광화문·덕수궁",
    "서울역",
    "명동 관광특구",
    "동대문 관광특구",
    "이태원 관광특구",
    "용산역",
    "강남역",
    "선릉역",
    "고속터미널역",
    "잠실 관광특구",
    "천호역",
    "건대입구역",
    "왕십리역",
    "혜화역",
    "미아사거리역",
    "수유역",
    "창동 신경제 중심지",
    "노원역",
    "회기역",
    "연신내역",
    "신촌·이대역",
    "합정역",
    "여의도",
    "영등포 타임스퀘어",
    "신도림역",
    "가산디지털단지역",
    "신림역",
    "사당역",
    "오목교역·목동운동장",
    "발산역",
)
COLUMNS = [
    "link_id",
    "road",
    "start_node",
    "end_node",
    "length_m",
    "speed_kmh",
    "congestion",
    "path",
    "lon",
    "lat",
    "district_code",
    "district",
    "hotspot",
    "hotspot_speed_kmh",
    "hotspot_congestion",
    "measured_at",
]

log = logging.getLogger(__name__)


def link_weights(frame: pd.DataFrame) -> pd.Series:
    """What each link weighs in an average road speed: its length, and a link of unknown length
    as much as the mean known link (1 when no length is known). Every average speed the wall
    shows, the city's, a district's, a place's and their trends, is weighted this way."""
    lengths = frame["length_m"].where(frame["length_m"] > 0)
    return lengths.fillna(lengths.mean() if lengths.notna().any() else 1.0)


def mean_speed(frame: pd.DataFrame | None) -> float:
    """The links' mean speed, km/h, weighted by ``link_weights``; NaN without any speed."""
    if frame is None or frame.empty:
        return math.nan
    known = frame["speed_kmh"].notna()
    if not known.any():
        return math.nan
    weights = link_weights(frame)[known]
    return float((frame["speed_kmh"][known] * weights).sum() / weights.sum())


AREA_COLUMNS = ["measured_at", "speed_kmh", "length_m", "links", "jammed"]


def area_speeds(frame: pd.DataFrame | None, key: str) -> pd.DataFrame:
    """Per area (``key``: district_code or hotspot), sorted by it: the newest measurement among
    its links, their mean speed (as ``mean_speed``: NaN when none reported one), the length that
    mean is over, the links reported and how many are jammed. Links outside every area ("") are
    left out."""
    columns = [key, *AREA_COLUMNS]
    if frame is None or frame.empty:
        return pd.DataFrame(columns=columns)
    placed = frame[key].fillna("").astype(str) != ""
    known = frame["speed_kmh"].notna()
    weights = link_weights(frame)
    parts = pd.DataFrame(
        {
            key: frame[key],
            "measured_at": frame["measured_at"],
            "weighted": (frame["speed_kmh"] * weights).where(known, 0.0),
            "length_m": weights.where(known, 0.0),
            "jammed": frame["congestion"] == CONGESTION[-1],
        }
    )[placed]
    areas = parts.groupby(key, sort=True).agg(
        measured_at=("measured_at", "max"),
        weighted=("weighted", "sum"),
        length_m=("length_m", "sum"),
        links=(key, "size"),
        jammed=("jammed", "sum"),
    )
    areas["speed_kmh"] = (areas["weighted"] / areas["length_m"]).where(areas["length_m"] > 0)
    return areas.reset_index()[columns]


# Kept per area and measurement time, for the speed trends: one series by district, one by place.
AREA_SERIES = {"speed_kmh": "REAL", "length_m": "REAL", "links": "INTEGER", "jammed": "INTEGER"}
DISTRICT_SERIES = Series(
    "traffic_district", "district_code", AREA_SERIES, lambda frame: area_speeds(frame, "district_code")
)
HOTSPOT_SERIES = Series(
    "traffic_hotspot", "hotspot", AREA_SERIES, lambda frame: area_speeds(frame, "hotspot")
)


def fetch(source: Source, hotspots: tuple[str, ...] | None = None) -> list[str]:
    """One call per place, one after another; a failing place is skipped unless every place fails.

    The places are ``hotspots``, else the source's own ``hotspots`` attribute when it has one
    (the live source's configured list, a recording's places), else HOTSPOTS.
    """
    bodies, failures = [], []
    for place in hotspots or getattr(source, "hotspots", None) or HOTSPOTS:
        try:
            body = source.fetch("json", SERVICE, 1, 5, place)
            read_object(body, SERVICE, "CITYDATA")  # a bad key fails every place: stop at the first
        except FeedError as exc:
            if not exc.transient:
                raise
            failures.append((place, exc))
            continue
        bodies.append(body)
    if failures and not bodies:
        raise failures[0][1]
    for place, exc in failures:
        log.warning("citydata for %s skipped: %s", place, exc)
    return bodies


def place_records(
    bodies: list[str | bytes] | str | bytes, read: Callable[[str | bytes], list[dict]]
) -> list[dict]:
    """The records ``read`` finds in each of one or several citydata answers (one per place): an
    answer it cannot read is skipped, unless no answer gave any record."""
    if isinstance(bodies, (str, bytes)):
        bodies = [bodies]
    records: list[dict] = []
    failures: list[FeedError] = []
    for body in bodies:
        try:
            records.extend(read(body))
        except FeedError as exc:
            failures.append(exc)
    if failures and not records:
        raise failures[0]
    return records


def parse(bodies: list[str | bytes] | str | bytes) -> pd.DataFrame:
    """Parse one or several citydata responses into one frame of road links."""
    frame = pd.DataFrame.from_records(place_records(bodies, _records), columns=COLUMNS)
    if frame.empty:
        return frame
    frame["measured_at"] = pd.to_datetime(frame["measured_at"])
    return frame.drop_duplicates("link_id", keep="first").reset_index(drop=True)


def measured_at(frame: pd.DataFrame) -> pd.Timestamp | None:
    return frame["measured_at"].max() if not frame.empty else None


def parse_path(xylist: str) -> list[tuple[float, float]]:
    """``"lon_lat|lon_lat|..."`` to [(lon, lat), ...], skipping unreadable vertices."""
    path = []
    for vertex in text(xylist).split("|"):
        lon_text, _, lat_text = vertex.partition("_")
        lon, lat = number(lon_text), number(lat_text)
        if 124 < lon < 132 and 33 < lat < 39:
            path.append((round(lon, 6), round(lat, 6)))
    return path


def place_middle(place: dict) -> tuple[float, float]:
    """Where a place is: the median of its road links' middle vertices (citydata gives no point)."""
    traffic = place.get("ROAD_TRAFFIC_STTS")
    links = traffic.get("ROAD_TRAFFIC_STTS") if isinstance(traffic, dict) else None
    middles = []
    for link in links if isinstance(links, list) else []:
        path = parse_path(link.get("XYLIST")) if isinstance(link, dict) else []
        if path:
            middles.append(path[len(path) // 2])
    if not middles:
        return float("nan"), float("nan")
    return statistics.median(p[0] for p in middles), statistics.median(p[1] for p in middles)


def _records(body: str | bytes) -> list[dict]:
    place = read_object(body, SERVICE, "CITYDATA")
    if place is None:
        return []
    traffic = place.get("ROAD_TRAFFIC_STTS") or {}
    if not isinstance(traffic, dict):
        raise FeedError(Reason("envelope.bad_field", service=SERVICE, field="ROAD_TRAFFIC_STTS"))
    average = traffic.get("AVG_ROAD_DATA") or {}
    stamp = seoul_time(average.get("ROAD_TRAFFIC_TIME"), "%Y-%m-%d %H:%M", "%Y%m%d%H%M")
    hotspot = text(place.get("AREA_NM"))
    records = []
    for link in traffic.get("ROAD_TRAFFIC_STTS") or []:
        if not isinstance(link, dict):
            continue  # junk in the list: the other links are still good
        path = parse_path(link.get("XYLIST"))
        link_id = text(link.get("LINK_ID"))
        if not path or not link_id:
            continue
        lon, lat = path[len(path) // 2]
        district = locate(lat, lon)
        congestion = text(link.get("IDX"))
        records.append(
            {
                "link_id": link_id,
                "road": text(link.get("ROAD_NM")),
                "start_node": text(link.get("START_ND_NM")),
                "end_node": text(link.get("END_ND_NM")),
                "length_m": number(link.get("DIST")),
                "speed_kmh": number(link.get("SPD")),
                "congestion": congestion if congestion in CONGESTION else "",
                "path": path,
                "lon": lon,
                "lat": lat,
                "district_code": district.code if district else "",
                "district": district.name if district else "",
                "hotspot": hotspot,
                "hotspot_speed_kmh": number(average.get("ROAD_TRAFFIC_SPD")),
                "hotspot_congestion": text(average.get("ROAD_TRAFFIC_IDX")),
                "measured_at": stamp,
            }
        )
    return records
