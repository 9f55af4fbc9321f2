"""Run a notebook in a kernel of a remote Jupyter server (a student's server on a hub), cell by cell.

:func:`run_notebook` opens a session on the server (``POST /api/sessions``, so the kernel starts in
the notebook's folder, as JupyterLab starts it), sends each code cell as an ``execute_request`` over
the kernel's websocket and fills the cell's outputs from the messages that answer it, the way
nbclient does with a local kernel. It speaks the Jupyter messaging protocol as JSON (the server's
default websocket protocol) with aiohttp, and closes the session (and its kernel) at the end.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import json
import uuid

import aiohttp

__all__ = ["run_notebook"]


def _message(msg_type: str, content: dict, session: str) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "session": session,
            "username": "course",
            "date": datetime.datetime.now(datetime.UTC).isoformat(),
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


def _output(msg: dict) -> dict | None:
    kind, content = msg["header"]["msg_type"], msg["content"]
    if kind == "stream":
        return {"output_type": "stream", "name": content["name"], "text": content["text"]}
    if kind in ("display_data", "execute_result"):
        out = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
        if kind == "execute_result":
            out["execution_count"] = content.get("execution_count")
        return out
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content["ename"],
            "evalue": content["evalue"],
            "traceback": content.get("traceback", []),
        }
    return None


class _Channels:
    """The kernel's websocket, read as JSON messages. A close mid-run (the kernel died, or its server
    went away) raises ConnectionError saying so, rather than a message of an unexpected type."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws

    async def send_json(self, message: dict) -> None:
        await self.ws.send_json(message)

    async def receive_json(self) -> dict:
        while True:
            message = await self.ws.receive()
            if message.type == aiohttp.WSMsgType.TEXT:
                return json.loads(message.data)
            if message.type in (
                aiohttp.WSMsgType.CLOSE,
                aiohttp.WSMsgType.CLOSING,
                aiohttp.WSMsgType.CLOSED,
                aiohttp.WSMsgType.ERROR,
            ):
                raise ConnectionError(
                    f"the kernel's websocket closed mid-run ({message.type.name}): did the kernel die? "
                    "The Jupyter server's log says."
                )


async def _execute(ws: _Channels, code: str, session: str, limit: float) -> tuple[list[dict], str]:
    """Outputs of one cell, and its reply status ("ok", "error", or "timeout")."""
    request = _message(
        "execute_request",
        {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": False,
        },
        session,
    )
    msg_id = request["header"]["msg_id"]
    await ws.send_json(request)
    outputs: list[dict] = []
    status, idle = None, False
    try:
        async with asyncio.timeout(limit):
            while status is None or not idle:
                msg = await ws.receive_json()
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["header"]["msg_type"]
                if kind == "execute_reply":
                    status = msg["content"].get("status", "ok")
                elif kind == "status" and msg["content"].get("execution_state") == "idle":
                    idle = True
                elif kind == "clear_output":
                    outputs.clear()
                else:
                    out = _output(msg)
                    if out is None:
                        continue
                    if (
                        out["output_type"] == "stream"
                        and outputs
                        and outputs[-1].get("name") == out["name"]
                        and outputs[-1]["output_type"] == "stream"
                    ):
                        outputs[-1]["text"] += out["text"]
                    else:
                        outputs.append(out)
    except TimeoutError:
        return outputs, "timeout"
    return outputs, status


async def run_notebook(
    server_url: str, token: str, path: str, nb, *, cell_timeout: float = 600, kernel: str = "python3"
):
    """``nb`` executed in a new kernel of the Jupyter server at ``server_url`` (e.g. a hub's
    ``http://hub/user/NAME``), as the notebook at ``path`` (relative to the server's root).

    Returns a copy of ``nb`` with every code cell's outputs; a cell that timed out gets an error
    output ``CellTimeout``. Every cell runs, whatever the one before it did. Raises
    ConnectionError if the kernel's websocket closes mid-run.
    """
    nb = copy.deepcopy(nb)
    headers = {"Authorization": f"token {token}"}
    session = uuid.uuid4().hex
    async with aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=None)) as http:
        async with http.post(
            f"{server_url}/api/sessions",
            json={
                "path": path,
                "name": path.rsplit("/", 1)[-1],
                "type": "notebook",
                "kernel": {"name": kernel},
            },
        ) as response:
            response.raise_for_status()
            info = await response.json()
        try:
            ws_url = f"{server_url}/api/kernels/{info['kernel']['id']}/channels?session_id={session}"
            async with http.ws_connect(ws_url.replace("http", "ws", 1), max_msg_size=0) as raw:
                ws = _Channels(raw)
                for cell in nb.cells:
                    if cell.cell_type != "code":
                        continue
                    outputs, status = await _execute(ws, cell.source, session, cell_timeout)
                    if status == "timeout":
                        outputs.append(
                            {
                                "output_type": "error",
                                "ename": "CellTimeout",
                                "evalue": f"no answer within {cell_timeout:g} s",
                                "traceback": [],
                            }
                        )
                    cell.outputs = outputs
        finally:
            async with http.delete(f"{server_url}/api/sessions/{info['id']}") as response:
                pass
    return nb
