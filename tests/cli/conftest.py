"""Fixtures the verbs' tests share with the library's tests: report cases and a review spec."""

from report.conftest import relapse
from review.conftest import callable_spec

__all__ = ["callable_spec", "relapse"]
