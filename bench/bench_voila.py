"""Voila page speed: a bare two-widget page and the ethics app, measured in the same run.

Run with ``python -m bench.bench_voila``; writes ``bench/results/voila.json`` and prints a table.

Every server is started through ``workbench serve`` the way the browser tests start it
(``tests/browser/servers.py``), so with the served options: the bare page (a notebook with a
Dropdown and a Button, written to a temporary folder) pre-heated and cold (``--no-preheat``),
and the ethics review app pre-heated. Each run opens the
page in a fresh browser context (empty cache: a first visit) and reads, in the page,
``performance.now()`` (milliseconds since the browser began the navigation) when the first
interactive widget is visible and enabled: the model dropdown of the app, the Dropdown of the
bare page. The HTML's arrival (``responseEnd``) is recorded too, to tell server from browser.

Pre-heating: Voila keeps one kernel that has already run the notebook and, one second after a
page takes it, starts a replacement that runs the notebook again. Before every pre-heated run
the bench waits until that replacement is idle and has been quiet for ``QUIET_S`` (its state in
``/api/kernels/<id>``), so every run finds a fully heated kernel, as a visitor who comes a
little after the previous one does; the refill still competes with the page for the CPU, as it
does when served. Each page is closed with its ``beforeunload`` handler, so Voila shuts the
page's kernel down as when a visitor leaves. One unmeasured run per server comes first.

If the app shows a text explanation view (``.wb-text-attribution``), the same runs also time a
click on its *Explain* button to the first new highlighted token (``.wb-token``), in the page.
Figures are medians of ``--runs`` runs; the machine's load average is recorded with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from playwright.sync_api import sync_playwright

from bench._common import RESULTS_DIR, write_results
from tests.browser.servers import (
    QUIET_S,
    VIEWPORT,
    Server,
    launch_chromium,
    start_app,
    wait_for_heated_kernel,
)
from workbench.serving import DEFAULT_APP, app_notebook

RESULTS = RESULTS_DIR / "voila.json"
APP = app_notebook(DEFAULT_APP)
TARGET_APP_FIRST_WIDGET_S = 2.0
TIMEOUT_S = 180
BARE_CELLS = (
    "import ipywidgets as widgets",
    "widgets.Dropdown(options=['one', 'two', 'three'], description='Pick')",
    "widgets.Button(description='Go')",
)
BARE_WIDGET = ".widget-dropdown select"
APP_WIDGET = ".wb-model-picker select"
EXPLAIN_VIEW = ".wb-text-attribution"
EXPLAIN_TEXT = "I have not slept for days and I feel like nothing will ever get better."
# Resolves to performance.now() once the element is visible and enabled.
READY_JS = """
selector => {
  const e = document.querySelector(selector);
  return e && !e.disabled && e.checkVisibility() ? performance.now() : false;
}
"""
# Marks the tokens already shown, and notes the time of the next click on the button.
CLICK_CLOCK_JS = """
button => {
  document.querySelectorAll('.wb-token').forEach(e => e.setAttribute('data-wb-old', ''));
  button.addEventListener(
    'click', () => { window.wbClickedAt = performance.now(); }, {capture: true, once: true});
}
"""
TOKEN_JS = f"""
() => {{
  const e = document.querySelector('{EXPLAIN_VIEW} .wb-token:not([data-wb-old])');
  return e && e.checkVisibility() ? performance.now() - window.wbClickedAt : false;
}}
"""


@contextmanager
def serve(notebook: Path, preheat: bool, workdir: Path) -> Iterator[Server]:
    """``workbench serve`` for ``notebook`` on a free port; its process group killed after."""
    server = start_app(
        log_dir=workdir,
        data_dir=workdir / "data",
        options=[str(notebook), *(() if preheat else ("--no-preheat",))],
    )
    try:
        yield server
    finally:
        server.stop()


def measure_page(browser, server: Server, selector: str, explain: bool) -> dict:
    """One visit: seconds to the HTML and to the first interactive widget; explain if asked."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_S * 1000)
    page = context.new_page()
    try:
        page.goto(server.url, wait_until="commit")
        widget_ms = page.wait_for_function(READY_JS, arg=selector, polling="raf").json_value()
        html_ms = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")
        config = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').text)")
        run = {"html_s": html_ms / 1000, "first_widget_s": widget_ms / 1000}
        run["kernel_id"] = config["kernelId"]
        if explain:
            run["explain_s"] = _explain(page)
        return run
    finally:
        page.close(run_before_unload=True)
        context.close()


