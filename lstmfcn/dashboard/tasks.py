"""Work in the background, so that no page blocks while it runs: the dashboard's one task registry.

A Streamlit script run ends whenever the user touches a widget, and a check over a few hundred
samples (faithfulness, the sanity check), a report or a training takes longer than a page may
wait. A :class:`Task` runs one such computation on its own thread; pages poll
:meth:`Task.snapshot` to draw a progress bar with the time left, and call :meth:`Task.cancel`.
Tasks are keyed by what they compute (the disk cache's key), so a rerun, another page or another
browser session finds the running task instead of starting it again (a training's key is new
each time: see :mod:`lstmfcn.dashboard.jobs`).

The computation is a plain function ``compute(progress) -> result``; ``progress(fraction)`` is
the library's usual callback (:data:`lstmfcn.progress.Progress`). Cancelling makes the next
``progress`` call raise :class:`Cancelled`, which unwinds the computation between two batches.
A computation that would rather end on its own terms (a training keeps its best weights) polls
``progress.stopping`` instead, says how far it is with ``progress.report(fraction, **payload)``
(the payload, e.g. a training's curves, comes with each snapshot) and, when it ended early,
``progress.stopped_early()``: its state is then ``"stopped"``, its result kept.

A task is shared for speed but owned per session: every session that asks for it is one of its
*owners* (:meth:`TaskRegistry.start` with ``owner``), and a session's Cancel only detaches it
(:meth:`TaskRegistry.release`); the computation is cancelled once no owner is left. So one
visitor's Cancel never stops another's check, and a task cancelled that way is replaced, not
shown as cancelled, when a new session asks for it (the cancel was its owners', not the new one's).
An owner whose session has been gone for the grace (a closed tab; a reload comes back within
seconds) lets go too; a task all of whose owners left so is cancelled and its result not kept.

The server's slots (:class:`Slots`) bound the work: at most ``max_running`` tasks of a registry
compute at once, the others wait their turn in order (each snapshot says its place), at most
``max_queued`` of them; past that a new task is refused (:class:`~lstmfcn.dashboard.slots.Refused`) with a sentence.

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
from dataclasses import dataclass, field
from typing import Any

from lstmfcn.errors import LstmFcnError

from .slots import Slots
from .time_left import ChunkClock, TimeLeft, estimate


class Cancelled(Exception):
    """Raised inside a task's computation once the user has cancelled it."""


@dataclass(frozen=True)
class TaskSnapshot:
    """A consistent copy of a task's state for drawing.

    Attributes:
        state: ``"queued"`` (waiting for one of the server's slots), ``"running"``, ``"done"``,
            ``"stopped"`` (ended early on request, its result kept), ``"cancelled"`` (nothing
            kept) or ``"failed"``.
        fraction: share done, 0 … 1 (a stopped task keeps how far it got).
        elapsed_s: wall time so far, from when it got its slot (to the end once finished).
        error: the sentence for the user when ``state == "failed"``; why, when it was cancelled
            because its owners' sessions ended (None when someone cancelled it).
        queue_position: 1 for the next to start, while queued.
        payload: what the computation reported besides its fraction (e.g. a training's curves).
    """

    state: str
    fraction: float
    elapsed_s: float
    error: str | None = None
    chunks: tuple[tuple[float, float], ...] = ()
    remaining_units: float | None = None
    running: tuple[float, float] = (0.0, 0.0)
    queue_position: int | None = None
    payload: dict = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.state not in ("running", "queued")

    @property
    def waiting(self) -> bool:
        """Whether it waits for one of the server's slots (see :class:`Slots`)."""
        return self.state == "queued"

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


class TaskProgress:
    """The ``progress`` a task's computation is given: the library's fraction callback, plus
    ``plan``/``chunk_done`` (see :class:`ChunkClock`). Every call raises :class:`Cancelled` once
    the task was cancelled, but for ``stopping``, ``report`` and ``stopped_early``, with which a
    computation ends on its own terms (see the module docstring)."""

    def __init__(self, task: Task) -> None:
        self._task = task

    def __call__(self, fraction: float) -> None:
        self._task._progress(fraction)

    def plan(self, units) -> None:
        self._task._chunk_event(lambda clock: clock.plan(units))

    def chunk_done(self) -> None:
        self._task._chunk_event(ChunkClock.chunk_done)

    @property
    def stopping(self) -> bool:
        """Whether the computation was asked to stop (it may end early, keeping what it has)."""
        return self._task._stopping()

    def report(self, fraction: float | None = None, **payload: Any) -> None:
        """Say how far it is (``fraction``, when given) and set payload fields; never raises.
        A value handed over is never changed afterwards (hand a copy of what keeps growing)."""
        self._task._report(fraction, payload)

    def stopped_early(self) -> None:
        """The result it returns is from a computation that ended early on request."""
        self._task._early = True


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

