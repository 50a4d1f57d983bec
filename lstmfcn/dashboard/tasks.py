"""Whole-split checks in the background, so that no page blocks while they run.

A Streamlit script run ends whenever the user touches a widget, and a check over a few hundred
samples (faithfulness, the sanity check) takes longer than a page may wait. A :class:`Task` runs
one such computation on its own thread; pages poll :meth:`Task.snapshot` to draw a progress bar
with the time left, and call :meth:`Task.cancel`. Tasks are keyed by what they compute (the disk
cache's key), so a rerun, another page or another browser session finds the running task instead
of starting it again.

The computation is a plain function ``compute(progress) -> result``; ``progress(fraction)`` is
the library's usual callback (:data:`lstmfcn.progress.Progress`). Cancelling makes the next
``progress`` call raise :class:`Cancelled`, which unwinds the computation between two batches.

A task is shared for speed but owned per session: every session that asks for it is one of its
*owners* (:meth:`TaskRegistry.start` with ``owner``), and a session's Cancel only detaches it
(:meth:`TaskRegistry.release`); the computation is cancelled once no owner is left. So one
visitor's Cancel never stops another's check, and a task cancelled that way is replaced, not
shown as cancelled, when a new session asks for it (the cancel was its owners', not the new one's).

A computation that works in chunks of samples also calls ``progress.plan(units)`` (each chunk's
samples) and ``progress.chunk_done()``: the time left then comes from the chunks' measured
rate (:mod:`lstmfcn.dashboard.time_left`), not from the fraction, whose steps may cost unequal time.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lstmfcn.errors import LstmFcnError

from .time_left import TimeLeft, estimate


class Cancelled(Exception):
    """Raised inside a task's computation once the user has cancelled it."""


@dataclass(frozen=True)
class TaskSnapshot:
    """A consistent copy of a task's state for drawing.

    Attributes:
        state: ``"running"``, ``"done"``, ``"cancelled"`` or ``"failed"``.
        fraction: share done, 0 … 1.
        elapsed_s: wall time so far (to the end once finished).
        error: the sentence for the user when ``state == "failed"``.
    """

    state: str
    fraction: float
    elapsed_s: float
    error: str | None = None
    chunks: tuple[tuple[float, float], ...] = ()
    remaining_units: float | None = None
    running: tuple[float, float] = (0.0, 0.0)
    waiting: bool = False  # for one of the server's slots (see :class:`TaskRegistry`)

    @property
    def finished(self) -> bool:
        return self.state != "running"

    def left(self, prior: list[float] | tuple[float, ...] | None = None, units: float | None = None) -> TimeLeft | None:
        """The time left as a range (:func:`lstmfcn.dashboard.time_left.estimate`): from the
        finished chunks' rate, else from ``prior`` (seconds per unit an earlier run measured) for
        the ``units`` of the whole computation (until it has planned its chunks); a computation
        that reports no chunks is timed by its fraction (None below 1 %)."""
        if self.finished:
            return TimeLeft(0.0, 0.0, True)
        if self.remaining_units is not None:
            return estimate(self.chunks, self.remaining_units, running=self.running, prior=prior)
        if prior and units:
            return estimate([], units, prior=prior)
        if self.fraction <= 0.01:
            return None
        return estimate([(self.fraction, self.elapsed_s)], 1.0 - self.fraction)

    @property
    def seconds_left(self) -> float | None:
        """The middle of :meth:`left` without a prior (None while unknown)."""
        left = self.left()
        return None if left is None else left.middle


