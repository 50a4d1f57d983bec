"""Training in the background, so a browser page can show progress and a stop button.

A Streamlit script run ends (or is interrupted) whenever the user touches a widget, so training
cannot live inside one run. A :class:`TrainingJob` trains on its own thread; the page only keeps
the job's id, polls :meth:`TrainingJob.snapshot` to draw the progress bar and the curves, and
calls :meth:`TrainingJob.stop`. When training ends the job holds the checkpoint bytes, which the
page stores like an upload (:class:`~lstmfcn.dashboard.blobs.BlobStore`) so the model is kept for
the session and can be downloaded.

Trainings are bounded server-wide (:class:`JobRegistry`): at most ``max_running`` train at once,
the next ``max_queued`` wait in a queue (each page shows its place), more are refused with a
sentence, and a request over ``max_epochs`` too. A training belongs to the session that started
it: once that session has been gone (its tab closed) for ``grace_s`` the training is stopped after
its epoch and *not kept* (nobody could find the checkpoint: models trained here live in the
session), and a queued one is dropped before it starts.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from lstmfcn.checkpoint import checkpoint_bytes
from lstmfcn.data import Dataset
from lstmfcn.errors import LstmFcnError
from lstmfcn.training import EpochReport, TrainConfig
from lstmfcn.workflow import train_on_dataset
from lstmfcn.zoo import zoo_file_name

from .state import parse_names


@dataclass(frozen=True)
class TrainRequest:
    """What the user asked for on the Train page."""

    dataset_id: str
    dataset_name: str
    arch: str = "lstmfcn"
    cells: int = 8
    shuffle: bool = True
    epochs: int = 200
    seed: int = 0
    device: str = "auto"
    names: str = ""  # the session's renames (the URL's ``names``), stored in the checkpoint

    def file_name(self) -> str:
        """Checkpoint file name offered for download, e.g. ``GunPoint__lstmfcn.safetensors``."""
        return zoo_file_name(self.dataset_name, self.arch, self.shuffle) + ".safetensors"


@dataclass
class JobSnapshot:
    """A consistent copy of a job's state for drawing.

    Attributes:
        state: ``"queued"`` (waiting for a free slot), ``"running"``, ``"done"``, ``"stopped"``
            (done early, weights kept), ``"cancelled"`` (stopped while queued, or its session went
            away: nothing kept) or ``"failed"``.
        epoch, epochs: progress.
        history: ``{"loss": [...], "accuracy": [...], "lr": [...]}`` so far.
        elapsed_s: wall time so far.
        error: the sentence for the user when ``state == "failed"``.
        test_accuracy, train_accuracy: after training.
        queue_position: 1 for the next to start, while queued.
    """

    state: str
    epoch: int
    epochs: int
    history: dict[str, list[float]]
    elapsed_s: float
    error: str | None = None
    test_accuracy: float | None = None
    train_accuracy: float | None = None
    queue_position: int | None = None

    @property
    def finished(self) -> bool:
        return self.state not in ("running", "queued")

    @property
    def fraction(self) -> float:
        """Share of the planned epochs run: a stopped training shows how far it got, not a full bar."""
        return 1.0 if self.state == "done" else (min(self.epoch / self.epochs, 1.0) if self.epochs else 0.0)


@dataclass
class TrainingJob:
    """One training run on a background thread (see the module docstring)."""

    request: TrainRequest
    owner: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    checkpoint: bytes | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "accuracy": [], "lr": []}, repr=False)
    _epoch: int = 0
    _state: str = "queued"
    _error: str | None = None
    _started: float = field(default_factory=time.perf_counter)
    _ended: float | None = None
    _accuracy: tuple[float | None, float | None] = (None, None)
    _thread: threading.Thread | None = field(default=None, repr=False)
    _gone: Callable[[], bool] = field(default=lambda: False, repr=False)
    _ended_hook: Callable[[], None] = field(default=lambda: None, repr=False)

    def start(self, ds: Dataset) -> TrainingJob:
        """Start training on ``ds`` (the dataset behind ``request.dataset_id``); returns self."""
        self._claim()
        return self._launch(ds)

    def _claim(self) -> None:
        """Count as running (the registry does it under its lock, so no two take the last slot)."""
        with self._lock:
            self._state, self._started = "running", time.perf_counter()

    def _launch(self, ds: Dataset) -> TrainingJob:
        self._thread = threading.Thread(target=self._run, args=(ds,), name=f"train-{self.id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask training to end after the current epoch (the best weights so far are kept); a
        queued training is dropped before it starts."""
        self._stop.set()
        with self._lock:
            if self._state == "queued":
                self._state, self._ended = "cancelled", time.perf_counter()

    @property
    def stopping(self) -> bool:
        """Whether a stop was asked for."""
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            end = self._ended if self._ended is not None else time.perf_counter()
            return JobSnapshot(
                state=self._state,
                epoch=self._epoch,
                epochs=self.request.epochs,
                history={k: list(v) for k, v in self._history.items()},
                elapsed_s=end - self._started,
                error=self._error,
                train_accuracy=self._accuracy[0],
                test_accuracy=self._accuracy[1],
            )

    def _progress(self, report: EpochReport) -> None:
        with self._lock:
            self._epoch = report.epoch
            self._history["loss"].append(report.loss)
            self._history["accuracy"].append(report.accuracy)
            self._history["lr"].append(report.lr)

    def _run(self, ds: Dataset) -> None:
        r = self.request
        try:
            model, meta = train_on_dataset(
                ds,
                r.arch,
                cells=r.cells,
                shuffle=r.shuffle,
                config=TrainConfig(epochs=r.epochs, seed=r.seed, device=r.device),
                progress=self._progress,
                should_stop=self._should_stop,
                names=parse_names(r.names) or None,
            )
            if self._gone():  # its session went away: nobody could find the checkpoint
                self._cancel("its session ended, so it was stopped and not kept")
                return
            data = checkpoint_bytes(model.cpu(), meta)
            t = meta.get("training", {})
            with self._lock:
                self.checkpoint = data
                self._accuracy = (t.get("train_accuracy"), t.get("test_accuracy"))
                self._state = "stopped" if t.get("stopped") else "done"
        except LstmFcnError as exc:
            self._fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - a background thread must report, not vanish
            self._fail(f"training failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._ended = time.perf_counter()
            self._ended_hook()

    def _should_stop(self) -> bool:
        return self._stop.is_set() or self._gone()

    def _fail(self, message: str) -> None:
        with self._lock:
            self._state = "failed"
            self._error = message

    def _cancel(self, why: str) -> None:
        with self._lock:
            self._state, self._error = "cancelled", why
            self._ended = time.perf_counter()


class OwnerClock:
    """Whether a session has been gone for ``grace_s`` (a reload or a dropped connection comes
    back within seconds; a closed tab does not)."""

    def __init__(self, owner: str | None, alive: Callable[[str], bool], grace_s: float) -> None:
        self.owner, self.alive, self.grace_s = owner, alive, grace_s
        self._missing_since: float | None = None

    def __call__(self) -> bool:
        if self.owner is None or self.alive(self.owner):
            self._missing_since = None
            return False
        now = time.monotonic()
        if self._missing_since is None:
            self._missing_since = now
        return now - self._missing_since >= self.grace_s


class TrainingRefused(LstmFcnError):
    """A training the server's limits do not allow now; the message says why."""


class JobRegistry:
    """Jobs by id, shared by the server's sessions (each session only knows its own ids), at most
    ``max_running`` training at once and ``max_queued`` waiting (see the module docstring).

    Args:
        alive: whether a session (an owner string) is still connected.
        grace_s: how long a session may be gone before its training is stopped.
    """

    def __init__(
        self,
        keep: int = 32,
        *,
        max_running: int = 2,
        max_queued: int = 8,
        max_epochs: int = 5000,
        alive: Callable[[str], bool] = lambda owner: True,
        grace_s: float = 30.0,
    ) -> None:
        self.keep, self.max_running, self.max_queued, self.max_epochs = keep, max_running, max_queued, max_epochs
        self.alive, self.grace_s = alive, grace_s
        self._jobs: dict[str, TrainingJob] = {}
        self._queue: list[tuple[TrainingJob, Dataset]] = []
        self._lock = threading.Lock()

    def start(self, request: TrainRequest, ds: Dataset, owner: str | None = None) -> TrainingJob:
        """Train ``request`` on ``ds`` for ``owner``: at once when a slot is free, else queued.

        Raises:
            TrainingRefused: more epochs than allowed, or the queue is full.
        """
        if not 1 <= request.epochs <= self.max_epochs:
            raise TrainingRefused(f"a training may run 1 to {self.max_epochs} epochs on this server")
        job = TrainingJob(request, owner)
        job._gone = OwnerClock(owner, self.alive, self.grace_s)
        job._ended_hook = self._advance
        with self._lock:
            if len(self._queue) >= self.max_queued and self._running() >= self.max_running:
                raise TrainingRefused(
                    f"{self._running()} trainings are running and {len(self._queue)} are waiting on this server; "
                    "try again when one has finished"
                )
            self._jobs[job.id] = job
            self._queue.append((job, ds))
            self._forget_old()
        self._advance()
        return job

    def get(self, job_id: str | None) -> TrainingJob | None:
        if not job_id:
            return None
        with self._lock:
            return self._jobs.get(job_id)

    def queue_position(self, job_id: str) -> int | None:
        """1 for the next training to start, None when ``job_id`` is not waiting."""
        with self._lock:
            ids = [j.id for j, _ in self._queue if j.snapshot().state == "queued"]
        return ids.index(job_id) + 1 if job_id in ids else None

    def snapshot(self, job: TrainingJob) -> JobSnapshot:
        """The job's snapshot with its place in the queue."""
        snap = job.snapshot()
        snap.queue_position = self.queue_position(job.id) if snap.state == "queued" else None
        return snap

    def running(self) -> int:
        with self._lock:
            return self._running()

    def _running(self) -> int:
        return sum(j.snapshot().state == "running" for j in self._jobs.values())

    def _advance(self) -> None:
        """Start queued trainings while slots are free; drop those stopped or whose session went away."""
        while True:
            with self._lock:
                self._queue = [(j, d) for j, d in self._queue if j.snapshot().state == "queued"]
                gone = [j for j, _ in self._queue if j._gone()]
                if not gone and (not self._queue or self._running() >= self.max_running):
                    return
                if gone:
                    job, ds = gone[0], None
                else:
                    job, ds = self._queue.pop(0)
                    job._claim()
            if ds is None:
                job._cancel("its session ended before it started")
            else:
                job._launch(ds)

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.snapshot().finished]
        for old in finished[: max(0, len(self._jobs) - self.keep)]:
            self._jobs.pop(old.id, None)
