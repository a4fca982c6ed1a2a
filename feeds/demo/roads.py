"""The demo city's road links around the citydata hotspots, and the geometry along them.

The links are in roads.json beside this module: per citydata place, [name, code, links], a link
being [road, from node, to node, free-flow km/h, [[lon, lat], ...]] with its WGS84 vertices in
travel order, along real roads nearby.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

Vertex = tuple[float, float]  # WGS84 (lon, lat)

RALLY_PLACES = ("광화문·덕수궁", "서울역", "여의도")


@dataclass(frozen=True)
class Link:
    link_id: str
    place: str
    road: str
    start_node: str
    end_node: str
    free_flow: int  # km/h
    path: tuple[Vertex, ...]

    @property
    def length_m(self) -> float:
        return sum(_metres(a, b) for a, b in zip(self.path, self.path[1:], strict=False))


@dataclass(frozen=True)
class Place:
    name: str
    code: str
    links: tuple[Link, ...]


def _metres(a: Vertex, b: Vertex) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def node_code(vertex: Vertex) -> str:
    """A stable 10-digit node id per position, so links meeting at a junction share it."""
    digest = hashlib.blake2b(f"{vertex[0]:.4f},{vertex[1]:.4f}".encode(), digest_size=4).digest()
    return f"10{int.from_bytes(digest, 'big') % 10**8:08d}"


def _places(roads: list) -> tuple[Place, ...]:
    return tuple(
        Place(
            name,
            code,
            tuple(
                Link(
                    f"{1_000_000_000 + (p + 1) * 10_000 + (i + 1) * 100:010d}",
                    name,
                    road,
                    start_node,
                    end_node,
                    free_flow,
                    tuple((lon, lat) for lon, lat in path),
                )
                for i, (road, start_node, end_node, free_flow, path) in enumerate(links)
            ),
        )
        for p, (name, code, links) in enumerate(roads)
    )


PLACES: tuple[Place, ...] = _places(json.loads((Path(__file__).parent / "roads.json").read_text("utf-8")))
PLACE_BY_KEY: dict[str, Place] = {key: place for place in PLACES for key in (place.name, place.code)}
LINKS: tuple[Link, ...] = tuple(link for place in PLACES for link in place.links)


def point_along(link: Link, share: float) -> Vertex:
    """The (lon, lat) point ``share`` of the way along a link, by length."""
    pieces = list(zip(link.path, link.path[1:], strict=False))
    target = sum(_segment_m(a, b) for a, b in pieces) * share
    for a, b in pieces:
        piece = _segment_m(a, b)
        if target <= piece:
            k = target / piece if piece else 0.0
            return a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k
        target -= piece
    return link.path[-1]


def distance_m(point: Vertex, path: tuple[Vertex, ...]) -> float:
    """Metres from a point to the nearest part of a polyline."""
    best = math.inf
    for a, b in zip(path, path[1:], strict=False):
        (ax, ay), (bx, by) = _local_m(point, a), _local_m(point, b)
        dx, dy = bx - ax, by - ay
        k = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(ax + k * dx, ay + k * dy))
    return best


def _local_m(origin: Vertex, point: Vertex) -> tuple[float, float]:
    """A point in metres east and north of ``origin`` (flat earth: fine across a few km)."""
    metres_per_degree = 111_320.0
    return (
        (point[0] - origin[0]) * metres_per_degree * math.cos(math.radians(origin[1])),
        (point[1] - origin[1]) * metres_per_degree,
    )


def _segment_m(a: Vertex, b: Vertex) -> float:
    return math.hypot(*_local_m(a, b))
