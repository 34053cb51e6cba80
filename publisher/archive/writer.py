"""Write-behind for worker processes: the publish step hands a settled target over and goes on publishing; one
thread per process writes what was handed over in batches, one transaction per batch.

Why: a row per publication written inline costs every publish a database round trip (and, on SQLite, a commit
that waits for the disk), and the writers of all worker threads queue behind each other's commits. The archive is
a record, not the decision: the Redis ledger decides, so a row written a few milliseconds later changes nothing.
What a killed process still had queued is not lost either: the ledger has it, and the catch-up (at worker start
and every ``archive_catch_up_seconds``) writes it.

This module knows nothing of the database: the batch writer is handed in (:mod:`publisher.archive.outcomes`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger("publisher.archive")

BATCH_MAX = 200  # rows per transaction: large enough to amortise the commit, small enough to keep it short
# After the first item the writer lets more gather for this long: a burst's rows share transactions (a batch costs a
# few milliseconds of the process's CPU, which its publishing threads need), and a row still shows within a second.
LINGER_SECONDS = 0.5
Item = TypeVar("Item")


class WriteBehind(Generic[Item]):
    """A queue and the one thread that drains it into ``write`` (which gets a list of up to BATCH_MAX items)."""

    def __init__(self, write: Callable[[list[Item]], None]) -> None:
        self.write = write
        self.queue: queue.Queue[Item] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="archive-writer", daemon=True)
        self.thread.start()

    def submit(self, item: Item) -> None:
        self.queue.put(item)

    def flush(self, timeout: float) -> bool:
        """Wait until every item handed over has been written (or given up to the catch-up); False on timeout."""
        deadline = time.monotonic() + timeout
        with self.queue.all_tasks_done:
            while self.queue.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self.queue.all_tasks_done.wait(remaining)
        return True

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            # Sleep, not wait on the queue: a waiting thread is woken by every item handed over, and each wake-up
            # takes the interpreter from the publishing threads (it cost a tenth of a worker's throughput).
            if self.queue.qsize() < BATCH_MAX - 1:
                time.sleep(LINGER_SECONDS)
            while len(batch) < BATCH_MAX:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self.write(batch)
            except Exception:  # the writer must outlive any one batch; the catch-up writes what this one lost
                log.exception("archive batch of %d not written; the catch-up will write it", len(batch))
            finally:
                for _ in batch:
                    self.queue.task_done()