class ChunkClock:
    """The chunks of a computation and when each ended (see :func:`lstmfcn.dashboard.time_left.estimate`).

    ``plan(units)`` names each chunk's units (samples) before the first starts; ``chunk_done()``
    marks the next one finished. Not locked: :class:`Task` holds its own lock around it.
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._planned: list[float] = []
        self._done: list[tuple[float, float]] = []
        self._last = clock()

    @property
    def planned(self) -> bool:
        return bool(self._planned)

    def plan(self, units) -> None:
        self._planned = [float(u) for u in units]
        self._done, self._last = [], self._clock()

    def chunk_done(self) -> None:
        now = self._clock()
        if len(self._done) < len(self._planned):
            self._done.append((self._planned[len(self._done)], now - self._last))
        self._last = now

    @property
    def chunks(self) -> tuple[tuple[float, float], ...]:
        """``(units, seconds)`` of each finished chunk."""
        return tuple(self._done)

    def remaining(self) -> float:
        return float(sum(self._planned[len(self._done) :]))

    def running(self) -> tuple[float, float]:
        """``(units, seconds so far)`` of the chunk that runs now."""
        i = len(self._done)
        return (self._planned[i], self._clock() - self._last) if i < len(self._planned) else (0.0, 0.0)

    def left(self, prior=None) -> TimeLeft | None:
        return estimate(self._done, self.remaining(), running=self.running(), prior=prior)


class TaskProgress:
    """The ``progress`` a task's computation is given: the library's fraction callback, plus
    ``plan``/``chunk_done`` (see :class:`ChunkClock`). Every call raises :class:`Cancelled` once
    the task was cancelled."""

    def __init__(self, task: Task) -> None:
        self._task = task

    def __call__(self, fraction: float) -> None:
        self._task._progress(fraction)

    def plan(self, units) -> None:
        self._task._chunk_event(lambda clock: clock.plan(units))

    def chunk_done(self) -> None:
        self._task._chunk_event(ChunkClock.chunk_done)


#: Tasks whose thread may still run; stopped when the interpreter exits (see :func:`_stop_all`).
_LIVE: weakref.WeakSet[Task] = weakref.WeakSet()


def _stop_all(timeout_s: float = 15.0) -> None:
    """Cancel every live task and wait for it (at most ``timeout_s`` in all). torch aborts the
    whole process (``std::terminate``, exit status 134) when the interpreter shuts down while a
    daemon thread is inside one of its kernels, so a server or test run that ends mid-check must
    let the check unwind first."""
    deadline = time.monotonic() + timeout_s
    live = list(_LIVE)
    for task in live:
        task.cancel()
    for task in live:
        task.wait(max(0.0, deadline - time.monotonic()))


atexit.register(_stop_all)


class Task:
    """One computation on a background thread (see the module docstring)."""

    def __init__(
        self,
        compute: Callable[[Callable[[float], None]], Any],
        slots: threading.Semaphore | None = None,
        alive: Callable[[str], bool] | None = None,
        grace_s: float = 30.0,
    ) -> None:
        self._compute = compute
        self._slots = slots
        self._alive, self._grace_s = alive, grace_s
        self._missing: dict[str, float] = {}  # owner → when its session was first seen gone
        self._checked = 0.0
        self._waiting = slots is not None
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._state = "running"
        self._fraction = 0.0
        self._error: str | None = None
        self._result: Any = None
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._clock = ChunkClock()
        self._owners: set[str] = set()
        self._thread = threading.Thread(target=self._run, name="dashboard-task", daemon=True)
        _LIVE.add(self)
        self._thread.start()

    def _progress(self, fraction: float) -> None:
        self._check_owners()
        if self._cancel.is_set():
            raise Cancelled
        with self._lock:
            self._fraction = max(self._fraction, min(1.0, float(fraction)))

    def _chunk_event(self, event: Callable[[ChunkClock], None]) -> None:
        self._check_owners()
        if self._cancel.is_set():
            raise Cancelled
        with self._lock:
            event(self._clock)

    def _run(self) -> None:
        if not self._take_slot():
            self._finish("cancelled")
            return
        try:
            self._work()
        finally:
            if self._slots is not None:
                self._slots.release()

    def _take_slot(self) -> bool:
        """Wait for a free slot, checking for a cancel every 0.2 s; whether one was taken."""
        if self._slots is None:
            return True
        while not self._slots.acquire(timeout=0.2):
            if self._cancel.is_set():
                return False
        with self._lock:
            self._waiting, self._started = False, time.perf_counter()  # its time starts now
            self._clock = ChunkClock()
        return True

    def _work(self) -> None:
        try:
            result = self._compute(TaskProgress(self))
            self._finish("done", result=result)
        except Cancelled:
            self._finish("cancelled")
        except LstmFcnError as exc:
            self._finish("failed", error=str(exc))
        except Exception as exc:  # noqa: BLE001 - a background thread must report, not vanish
            self._finish("failed", error=f"the check failed: {type(exc).__name__}: {exc}")

    def _finish(self, state: str, *, result: Any = None, error: str | None = None) -> None:
        with self._lock:
            self._state, self._result, self._error = state, result, error
            if state == "done":
                self._fraction = 1.0
            self._ended = time.perf_counter()
        self._done.set()

    def cancel(self) -> None:
        """Ask the computation to stop at its next progress report, whoever owns it (the server's
        shutdown); a session lets go of a task with :meth:`release` instead."""
        self._cancel.set()

    def own(self, owner: str) -> None:
        """Count ``owner`` (a session) among those who want the result."""
        with self._lock:
            self._owners.add(owner)
            self._missing.pop(owner, None)

    def _check_owners(self, every_s: float = 1.0) -> None:
        """Once a second: an owner whose session has been gone for the grace (a closed tab) no
        longer wants the result, so a task whose owners all left is cancelled like a released one.
        A task nobody owned (a warm-up) is never cancelled so."""
        now = time.monotonic()
        with self._lock:
            if self._alive is None or not self._owners or now - self._checked < every_s:
                return
            self._checked = now
            owners = list(self._owners)
        gone = [o for o in owners if not self._alive(o)]  # outside the lock: it asks the server
        with self._lock:
            for o in owners:
                if o not in gone:
                    self._missing.pop(o, None)
            for o in gone:
                if now - self._missing.setdefault(o, now) >= self._grace_s:
                    self._owners.discard(o)
            last = not self._owners
        if last:
            self._cancel.set()

    def release(self, owner: str) -> bool:
        """``owner`` no longer wants the result; the computation is cancelled once nobody does.
        Returns whether it was cancelled by this release."""
        with self._lock:
            self._owners.discard(owner)
            last = not self._owners and self._state == "running"
        if last:
            self._cancel.set()
        return last

    @property
    def owners(self) -> int:
        """How many sessions want the result."""
        with self._lock:
            return len(self._owners)

    @property
    def cancelling(self) -> bool:
        """Whether a cancel was asked for."""
        return self._cancel.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the end; whether it has ended."""
        return self._done.wait(timeout)

    def snapshot(self) -> TaskSnapshot:
        with self._lock:
            end = self._ended if self._ended is not None else time.perf_counter()
            clock = self._clock
            return TaskSnapshot(
                self._state,
                self._fraction,
                end - self._started,
                self._error,
                chunks=clock.chunks,
                remaining_units=clock.remaining() if clock.planned else None,
                running=clock.running() if clock.planned else (0.0, 0.0),
                waiting=self._waiting,
            )

    @property
    def result(self) -> Any:
        """What the computation returned (None unless ``snapshot().state == "done"``)."""
        with self._lock:
            return self._result


