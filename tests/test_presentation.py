"""Numbers read the same whether Python or NumPy made them."""

from fractions import Fraction

import numpy as np
import pytest

from workbench.presentation import MISSING, number, percent, signed


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (1234, "1,234"),
        (np.int64(1234), "1,234"),
        (np.uint8(7), "7"),
        (0.5, "0.500"),
        (np.float64(0.5), "0.500"),
        (np.float32(0.5), "0.500"),
        (np.float16(0.5), "0.500"),
        (float("nan"), MISSING),
        (np.float32("nan"), MISSING),
        (None, MISSING),
        (True, "True"),
        (np.bool_(True), "True"),
        (Fraction(1, 3), "1/3"),
        ("female", "female"),
    ],
)
def test_number_shows_python_and_numpy_numbers_alike(value, shown):
    assert number(value) == shown


def test_signed_and_percent_take_numpy_floats_and_their_nan():
    assert signed(np.float32(0.25), 2) == "+0.25" and percent(np.float64(0.4)) == "40%"
    assert signed(np.float32("nan")) == percent(np.float16("nan")) == MISSING
