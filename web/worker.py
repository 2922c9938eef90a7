"""gunicorn's threaded worker, with slow clients kept in its event loop (issue 22 §7): a request's
head (request line and headers) is read there before a thread takes the request, and a closed
connection's last bytes are drained there, so a client that sends its headers a byte a second,
stops half-way, or never closes its end costs the worker a socket, not a thread or its loop.

Stock `gthread` (gunicorn 27) gives a connection to a thread as soon as its first bytes arrive,
and the thread then waits, with no deadline, for the rest of the headers: 2 workers of 4 threads
were starved by 8 such clients. It also closes a `Connection: close` answer's socket by waiting in
the event loop, up to 2 s, for the client to close its end: each client that keeps its socket open
stops the worker from accepting or dispatching anything for those 2 s. Here the event loop reads
heads without blocking, as waitress and nginx do, and hands the connection over with its head
read (the parser takes it from its buffer, then any body from the socket); a head not whole within
`HEAD_SECONDS` is closed without an answer, as nginx does at its `client_header_timeout`. Closing
half-closes the socket and drains it from the event loop, for `LINGER_SECONDS` at most.
"""

from __future__ import annotations

import selectors
import socket
import time
from functools import partial

from gunicorn.workers.gthread import ThreadWorker

HEAD_SECONDS = 30  # a request's head must have arrived whole within this, from its first wait
HEAD_ENDS = (b"\r\n\r\n", b"\n\n")
HEAD_BUFFER_BYTES = 2 * 1024 * 1024  # past this the thread's parser reads on and refuses the request
LINGER_SECONDS = 2.0  # gunicorn's own wait for a closing client (RFC 9112 §9.6)
LINGER_BYTES = 64 * 1024  # what is drained from a closing client at most, as gunicorn does
READ_BYTES = 64 * 1024


class SlowClientWorker(ThreadWorker):
    """`gthread`, waiting for slow clients in its event loop instead of in threads."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.heads: dict = {}  # connection -> (deadline, its head so far), oldest first
        self.closing: dict = {}  # socket -> [deadline, bytes drained], oldest first

    def enqueue_req(self, conn) -> None:
        """Wait in the event loop for the head of the connection's next request, unless its
        bytes are already held (read ahead with the last request) or TLS must read them."""
        if self.cfg.is_ssl or (conn.parser is not None and conn.parser.unreader.buf.getbuffer().nbytes):
            super().enqueue_req(conn)
            return
        conn.sock.setblocking(False)
        self.heads[conn] = (time.monotonic() + HEAD_SECONDS, bytearray())
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_head_bytes, conn))

    def on_head_bytes(self, conn, _sock) -> None:
        """Take what the client has sent; give the connection to a thread when the head is whole."""
        head = self.heads[conn][1]
        data = received(conn.sock)
        if data is None:
            return
        if not data:  # the client went away before its request was whole
            self.drop_head(conn)
            return
        start = max(0, len(head) - 3)
        head += data
        if len(head) < HEAD_BUFFER_BYTES and not any(head.find(end, start) >= 0 for end in HEAD_ENDS):
            return
        self.poller.unregister(conn.sock)
        del self.heads[conn]
        conn.init()  # the parser, on a blocking socket, for the thread
        conn.parser.unreader.unread(bytes(head))
        conn.data_ready = True
        super().enqueue_req(conn)

    def drop_head(self, conn) -> None:
        """Close a connection whose head never came whole."""
        del self.heads[conn]
        self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()

    def finish_request(self, conn, fs) -> None:
        """gunicorn's, but a connection that is done is closed from the event loop, not waited on."""
        if fs.cancelled() or fs.exception() is not None or fs.result():
            super().finish_request(conn, fs)
            return
        self.nr_conns -= 1
        try:
            conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.setblocking(False)
            self.poller.register(conn.sock, selectors.EVENT_READ, self.on_closing_bytes)
        except OSError:
            conn.sock.close()
            return
        self.closing[conn.sock] = [time.monotonic() + LINGER_SECONDS, 0]

    def on_closing_bytes(self, sock) -> None:
        """Drain a closing client's bytes; close when it has closed its end, or sent too much."""
        data = received(sock)
        if data is None:
            return
        self.closing[sock][1] += len(data)
        if not data or self.closing[sock][1] >= LINGER_BYTES:
            self.close_now(sock)

    def close_now(self, sock) -> None:
        del self.closing[sock]
        self.poller.unregister(sock)
        sock.close()

    def murder_pending(self) -> None:
        """gunicorn's closing of connections that sent nothing; also heads and closings past time."""
        super().murder_pending()
        now = time.monotonic()
        while self.heads and next(iter(self.heads.values()))[0] <= now:
            self.drop_head(next(iter(self.heads)))
        while self.closing and next(iter(self.closing.values()))[0] <= now:
            self.close_now(next(iter(self.closing)))


def received(sock) -> bytes | None:
    """What a non-blocking socket holds now: None when nothing yet, b"" when the client is gone."""
    try:
        return sock.recv(READ_BYTES)
    except BlockingIOError:
        return None
    except OSError:
        return b""
