"""Security of the served app: what a visitor can and cannot get out of the Voila server."""

from __future__ import annotations

import html
import http.client
import json
import math
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import websocket
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from workbench.app.decisions import MSG_VISITOR_STORE_FAILED
from workbench.serving import DEFAULT_APP, app_notebook
from workbench.serving._voila import TEMPLATES_JUPYTER_PATH

from .servers import CHATBOT_APP, SERVED_APPS, kernel_pids

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
# Voila serves the app notebook's folder, three levels below the repository.
NOTEBOOK = app_notebook(DEFAULT_APP)
# Any ipywidgets view; the page is interactive once one is visible.
WIDGET = ".jupyter-widgets"
# Shorter source lines ("app", ")", "else:") occur on any page, so only longer ones are checked.
MIN_LINE = 8
KERNEL_CHANNELS = re.compile(r"/api/kernels/([0-9a-f-]{36})/channels")
WS_V1 = "v1.kernel.websocket.jupyter.org"
REPLY_TIMEOUT_S = 30
LOCAL_SCHEMES = ("data", "blob", "about")
INTERACTION_BUDGET_S = 30
MAX_ACTIONS = 40
# Controls not yet used by _use_every_control (Playwright's :visible, CSS :enabled).
UNTOUCHED = ":visible:not([data-wb-touched])"
CONTROLS = ", ".join(
    f"{css}{UNTOUCHED}"
    for css in ("select:enabled", "button:enabled", "[role=tab]", "input[type=checkbox]:enabled")
)
# A control's tag, the labels of its widget and its own title or text: "select Model crisis...".
CONTROL_LABEL = """
e => {
  const box = e.closest('.widget-inline-hbox, .widget-toggle-buttons');
  const labels = box ? [...box.querySelectorAll('label')].map(l => l.innerText).join(' ') : '';
  const own = e.title || e.getAttribute('aria-label') || e.innerText || '';
  return `${e.tagName.toLowerCase()} ${labels} ${own}`.replace(/\\s+/g, ' ').trim().slice(0, 80);
}
"""
CLICK_TIMEOUT_MS = 2000
# The workbench views' spinner, shown while a core call runs.
BUSY = ".wb-working"
SETTLE_MS = 20_000


def _code_lines(notebook: Path) -> list[str]:
    """The stripped lines, at least MIN_LINE long, of the notebook's code cells."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    lines = {
        line.strip()
        for cell in cells
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
    }
    return sorted(line for line in lines if len(line) >= MIN_LINE)


def _lines(path: Path, count: int = 5) -> list[str]:
    """The first ``count`` lines of a file at least MIN_LINE long: its recognisable content."""
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if len(line.strip()) >= MIN_LINE][:count]


def _cookie_header(context) -> str:
    """The browser context's cookies, as a Cookie header: the visitor's own identity."""
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


def _channels(context, app, urls: list[str], subprotocol: str | None = None):
    """A websocket to the kernel of the page whose requests are ``urls``, as that visitor."""
    kernel_ids = {m.group(1) for url in urls if (m := KERNEL_CHANNELS.search(url))}
    assert len(kernel_ids) == 1, f"expected the page to connect to one kernel: {urls}"
    kernel_id = kernel_ids.pop()
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{app.port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4()}",
        subprotocols=[subprotocol] if subprotocol else None,
        origin=app.url.rstrip("/"),
        header=[f"Cookie: {_cookie_header(context)}"],
        timeout=1,
    )
    return ws, kernel_id


def _open(context, url: str):
    """Open the app; return the page, its response, and every URL requested or connected to."""
    page = context.new_page()
    urls: list[str] = []
    context.on("request", lambda request: urls.append(request.url))
    page.on("websocket", lambda ws: urls.append(ws.url))
    response = page.goto(url)
    assert response is not None and response.ok, f"GET {url} -> {response}"
    page.locator(WIDGET).first.wait_for(state="visible")
    return page, response, urls


def test_page_holds_no_notebook_source(context, each_app):
    name, app = each_app
    notebook = app_notebook(name)
    lines = _code_lines(notebook)
    assert lines, f"{notebook} has no code line to look for"
    page, response, _ = _open(context, app.url)
    served = response.text()
    texts = {
        "served HTML": served,
        "served HTML's text": html.unescape(re.sub(r"<[^>]*>", "", served)),
        "page's DOM": page.content(),
        "page's text": page.evaluate("document.documentElement.textContent"),
    }
    for where, text in texts.items():
        # Source could also come inside JSON (an output's data, say), with quotes escaped.
        for variant in (text, text.replace('\\"', '"')):
            leaked = [line for line in lines if line in variant]
            assert not leaked, f"notebook source in the {where}: {leaked}"


def _forbidden_requests(code: str) -> dict[str, dict]:
    """Requests a visitor must not get answered: running code, reading source back."""
    return {
        "execute_request": {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "history_request": {"output": False, "raw": True, "hist_access_type": "tail", "n": 100},
        "inspect_request": {"code": "open", "cursor_pos": 4, "detail_level": 1},
        "complete_request": {"code": "imp", "cursor_pos": 3},
        # A page cannot end its kernel (workbench/serving/kernels.py); it would restart empty.
        "shutdown_request": {"restart": False},
    }


def _message(msg_type: str, content: dict) -> dict:
    header = {
        "msg_id": uuid.uuid4().hex,
        "msg_type": msg_type,
        "session": uuid.uuid4().hex,
        "username": "visitor",
        "date": "",
        "version": "5.3",
    }
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content}


def _send(ws: websocket.WebSocket, msg: dict) -> None:
    if ws.subprotocol == WS_V1:
        keys = ("header", "parent_header", "metadata", "content")
        parts = [json.dumps(msg[key]).encode() for key in keys]
        ws.send_binary(serialize_msg_to_ws_v1(parts, "shell"))
    else:
        ws.send(json.dumps({**msg, "channel": "shell", "buffers": []}))


# A received message's type and the id of the request it answers.
Received = tuple[str, str | None]


def _received(frame: str | bytes, subprotocol: str | None) -> Received:
    """A received message's type and the id of the request it answers."""
    if subprotocol == WS_V1:
        _, parts = deserialize_msg_from_ws_v1(frame)
        header, parent = (json.loads(part) for part in parts[:2])
    else:
        msg = json.loads(frame)
        header, parent = msg["header"], msg["parent_header"]
    return header["msg_type"], parent.get("msg_id")


