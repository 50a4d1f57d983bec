"""Training in the background, so a browser page can show progress and a stop button: a kind of
task of the dashboard's one registry (:mod:`lstmfcn.dashboard.tasks`).

A Streamlit script run ends (or is interrupted) whenever the user touches a widget, so training
cannot live inside one run. :meth:`JobRegistry.train` starts a :class:`~lstmfcn.dashboard.tasks.Task`
that trains on its own thread; the page only keeps the task's key, polls its snapshot to draw the
progress bar and the curves (the snapshot's payload: see :func:`training`), and cancels it to stop
(after the current epoch: the best weights so far are kept, the state is ``"stopped"``). When
training ends the task's result is the checkpoint bytes, which the page stores like an upload
(:class:`~lstmfcn.dashboard.blobs.BlobStore`) so the model is kept for the session and can be
downloaded.

Trainings are bounded server-wide: at most ``max_running`` train at once, the next ``max_queued``
wait in a queue (each page shows its place), more are refused with a sentence, and a request over
``max_epochs`` too. A training belongs to the session that started it: once that session has been
gone (its tab closed) for ``grace_s`` the training is stopped after its epoch and *not kept*
(nobody could find the checkpoint: models trained here live in the session), and a queued one is
dropped before it starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from lstmfcn.checkpoint import checkpoint_bytes
from lstmfcn.data import Dataset
from lstmfcn.training import EpochReport, TrainConfig
from lstmfcn.workflow import train_on_dataset
from lstmfcn.zoo import zoo_file_name

from .slots import Refused
from .state import parse_names
from .tasks import Task, TaskProgress, TaskRegistry

#: A training the server's limits do not allow now; the message says why.
TrainingRefused = Refused


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


def training(request: TrainRequest, ds: Dataset) -> Callable[[TaskProgress], bytes]:
    """The task's computation: train ``request`` on ``ds`` (the dataset behind its id), return the
    checkpoint's bytes. Its payload: ``epoch``, ``history`` (``{"loss": [...], "accuracy": [...],
    "lr": [...]}`` so far), then ``train_accuracy`` and ``test_accuracy`` of the kept weights."""

    def compute(progress: TaskProgress) -> bytes:
        history: dict[str, list[float]] = {"loss": [], "accuracy": [], "lr": []}

        def on_epoch(report: EpochReport) -> None:
            for name, values in history.items():
                values.append(getattr(report, name))
            progress.report(
                report.epoch / request.epochs, epoch=report.epoch, history={k: list(v) for k, v in history.items()}
            )

        model, meta = train_on_dataset(
            ds,
            request.arch,
            cells=request.cells,
            shuffle=request.shuffle,
            config=TrainConfig(epochs=request.epochs, seed=request.seed, device=request.device),
            progress=on_epoch,
            should_stop=lambda: progress.stopping,
            names=parse_names(request.names) or None,
        )
        t = meta.get("training", {})
        progress.report(train_accuracy=t.get("train_accuracy"), test_accuracy=t.get("test_accuracy"))
        if t.get("stopped"):
            progress.stopped_early()
        return checkpoint_bytes(model.cpu(), meta)

    return compute


class JobRegistry(TaskRegistry):
    """The task registry with the server's training limits (see the module docstring).

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
        super().__init__(
            keep, max_running, alive, grace_s, max_queued=max_queued, what="trainings", failure="training failed"
        )
        self.max_epochs = max_epochs

    def train(self, request: TrainRequest, ds: Dataset, owner: str | None = None) -> Task:
        """Train ``request`` on ``ds`` for ``owner``: at once when a slot is free, else queued.
        The task's ``about`` is the request.

        Raises:
            TrainingRefused: more epochs than allowed, or the queue is full.
        """
        if not 1 <= request.epochs <= self.max_epochs:
            raise TrainingRefused(f"a training may run 1 to {self.max_epochs} epochs on this server")
        return self.start(f"train|{uuid.uuid4().hex[:12]}", training(request, ds), owner, about=request)
