"""Whoosh's multiprocess writer, made to fail loudly where it failed silently.

Whoosh's `MpWriter` hands batches of documents to writer processes through a bounded queue and,
at commit, takes one result from each. A writer process that died (its disk full, killed by the
out-of-memory killer) left two faults (issue 22, found by a red-team run into a small tmpfs):
the commit went on without that process's documents (`queue.Empty` is passed over), so the run
recorded its files as indexed and a re-run had nothing to do, the documents lost; and once the
queue was full, handing over the next batch waited for ever on processes that were gone. Here
a writer process that found its disk full ends with an exit code (no traceback), handing work
over waits only while every process lives, and a commit any process failed is refused before
its table of contents is written: the run stops, the index keeps its last commit.
"""

from __future__ import annotations

import errno
import shutil
import sys
import time

from whoosh.multiproc import MpWriter, SubWriterTask

from search.errors import SearchError
from search.files import is_disk_full

DISK_FULL_EXIT = 28  # a writer process's exit code when its disk filled (ENOSPC's number)
POLL_SECONDS = 0.05


class QuietSubWriter(SubWriterTask):
    """A writer process that ends with DISK_FULL_EXIT, not a traceback, when its disk fills."""

    def run(self):
        try:
            super().run()
        except OSError as error:
            if is_disk_full(error):
                sys.exit(DISK_FULL_EXIT)
            raise


class CheckedMpWriter(MpWriter):
    """`MpWriter` whose writer processes are watched: see the module's docstring."""

    def _new_task(self):
        task = QuietSubWriter(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                              self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self):
        self._wait_for_room(1)
        super()._enqueue()

    def _commit(self, mergetype, optimize, merge):
        self._wait_for_room(len(self.tasks) + 1)  # the last batch and an end mark for each process
        super()._commit(mergetype, optimize, merge)

    def _commit_toc(self, segments):
        self._check_tasks()  # every process has ended by now: a failed one fails the commit
        super()._commit_toc(segments)

    def _wait_for_room(self, batches: int) -> None:
        """Wait until the job queue takes `batches` more without blocking, while every writer
        process lives."""
        while self.tasks and self.jobqueue.qsize() > self.jobqueue._maxsize - batches:
            self._check_tasks()
            time.sleep(POLL_SECONDS)

    def _check_tasks(self) -> None:
        """Raise when a writer process has ended with a failure: ENOSPC when it found the disk
        full (or the disk has no room left), else an error naming its exit code."""
        codes = [task.exitcode for task in self.tasks if task.exitcode not in (None, 0)]
        if not codes:
            return
        if DISK_FULL_EXIT in codes or shutil.disk_usage(self.storage.folder).free < 1024 * 1024:
            raise OSError(errno.ENOSPC, "a writer process found the disk full", self.storage.folder)
        raise SearchError(f"a writer process of this run ended with exit code {codes[0]}; nothing after "
                          f"the index's last commit was kept: run the same command again")
