"""Simultaneous visitors of the served ethics app: time to the first widget and memory held.

Run with ``python -m bench.bench_visitors``; writes ``bench/results/visitors.json`` and prints a
table. For each crowd size (1, 5 and 10 visitors) a fresh ``workbench serve`` (started as the
browser tests start it, ``tests/browser/servers.py``, with ``--pool-size``) waits until its
pool of pre-heated kernels has run the notebook and is quiet; then that many visitors open the
page at the same moment, each in a Chromium of their own (a first visit, empty cache; the
browsers have started before the clock starts). A visitor's time is from the common start to
its model dropdown being visible and enabled (the first widget, as ``bench/bench_voila.py``
reads it); one who sees none within ``TIMEOUT_S`` counts as that long and is reported as timed
out.

The pages' browsers share the machine's cores with the server, and each page spends seconds of
CPU on its JavaScript, layout and drawing, which a real visitor spends on their own machine
(ten pages: about 44 CPU-seconds in Chromium against 2 in the server and 0.4 in the kernels,
measured once with a /proc sampler). So each
crowd is repeated on another fresh server with browserless visitors (``bench._widget_client``):
each fetches the page, the static files the first browser page loaded, and the widget states
over the kernel's websocket, as the page does; their times (``server_side_s``) are the server's
share of the wait.

Memory is the proportional set size (PSS, ``/proc/<pid>/smaps_rollup``) of the server and of
every kernel process it started: pages that processes share (libraries, forked memory) are
split among them, so the sum is what the machine holds. It is read twice: when the last
visitor sees the first widget, and once every kernel (the visitors' and the pool's refills) is
quiet again. The figures are the median and maximum time, and the PSS of the visitors'
kernels, of the pool's kernels, of the server and in all; the machine's load average is
recorded with them. With ``--review`` every visitor then presses *Review this model* (the
first model, crisis_text, is loaded and scored: torch imported) and the memory is read once
more, quiet again. ``--baseline`` also measures the server with one pre-heated kernel
(``--pool-size 1``), as served before the pool was configurable.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import async_playwright

from bench import _widget_client as widget_client
from bench._common import RESULTS_DIR, write_results
from tests.browser.servers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    QUIET_S,
    VIEWPORT,
    Server,
    cpu_ticks,
    kernel_pids,
    kernels_started,
    start_app,
)
from workbench.serving import default_pool_size
from workbench.serving._voila import DEFAULT_REFILL_S

RESULTS = RESULTS_DIR / "visitors.json"
CROWDS = (1, 5, 10)
TARGET_CROWD = 10
TARGET_MEDIAN_S = 5.0
TARGET_TOTAL_MB = 2500
TIMEOUT_S = 120
SETTLE_TIMEOUT_S = 600
APP_WIDGET = ".wb-model-picker select"
REVIEW_BUTTON = "button.wb-open-model"
EXAMPLES = ".wb-example-browser .wb-examples option"
REVIEW_TIMEOUT_S = 600
# The page is asked every POLL_MS whether its first widget shows: polling on every animation
# frame would make each page draw 60 frames a second while it waits, and ten such pages on
# the machine's two cores slow one another.
POLL_MS = 100
# Seconds for the visitors' browsers to finish starting before the clock starts.
BROWSERS_SETTLE_S = 5
READY_JS = """
selector => {
  const e = document.querySelector(selector);
  return e && !e.disabled && e.checkVisibility();
}
"""
# The static files (scripts, styles, fonts) the page loaded from the server, as paths.
STATIC_PATHS_JS = """
() => performance.getEntriesByType('resource')
  .map(entry => new URL(entry.name))
  .filter(url => url.origin === location.origin && url.pathname.includes('/static/'))
  .map(url => url.pathname + url.search)
"""
PSS = re.compile(r"^Pss:\s+(\d+) kB", re.MULTILINE)


def pss_mb(pid: int) -> float:
    """The process's proportional set size in MB (0 once it ended)."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    match = PSS.search(text)
    return int(match.group(1)) / 1024 if match else 0.0


def memory(server: Server, visitor_kernels: set[str]) -> dict:
    """PSS in MB of the server, the visitors' kernels and the other (pool) kernels."""
    kernels = {kernel: kernel_pids(kernel) for kernel in kernels_started(server)}
    visitors = sum(pss_mb(p) for k, pids in kernels.items() if k in visitor_kernels for p in pids)
    pool = sum(pss_mb(p) for k, pids in kernels.items() if k not in visitor_kernels for p in pids)
    own = pss_mb(server.process.pid)
    running = sum(1 for pids in kernels.values() if any(Path(f"/proc/{p}").exists() for p in pids))
    return {
        "server_mb": own,
        "visitor_kernels_mb": visitors,
        "pool_kernels_mb": pool,
        "total_mb": own + visitors + pool,
        "kernels_running": running,
        "per_visitor_kernel_mb": visitors / len(visitor_kernels) if visitor_kernels else None,
    }


