"""CoreView: one core call at a time, in a thread, with progress and short errors."""

from __future__ import annotations

import logging
import threading

import pytest

import workbench
from widgets import CoreView
from widgets._task import MSG_BUSY, MSG_UNEXPECTED, error_message, shows_errors


def test_workbench_errors_are_shown_as_their_message():
    assert error_message(workbench.DataError("bad <group>")) == "bad <group>"


def test_other_errors_are_logged_and_shown_briefly(caplog):
    with caplog.at_level(logging.ERROR, logger="widgets"):
        text = error_message(KeyError("secret/path"))
    assert text == MSG_UNEXPECTED.format(kind="KeyError")
    assert "secret/path" not in text
    assert caplog.records and caplog.records[0].exc_info is not None


def test_inline_call_shows_result_or_error():
    view = CoreView(threaded=False)
    seen = []
    assert view._run(lambda: 42, seen.append, working="Working")
    assert seen == [42] and view.error == "" and view.status.value == "" and not view.busy

    def fail() -> None:
        raise workbench.DataError("no <rows>")

    view._run(fail, seen.append, working="Working")
    assert view.error == "no <rows>" and not view.busy
    assert 'class="wb-error"' in view.status.value and "no &lt;rows&gt;" in view.status.value
    assert "Traceback" not in view.status.value


def test_threaded_call_refuses_a_second_request_and_queues_a_slider():
    view = CoreView()
    release, started = threading.Event(), threading.Event()
    seen: list[str] = []

    def slow() -> str:
        started.set()
        release.wait(10)
        return "first"

    assert view._run(slow, seen.append, working="Working")
    assert started.wait(10)
    assert view.busy and "wb-working" in view.status.value
    assert not view._run(lambda: "refused", seen.append, working="Working")
    assert MSG_BUSY in view.status.value
    view._run(lambda: "stale", seen.append, working="Working", queue=True)
    view._run(lambda: "latest", seen.append, working="Working", queue=True)
    release.set()
    assert view.wait(10)
    assert seen == ["first", "latest"]
    assert not view.busy and view.status.value == ""


@pytest.mark.parametrize("threaded", [True, False])
def test_an_error_in_drawing_is_caught_too(threaded):
    view = CoreView(threaded=threaded)

    def draw(_value: object) -> None:
        raise ValueError("boom")

    view._run(lambda: 1, draw, working="Working")
    assert view.wait(10)
    assert view.error == MSG_UNEXPECTED.format(kind="ValueError")


def test_shows_errors_turns_a_handler_error_into_a_message():
    seen = []

    @shows_errors
    def handler(view, value):
        seen.append(value)
        raise workbench.DataError("bad <value>")

    view = CoreView(threaded=False)
    handler(view, 1)
    assert seen == [1] and view.error == "bad <value>"
    assert "bad &lt;value&gt;" in view.status.value and "Traceback" not in view.status.value
