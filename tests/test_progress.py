"""What `search index` shows a person: a bar on a terminal (a real pseudo-terminal here), nothing
but the summary and the closing line when stderr is not one."""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

from search.progress import closing_line

RECORDS = 600


def write_export(path: Path) -> None:
    lines = "".join(json.dumps({"id": f"r{n}", "title": f"Harbour report {n}",
                                "text": f"Dockers at berth {n} unloaded grain for the mills. " * 40}) + "\n"
                    for n in range(RECORDS))
    data = lines.encode("utf-8")
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run the command line with stdout and stderr on a pseudo-terminal 110 columns wide."""
    main, side = pty.openpty()
    fcntl.ioctl(side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 110, 0, 0))
    command = subprocess.Popen([sys.executable, "-m", "search.cli", *args], stdout=side, stderr=side)
    os.close(side)
    shown = b""
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # the terminal's other side has closed
            break
        if not data:
            break
        shown += data
    os.close(main)
    return command.wait(timeout=120), shown.decode("utf-8", "replace")


def last_frame_of_indexing(export: Path, tmp_path: Path) -> tuple[str, str]:
    """Index an export on a terminal: the bar as last drawn, and all that was shown."""
    write_export(export)
    code, shown = on_a_terminal("index", str(export), "--index", str(tmp_path / "index"))
    assert code == 0, shown
    frames = [frame for frame in re.split(r"[\r\n]+", shown) if frame.startswith("indexing")]
    assert frames, shown
    return frames[-1], shown


def test_a_terminal_sees_one_bar_counting_documents_then_the_closing_line(tmp_path):
    last, shown = last_frame_of_indexing(tmp_path / "wire.jsonl", tmp_path)

    assert re.search(rf"100%\|.*\| {RECORDS}/{RECORDS} \[", last), last
    assert " docs/s]" in last
    assert re.search(rf"indexed {RECORDS} documents in \d+\.\d s \(\d[\d,]* docs/s\)", shown)


def test_a_gzip_export_is_counted_in_bytes_with_the_documents_beside_them(tmp_path):
    last, _ = last_frame_of_indexing(tmp_path / "wire.jsonl.gz", tmp_path)

    assert re.search(rf"B/s, {RECORDS} docs, \d[\d,]* docs/s\]", last), last


def test_without_a_terminal_only_the_summary_and_closing_line_are_printed(tmp_path):
    export = tmp_path / "wire.jsonl"
    write_export(export)

    done = subprocess.run([sys.executable, "-m", "search.cli", "index", str(export),
                           "--index", str(tmp_path / "index")], capture_output=True, text=True, timeout=120)

    assert done.returncode == 0
    assert done.stderr == ""
    assert done.stdout.splitlines()[0] == f"added {RECORDS}, updated 0, removed 0, unchanged 0, failed 0"


def test_the_closing_line_gives_documents_seconds_and_rate():
    assert closing_line(21578, 41.2) == "indexed 21,578 documents in 41.2 s (524 docs/s)"
    assert closing_line(0, 0.01) == "indexed 0 documents in 0.0 s"
