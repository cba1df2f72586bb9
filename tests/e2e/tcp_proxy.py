"""A loopback TCP proxy that can cut every connection for a while: a Wi-Fi hiccup, on demand."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class CuttableProxy:
    """Forwards 127.0.0.1:<port> to ``target_port``; :meth:`cut` drops every open connection and
    refuses new ones for ``seconds``."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._refuse_until = 0.0
        self._closed = False
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def cut(self, seconds: float) -> None:
        with self._lock:
            self._refuse_until = time.monotonic() + seconds
            doomed, self._sockets = self._sockets, set()
        for sock in doomed:
            _hang_up(sock)

    def close(self) -> None:
        self._closed = True
        self.cut(0)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if time.monotonic() < self._refuse_until:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                if time.monotonic() < self._refuse_until:  # a cut came while this one was connecting
                    client.close()
                    upstream.close()
                    continue
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if time.monotonic() < self._refuse_until:
                    break  # nothing crosses during a cut, whichever connection it came by
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _hang_up(source)
            _hang_up(sink)


def _hang_up(sock: socket.socket) -> None:
    """Shut the connection down, then close the socket. A bare close() while another thread is blocked
    in recv() on the same socket sends nothing (the kernel keeps it open until that recv returns), so
    the server would not see the drop until it next writes; shutdown() sends the FIN at once."""
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
