"""Text on the wall's fills reads at 4.5:1 or better (WCAG AA), by the palette in layouts/theme.py
and the pairs assets/wall.css draws; the style sheets read that palette, never a copy of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layouts import theme

HALO = theme.DARK_TEXT  # the dark stroke around map labels (var(--dark-text) in assets/wall.css)


def test_the_contrast_of_black_on_white_is_twentyone_and_of_a_colour_on_itself_one():
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#1fbf5f", "#1fbf5f") == pytest.approx(1.0)


@pytest.mark.parametrize(
    "fill",
    [*theme.GRADE_COLORS.values(), *(color for color, _ in theme.INCIDENT_STYLE.values())],
)
def test_dark_text_on_a_grade_or_an_incident_type_chip(fill):
    assert theme.contrast(theme.DARK_TEXT, fill) >= 4.5


def test_map_labels_on_their_halo_and_the_walls_texts_on_its_ground():
    assert theme.contrast(theme.TEXT, HALO) >= 4.5
    for ground in (theme.BACKGROUND, theme.SURFACE):
        assert theme.contrast(theme.TEXT, ground) >= 4.5
        assert theme.contrast(theme.MUTED, ground) >= 4.5


def test_the_phones_muted_and_error_words_read_on_its_ground():
    colors = theme.palette(phone=True)
    for ground in (colors["bg"], colors["surface"]):
        assert theme.contrast(colors["muted"], ground) >= 4.5
        assert theme.contrast(colors["error"], ground) >= 4.5


ASSETS = Path(__file__).resolve().parent.parent / "assets"


@pytest.mark.parametrize("sheet, phone", [("wall.css", False), ("phone.css", True)])
def test_a_style_sheet_reads_the_palette_and_types_none_of_it(sheet, phone):
    css = (ASSETS / sheet).read_text()
    palette = theme.palette(phone)
    defined = set(re.findall(r"(--[a-z-]+)\s*:", css))
    used = set(re.findall(r"var\((--[a-z-]+)", css))
    inline = {"--grade"}  # set on an element by its builder (layouts/phone.py), from the same palette
    assert used <= {f"--{name}" for name in palette} | defined | inline, used - defined
    typed = {color.lower() for color in re.findall(r"#[0-9a-fA-F]{6}\b", css)}
    assert not typed & {value.lower() for value in palette.values()}
