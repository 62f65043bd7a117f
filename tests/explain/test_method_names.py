"""The light list of explanation methods that the command line offers names every row of the
method table, in the table's order."""

from workbench.explain import METHODS
from workbench.explain._methods import _ROWS
from workbench.explain._names import EXPLANATION_METHODS


def test_every_method_row_is_offered_once():
    assert sorted(EXPLANATION_METHODS) == sorted(_ROWS)
    assert len(set(EXPLANATION_METHODS)) == len(EXPLANATION_METHODS)


def test_the_table_follows_the_list():
    assert tuple(METHODS) == EXPLANATION_METHODS
    assert all(METHODS[name] is _ROWS[name] for name in EXPLANATION_METHODS)
