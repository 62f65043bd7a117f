"""The base of every view: one core call at a time, off the kernel's message loop, with a
status line that shows progress or a short error (never a traceback)."""

from __future__ import annotations

import functools
import html
import logging
import threading
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

import ipywidgets
import traitlets

import workbench
from widgets._html import stylesheet

T = TypeVar("T")
LOG = logging.getLogger("widgets")
MSG_BUSY = "Still working on the previous request; wait for it to finish."
MSG_UNEXPECTED = "Something went wrong ({kind}); the details are in the server log."
SPINNER = (
    '<svg class="wb-spinner" width="14" height="14" viewBox="0 0 50 50" aria-hidden="true">'
    '<circle cx="25" cy="25" r="20" fill="none" stroke-width="6" '
    'stroke-dasharray="90 40"><animateTransform attributeName="transform" type="rotate" '
    'from="0 25 25" to="360 25 25" dur="0.8s" repeatCount="indefinite"/></circle></svg>'
)


def set_options(box: Any, options: Any) -> None:
    """Give a selection box new options and select the first (ipywidgets keeps none when a box
    created empty gets options)."""
    box.options = options
    if box.index is None and len(box.options):
        box.index = 0


def error_message(err: BaseException) -> str:
    """A short message for people: the core's own message, or a generic one (logged in full)."""
    if isinstance(err, workbench.WorkbenchError):
        return str(err)
    LOG.error("unexpected error in a workbench view", exc_info=err)
    return MSG_UNEXPECTED.format(kind=type(err).__name__)


def shows_errors(handler: Callable[..., None]) -> Callable[..., None]:
    """Make a view's handler show any error in the view's status line instead of raising it
    (an error raised in a widget callback would reach the page as a traceback)."""

    @functools.wraps(handler)
    def guarded(view: CoreView, *args: Any, **kwargs: Any) -> None:
        try:
            handler(view, *args, **kwargs)
        except Exception as err:  # the view's boundary: show a message, never raise
            view._show_error(err)

    return guarded


class Status(ipywidgets.HTML):
    """One line under a view: a spinner while it works, an error, a note, or nothing."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_class("wb-status")

    def working(self, text: str) -> None:
        """Show a spinner and ``text``."""
        self.value = f'<span class="wb-working">{SPINNER}{html.escape(text)}</span>'

    def error(self, text: str) -> None:
        """Show ``text`` as an error."""
        self.value = f'<p class="wb-error">{html.escape(text)}</p>'

    def note(self, text: str) -> None:
        """Show ``text`` as a note."""
        self.value = f'<p class="wb-note">{html.escape(text)}</p>'

    def clear(self) -> None:
        """Show nothing."""
        self.value = ""


class View(ipywidgets.VBox):
    """A view's box, built in one order: its parts first, then the traits it was given.

    A subclass names its box's CSS class in ``css_class`` and makes its parts in ``_build``,
    which connects them and returns the box's children. Traits of the view given to the
    constructor are set only then, in the order the classes declare them, so that their
    observers find the parts made. The box also holds the views' stylesheet.
    """

    css_class: ClassVar[str] = ""

    def __init__(self, **kwargs: Any) -> None:
        given = {name: kwargs.pop(name) for name in self._view_traits() if name in kwargs}
        super().__init__(**kwargs)
        self.children = (*self._build(), stylesheet())
        self.add_class("wb-view")
        if self.css_class:
            self.add_class(self.css_class)
        for name, value in given.items():
            setattr(self, name, value)

    def _build(self) -> tuple[ipywidgets.Widget, ...]:
        """Make and connect the view's parts; return the box's children."""
        return ()

    @classmethod
    def _view_traits(cls) -> list[str]:
        """The traits declared by View's subclasses, in declaration order (base classes first)."""
        return [
            name
            for klass in reversed(cls.__mro__)
            if issubclass(klass, View)
            for name, value in vars(klass).items()
            if isinstance(value, traitlets.TraitType)
        ]


class CoreView(View):
    """A view that runs one core call at a time and shows its progress and errors.

    ``busy`` is true while a call runs; a request made meanwhile is refused with a note (the
    check is here, on the server, whatever the page's buttons say). ``error`` holds the last
    call's message ('' after a success). With ``threaded=False`` calls run inline, as in tests.
    """

    busy = traitlets.Bool(False, help="Whether a core call is running.")
    error = traitlets.Unicode("", help="Message of the last failed call; '' when none.")

    def __init__(self, *, threaded: bool = True, **kwargs: Any) -> None:
        self._threaded = threaded
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pending: tuple[Callable[[], Any], Callable[[Any], None], str] | None = None
        self.status = Status()
        super().__init__(**kwargs)

    def wait(self, timeout: float | None = 60) -> bool:
        """Wait for running and queued calls to finish; whether they did within ``timeout``."""
        while (thread := self._thread) is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
            if self._thread is thread:
                return True
        return True

    def _run(
        self,
        call: Callable[[], T],
        done: Callable[[T], None] | str,
        *,
        working: str,
        queue: bool = False,
    ) -> bool:
        """Run ``call`` and hand its result to ``done``, or set the trait ``done`` names to it.

        While another call runs, the request is refused (False), or with ``queue`` kept to run
        next, replacing any request kept before (for sliders: the last position wins).
        """
        if isinstance(done, str):
            done = functools.partial(setattr, self, done)
        if not self._lock.acquire(blocking=False):
            if queue:
                self._pending = (call, done, working)
                return True
            self.status.note(MSG_BUSY)
            return False
        self.busy = True
        self.status.working(working)
        if self._threaded:
            self._thread = threading.Thread(
                target=self._finish, args=(call, done), name="workbench-view", daemon=True
            )
            self._thread.start()
        else:
            self._finish(call, done)
        return True

    def _finish(self, call: Callable[[], T], done: Callable[[T], None]) -> None:
        try:
            done(call())
        except Exception as err:  # the view's boundary: show a message, never raise
            self.error = error_message(err)
            self.status.error(self.error)
        else:
            self.error = ""
            self.status.clear()
        finally:
            pending, self._pending = self._pending, None
            self.busy = False
            self._lock.release()
        if pending is not None:
            call, done, working = pending
            self._run(call, done, working=working)

    def _show_error(self, err: BaseException) -> None:
        """Show an error raised by a quick core call made in a handler."""
        self.error = error_message(err)
        self.status.error(self.error)
