"""Deterministic noise: numbers that depend only on a seed and keys, never on state or hash()."""

from __future__ import annotations

import hashlib
import math
import random


def unit(seed: int, *keys: object) -> float:
    """A uniform number in [0, 1) that depends only on the seed and the keys."""
    digest = hashlib.blake2b(repr((seed, *keys)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def seeded_random(seed: int, *keys: object) -> random.Random:
    """A random generator that depends only on the seed and the keys."""
    return random.Random(repr((seed, *keys)))


def smooth(seed: int, key: str, x: float) -> float:
    """Value noise in [0, 1): hashed knots at whole x, eased in between, continuous in x."""
    knot = math.floor(x)
    a, b = unit(seed, key, knot), unit(seed, key, knot + 1)
    ease = (1 - math.cos(math.pi * (x - knot))) / 2
    return a + (b - a) * ease


def bump(hour: float, centre: float, width: float) -> float:
    """A bell over the 24-hour clock (wrapping at midnight), 1 at ``centre``."""
    distance = abs(hour - centre) % 24
    distance = min(distance, 24 - distance)
    return math.exp(-0.5 * (distance / width) ** 2)


def poisson(rng: random.Random, rate: float) -> int:
    """A Poisson count with mean ``rate``, capped at 3."""
    count, p, u = 0, math.exp(-rate), rng.random()
    cumulative = p
    while u > cumulative and count < 3:
        count += 1
        p *= rate / count
        cumulative += p
    return count
