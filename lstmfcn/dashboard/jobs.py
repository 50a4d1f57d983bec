"""Training in the background, so a browser page can show progress and a stop button.

A Streamlit script run ends (or is interrupted) whenever the user touches a widget, so training
cannot live inside one run. A :class:`TrainingJob` trains on its own thread; the page only keeps
the job's id, polls :meth:`TrainingJob.snapshot` to draw the progress bar and the curves, and
calls :meth:`TrainingJob.stop`. When training ends the job holds the checkpoint bytes, which the
page stores like an upload (:class:`~lstmfcn.dashboard.blobs.BlobStore`) so the model is kept for
the session and can be downloaded.
"""

from __future__ import annotations

import threading
import time
import uuid
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
        state: ``"running"``, ``"done"``, ``"stopped"`` (done early, weights kept) or ``"failed"``.
        epoch, epochs: progress.
        history: ``{"loss": [...], "accuracy": [...], "lr": [...]}`` so far.
        elapsed_s: wall time so far.
        error: the sentence for the user when ``state == "failed"``.
        test_accuracy, train_accuracy: after training.
    """

    state: str
    epoch: int
    epochs: int
    history: dict[str, list[float]]
    elapsed_s: float
    error: str | None = None
    test_accuracy: float | None = None
    train_accuracy: float | None = None

    @property
    def finished(self) -> bool:
        return self.state != "running"

    @property
    def fraction(self) -> float:
        """Share of the planned epochs run: a stopped training shows how far it got, not a full bar."""
        return 1.0 if self.state == "done" else (min(self.epoch / self.epochs, 1.0) if self.epochs else 0.0)


@dataclass
class TrainingJob:
    """One training run on a background thread (see the module docstring)."""

    request: TrainRequest
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    checkpoint: bytes | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "accuracy": [], "lr": []}, repr=False)
    _epoch: int = 0
    _state: str = "running"
    _error: str | None = None
    _started: float = field(default_factory=time.perf_counter)
    _ended: float | None = None
    _accuracy: tuple[float | None, float | None] = (None, None)
    _thread: threading.Thread | None = field(default=None, repr=False)

    def start(self, ds: Dataset) -> TrainingJob:
        """Start training on ``ds`` (the dataset behind ``request.dataset_id``); returns self."""
        self._thread = threading.Thread(target=self._run, args=(ds,), name=f"train-{self.id}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask training to end after the current epoch (the best weights so far are kept)."""
        self._stop.set()

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
                should_stop=self._stop.is_set,
                names=parse_names(r.names) or None,
            )
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

    def _fail(self, message: str) -> None:
        with self._lock:
            self._state = "failed"
            self._error = message


class JobRegistry:
    """Jobs by id, shared by the server's sessions (each session only knows its own ids)."""

    def __init__(self, keep: int = 32) -> None:
        self.keep = keep
        self._jobs: dict[str, TrainingJob] = {}
        self._lock = threading.Lock()

    def start(self, request: TrainRequest, ds: Dataset) -> TrainingJob:
        job = TrainingJob(request)
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.snapshot().finished]
            for old in finished[: max(0, len(self._jobs) - self.keep)]:
                self._jobs.pop(old.id, None)
        return job.start(ds)

    def get(self, job_id: str | None) -> TrainingJob | None:
        if not job_id:
            return None
        with self._lock:
            return self._jobs.get(job_id)
