"""Text on the wall's fills reads at 4.5:1 or better (WCAG AA), by the palette in layouts/theme.py
and the pairs assets/wall.css draws."""

from __future__ import annotations

import pytest

from layouts import theme

HALO = "#06101f"  # assets/wall.css: the dark stroke around map labels


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