def wait_until_quiet(server: Server, kernels: int) -> None:
    """Wait until ``kernels`` kernels have started and none used CPU for ``QUIET_S``."""
    state = {"ticks": None, "since": 0.0}

    def quiet() -> bool:
        started = kernels_started(server)
        if len(started) < kernels:
            return False
        ticks = sum(cpu_ticks(p) for k in started for p in kernel_pids(k))
        now = time.monotonic()
        if ticks != state["ticks"]:
            state.update(ticks=ticks, since=now)
            return False
        return now - state["since"] >= QUIET_S

    server.wait_until(quiet, what="settle its kernels", timeout_s=SETTLE_TIMEOUT_S)


async def visit(browser, url: str, start: float) -> dict:
    """One visitor: seconds from ``start`` to the first widget; the kernel its page uses."""
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_S * 1000)
    page = await context.new_page()
    await page.goto(url, wait_until="commit")
    try:
        await page.wait_for_function(READY_JS, arg=APP_WIDGET, polling=POLL_MS)
    except PlaywrightTimeoutError:
        seconds = None
    else:
        seconds = time.perf_counter() - start
    config = await page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').text)")
    return {
        "first_widget_s": seconds,
        "kernel_id": config["kernelId"],
        "static_paths": await page.evaluate(STATIC_PATHS_JS),
        "context": context,
        "page": page,
    }


async def start_review(page) -> None:
    """Press *Review this model* and wait until the first model's examples are listed."""
    await page.locator(REVIEW_BUTTON).click()
    await page.locator(EXAMPLES).first.wait_for(state="attached", timeout=REVIEW_TIMEOUT_S * 1000)


async def crowd(server: Server, visitors: int, pool_size: int, review: bool) -> dict:
    """``visitors`` pages opened together; times, then memory at once and once settled (and,
    with ``review``, once every visitor has started reviewing the first model)."""
    async with async_playwright() as pw:
        # Each visitor has a browser of their own, started (and done starting) before the
        # clock starts.
        browsers = [
            await pw.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            for _ in range(visitors)
        ]
        await asyncio.sleep(BROWSERS_SETTLE_S)
        try:
            start = time.perf_counter()
            runs = await asyncio.gather(
                *(visit(browser, server.url, start) for browser in browsers)
            )
            kernels = {run["kernel_id"] for run in runs}
            at_first_widget = memory(server, kernels)
            # The pool refills one kernel for each taken: pool_size + visitors kernels in all.
            await asyncio.to_thread(wait_until_quiet, server, pool_size + visitors)
            settled = memory(server, kernels)
            reviewing = None
            if review:
                await asyncio.gather(*(start_review(run["page"]) for run in runs))
                await asyncio.to_thread(wait_until_quiet, server, pool_size + visitors)
                reviewing = memory(server, kernels)
            for run in runs:
                await run.pop("context").close()
                del run["page"]
            static_paths = runs[0]["static_paths"]
        finally:
            for browser in browsers:
                await browser.close()
    return {
        "visitors": visitors,
        "pool_size": pool_size,
        "first_widget_s": _summary([run["first_widget_s"] for run in runs]),
        "memory_at_last_first_widget": at_first_widget,
        "memory_settled": settled,
        "memory_reviewing": reviewing,
        "load_average_1min_at_start": os.getloadavg()[0],
        "static_files_per_page": len(static_paths),
        "static_paths": static_paths,
    }


async def server_crowd(server: Server, visitors: int, static_paths: list[str]) -> dict:
    """``visitors`` browserless visitors at once (``bench._widget_client``): seconds from the
    common start until each has the page, its static files and the first widget's state, and
    the bytes and widget models of one page."""
    start = time.perf_counter()

    async def one() -> tuple[float | None, dict | None]:
        try:
            page = await asyncio.wait_for(
                widget_client.visit(server.url, static_paths=static_paths, timeout_s=TIMEOUT_S),
                TIMEOUT_S,
            )
        except TimeoutError:
            return None, None
        return time.perf_counter() - start, page

    visits = await asyncio.gather(*(one() for _ in range(visitors)))
    page = next((page for _, page in visits if page is not None), {})
    return {
        **_summary([seconds for seconds, _ in visits]),
        "bytes_per_page": page.get("bytes"),
        "widget_models": page.get("widget_models"),
    }


def _summary(seconds: list[float | None]) -> dict:
    """Median, maximum and all of ``seconds``, a visitor who saw no widget within
    ``TIMEOUT_S`` (None) counted as ``TIMEOUT_S`` and as timed out."""
    times = [float(TIMEOUT_S) if s is None else s for s in seconds]
    return {
        "median": statistics.median(times),
        "max": max(times),
        "all": sorted(times),
        "timed_out": sum(s is None for s in seconds),
    }


@contextmanager
def _served(workdir: Path, name: str, pool_size: int, refill_s: int) -> Iterator[Server]:
    """A fresh ``workbench serve`` with its pool of ``pool_size`` heated and quiet, each kernel
    taken replaced after ``refill_s`` seconds; stopped on leaving."""
    server = start_app(
        log_dir=workdir,
        data_dir=workdir / f"data-{name}",
        options=["--pool-size", str(pool_size), "--pool-refill-delay", str(refill_s)],
    )
    try:
        wait_until_quiet(server, pool_size)
        yield server
    finally:
        server.stop()