@pytest.mark.parametrize("subprotocol", [None, WS_V1], ids=["legacy-json", "v1-binary"])
def test_kernel_websocket_runs_no_code(context, each_app, tmp_path, subprotocol):
    _, app = each_app
    page, _, urls = _open(context, app.url)
    marker = tmp_path / f"executed-{uuid.uuid4().hex}"
    requests = [
        _message(msg_type, content)
        for msg_type, content in _forbidden_requests(f"open({str(marker)!r}, 'w').close()").items()
    ]
    # The kernel answers shell requests in order: once this one is answered, any request
    # sent before it that reached the kernel has been answered too.
    control = _message("kernel_info_request", {})
    ws, _ = _channels(context, app, urls, subprotocol)
    try:
        assert ws.subprotocol == subprotocol
        for msg in [*requests, control]:
            _send(ws, msg)
        received = _receive_until_kernel_info(ws, control["header"]["msg_id"])
    finally:
        ws.close()

    by_request = {msg["header"]["msg_id"]: msg["header"]["msg_type"] for msg in requests}
    answered = [(by_request[parent], kind) for kind, parent in received if parent in by_request]
    assert not answered, f"the kernel took requests sent over its websocket: {answered}"
    assert not marker.exists(), "code sent over the kernel websocket was executed"
    page.close()


def _receive_until_kernel_info(ws: websocket.WebSocket, request_id: str) -> list[Received]:
    """Messages received until the kernel_info_reply to ``request_id``, and one second more."""
    received: list[Received] = []
    deadline = time.monotonic() + REPLY_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            received.append(_received(ws.recv(), ws.subprotocol))
        except websocket.WebSocketTimeoutException:
            continue
        if received[-1] == ("kernel_info_reply", request_id):
            deadline = min(deadline, time.monotonic() + 1)
    replied = ("kernel_info_reply", request_id) in received
    assert replied, f"no kernel_info_reply within {REPLY_TIMEOUT_S}s; got {received}"
    return received


