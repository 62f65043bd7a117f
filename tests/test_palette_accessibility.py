"""The palettes stay readable with colour-vision deficiencies and text on them reaches WCAG AA.

Protanopia, deuteranopia and tritanopia are simulated with Machado et al. (2009) at full
severity (colorspacious's ``sRGB1+CVD``); colour differences are CAM02-UCS distances (ΔE', about
1 for a just-noticeable difference).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from colorspacious import cspace_convert, deltaE

from workbench.presentation import (
    DARK_TEXT,
    LIGHT_TEXT,
    PALETTE,
    SERIES,
    contrast_ratio,
    direction,
    shade,
    text_colour,
)

VISIONS = (None, "protanomaly", "deuteranomaly", "tritanomaly")
# Thresholds of ΔE' under every simulated vision: the attribution scale's two ends, its two
# halves at half strength, any two chart series, the breach cell's tint against a plain cell.
ENDS_APART = 30.0
HALVES_APART = 15.0
SERIES_APART = 10.0
BREACH_TINT = 5.0
AA_TEXT = 4.5


def _simulated(colour: str, vision: str | None) -> np.ndarray:
    rgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    if vision is None:
        return rgb
    space = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(cspace_convert(rgb, space, "sRGB1"), 0, 1)


def _hex(rgb: np.ndarray) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(float(c) * 255) for c in rgb))


def _apart(first: str, second: str, vision: str | None) -> float:
    return float(
        deltaE(
            _simulated(first, vision),
            _simulated(second, vision),
            input_space="sRGB1",
            uniform_space="CAM02-UCS",
        )
    )


@pytest.mark.parametrize("vision", VISIONS, ids=str)
def test_the_attribution_scale_keeps_its_two_directions_apart(vision):
    assert _apart(shade(1.0, 1.0), shade(-1.0, 1.0), vision) > ENDS_APART
    assert _apart(shade(0.5, 1.0), shade(-0.5, 1.0), vision) > HALVES_APART


@pytest.mark.parametrize("vision", VISIONS, ids=str)
def test_chart_series_stay_distinguishable(vision):
    closest = min(
        (_apart(first, second, vision), first, second)
        for first, second in itertools.combinations(SERIES, 2)
    )
    assert closest[0] > SERIES_APART, closest


@pytest.mark.parametrize("vision", VISIONS, ids=str)
def test_breach_cells_are_tinted_and_their_text_reads(vision):
    assert _apart(PALETTE["bad-bg"], "#ffffff", vision) > BREACH_TINT
    bad, background = (_hex(_simulated(PALETTE[r], vision)) for r in ("bad", "bad-bg"))
    assert contrast_ratio(bad, background) >= AA_TEXT


def test_text_on_every_attribution_colour_reaches_aa():
    for value in np.linspace(-1.0, 1.0, 401):
        background = shade(float(value), 1.0)
        ratio = contrast_ratio(background, text_colour(background))
        assert ratio >= AA_TEXT, (value, background, ratio)


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio(DARK_TEXT, LIGHT_TEXT) == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert text_colour("#ffffff") == DARK_TEXT
    assert text_colour(PALETTE["ink"]) == LIGHT_TEXT


def test_direction_in_words():
    assert direction(0.3, "urgent") == "towards urgent"
    assert direction(-0.3, "urgent") == "away from urgent"
    assert direction(0.0, "urgent") == direction(float("nan"), "urgent") == "neutral"