#: Why a task was cancelled when every owner's session had ended (see :meth:`Task._check_owners`).
GONE_WHILE_QUEUED = "its session ended before it started"
GONE_WHILE_RUNNING = "its session ended, so it was stopped and not kept"


class Task:
    """One computation on a background thread (see the module docstring).

    Args:
        compute: ``compute(progress) -> result``.
        slots: the server's slots it waits for (None: its own, unbounded).
        alive: whether an owner's session is still connected (None: owners never go away).
        grace_s: how long an owner's session may be gone before it lets go.
        key: what it computes (its id in the registry).
        about: what it is, for the pages (e.g. a training's :class:`~lstmfcn.dashboard.jobs.TrainRequest`).
        failure: the words before an unexpected error's name ("the check failed: ValueError: …").

    Raises:
        Refused: the slots' queue is full.
    """

    def __init__(
        self,
        compute: Callable[[TaskProgress], Any],
        slots: Slots | None = None,
        alive: Callable[[str], bool] | None = None,
        grace_s: float = 30.0,
        *,
        key: str = "",
        about: Any = None,
        failure: str = "the check failed",
    ) -> None:
        self.key, self.about, self._failure = key, about, failure
        self._compute = compute
        self._slots = slots if slots is not None else Slots()
        self._alive, self._grace_s = alive, grace_s
        self._missing: dict[str, float] = {}  # owner → when its session was first seen gone
        self._checked = 0.0
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._fraction = 0.0
        self._payload: dict[str, Any] = {}
        self._error: str | None = None
        self._why: str | None = None  # set when every owner's session ended
        self._early = False
        self._result: Any = None
        self._started = time.perf_counter()
        self._ended: float | None = None
        self._clock = ChunkClock()
        self._owners: set[str] = set()
        self._thread = threading.Thread(target=self._run, name=f"dashboard-task-{key[:40]}", daemon=True)
        self._state = "running" if self._slots.enter(self) else "queued"
        _LIVE.add(self)
        self._thread.start()

    # -- called by the computation (through TaskProgress) --------------------------------

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

    def _stopping(self) -> bool:
        self._check_owners()
        return self._cancel.is_set()

    def _report(self, fraction: float | None, payload: dict[str, Any]) -> None:
        with self._lock:
            if fraction is not None:
                self._fraction = max(self._fraction, min(1.0, float(fraction)))
            self._payload.update(payload)

    # -- the thread --------------------------------------------------------------------------

    def _run(self) -> None:
        if not self._take_slot():
            self._finish("cancelled", error=self._why)
            return
        state, result, error = self._work()
        self._finish(state, result=result, error=error, release=True)

    def _take_slot(self) -> bool:
        """Wait for this task's turn, checking for a cancel every 0.2 s; whether it got a slot."""
        with self._lock:
            if self._state == "running":  # a slot was free when it was made
                return True
        while not self._slots.take(self, timeout=0.2):
            self._check_owners()
            if self._cancel.is_set():
                self._slots.leave(self)
                return False
        with self._lock:
            lost = self._state != "queued"  # cancelled as it got the slot
            if not lost:
                self._state, self._started = "running", time.perf_counter()  # its time starts now
                self._clock = ChunkClock()
        if lost:
            self._slots.release()
        return not lost

    def _work(self) -> tuple[str, Any, str | None]:
        """``(state, result, error)`` of the computation."""
        try:
            result = self._compute(TaskProgress(self))
        except Cancelled:
            return "cancelled", None, self._why
        except LstmFcnError as exc:
            return "failed", None, str(exc)
        except Exception as exc:  # noqa: BLE001 - a background thread must report, not vanish
            return "failed", None, f"{self._failure}: {type(exc).__name__}: {exc}"
        if self._why:  # every owner's session ended: nobody could find the result
            return "cancelled", None, self._why
        return ("stopped" if self._early else "done"), result, None

    def _finish(self, state: str, *, result: Any = None, error: str | None = None, release: bool = False) -> None:
        """The end (once: a task cancelled while queued has ended already). The slot is given back
        under the task's lock, so that whoever sees it finished also sees its slot free."""
        with self._lock:
            if self._state in ("running", "queued"):
                self._state, self._result, self._error = state, result, error
                if state == "done":
                    self._fraction = 1.0
                self._ended = time.perf_counter()
            if release:
                self._slots.release()
        self._done.set()

    # -- called by the pages -----------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the computation to stop at its next progress report, whoever owns it (the server's
        shutdown, a training's Stop); a queued task ends at once. A session lets go of a task with
        :meth:`release` instead."""
        self._cancel.set()
        with self._lock:
            queued = self._state == "queued"
        if queued:
            self._slots.leave(self)
            self._finish("cancelled", error=self._why)

    def own(self, owner: str) -> None:
        """Count ``owner`` (a session) among those who want the result."""
        with self._lock:
            self._owners.add(owner)
            self._missing.pop(owner, None)

    def _check_owners(self, every_s: float = 1.0) -> None:
        """Once a second: an owner whose session has been gone for the grace (a closed tab) no
        longer wants the result, so a task whose owners all left is cancelled like a released one
        (and says why). A task nobody owned (a warm-up) is never cancelled so."""
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
                self._why = GONE_WHILE_QUEUED if self._state == "queued" else GONE_WHILE_RUNNING
        if last:
            self.cancel()

    def release(self, owner: str) -> bool:
        """``owner`` no longer wants the result; the computation is cancelled once nobody does.
        Returns whether it was cancelled by this release."""
        with self._lock:
            self._owners.discard(owner)
            last = not self._owners and self._state in ("running", "queued")
        if last:
            self.cancel()
        return last

    @property
    def owners(self) -> int:
        """How many sessions want the result."""
        with self._lock:
            return len(self._owners)

    @property
    def cancelling(self) -> bool:
        """Whether a cancel (or a stop) was asked for."""
        return self._cancel.is_set()

    def wait(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds for the end; whether it has ended."""
        return self._done.wait(timeout)

    def snapshot(self) -> TaskSnapshot:
        position = self._slots.position(self)  # outside the task's lock (see :meth:`_finish`)
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
                queue_position=position if self._state == "queued" else None,
                payload=dict(self._payload),
            )

    @property
    def result(self) -> Any:
        """What the computation returned (None unless ``snapshot().state`` is ``"done"`` or ``"stopped"``)."""
        with self._lock:
            return self._result