PASSWD = Path("/etc/passwd")
DATA_CSV = REPO / "sample_models" / "crisis_text" / "data.csv"
TEMPLATE_CONF = TEMPLATES_JUPYTER_PATH / "voila" / "templates" / "workbench" / "conf.json"
LOGOUT_PATHS = ("/logout", "/%6cogout", "/logout/")
# Crafted paths, each with the file whose content must not come back.
TRAVERSALS = [
    ("/voila/files/../../etc/passwd", PASSWD),
    ("/voila/files/..%2f..%2f..%2f..%2fetc%2fpasswd", PASSWD),
    ("/voila/static/..%2f..%2fetc%2fpasswd", PASSWD),
    ("/voila/static/" + "..%2f" * 12 + "etc%2fpasswd", PASSWD),
    ("/voila/templates/workbench/static/" + "..%2f" * 12 + "etc%2fpasswd", PASSWD),
    ("/voila/labextensions/" + "..%2f" * 12 + "etc%2fpasswd", PASSWD),
    ("/voila/api/themes/" + "..%2f" * 12 + "etc%2fpasswd", PASSWD),
    ("/voila/render/../pyproject.toml", REPO / "pyproject.toml"),
    ("/voila/render/../../../pyproject.toml", REPO / "pyproject.toml"),
    ("/voila/files/..%2f..%2f..%2fpyproject.toml", REPO / "pyproject.toml"),
    ("/%2e%2e/README.md", REPO / "README.md"),
    ("/api/contents/", None),
    ("/api/contents/notebooks/ethics_review.ipynb", NOTEBOOK),
    ("/voila/files/sample_models/crisis_text/data.csv", DATA_CSV),
    ("/voila/files/../sample_models/crisis_text/data.csv", DATA_CSV),
    ("/voila/files/../../../sample_models/crisis_text/data.csv", DATA_CSV),
    ("/files/notebooks/ethics_review.ipynb", NOTEBOOK),
    ("/notebooks/ethics_review.ipynb", NOTEBOOK),
    ("/voila/files/ethics_review.ipynb", NOTEBOOK),
    # Voila's own handlers answered these with 500 (workbench/serving/identity.py).
    ("/voila/templates/workbench/static/../conf.json", TEMPLATE_CONF),
    ("/voila/templates/workbench/static/..%2fconf.json", TEMPLATE_CONF),
    ("/voila/templates/workbench/static/%2e%2e/conf.json", TEMPLATE_CONF),
    ("/voila/templates/workbench/static/%2e%2e%2fconf.json", TEMPLATE_CONF),
    ("/voila/templates/lab/static/../../lab/conf.json", None),
    ("/voila/templates/workbench/conf.json", TEMPLATE_CONF),
    ("/voila/templates/workbench", None),
    ("/voila/templates/", None),
    ("/voila/templates/..%2f..%2fworkbench/static/x", None),
    ("/logout", None),
    ("/%6cogout", None),
    ("/logout/", None),
    ("/login", None),
    ("/voila/api/shutdown/", None),
    ("/voila/api/shutdown/not-a-kernel", None),
    ("/api/kernels", None),
    ("/api/kernels/00000000-0000-0000-0000-000000000000", None),
    ("/api/sessions", None),
    ("/api/kernelspecs", None),
]


@pytest.mark.parametrize(("path", "target"), TRAVERSALS, ids=[p for p, _ in TRAVERSALS])
def test_crafted_paths_return_no_file(app, path, target):
    # A contents listing or model would name its fields; a file would show its first lines.
    forbidden = ['"last_modified"', '"nbformat"'] + (_lines(target) if target else [])
    if target == NOTEBOOK:
        forbidden += _code_lines(NOTEBOOK)
    chain = _get_following_redirects(app.port, path)
    for status, body in chain:
        found = [text for text in forbidden if text in body]
        assert not found, f"GET {path} -> {status} returned file content {found}"
    statuses = [status for status, _ in chain]
    assert all(status < 500 for status in statuses), f"GET {path} -> {statuses}"
    if path in LOGOUT_PATHS:  # logging out leads back to the app's page
        assert statuses[-1] in (200, 403, 404), f"GET {path} -> {statuses}"
    else:
        assert statuses[-1] in (403, 404, 405), f"GET {path} -> {statuses}"


def _get_following_redirects(port: int, path: str, hops: int = 5) -> list[tuple[int, str]]:
    """GET ``path`` sent as is (no client-side normalisation); (status, body) of each hop."""
    chain = []
    for _ in range(hops):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read().decode("utf-8", errors="replace")
        finally:
            conn.close()
        chain.append((response.status, body))
        location = response.getheader("Location")
        if response.status not in (301, 302, 303, 307, 308) or not location:
            return chain
        # Followed as sent, like curl --path-as-is: urljoin would resolve the "..".
        assert location.startswith("/"), f"GET {path} redirects off the server: {location}"
        path = location
    pytest.fail(f"more than {hops} redirects: {chain}")


