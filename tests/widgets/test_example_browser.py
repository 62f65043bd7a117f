"""ExampleBrowser: filter examples by group, class, prediction and error; pick one."""

from __future__ import annotations

import pandas as pd

from widgets import ExampleBrowser
from widgets._example_browser import PRECOMPUTED
from workbench.app.browse import example_input, filter_examples
from workbench.store import explain_stored, shared_store


def test_lists_all_examples_and_picks_the_first(crisis):
    browser = ExampleBrowser(subject=crisis)
    assert "1500 matching example(s), the first 200 shown." in browser.count.value
    assert len(browser.list.options) == 200
    assert browser.selected == 0
    assert browser.example == example_input(crisis, 0)
    label = browser.list.options[0][0]
    assert label.startswith("#0 ")


def test_filters_reach_the_core(crisis):
    browser = ExampleBrowser(subject=crisis)
    browser.attribute_box.value = "ethnicity"
    assert [v for _, v in browser.group_box.options] == ["", *crisis.groups["ethnicity"]]
    browser.group_box.value = "black"
    browser.label_box.value = "urgent"
    browser.outcome_box.value = "errors"
    expected = filter_examples(
        crisis, attribute="ethnicity", group="black", label="urgent", outcome="errors"
    )
    assert browser.page.total == expected.total
    assert [v for _, v in browser.list.options] == list(expected.rows.index)
    assert all("✗ urgent → routine" in label for label, _ in browser.list.options)
    assert browser.selected == expected.rows.index[0]


def test_no_match_empties_the_list(crisis):
    browser = ExampleBrowser(subject=crisis)
    browser.label_box.value = "urgent"
    browser.prediction_box.value = "urgent"
    browser.outcome_box.value = "errors"
    assert browser.page.total == 0 and browser.list.options == ()
    assert browser.selected == -1 and browser.example is None


def test_picking_a_row_gives_its_redacted_input(crisis):
    browser = ExampleBrowser(subject=crisis)
    row = browser.list.options[5][1]
    browser.list.value = row
    assert browser.selected == row
    assert browser.example == example_input(crisis, row)


def test_a_new_subject_resets_filters_and_picks_its_first_row(crisis, relapse):
    browser = ExampleBrowser(subject=crisis)
    browser.outcome_box.value = "errors"
    browser.subject = relapse
    assert browser.outcome == "all" and browser.selected == 0
    assert isinstance(browser.example, pd.DataFrame)
    assert browser.example.iloc[0]["id"] == relapse.data.iloc[0]["id"]


def test_rows_with_stored_explanations_are_marked_precomputed(crisis):
    for method in ("ig", "lime"):
        explain_stored(crisis.model, crisis.inputs([0, 1]), store=shared_store(), method=method)
    browser = ExampleBrowser(subject=crisis)
    assert ", 2 of them precomputed." in browser.count.value
    marked = [value for label, value in browser.list.options if f"· {PRECOMPUTED} ·" in label]
    assert marked == [0, 1]