def measure(
    visitors: int, pool_size: int, workdir: Path, *, refill_s: int, review: bool = False
) -> dict:
    """A fresh server with a heated pool of ``pool_size`` (each kernel taken replaced after
    ``refill_s`` seconds), visited by ``visitors`` browser pages at once; then another,
    visited by as many browserless visitors fetching the files the first page loaded."""
    name = f"{visitors}-{pool_size}"
    with _served(workdir, name, pool_size, refill_s) as server:
        idle = memory(server, set())
        load = os.getloadavg()[0]
        result = asyncio.run(crowd(server, visitors, pool_size, review))
    result["memory_idle_pool"] = idle
    result["refill_delay_s"] = refill_s
    result["load_average_1min_at_start"] = load
    with _served(workdir, f"{name}-server", pool_size, refill_s) as server:
        result["server_side_s"] = asyncio.run(
            server_crowd(server, visitors, result.pop("static_paths"))
        )
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pool-size",
        type=int,
        default=None,
        help="pre-heated kernels (default: workbench serve's default on this machine)",
    )
    parser.add_argument(
        "--refill-delay",
        type=int,
        default=DEFAULT_REFILL_S,
        help=f"seconds before a kernel taken is replaced (default: serve's, {DEFAULT_REFILL_S})",
    )
    parser.add_argument(
        "--crowds", type=int, nargs="+", default=list(CROWDS), help="visitors at once (1 5 10)"
    )
    parser.add_argument(
        "--baseline", action="store_true", help="also measure with one pre-heated kernel"
    )
    parser.add_argument(
        "--review",
        action="store_true",
        help="then every visitor presses 'Review this model' (crisis_text loads and scores): "
        "memory while reviewing",
    )
    args = parser.parse_args(argv)
    results = run_crowds(
        args.crowds,
        pool_size=args.pool_size or default_pool_size(),
        refill_s=args.refill_delay,
        review=args.review,
        baseline=args.baseline,
    )
    write_results(RESULTS, results)
    print(f"wrote {RESULTS}")
    return results


def run_crowds(
    crowds: list[int],
    *,
    pool_size: int,
    refill_s: int = DEFAULT_REFILL_S,
    review: bool = False,
    baseline: bool = False,
) -> dict:
    """Each crowd of ``crowds`` visitors on its own fresh server (see :func:`measure`), the
    machine's load around them, and, with a crowd of ``TARGET_CROWD``, which targets it met;
    also ``bench.bench_scale``'s (f)."""
    results: dict = {
        "cpus": os.cpu_count(),
        "pool_size": pool_size,
        "refill_delay_s": refill_s,
        "load_average_before": list(os.getloadavg()),
        "crowds": {},
    }
    with tempfile.TemporaryDirectory(prefix="bench-visitors-") as tmp:
        workdir = Path(tmp)
        for visitors in crowds:
            results["crowds"][str(visitors)] = measure(
                visitors, pool_size, workdir, refill_s=refill_s, review=review
            )
            _print_row(f"pool {pool_size}", results["crowds"][str(visitors)])
        if baseline:
            results["baseline_pool_1"] = {}
            for visitors in crowds:
                row = measure(visitors, 1, workdir, refill_s=refill_s)
                results["baseline_pool_1"][str(visitors)] = row
                _print_row("pool 1", row)
    results["load_average_after"] = list(os.getloadavg())
    target = results["crowds"].get(str(TARGET_CROWD))
    if target is not None:
        results["target"] = {
            "visitors": TARGET_CROWD,
            "median_first_widget_s": TARGET_MEDIAN_S,
            "total_mb": TARGET_TOTAL_MB,
            "median_met": target["first_widget_s"]["median"] <= TARGET_MEDIAN_S,
            "server_side_median_met": target["server_side_s"]["median"] <= TARGET_MEDIAN_S,
            "memory_met": target["memory_settled"]["total_mb"] <= TARGET_TOTAL_MB,
        }
        print(f"target for {TARGET_CROWD} visitors: {results['target']}")
    print(
        f"load average before/after: {results['load_average_before'][0]:.2f} / "
        f"{results['load_average_after'][0]:.2f}"
    )
    return results


def _print_row(label: str, row: dict) -> None:
    times, settled = row["first_widget_s"], row["memory_settled"]
    print(
        f"{label}: {row['visitors']:>2} visitors  first widget median {times['median']:.2f} s, "
        f"max {times['max']:.2f} s (server side {row['server_side_s']['median']:.2f} s, "
        f"max {row['server_side_s']['max']:.2f} s)  PSS at first widgets "
        f"{row['memory_at_last_first_widget']['total_mb']:.0f} MB, settled "
        f"{settled['total_mb']:.0f} MB (server {settled['server_mb']:.0f}, per visitor kernel "
        f"{settled['per_visitor_kernel_mb']:.0f})  load {row['load_average_1min_at_start']:.2f}"
    )


if __name__ == "__main__":
    main()
