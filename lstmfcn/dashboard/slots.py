"""The server's slots for one kind of background work: how many run at once, who waits in which
order, and when a new one is refused with a sentence (:mod:`lstmfcn.dashboard.tasks` uses them for
checks and trainings alike)."""

from __future__ import annotations

import threading

from lstmfcn.errors import LstmFcnError


class Refused(LstmFcnError):
    """A task the server's limits do not allow now; the message says why."""


class Slots:
    """The server's slots for one registry's work: at most ``max_running`` run at once (None: no
    bound); the others wait their turn, first come first served, at most ``max_queued`` of them
    (None: no bound) while every slot is taken; past that a new one is refused. ``what`` names
    the work in that sentence ("trainings")."""

    def __init__(self, max_running: int | None = None, max_queued: int | None = None, what: str = "tasks") -> None:
        self.max_running, self.max_queued, self.what = max_running, max_queued, what
        self._cond = threading.Condition()
        self._queue: list[object] = []
        self._running = 0

    def _free(self) -> bool:
        return self.max_running is None or self._running < self.max_running

    def enter(self, who: object) -> bool:
        """Take a slot for ``who`` at once (True) or put it at the end of the queue (False).

        Raises:
            Refused: every slot is taken and the queue is full.
        """
        with self._cond:
            if not self._queue and self._free():
                self._running += 1
                return True
            if self.max_queued is not None and len(self._queue) >= self.max_queued and not self._free():
                raise Refused(
                    f"{self._running} {self.what} are running and {len(self._queue)} are waiting on this server; "
                    "try again when one has finished"
                )
            self._queue.append(who)
            return False

    def take(self, who: object, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for ``who``'s turn; whether it took a slot."""
        with self._cond:
            if not self._turn(who):
                self._cond.wait(timeout)
            if not self._turn(who):
                return False
            self._queue.remove(who)
            self._running += 1
            return True

    def _turn(self, who: object) -> bool:
        return bool(self._queue) and self._queue[0] is who and self._free()

    def leave(self, who: object) -> None:
        """``who`` stops waiting (cancelled in the queue)."""
        with self._cond:
            if who in self._queue:
                self._queue.remove(who)
                self._cond.notify_all()

    def release(self) -> None:
        """A running one ended: its slot goes to the next in the queue."""
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    def position(self, who: object) -> int | None:
        """1 for the next to start, None when ``who`` is not waiting."""
        with self._cond:
            return self._queue.index(who) + 1 if who in self._queue else None

    @property
    def running(self) -> int:
        with self._cond:
            return self._running