class TaskRegistry:
    """Tasks by key, shared by the server's sessions; finished ones are forgotten past ``keep``.
    At most ``max_running`` compute at once (None: no bound) and ``max_queued`` wait (None: no
    bound; past it :meth:`start` raises :class:`Refused`, naming the work ``what``); the waiting
    ones' snapshots say so, so that many visitors' work shares the CPU in turn. ``alive(owner)``:
    whether an owner's session is still connected; one gone for ``grace_s`` lets go of its tasks.
    ``failure``: the words before an unexpected error (see :class:`Task`)."""

    def __init__(
        self,
        keep: int = 16,
        max_running: int | None = None,
        alive: Callable[[str], bool] | None = None,
        grace_s: float = 30.0,
        *,
        max_queued: int | None = None,
        what: str = "checks",
        failure: str = "the check failed",
    ) -> None:
        self.keep, self.alive, self.grace_s, self.failure = keep, alive, grace_s, failure
        self._slots = Slots(max_running, max_queued, what)
        self._tasks: dict[str, Task] = {}
        self._lock = threading.Lock()

    @property
    def max_running(self) -> int | None:
        return self._slots.max_running

    @property
    def max_queued(self) -> int | None:
        return self._slots.max_queued

    def running(self) -> int:
        """How many of its tasks compute now."""
        return self._slots.running

    def get(self, key: str | None) -> Task | None:
        if not key:
            return None
        with self._lock:
            return self._tasks.get(key)

    def start(
        self, key: str, compute: Callable[[TaskProgress], Any], owner: str | None = None, about: Any = None
    ) -> Task:
        """The task running ``compute`` under ``key``, owned by ``owner`` too: the one already
        running, else a new one (a finished task under the same key is replaced, and so is one
        whose owners all cancelled it and that is still unwinding: the new owner never inherits
        their cancel).

        Raises:
            Refused: a new task would wait past ``max_queued``.
        """
        with self._lock:
            task = self._tasks.get(key)
            if task is None or task.snapshot().finished or task.cancelling:
                task = Task(compute, self._slots, self.alive, self.grace_s, key=key, about=about, failure=self.failure)
                self._tasks[key] = task
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