class TaskRegistry:
    """Tasks by key, shared by the server's sessions; finished ones are forgotten past ``keep``.
    At most ``max_running`` compute at once (None: no bound); the others wait for a slot, their
    snapshots saying so, so that many visitors' checks share the CPU in turn. ``alive(owner)``:
    whether an owner's session is still connected; one gone for ``grace_s`` lets go of its tasks."""

    def __init__(
        self,
        keep: int = 16,
        max_running: int | None = None,
        alive: Callable[[str], bool] | None = None,
        grace_s: float = 30.0,
    ) -> None:
        self.keep, self.max_running, self.alive, self.grace_s = keep, max_running, alive, grace_s
        self._slots = threading.BoundedSemaphore(max_running) if max_running else None
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Task | None:
        with self._lock:
            return self._tasks.get(key)

    def start(self, key: str, compute: Callable[[Callable[[float], None]], Any], owner: str | None = None) -> Task:
        """The task running ``compute`` under ``key``, owned by ``owner`` too: the one already
        running, else a new one (a finished task under the same key is replaced, and so is one
        whose owners all cancelled it and that is still unwinding: the new owner never inherits
        their cancel)."""
        with self._lock:
            task = self._tasks.get(key)
            if task is None or task.snapshot().finished or task.cancelling:
                task = self._tasks[key] = Task(compute, self._slots, self.alive, self.grace_s)
                finished = [k for k, t in self._tasks.items() if t.snapshot().finished]
                for old in finished[: max(0, len(self._tasks) - self.keep)]:
                    self._tasks.pop(old, None)
            if owner is not None:
                task.own(owner)
            return task

    def release(self, key: str, owner: str) -> float:
        """``owner`` cancels its interest in the task under ``key`` (see :meth:`Task.release`);
        the share done when it let go (0 when there is no such task)."""
        task = self.get(key)
        if task is None:
            return 0.0
        task.release(owner)
        return task.snapshot().fraction

    def forget(self, key: str) -> None:
        with self._lock:
            self._tasks.pop(key, None)
