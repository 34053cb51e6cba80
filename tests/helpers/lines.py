"""A subprocess's output read line by line on a thread, so a test waits for a line (with an upper bound) instead of
sleeping: it goes on the moment the line is printed."""

from __future__ import annotations

import queue
import re
import threading

WAIT_SECONDS = 90  # an upper bound for a loaded machine; a test ends as soon as its lines are read


class Lines:
    """A subprocess's output read line by line on a thread, so a test can wait for a line with a bound."""

    def __init__(self, stream) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, seconds: float = WAIT_SECONDS) -> str:
        """The first line (seen or to come) matching ``pattern``; fails with the output when none comes in time."""
        wanted = re.compile(pattern)
        for line in self.seen:
            if wanted.search(line):
                return line
        deadline = threading.Event()
        timer = threading.Timer(seconds, deadline.set)
        timer.start()
        try:
            while not deadline.is_set():
                try:
                    line = self._queue.get(timeout=0.5)
                except queue.Empty:
                    continue
                if line is None:
                    break
                self.seen.append(line)
                if wanted.search(line):
                    return line
        finally:
            timer.cancel()
        tail = "\n".join(self.seen[-60:])
        raise AssertionError(f"no line matching {pattern!r} within {seconds} s; output ended with:\n{tail}")

    def rest(self, seconds: float = 30) -> list[str]:
        """Everything up to the end of the stream (the process has been asked to stop)."""
        self._thread.join(seconds)
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.seen.append(line)
        return self.seen
