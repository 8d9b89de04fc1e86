"""A TCP proxy in front of a real server that can be made to hang or refuse, for deadline tests.

Modes: ``up`` forwards bytes both ways; ``hung`` accepts connections and never
answers (a node stuck in GC, a half-dead VM); ``down`` accepts and closes at
once (a crashed node behind a load balancer). Switching mode cuts every open
connection, so a client's kept-alive connection cannot slip past it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from urllib.parse import urlsplit


class FaultyProxy:
    def __init__(self, upstream: str | None = None, mode: str = "up") -> None:
        parts = urlsplit(upstream) if upstream else None
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80) if parts else None
        self.mode = mode
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        with self._lock:
            doomed, self._open = list(self._open), set()
        for sock in doomed:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._stopped.set()
        self.set_mode("down")
        self._listener.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "down":
                client.close()
                continue
            with self._lock:
                self._open.add(client)
            if self.mode == "hung" or self.upstream is None:
                continue  # held open, never answered, until the mode changes or the client gives up
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._open.add(server)
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
