"""Colours and sizes of the wall, readable at three metres: the one home of the palette.

The figures read these names; the pages' style sheets read them too, as CSS custom properties
(``var(--muted)``) that ``palette_style`` writes into each page's head, so no colour is typed twice.
"""

from __future__ import annotations

from feeds.traffic import congestion_of

BACKGROUND = "#0b1220"
SURFACE = "#111a2c"
LINE = "#24324a"
TEXT = "#e8eef7"
MUTED = "#93a3bb"
# The smallest text on a 1920 x 1080 panel, CSS px: one px is about 0.63 mm on a 55" screen,
# and 24 px is what reads from three metres. Where texts do not fit, fewer are shown, never smaller.
SMALLEST = 24
DARK_TEXT = "#06101f"  # text on a light fill (a grade's colour): white on those is under 4.5:1
FONT = '"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", sans-serif'

# A feed's status: live, stale, failing (status dots and words, the alerts strip).
STATUS_COLORS = {"ok": "#22c55e", "stale": "#f5b70b", "error": "#ff4d4f"}
PAST = "#ffb300"  # the time machine's frame and words: the wall is showing an earlier moment
EDGE = "#34466a"  # the outline of a button or an overlay
# The phone's 17 px text on its dark ground needs lighter muted and error tones than the wall's.
PHONE_MUTED = "#a3b1c6"
PHONE_ERROR = "#ff6b6d"

# Korean air-grade colours (좋음 blue, 보통 green, 나쁨 orange, 매우나쁨 red) and "no data".
GRADE_COLORS = {"좋음": "#2f8cff", "보통": "#1fbf5f", "나쁨": "#ff9f1a", "매우나쁨": "#ff4d4f"}
NO_DATA = "#4a5568"
CONGESTION_COLORS = {"원활": "#22c55e", "서행": "#f5b70b", "정체": "#ef4444", "": "#64748b"}
# Congestion told by line as well as colour: jammed thick, slow dashed, free thin (map and legend).
CONGESTION_LINES = {
    "원활": ("solid", 4, "free"),
    "서행": ("dash", 5, "slow"),
    "정체": ("solid", 8, "jammed"),
    "": ("dot", 4, "unknown"),
}
SELECTED = "#ffffff"
# Crowds at citydata's places, calm to crowded: a hollow ring whose size and colour both rise, so
# the level is told by size as well as by colour, and a ring never reads as a road or an incident.
CROWD_STYLE = {
    "여유": ("#7dd3fc", 22),
    "보통": ("#a5b4fc", 30),
    "약간 붐빔": ("#e879f9", 38),
    "붐빔": ("#f0abfc", 46),
}

# Incident types: a colour and a plotly marker symbol each; severe types are red.
INCIDENT_STYLE = {
    "A01": ("#ff7a45", "diamond"),
    "A02": ("#f5b70b", "square"),
    "A03": ("#ff7a45", "diamond"),
    "A04": ("#facc15", "triangle-up"),
    "A05": ("#f5b70b", "square"),
    "A06": ("#ff7a45", "diamond"),
    "A07": ("#c084fc", "hexagon"),
    "A08": ("#ff2d2d", "star"),
    "A09": ("#38bdf8", "star-diamond"),
    "A10": ("#a78bfa", "circle"),
}
INCIDENT_DEFAULT = ("#94a3b8", "circle")


def incident_style(type_code: str) -> tuple[str, str]:
    """(colour, marker symbol) of an incident type; an unknown type gets the neutral one."""
    return INCIDENT_STYLE.get(type_code, INCIDENT_DEFAULT)


def speed_color(speed: float) -> str:
    """Road speed to the congestion palette, by the bands citydata grades (traffic.congestion_of)."""
    return CONGESTION_COLORS[congestion_of(speed)]


def luminance(color: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours (1 to 21; text needs 4.5)."""
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def palette(phone: bool = False) -> dict[str, str]:
    """The custom properties a page's style sheet reads, by name (``--bg`` is ``palette()["bg"]``)."""
    colors = {
        "bg": BACKGROUND,
        "surface": SURFACE,
        "line": LINE,
        "text": TEXT,
        "muted": PHONE_MUTED if phone else MUTED,
        "dark-text": DARK_TEXT,
        "edge": EDGE,
        "past": PAST,
        "good": GRADE_COLORS["좋음"],
        "moderate": GRADE_COLORS["보통"],
        "bad": GRADE_COLORS["나쁨"],
        "very-bad": GRADE_COLORS["매우나쁨"],
        **STATUS_COLORS,
        "font": FONT,
    }
    if phone:
        colors["error"] = PHONE_ERROR
    return colors


def palette_style(phone: bool = False) -> str:
    """The palette as a ``<style>`` for a page's head, before its style sheets."""
    properties = " ".join(f"--{name}: {value};" for name, value in palette(phone).items())
    return f'<style id="palette">:root {{ {properties} }}</style>'