@pytest.fixture(scope="module")
def app_own_store(serve_app, tmp_path_factory):
    """The app with its own review store, as the test below clicks every button."""
    return serve_app(WORKBENCH_DATA_DIR=str(tmp_path_factory.mktemp("workbench-data")))


def test_using_the_page_requests_nothing_outside_the_server(context, app_own_store, artifacts):
    page, _, urls = _open(context, app_own_store.url)
    actions = _use_every_control(page, time.monotonic() + INTERACTION_BUDGET_S)
    try:  # let what the clicks started finish drawing (charts, tables) before looking
        page.locator(BUSY).first.wait_for(state="detached", timeout=SETTLE_MS)
    except PlaywrightError:
        actions.append(f"(still busy after {SETTLE_MS} ms)")
    page.wait_for_load_state("networkidle")
    page.screenshot(path=artifacts / "security_after_interaction.png", full_page=True)

    assert urls, "no request was recorded"
    outside = [
        url
        for url in urls
        if urlsplit(url).scheme not in LOCAL_SCHEMES
        and (urlsplit(url).hostname, urlsplit(url).port) != ("127.0.0.1", app_own_store.port)
    ]
    assert not outside, f"after {actions} the page requested URLs outside the server: {outside}"


def _use_every_control(page, deadline: float) -> list[str]:
    """Use each visible control once: another option in a dropdown, a click otherwise.

    Controls that appear meanwhile (a view drawn after a choice, say) are used too, unless
    one with the same label was (a redrawn control); until the deadline or MAX_ACTIONS.
    Returns what was done, for the failure message.
    """
    actions: list[str] = []
    done: set[str] = set()
    while time.monotonic() < deadline and len(actions) < MAX_ACTIONS:
        # A handle, not the locator: once marked, the element no longer matches CONTROLS.
        control = page.query_selector(CONTROLS)
        if control is None:
            break
        control.evaluate("e => e.setAttribute('data-wb-touched', '')")
        label = control.evaluate(CONTROL_LABEL)
        if label in done:
            continue
        done.add(label)
        try:
            if label.startswith("select"):
                options = control.evaluate("e => e.options.length")
                current = control.evaluate("e => e.selectedIndex")
                control.select_option(index=(current + 1) % max(options, 1))
            else:
                control.click(timeout=CLICK_TIMEOUT_MS)
        except PlaywrightError as err:  # covered, detached or disabled meanwhile
            actions.append(f"{label} (failed: {err.message.splitlines()[0]})")
            continue
        actions.append(label)
        page.wait_for_timeout(300)
    return actions


def test_another_visitor_cannot_use_a_visitors_kernel(browser, each_app):
    _, app = each_app
    owner = browser.new_context()
    stranger = browser.new_context()
    owner.set_default_timeout(120_000)
    try:
        _, _, urls = _open(owner, app.url)
        ws, kernel_id = _channels(owner, app, urls)
        ws.close()
        # The stranger is a visitor of their own (any server page sets the cookies; this one
        # answers 404 without starting a kernel), and knows the id.
        assert stranger.request.get(f"{app.url}api/kernels/{uuid.uuid4()}").status == 404
        assert _cookie_header(stranger), "the stranger got no visitor cookie"
        kernel_url = f"{app.url}api/kernels/{kernel_id}"
        assert owner.request.get(kernel_url).status == 200
        assert stranger.request.get(kernel_url).status == 403
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            _channels(stranger, app, [f"{app.url}api/kernels/{kernel_id}/channels"])
        assert refused.value.status_code == 403
        xsrf = {c["name"]: c["value"] for c in stranger.cookies()}["_xsrf"]
        shutdown = stranger.request.post(
            f"{app.url}voila/api/shutdown/{kernel_id}", form={"_xsrf": xsrf}
        )
        assert shutdown.status == 403
        deleted = stranger.request.delete(kernel_url, headers={"X-XSRFToken": xsrf})
        assert deleted.status == 403
        assert kernel_pids(kernel_id), "the stranger shut the visitor's kernel down"
        assert owner.request.get(kernel_url).status == 200
    finally:
        owner.close()
        stranger.close()


