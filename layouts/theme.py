"""Colours and sizes of the wall, readable at three metres. CSS carries the same palette."""

from __future__ import annotations

PANEL_WIDTH, PANEL_HEIGHT = 1920, 1080
COLUMNS, ROWS = 3, 2

BACKGROUND = "#0b1220"
SURFACE = "#111a2c"
LINE = "#24324a"
TEXT = "#e8eef7"
MUTED = "#93a3bb"
FONT = '"Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", "NanumGothic", sans-serif'

# Korean air-grade colours (좋음 blue, 보통 green, 나쁨 orange, 매우나쁨 red) and "no data".
GRADE_COLORS = {"좋음": "#2f8cff", "보통": "#1fbf5f", "나쁨": "#ff9f1a", "매우나쁨": "#ff4d4f"}
NO_DATA = "#4a5568"
CONGESTION_COLORS = {"원활": "#22c55e", "서행": "#f5b70b", "정체": "#ef4444", "": "#64748b"}
SELECTED = "#ffffff"

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


def speed_color(speed: float) -> str:
    """Road speed to the congestion palette (정체 < 15, 서행 < 25 km/h, as citydata grades)."""
    if speed != speed:  # NaN
        return CONGESTION_COLORS[""]
    if speed < 15:
        return CONGESTION_COLORS["정체"]
    if speed < 25:
        return CONGESTION_COLORS["서행"]
    return CONGESTION_COLORS["원활"]
