"""A small Streamlit client without a browser: it speaks the websocket protocol of Streamlit 1.67
to a real ``streamlit run`` server, so that one process can be many remote visitors.

What it does, as the browser's frontend would (the server side is in ``streamlit/web/server/
starlette/starlette_websocket.py`` and ``streamlit/runtime/app_session.py``):

- connects to ``ws://HOST:PORT/_stcore/stream`` with the subprotocol ``streamlit`` (the
  handler reads the Sec-WebSocket-Protocol header as "subprotocol, XSRF token, session id to
  reconnect to"; with no Origin header and no auth cookie neither token is needed);
- opens a page with a ``BackMsg.rerun_script`` :class:`ClientState` that carries the link's
  ``query_string`` and the page's ``page_name`` (the URL path; with ``st.navigation`` the server
  resolves it and answers with a ``navigation`` message whose ``page_script_hash`` later reruns
  carry, as the frontend's do);
- keeps the page's elements by ``metadata.delta_path`` from ``delta`` messages (``new_element``,
  ``add_block``), drops the elements a finished run did not touch (all of them after a full run,
  those of the rerun fragments after a fragment run, as the frontend does), and answers
  queries: a button by label, an ``st.metric`` by label, the alerts, the exceptions;
- presses a button: a rerun whose ``widget_states`` hold only that button's ``trigger_value``.
  The server keeps every other widget's value (``SessionState.set_widgets_from_proto`` sets the
  widgets a request names and leaves the others as they were), so they need not be sent;
- keeps the ``auto_rerun`` timers of ``st.fragment(run_every=...)``: every ``interval`` it sends
  a rerun with ``fragment_id`` and ``is_auto_rerun`` (a timer ticks on schedule, running or
  not, like the frontend's ``setInterval``; re-registering the same interval keeps the timer);
  a full run's ``new_session`` (no ``metadata.run.fragment_ids``) cancels them all, and
  ``stop_auto_rerun`` the ones it names;
- the ForwardMsg cache: messages marked ``metadata.cacheable`` are kept by ``hash`` and their
  hashes sent in ``cached_message_hashes``; a ``ref_hash`` message is replaced by the kept
  message (with the reference's metadata). With the default ``global.minCachedMessageSize``
  (10 kB) the pages here send none: their images travel as URLs (``/media/``, or under serve.py
  ``/gp-frames/``, absolute, on the origin the client reports as the page URL);
- optionally fetches each image URL once over HTTP, as a browser does (``fetch_media``).

Everything is asyncio; every wait has a timeout. Only the URL given is ever contacted.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.parse
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
ALERT_FORMATS = {value: name.lower() for name, value in Alert.Format.items()}
MAX_CACHED_MESSAGES = 500
MAX_MEDIA_QUEUE = 200


@dataclass
class Node:
    """One entry of the page: an element or a block, the run that last wrote it, its fragment."""

    kind: str  # "element" or "block"
    proto: object  # Element or Block
    run_id: str
    fragment_id: str


@dataclass
class Problem:
    """Something a person would see as wrong: an exception, an error or warning box, a compile
    error, a missing page, a dropped connection. Counted once per distinct text."""

    kind: str
    text: str
    first_s: float
    count: int = 1


@dataclass
class ClientStats:
    ws_messages: int = 0
    ws_bytes: int = 0
    full_runs: int = 0
    fragment_runs: int = 0  # completed fragment runs: frames
    interrupted_runs: int = 0
    reruns_sent: int = 0
    auto_reruns_sent: int = 0
    cache_refs: int = 0
    cache_misses: int = 0
    media_requests: int = 0
    media_bytes: int = 0
    media_missing: int = 0  # 404: the server dropped the file before it was fetched
    media_errors: int = 0
    media_seconds: float = 0.0
    auto_rerun_intervals: set[float] = field(default_factory=set)  # the intervals the server asked for
    frame_times: list[float] = field(default_factory=list)  # monotonic times of completed fragment runs


class Page:
    """The page as the frontend would show it, from the deltas."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, ...], Node] = {}

    def apply_delta(self, msg: ForwardMsg, run_id: str) -> object | None:
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        kind = delta.WhichOneof("type")
        if kind not in ("new_element", "add_block") or not path:
            return None  # new_transient (spinners, toasts) is not kept
        previous = self.nodes.get(path)
        if kind == "new_element" or (previous is not None and previous.kind != "block"):
            self._drop_below(path)  # an element replaces a block and everything in it
        proto = delta.new_element if kind == "new_element" else delta.add_block
        self.nodes[path] = Node("element" if kind == "new_element" else "block", proto, run_id, delta.fragment_id)
        return proto if kind == "new_element" else None

    def _drop_below(self, path: tuple[int, ...]) -> None:
        depth = len(path)
        for other in [p for p in self.nodes if len(p) > depth and p[:depth] == path]:
            del self.nodes[other]

    def finish_run(self, run_id: str, fragment_ids: list[str]) -> None:
        """Drop what the run that just finished did not write: everything for a full run, the
        rerun fragments' content for a fragment run."""
        scope = set(fragment_ids)
        for path in [
            path
            for path, node in self.nodes.items()
            if node.run_id != run_id and (not scope or node.fragment_id in scope)
        ]:
            del self.nodes[path]  # one by one: what this run wrote stays, even in a container it did not re-send

    def elements(self, kind: str | None = None):
        """(path, element) in page order, of one element kind if given."""
        for path in sorted(self.nodes):
            node = self.nodes[path]
            if node.kind == "element" and (kind is None or node.proto.WhichOneof("type") == kind):
                yield path, node.proto

    def button(self, label: str):
        """The Button proto labelled exactly ``label``, or None."""
        for _, element in self.elements("button"):
            if element.button.label == label:
                return element.button
        return None

    def metric(self, label: str) -> str | None:
        """The shown value of the first st.metric labelled ``label``, or None."""
        for _, element in self.elements("metric"):
            if element.metric.label == label:
                return element.metric.body
        return None

    def alerts(self, fmt: str | None = None) -> list[tuple[str, str]]:
        """(format, body) of the alerts shown: "error", "warning", "info", "success"."""
        found = []
        for _, element in self.elements("alert"):
            name = ALERT_FORMATS.get(element.alert.format, "unused")
            if fmt is None or name == fmt:
                found.append((name, element.alert.body))
        return found

    def exceptions(self) -> list[str]:
        return [f"{e.exception.type}: {e.exception.message}" for _, e in self.elements("exception")]


