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
`HEAD_SECONDS` is closed without an answer, as nginx does at its `client_header_timeout`, and a
head over `HEAD_BYTES` is refused from the loop (414 for a request line, 431 for headers): gunicorn's
Python parser has no limit on the request line when its own limit is off (our queries need lines
longer than its largest), and it reads a long line in time that grows with its square. Bytes read
ahead with a kept-alive connection's last request are the start of the next head, waited for the
same way. Closing half-closes the socket and drains it from the event loop, for `LINGER_SECONDS`
at most.

The worker also answers the requests gunicorn refuses itself with the app's JSON error envelope,
not gunicorn's HTML page (on every path: a refused request's path cannot be trusted to say whether
an API client sent it). gunicorn has no setting for that body: every worker writes it through
`gunicorn.util.write_error`, which each of these workers replaces in its own process.
"""

from __future__ import annotations

import contextlib
import json
import selectors
import socket
import time
from dataclasses import dataclass
from functools import partial

import gunicorn.util
from gunicorn.workers.gthread import ThreadWorker

from web.errors import INTERNAL_ERROR_MESSAGE, code_for, error_body

HEAD_SECONDS = 30  # a request's head must have arrived whole within this, from its first wait
HEAD_ENDS = (b"\r\n\r\n", b"\n\n")
HEAD_BYTES = 1024 * 1024  # a request line and its headers at most (the app's longest query: 18 KB)
REFUSAL_MESSAGE_CHARS = 300  # gunicorn's reason may quote the whole request line; this much is kept
LINGER_SECONDS = 2.0  # gunicorn's own wait for a closing client (RFC 9112 §9.6)
LINGER_BYTES = 64 * 1024  # what is drained from a closing client at most, as gunicorn does
READ_BYTES = 64 * 1024


@dataclass
class Head:
    """A request's head being waited for: until when, what has come, whether the loop watches."""

    deadline: float
    bytes: bytearray
    watched: bool = False


class AppWorker(ThreadWorker):
    """`gthread`, waiting for slow clients in its event loop instead of in threads, its own refusals
    answered in JSON (see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.heads: dict = {}  # connection -> its Head, oldest first
        self.closing: dict = {}  # socket -> [deadline, bytes drained], oldest first

    def init_process(self) -> None:
        gunicorn.util.write_error = write_json_error
        super().init_process()

    def enqueue_req(self, conn) -> None:
        """Read the head of the connection's next request (its start may have been read ahead
        with the last one), waiting in the event loop for what has not come yet, unless TLS must
        read it. Most heads are whole at once: they go to a thread without a wait."""
        if self.cfg.is_ssl:
            super().enqueue_req(conn)
            return
        held = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.sock.setblocking(False)
        self.heads[conn] = Head(time.monotonic() + HEAD_SECONDS, bytearray(held))
        if held and head_end(held, 0) >= 0:
            self.hand_over(conn)
        else:
            self.on_head_bytes(conn, conn.sock)

    def on_head_bytes(self, conn, _sock) -> None:
        """Take what the client has sent; give the connection to a thread when the head is whole,
        refuse it when it is too long, wait in the event loop for the rest."""
        head = self.heads[conn]
        data = received(conn.sock)
        if not data:
            if data is None:  # nothing more yet
                self.watch(conn, head)
            else:  # the client went away before its request was whole
                self.drop_head(conn)
            return
        start = max(0, len(head.bytes) - 3)
        head.bytes += data
        end = head_end(head.bytes, start)
        if (end if end >= 0 else len(head.bytes)) > HEAD_BYTES:
            line_ended = head.bytes.find(b"\n", 0, HEAD_BYTES) >= 0
            status, reason = (431, "Request Header Fields Too Large") if line_ended else (414, "URI Too Long")
            write_json_error(conn.sock, status, reason, f"a request's line and headers are limited to "
                                                        f"{HEAD_BYTES} bytes")
            self.drop_head(conn)
        elif end < 0:
            self.watch(conn, head)
        else:
            self.hand_over(conn)

    def watch(self, conn, head: Head) -> None:
        """Have the event loop call `on_head_bytes` when more of the head arrives."""
        if not head.watched:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_head_bytes, conn))
            head.watched = True

    def forget(self, conn) -> bytearray:
        """Stop waiting for a connection's head; what had come of it."""
        head = self.heads.pop(conn)
        if head.watched:
            self.poller.unregister(conn.sock)
        return head.bytes

    def hand_over(self, conn) -> None:
        """Give a connection whose head is whole to a thread, the head in its parser's buffer."""
        head = self.forget(conn)
        conn.init()  # the parser, on a blocking socket, for the thread
        conn.parser.unreader.unread(bytes(head))
        conn.data_ready = True
        super().enqueue_req(conn)

    def drop_head(self, conn) -> None:
        """Close a connection whose head never came whole."""
        self.forget(conn)
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
        """Close a drained (or timed-out) closing connection."""
        del self.closing[sock]
        self.poller.unregister(sock)
        sock.close()

    def murder_pending(self) -> None:
        """gunicorn's closing of connections that sent nothing; also heads and closings past time."""
        super().murder_pending()
        now = time.monotonic()
        while self.heads and next(iter(self.heads.values())).deadline <= now:
            self.drop_head(next(iter(self.heads)))
        while self.closing and next(iter(self.closing.values()))[0] <= now:
            self.close_now(next(iter(self.closing)))


def head_end(head: bytes | bytearray, start: int) -> int:
    """Where the blank line that ends a request's head is (searched from `start`), or -1."""
    found = [at for at in (head.find(end, start) for end in HEAD_ENDS) if at >= 0]
    return min(found, default=-1)


def write_json_error(sock, status: int, reason: str, message: str) -> None:
    """gunicorn's `write_error`, with the body the app gives its own errors (web/errors.py)."""
    message = message[:REFUSAL_MESSAGE_CHARS] or INTERNAL_ERROR_MESSAGE  # gunicorn's 500 says nothing
    body = json.dumps(error_body(code_for(status), message)).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    with contextlib.suppress(OSError):  # a client gone or not reading: nothing more to say to it
        gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


def received(sock) -> bytes | None:
    """What a non-blocking socket holds now: None when nothing yet, b"" when the client is gone."""
    try:
        return sock.recv(READ_BYTES)
    except BlockingIOError:
        return None
    except OSError:
        return b""