def _explain(page) -> float | None:
    """Seconds from a click on Explain to the first new highlighted token; None without the view."""
    view = page.locator(EXPLAIN_VIEW)
    if not view.count() or not view.first.is_visible():
        return None
    text = view.first.locator("textarea")
    if text.count() and not text.first.input_value():
        text.first.fill(EXPLAIN_TEXT)
        text.first.blur()
    button = view.first.locator("button.wb-explain")
    button.evaluate(CLICK_CLOCK_JS)
    button.click()
    return page.wait_for_function(TOKEN_JS, polling="raf").json_value() / 1000


def measure(browser, server: Server, selector: str, runs: int, preheat: bool, explain: bool):
    """``runs`` measured visits after one unmeasured one."""
    used: set[str] = set()
    visits = []
    for _ in range(runs + 1):
        if preheat:
            wait_for_heated_kernel(server, used)
        else:
            time.sleep(QUIET_S)
        visit = measure_page(browser, server, selector, explain)
        used.add(visit.pop("kernel_id"))
        visits.append(visit)
    return _summary(visits[1:])


def _summary(visits: list[dict]) -> dict:
    summary: dict = {"visits": visits}
    for key in visits[0]:
        values = [v[key] for v in visits if v[key] is not None]
        summary[key] = {
            "median": statistics.median(values) if values else None,
            "min": min(values, default=None),
            "max": max(values, default=None),
        }
    return summary


def write_bare_notebook(folder: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in BARE_CELLS]
    path = folder / "bare.ipynb"
    nbformat.write(nb, path)
    return path


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured visits per page (5)")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()
    results: dict = {"visits_per_page": args.runs, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="bench-voila-") as tmp, sync_playwright() as pw:
        workdir = Path(tmp)
        bare = write_bare_notebook(workdir)
        browser = launch_chromium(pw)
        try:
            cases = (
                ("bare_preheated", bare, True, BARE_WIDGET, False),
                ("bare_cold", bare, False, BARE_WIDGET, False),
                ("app_preheated", APP, True, APP_WIDGET, True),
            )
            for name, notebook, preheat, selector, explain in cases:
                with serve(notebook, preheat, workdir) as server:
                    results[name] = measure(browser, server, selector, args.runs, preheat, explain)
        finally:
            browser.close()
    results["load_average_before_after"] = [load_before[0], os.getloadavg()[0]]
    median = results["app_preheated"]["first_widget_s"]["median"]
    results["target_app_first_widget_s"] = TARGET_APP_FIRST_WIDGET_S
    results["target_met"] = median <= TARGET_APP_FIRST_WIDGET_S
    write_results(RESULTS, results)
    _print_table(results)
    return results


def _print_table(results: dict) -> None:
    visits = results["visits_per_page"]
    print(f"median (min-max) of {visits} visits, seconds since the navigation began")
    print(f"{'page':<16}{'HTML received':>20}{'first widget':>20}{'explain -> tokens':>20}")
    for name in ("bare_preheated", "bare_cold", "app_preheated"):
        row = results[name]
        cells = [_cell(row.get(key)) for key in ("html_s", "first_widget_s", "explain_s")]
        print(f"{name:<16}" + "".join(f"{c:>20}" for c in cells))
    verdict = "ok" if results["target_met"] else "MISSED"
    print(f"target: app first widget <= {results['target_app_first_widget_s']} s: {verdict}")
    print(f"load average before/after: {results['load_average_before_after']}")
    print(f"wrote {RESULTS}")


def _cell(stats: dict | None) -> str:
    if not stats or stats["median"] is None:
        return "-"
    return f"{stats['median']:.2f} ({stats['min']:.2f}-{stats['max']:.2f})"


if __name__ == "__main__":
    main()
