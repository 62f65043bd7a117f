"""A visitor of a served app without a browser: what the server must do before a page can draw
its first widget, with none of the page's own drawing.

A browser page first loads the app's HTML (which names its kernel) and the scripts and styles
it links, then its widget manager connects to the kernel's websocket, opens a
``jupyter.widget.control`` comm and asks for every widget's state (``request_states``); the
first widget is drawn from that reply. :func:`visit` makes the same requests (the static files
as a browser does, ``PARALLEL_FETCHES`` at a time, from a list a real page loaded) and stops
when the reply holds the model picker's dropdown, enabled and with options: the server's share
of the time to the first widget, with the page's JavaScript and layout (seconds of CPU per
page, on the visitor's own machine) left out.
"""

from __future__ import annotations

import asyncio
import json
import re
import struct
import uuid
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

CONFIG_DATA = re.compile(
    r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', re.DOTALL
)
CONTROL_TARGET = "jupyter.widget.control"
CONTROL_PROTOCOL_VERSION = "1.0.0"  # ipywidgets 8's widget control protocol
PICKER_CLASS = "wb-model-picker"
# A browser's connections to one server over HTTP/1.1.
PARALLEL_FETCHES = 6


class VisitFailed(RuntimeError):
    """The server did not give a page or the widget states a page needs."""


async def visit(url: str, *, static_paths: list[str], timeout_s: float) -> dict:
    """Load ``url`` and the files at ``static_paths`` (paths on the same server) as a
    first-time visitor, connect to the page's kernel and fetch the widget states; the kernel's
    id, the number of widget models the page would draw and the bytes fetched."""
    client = AsyncHTTPClient(force_instance=True, max_clients=PARALLEL_FETCHES)
    try:
        response = await client.fetch(
            HTTPRequest(url, request_timeout=timeout_s, follow_redirects=True)
        )
        cookies = SimpleCookie()
        for header in response.headers.get_list("Set-Cookie"):
            cookies.load(header)
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())
        found = CONFIG_DATA.search(response.body.decode())
        if found is None:
            raise VisitFailed(f"no page config in the page at {url}")
        kernel_id = json.loads(found.group(1))["kernelId"]
        origin = f"http://{urlsplit(url).netloc}"
        # The page also asks the REST API about its kernel before connecting.
        paths = [*static_paths, f"/api/kernels/{kernel_id}"]
        files = await asyncio.gather(
            *(
                client.fetch(
                    HTTPRequest(
                        origin + path, headers={"Cookie": cookie}, request_timeout=timeout_s
                    )
                )
                for path in paths
            )
        )
    finally:
        client.close()
    session = uuid.uuid4().hex
    channel = await websocket_connect(
        HTTPRequest(
            f"ws://{urlsplit(url).netloc}/api/kernels/{kernel_id}/channels?session_id={session}",
            headers={"Cookie": cookie},
            request_timeout=timeout_s,
        )
    )
    try:
        comm_id = uuid.uuid4().hex
        channel.write_message(
            _message(
                session,
                "comm_open",
                {"comm_id": comm_id, "target_name": CONTROL_TARGET, "data": {}},
                metadata={"version": CONTROL_PROTOCOL_VERSION},
            )
        )
        channel.write_message(
            _message(
                session, "comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}}
            )
        )
        while True:
            raw = await channel.read_message()
            if raw is None:
                raise VisitFailed(f"kernel {kernel_id} closed its websocket")
            message = _decode(raw)
            content = message.get("content", {})
            if message.get("msg_type") == "comm_close" and content.get("comm_id") == comm_id:
                raise VisitFailed(f"kernel {kernel_id} refused the widget control comm")
            data = content.get("data", {})
            if message.get("msg_type") == "comm_msg" and data.get("method") == "update_states":
                states = data["states"]
                if not _picker_ready(states):
                    raise VisitFailed("the widget states hold no enabled model picker")
                return {
                    "kernel_id": kernel_id,
                    "widget_models": len(states),
                    "bytes": len(response.body) + sum(len(f.body) for f in files),
                }
    finally:
        channel.close()


def _picker_ready(states: dict) -> bool:
    """Whether the states hold the model picker's dropdown, enabled, with options."""
    found = [i for i, s in states.items() if PICKER_CLASS in s["state"].get("_dom_classes", ())]
    seen: set[str] = set()
    while found:
        model_id = found.pop()
        if model_id in seen or model_id not in states:
            continue
        seen.add(model_id)
        state = states[model_id]
        if state.get("model_name") == "DropdownModel":
            if state["state"].get("_options_labels") and not state["state"].get("disabled"):
                return True
        found += [c.removeprefix("IPY_MODEL_") for c in state["state"].get("children", ())]
    return False


def _message(session: str, msg_type: str, content: dict, *, metadata: dict | None = None) -> str:
    """A shell message in jupyter_server's JSON websocket format."""
    header = {
        "msg_id": uuid.uuid4().hex,
        "username": "visitor",
        "session": session,
        "msg_type": msg_type,
        "version": "5.3",
        "date": datetime.now(UTC).isoformat(),
    }
    return json.dumps(
        {
            "header": header,
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": "shell",
            "buffers": [],
        }
    )


def _decode(raw: str | bytes) -> dict:
    """A message from the websocket: JSON text, or jupyter_server's binary framing (a count,
    offsets, then the JSON message and its buffers), whose buffers are not needed here."""
    if isinstance(raw, str):
        message = json.loads(raw)
    else:
        (count,) = struct.unpack_from("!I", raw, 0)
        offsets = struct.unpack_from(f"!{count}I", raw, 4)
        end = offsets[1] if count > 1 else len(raw)
        message = json.loads(raw[offsets[0] : end])
    message.setdefault("msg_type", message.get("header", {}).get("msg_type"))
    return message