def test_kernels_do_not_get_the_token(browser, serve_app):
    token = "test-token-kernel-env-0123456789"
    secured = serve_app(WORKBENCH_TOKEN=token)
    context = browser.new_context()
    context.set_default_timeout(120_000)
    try:
        _, _, urls = _open(context, f"{secured.url}?token={token}")
        _, kernel_id = _channels(context, secured, urls)
        # The visitor's kernel and the pre-heated one started for the next visitor.
        kernels = [p for p in _children(secured.process.pid) if b"ipykernel" in p[1]]
        assert kernel_pids(kernel_id) and len(kernels) >= 2, kernels
        for pid, command in kernels:
            environment = Path(f"/proc/{pid}/environ").read_bytes()
            assert b"WORKBENCH_SERVED=1" in environment
            assert token.encode() not in environment, f"kernel {command[:80]!r} has the token"
    finally:
        context.close()


def _children(parent: int) -> list[tuple[int, bytes]]:
    """(pid, command line) of the processes that ``parent`` started."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                # /proc/PID/stat: "pid (command) state ppid ..."; the command may hold spaces.
                ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
                if ppid == parent:
                    found.append((int(proc.name), (proc / "cmdline").read_bytes()))
            except (OSError, IndexError, ValueError):  # ended meanwhile
                continue
    return found


# What must never reach a page: stacks, source locations, installed paths, object addresses.
LEAKS = re.compile(
    r"Traceback|File \"|site-packages|object at 0x|(?<![\w.@:/-])/(?:usr|home|root|tmp|opt|var|"
    r"etc|work|srv|lib|mnt|proc)/"
)
HUGE = "A" * 1_000_000
BAD_VALUES = ["x", [1, 2], {"a": 1}, None, math.nan, math.inf, -1e308, 10**30, HUGE]
WIDGET_MODULE = {"_model_module": "@jupyter-widgets/controls", "_model_module_version": "2.0.0"}
LEAK_SCAN_TIMEOUT_S = 120


def _comm_opens() -> list[dict]:
    """Malformed comm_open contents."""
    state = {"_model_name": "FloatSliderModel", **WIDGET_MODULE, "value": "x", "max": math.nan}
    return [
        {},
        {"comm_id": uuid.uuid4().hex},
        {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": {}},
        {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget", "data": "state"},
        {"comm_id": uuid.uuid4().hex, "target_name": "no.such.target", "data": {}},
        {"comm_id": 12, "target_name": "jupyter.widget", "data": {"state": {}}},
        {"comm_id": uuid.uuid4().hex, "target_name": HUGE, "data": {}},
        {
            "comm_id": uuid.uuid4().hex,
            "target_name": "jupyter.widget",
            "data": {"state": {"_model_name": "NoSuchModel", **WIDGET_MODULE}, "buffer_paths": []},
        },
        {
            "comm_id": uuid.uuid4().hex,
            "target_name": "jupyter.widget",
            "data": {"state": state, "buffer_paths": [["value", 3]]},
        },
    ]


def _comm_msgs(comms: dict[str, str]) -> list[dict]:
    """Malformed updates to the page's widgets (``comms``: comm id -> model name)."""
    chosen: dict[str, str] = {}
    for comm_id, model in comms.items():
        chosen.setdefault(model, comm_id)  # one widget of each kind
    contents = []
    for comm_id in sorted(chosen.values()):
        updates = [{"value": value} for value in BAD_VALUES]
        updates += [{"index": value} for value in ("x", 10**9, -1, math.nan, [None])]
        updates += [{"no_such_trait": 1}, {"_model_name": "Other"}, {"layout": "IPY_MODEL_x"}]
        contents += [
            {"comm_id": comm_id, "data": {"method": "update", "state": u, "buffer_paths": []}}
            for u in updates
        ]
        contents += [
            {"comm_id": comm_id, "data": {"state": {"value": 1}}},
            {"comm_id": comm_id, "data": {"method": "no_such_method"}},
            {"comm_id": comm_id, "data": {"method": "update", "state": "not a dict"}},
            {"comm_id": comm_id, "data": {"method": "update", "state": {}, "buffer_paths": 7}},
            {"comm_id": comm_id, "data": "not a dict"},
            # Sync every widget's state again, NaN values included.
            {"comm_id": comm_id, "data": {"method": "request_state"}},
        ]
    contents += [
        {"comm_id": uuid.uuid4().hex, "data": {"method": "update", "state": {"value": 1}}},
        {"data": {}},
    ]
    return contents


@pytest.fixture(params=SERVED_APPS)
def each_app_own_store(request, app_own_store):
    """Each app in turn with a store of its own: the ethics app's module server, the chatbot
    app's session one (every server gets its own data folder)."""
    if request.param == CHATBOT_APP:
        return request.param, request.getfixturevalue("chatbot_app")
    return request.param, app_own_store