def int_value(text: str | None) -> int | None:
    """A metric's shown integer ("1,234" -> 1234), or None."""
    if text is None:
        return None
    try:
        return int(text.replace(",", "").strip())
    except ValueError:
        return None


class StreamlitClient:
    """One simulated browser tab on one page of a Streamlit app.

    ``base_url`` is the app's http URL (``http://127.0.0.1:PORT``); ``page`` its URL path
    ("flows"; "" for the main page); ``query`` the link's query string ("seed=3").
    ``on_run_finished(client, status, fragment_ids)`` is called after every finished run, with the
    page already updated.
    """

    def __init__(
        self,
        base_url: str,
        page: str = "",
        query: str = "",
        *,
        fetch_media: bool = True,
        on_run_finished: Callable[[StreamlitClient, int, list[str]], None] | None = None,
        name: str = "",
    ):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self.host, self.port = parts.hostname, parts.port or 80
        self.base_path = parts.path.rstrip("/")
        self.page_name = page.strip("/")
        self.query_string = query.lstrip("?")
        self.fetch_media = fetch_media
        self.on_run_finished = on_run_finished
        self.name = name
        self.page = Page()
        self.stats = ClientStats()
        self.problems: dict[tuple[str, str], Problem] = {}
        self.page_script_hash = ""
        self.run_id = ""
        self.run_fragment_ids: list[str] = []
        self.script_running = False
        self.started_at = time.monotonic()
        self.first_auto_rerun_at: float | None = None
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}
        self._cache: OrderedDict[str, ForwardMsg] = OrderedDict()
        self._changed = asyncio.Event()
        self._closing = False
        self.closed = False
        self._media_seen: set[str] = set()
        self._media_queue: asyncio.Queue[str] = asyncio.Queue(maxsize=MAX_MEDIA_QUEUE)
        self._media_task: asyncio.Task | None = None

    # ----- connection -----

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}{self.base_path}/_stcore/stream"

    async def connect(self, timeout: float = 15.0) -> None:
        self.started_at = time.monotonic()
        self._ws = await asyncio.wait_for(
            connect(
                self.ws_url,
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=timeout,
                close_timeout=5,
                ping_interval=None,
            ),
            timeout,
        )
        self._reader = asyncio.create_task(self._read_loop(), name=f"{self.name}-reader")
        if self.fetch_media:
            self._media_task = asyncio.create_task(self._media_loop(), name=f"{self.name}-media")

    async def close(self) -> None:
        """Stop the timers, close the websocket (the server then disconnects the session)."""
        self._closing = True
        self._cancel_timers()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 10)
        for task in (self._reader, self._media_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, 5)
        self.closed = True

    # ----- requests -----

    async def open_page(self) -> None:
        """The first run of the page, as a browser that opened the link sends it."""
        await self.rerun(page_name=self.page_name)

    async def rerun(
        self,
        *,
        widget_states: list | None = None,
        fragment_id: str = "",
        is_auto_rerun: bool = False,
        page_name: str = "",
    ) -> None:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.page_name = page_name
        if fragment_id:
            state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto_rerun
        # the page's URL, as a browser reports it (st.context.url; serve.py's image URLs start with it)
        state.context_info.url = f"{self.origin}{self.base_path}/{self.page_name}" + (
            f"?{self.query_string}" if self.query_string else ""
        )
        state.cached_message_hashes.extend(self._cache.keys())
        for widget in widget_states or ():
            state.widget_states.widgets.add().CopyFrom(widget)
        await self._send(msg)
        self.stats.reruns_sent += 1
        self.stats.auto_reruns_sent += is_auto_rerun

    async def click(self, label: str) -> bool:
        """Press the button labelled ``label`` (False if the page has none, or it is disabled)."""
        button = self.page.button(label)
        if button is None or button.disabled:
            return False
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        trigger = WidgetState(id=button.id, trigger_value=True)
        await self.rerun(widget_states=[trigger])
        return True

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` holds, checked after every finished run; False on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.closed or (self._reader is not None and self._reader.done()):
                return predicate()
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return True

    async def _send(self, msg: BackMsg) -> None:
        if self._ws is None or self._closing:
            return
        try:
            await asyncio.wait_for(self._ws.send(msg.SerializeToString()), 10)
        except (ConnectionClosed, TimeoutError) as error:
            self._problem("disconnected", f"send failed: {type(error).__name__}")

    # ----- messages -----

    async def _read_loop(self) -> None:
        try:
            async for data in self._ws:
                if isinstance(data, str):
                    self._problem("protocol", "text frame from the server")
                    continue
                self.stats.ws_messages += 1
                self.stats.ws_bytes += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg)
        except ConnectionClosed as error:
            if not self._closing:
                self._problem("disconnected", f"the server closed the connection: {error}")
        except Exception as error:  # a message this client cannot read: say so, do not hang the waiters
            self._problem("client", f"{type(error).__name__}: {error}")
        finally:
            self._changed.set()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            self.stats.cache_refs += 1
            if cached is None:
                self.stats.cache_misses += 1
                self._problem("protocol", "ref_hash of a message not in the cache")
                return
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(msg.metadata)
            msg, kind = resolved, resolved.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash:
            self._cache[msg.hash] = msg
            self._cache.move_to_end(msg.hash)
            while len(self._cache) > MAX_CACHED_MESSAGES:
                self._cache.popitem(last=False)

        if kind == "new_session":
            self.run_id = msg.metadata.run.script_run_id
            self.run_fragment_ids = list(msg.metadata.run.fragment_ids)
            if not self.page_script_hash:
                self.page_script_hash = msg.new_session.page_script_hash
            if not self.run_fragment_ids:
                self._cancel_timers()  # a full run: the frontend drops every auto-rerun timer
        elif kind == "navigation":
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "delta":
            element = self.page.apply_delta(msg, self.run_id)
            if element is not None:
                self._look_at(element)
        elif kind == "auto_rerun":
            self.stats.auto_rerun_intervals.add(round(msg.auto_rerun.interval, 3))
            self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._cancel_timer(fragment_id)
        elif kind == "session_status_changed":
            self.script_running = msg.session_status_changed.script_is_running
        elif kind == "session_event":
            if msg.session_event.WhichOneof("type") == "script_compilation_exception":
                error = msg.session_event.script_compilation_exception
                self._problem("compile_error", f"{error.type}: {error.message}")
        elif kind == "page_not_found":
            self._problem("page_not_found", msg.page_not_found.page_name or "(main page)")
        elif kind == "script_finished":
            self._finish_run(msg.script_finished)

    def _finish_run(self, status: int) -> None:
        fragment_ids = list(self.run_fragment_ids)
        if status in (FINISHED, FRAGMENT_FINISHED):
            self.page.finish_run(self.run_id, fragment_ids)
        if status == FRAGMENT_FINISHED:
            self.stats.fragment_runs += 1
            self.stats.frame_times.append(time.monotonic())
        elif status == FINISHED:
            self.stats.full_runs += 1
        elif status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.stats.interrupted_runs += 1
        if self.on_run_finished is not None:
            try:
                self.on_run_finished(self, status, fragment_ids)
            except Exception as error:
                self._problem("client", f"on_run_finished: {type(error).__name__}: {error}")
        self._changed.set()

    def _look_at(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            self._problem("exception", f"{element.exception.type}: {element.exception.message}")
        elif kind == "alert":
            fmt = ALERT_FORMATS.get(element.alert.format, "unused")
            if fmt in ("error", "warning"):
                self._problem(fmt, element.alert.body)
        elif kind == "imgs" and self.fetch_media:
            for image in element.imgs.imgs:
                self._queue_media(image.url)

    def _problem(self, kind: str, text: str) -> None:
        key = (kind, text)
        if key in self.problems:
            self.problems[key].count += 1
        else:
            self.problems[key] = Problem(kind, text, time.monotonic() - self.started_at)

    # ----- auto-rerun timers -----

    def _start_timer(self, fragment_id: str, interval: float) -> None:
        current = self._timers.get(fragment_id)
        if current is not None and current[0] == interval and not current[1].done():
            return  # the same interval again: the countdown goes on
        self._cancel_timer(fragment_id)
        if interval <= 0 or self._closing:
            return
        if self.first_auto_rerun_at is None:
            self.first_auto_rerun_at = time.monotonic()
        task = asyncio.create_task(self._tick(fragment_id, interval), name=f"{self.name}-timer")
        self._timers[fragment_id] = (interval, task)

    async def _tick(self, fragment_id: str, interval: float) -> None:
        due = time.monotonic() + interval
        while not self._closing:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if self._closing:
                return
            await self.rerun(fragment_id=fragment_id, is_auto_rerun=True)
            due += interval
            if due < time.monotonic():  # fell behind (a busy client): no burst of catch-up ticks
                due = time.monotonic() + interval

    def _cancel_timer(self, fragment_id: str) -> None:
        entry = self._timers.pop(fragment_id, None)
        if entry is not None:
            entry[1].cancel()

    def _cancel_timers(self) -> None:
        for fragment_id in list(self._timers):
            self._cancel_timer(fragment_id)

    @property
    def timers(self) -> dict[str, float]:
        """Fragment id -> interval of the running auto-rerun timers."""
        return {fragment_id: interval for fragment_id, (interval, _) in self._timers.items()}

    # ----- media, as the browser fetches each image once -----

    def _queue_media(self, url: str) -> None:
        if url.startswith(self.origin + "/"):  # an image the app serves itself (serve.py's /gp-frames/)
            url = url[len(self.origin) :]
        if not url or url in self._media_seen or url.startswith(("data:", "http:", "https:")):
            return
        if len(self._media_seen) > 10_000:
            self._media_seen.clear()
        self._media_seen.add(url)
        with contextlib.suppress(asyncio.QueueFull):
            self._media_queue.put_nowait(url)

    async def _media_loop(self) -> None:
        connection = None
        try:
            while True:
                url = await self._media_queue.get()
                path = url if url.startswith("/") else f"{self.base_path}/{url}"
                started = time.monotonic()
                status, size, keep = 0, 0, False
                for attempt in range(2):  # a kept-alive connection the server has closed: once more on a new one
                    reused = connection is not None
                    try:
                        if connection is None:
                            connection = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), 10)
                        status, size, keep = await asyncio.wait_for(_http_get(*connection, self.host, path), 30)
                        break
                    except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                        if connection is not None:
                            connection[1].close()
                            connection = None
                        if not reused or attempt == 1:
                            self.stats.media_errors += 1
                            break
                self.stats.media_seconds += time.monotonic() - started
                self.stats.media_requests += 1
                self.stats.media_bytes += size
                if status == 404:
                    self.stats.media_missing += 1
                elif status and status != 200:
                    self.stats.media_errors += 1
                if not keep and connection is not None:
                    connection[1].close()
                    connection = None
        finally:
            if connection is not None:
                connection[1].close()


async def _http_get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str):
    """One HTTP/1.1 GET on a kept-alive connection: (status, body bytes, connection reusable)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\n\r\n".encode("latin-1"))
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("connection closed")
    status = int(status_line.split()[1])
    headers = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "content-length" in headers:
        size = int(headers["content-length"])
        await reader.readexactly(size)
        return status, size, keep
    if headers.get("transfer-encoding", "").lower() == "chunked":
        size = 0
        while (chunk := int((await reader.readline()).split(b";")[0], 16)) > 0:
            await reader.readexactly(chunk + 2)
            size += chunk
        while await reader.readline() not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return status, size, keep
    body = await reader.read()  # no length: the body ends with the connection
    return status, len(body), False
