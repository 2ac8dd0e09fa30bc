"""The server `newsletter serve` runs the sign-up service on: waitress, with [serve]'s limits.

waitress reads every request whole (headers and body, within `max_header_bytes` and
`max_body_bytes`) in its event loop before one of its `threads` worker threads sees it, and
buffers every answer, so a slow or stalled client costs a connection, never a worker thread.
Connections are bounded (`max_connections`); one that sends or reads nothing for
`idle_timeout_seconds` is closed (waitress's channel_timeout). waitress has no limit on how long
a request may take to arrive, so a client trickling a byte now and then would keep its
connection forever: `_Channel` notes when a request began and `_TcpServer.maintenance` closes it
once `read_timeout_seconds` have passed. Any WSGI server can host `webapp.create_app()` instead;
these limits then are that server's job.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, cast

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from newsletter.core.config import ServeSettings

log = logging.getLogger(__name__)

LOOP_SECONDS = 1.0  # the event loop wakes at least this often (timeouts, stopping)


class _Channel(HTTPChannel):
    """waitress's connection, noting when the request being received began."""

    request_started = 0.0

    def received(self, data: bytes) -> bool:
        if self.request is None and data:
            self.request_started = time.time()
        return bool(super().received(data))


class _TcpServer(TcpWSGIServer):
    """waitress's listener, which also closes connections whose request takes too long."""

    channel_class = _Channel
    read_timeout = 60.0

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # type: ignore[arg-type]  # idle connections (channel_timeout)
        cutoff = now - self.read_timeout
        channels = cast("dict[int, HTTPChannel]", self.active_channels)  # the stub is wrong
        for channel in list(channels.values()):
            if (
                isinstance(channel, _Channel)
                and channel.request is not None  # a request is arriving
                and not channel.requests  # and none is being answered
                and channel.request_started < cutoff
            ):
                log.info("closed a connection whose request took over %gs", self.read_timeout)
                channel.will_close = True


def adjustments(serve: ServeSettings, host: str, port: int) -> Adjustments:
    """waitress's settings from [serve]."""
    return Adjustments(
        host=host,
        port=port,
        threads=serve.threads,
        connection_limit=serve.max_connections,
        channel_timeout=serve.idle_timeout_seconds,
        cleanup_interval=1,  # how often timeouts are looked at
        max_request_header_size=serve.max_header_bytes,
        # the upload route takes more; the app holds every other route to its own form limit
        max_request_body_size=max(serve.max_body_bytes, serve.upload_max_bytes),
        recv_bytes=65_536,  # uploads arrive in 64 KiB reads, not 8 KiB: 8x fewer loop turns
        asyncore_use_poll=True,  # select() would stop at 1024 descriptors
        asyncore_loop_timeout=LOOP_SECONDS,
        clear_untrusted_proxy_headers=False,  # X-Forwarded-For: [serve] trusted_proxies decide
        expose_tracebacks=False,
        ident="",  # no Server header
    )


class Server:
    """The sign-up service on waitress: `serve_forever()` until `shutdown()` (another thread)
    or Ctrl+C; `server_close()` afterwards. Port 0 binds a free port (`server_address`)."""

    def __init__(self, app: WSGIApplication, host: str, port: int, serve: ServeSettings) -> None:
        self.adj = adjustments(serve, host, port)
        self.map: dict[int, Any] = {}
        self.dispatcher = ThreadedTaskDispatcher()
        listen: list[Any] = self.adj.listen[:1] if port == 0 else list(self.adj.listen)
        self.listeners: list[_TcpServer] = []
        try:
            for sockinfo in listen:
                listener = _TcpServer(
                    app, self.map, dispatcher=self.dispatcher, adj=self.adj, sockinfo=sockinfo
                )
                listener.read_timeout = float(serve.read_timeout_seconds)
                self.listeners.append(listener)
        except OSError:
            wasyncore.close_all(self.map)
            raise
        first = self.listeners[0]
        self.server_address: tuple[str, int] = (
            str(getattr(first, "effective_host", host)),
            int(getattr(first, "effective_port", port)),
        )
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._stopped.set()
        self._closed = False

    def set_app(self, app: WSGIApplication) -> None:
        """Answer with `app` from now on (one bound to port 0 may need its address first)."""
        for listener in self.listeners:
            listener.application = app

    def serve_forever(self) -> None:
        """Answer requests until `shutdown()`."""
        self._stopped.clear()
        self.dispatcher.set_thread_count(self.adj.threads)
        try:
            while not self._stop.is_set():
                wasyncore.loop(
                    timeout=LOOP_SECONDS, map=self.map, use_poll=self.adj.asyncore_use_poll, count=1
                )
        finally:
            self._stopped.set()

    def request_stop(self, *, wake: bool = True) -> None:
        """Ask `serve_forever` to return; `wake=False` (from a signal handler, which must not
        take the trigger's lock): within LOOP_SECONDS instead of at once."""
        self._stop.set()
        if wake and self.listeners:
            self.listeners[0].pull_trigger()  # wakes the event loop at once

    def shutdown(self) -> None:
        """Stop `serve_forever` (running in another thread) and wait until it has returned."""
        self.request_stop()
        self._stopped.wait()

    def server_close(self) -> None:
        """Finish the requests being answered (5 s at most), then close every socket."""
        if self._closed:
            return
        self._closed = True
        for listener in self.listeners:
            listener.accepting = False
        self.dispatcher.shutdown(cancel_pending=True, timeout=5)
        wasyncore.close_all(self.map, ignore_all=True)


def make_wsgi_server(
    app: WSGIApplication, host: str, port: int, serve: ServeSettings | None = None
) -> Server:
    """The service's server for `app` on host:port with [serve]'s limits; call serve_forever()."""
    from newsletter.core.config import ServeSettings

    return Server(app, host, port, serve or ServeSettings.model_validate({}))