def test_malformed_comm_messages_leak_nothing(context, each_app_own_store, artifacts):
    name, app_own_store = each_app_own_store
    page, _, urls = _open(context, app_own_store.url)
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, str) else "")),
    )
    ws, _ = _channels(context, app_own_store, urls)
    received: list[str] = []
    try:
        info = _message("comm_info_request", {"target_name": "jupyter.widget"})
        _send_json(ws, info)
        reply = _reply(ws, info, received)
        comm_ids = list(reply["content"]["comms"])
        for comm_id in comm_ids:
            request = _message(
                "comm_msg", {"comm_id": comm_id, "data": {"method": "request_state"}}
            )
            _send_json(ws, request)
        models = _models_of(ws, set(comm_ids), received)
        corpus = [_message("comm_open", content) for content in _comm_opens()]
        corpus += [_message("comm_msg", content) for content in _comm_msgs(models)]
        corpus += [_message("comm_close", {"comm_id": uuid.uuid4().hex, "data": {}})]
        corpus += [_message("comm_close", {})]
        for msg in corpus:
            _send_json(ws, msg)
        control = _message("kernel_info_request", {})
        _send_json(ws, control)
        _reply(ws, control, received)  # the kernel is still alive and answering
    finally:
        ws.close()
    page.wait_for_timeout(1000)

    scanned = received + frames
    leaked = [m.group(0) for frame in scanned for m in [LEAKS.search(frame)] if m]
    assert not leaked, f"internals reached the page: {leaked[:5]}"
    log = app_own_store.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" in log, "the malformed messages' stacks are not in the server log"
    result = {"messages_sent": len(corpus), "widget_kinds": len(set(models.values()))}
    result["frames_scanned"] = len(scanned)
    (artifacts / f"leak_scan_{name}.json").write_text(json.dumps(result) + "\n")


def _send_json(ws: websocket.WebSocket, msg: dict) -> None:
    ws.send(json.dumps({**msg, "channel": "shell", "buffers": []}))


def _frames(ws: websocket.WebSocket, received: list[str], deadline: float):
    """Yield each message received (its JSON), keeping its text in ``received``."""
    while time.monotonic() < deadline:
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            continue
        text = frame if isinstance(frame, str) else frame.decode("utf-8", errors="replace")
        received.append(text)
        yield json.loads(text)


def _reply(ws: websocket.WebSocket, request: dict, received: list[str]) -> dict:
    """The reply to ``request``."""
    request_id = request["header"]["msg_id"]
    for msg in _frames(ws, received, time.monotonic() + LEAK_SCAN_TIMEOUT_S):
        if msg["parent_header"].get("msg_id") == request_id and msg["channel"] == "shell":
            return msg
    pytest.fail(f"no reply to {request['header']['msg_type']} in {LEAK_SCAN_TIMEOUT_S} s")


def _models_of(ws: websocket.WebSocket, comm_ids: set[str], received: list[str]) -> dict:
    """Each widget's model name, from the states it sends back (comm id -> model name)."""
    models: dict[str, str] = {}
    for msg in _frames(ws, received, time.monotonic() + LEAK_SCAN_TIMEOUT_S):
        content = msg.get("content", {})
        if msg["header"]["msg_type"] == "comm_msg" and content.get("comm_id") in comm_ids:
            state = content.get("data", {}).get("state", {})
            if "_model_name" in state:
                models[content["comm_id"]] = state["_model_name"]
        if len(models) == len(comm_ids):
            return models
    pytest.fail(f"{len(comm_ids) - len(models)} widgets did not send their state")


def test_an_unusable_review_store_shows_visitors_no_path(browser, serve_app, tmp_path):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("", encoding="utf-8")
    broken = serve_app(WORKBENCH_DATA_DIR=str(blocker / "data"))
    context = browser.new_context()
    context.set_default_timeout(120_000)
    try:
        page, _, _ = _open(context, broken.url)
        page.locator("button.wb-open-model").click()  # the decision form comes with the review
        expect(page.locator("body")).to_contain_text(MSG_VISITOR_STORE_FAILED)
        content = page.content()
        assert str(blocker) not in content and str(tmp_path) not in content
        assert "WORKBENCH_DATA_DIR" not in content and "--db" not in content
    finally:
        context.close()
    broken.wait_until(
        lambda: str(blocker) in broken.log.read_text(encoding="utf-8", errors="replace"),
        what="log the review store's place for the operator",
        timeout_s=10,
    )
