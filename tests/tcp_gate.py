"""A gate between the engine and a server, for fault tests: a TCP forwarder on a loopback port
that is open (bytes pass both ways), shut (connections refused, as a cluster that went away) or
hung (connections accepted and never answered, as a cluster that stopped responding)."""

from __future__ import annotations

import contextlib
import socket
import threading

LOOPBACK = "127.0.0.1"


class Gate:
    """A forwarder from `port` (a free one) to `target_port` on loopback."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.mode = "open"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = self._listen(0)
        self.port = self._listener.getsockname()[1]

    def _listen(self, port: int) -> socket.socket:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, port))
        listener.listen(64)
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return listener

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # the listener was closed: the gate is shut
                return
            self._keep(client)
            if self.mode == "open":
                upstream = socket.create_connection((LOOPBACK, self.target_port))
                self._keep(upstream)
                threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
                threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _keep(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _drop_connections(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def hang(self) -> None:
        """Accept new connections and never answer them; the open ones are cut."""
        self.mode = "hung"
        self._drop_connections()

    def shut(self) -> None:
        """Refuse connections (nothing listens on the port); the open ones are cut."""
        self.mode = "shut"
        self._listener.close()
        self._drop_connections()

    def open(self) -> None:
        """Let bytes through again, on the same port."""
        if self.mode == "shut":
            self._listener = self._listen(self.port)
        self.mode = "open"

    def close(self) -> None:
        self.shut()
