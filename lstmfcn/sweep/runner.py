"""Scheduling a sweep's units on Ray: local by default, a cluster when given its address.

Every unit is one Ray task with its needs declared (``num_cpus`` threads, and ``num_gpus`` when it
trains on a GPU); a group's refit is submitted as soon as its last candidate finishes. Finished
units are skipped before anything is loaded, so a rerun of an interrupted sweep does only what is
left. Ctrl-C cancels the tasks in flight (their workers are stopped; the training's resumable state
they saved is kept) and nothing finished is lost. Ray retries a task whose worker died.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ray

from . import store, watchdog
from .plan import REFIT, DatasetRef, Unit, candidate_units, refit_unit
from .selection import choose_cells
from .unit import UnitSettings, run_unit

ReportFn = Callable[[str], None]
HEARTBEAT_S = 300.0  # a line at least this often while units run
_watchdog = None  # the local Ray's watchdog (see :mod:`.watchdog`), while this process runs one


@dataclass
class SweepPlan:
    """Everything ``sweep`` was asked to do."""

    datasets: list[DatasetRef]
    models: list[str]
    cells: list[int]
    seeds: list[int]
    settings: UnitSettings = field(default_factory=UnitSettings)

    def candidates(self) -> list[Unit]:
        return candidate_units(self.datasets, self.models, self.cells, self.seeds)

    @property
    def n_units(self) -> int:
        """Candidates plus one refit per (dataset, model, seed)."""
        return len(self.candidates()) + len(self.datasets) * len(self.models) * len(self.seeds)


@dataclass
class SweepOutcome:
    """What a run of :func:`run_sweep` did."""

    trained: list[str] = field(default_factory=list)  # keys of units trained by this run
    skipped: list[str] = field(default_factory=list)  # keys of units found finished
    failed: dict[str, str] = field(default_factory=dict)  # key -> message
    interrupted: bool = False


@ray.remote(max_retries=3)
def _unit_task(unit: Unit, out: str, settings: UnitSettings, threads: int, val_accuracy: float | None) -> dict:
    import torch

    torch.set_num_threads(threads)  # as many threads as the task holds CPUs, never the node's count
    return run_unit(unit, out, settings, val_accuracy)


def connect(address: str | None = None, num_cpus: int | None = None, threads: int = 1) -> bool:
    """Start a local Ray (``num_cpus``, default the machine's cores) or join ``address``.

    Returns whether this call started the connection (and so should shut it down); a session the
    caller already holds is used as it is.
    """
    global _watchdog
    if ray.is_initialized():
        return False
    env = {"env_vars": {v: str(threads) for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}}
    if address:
        ray.init(address=address, runtime_env=env, log_to_driver=False)
    else:
        ray.init(num_cpus=num_cpus or os.cpu_count(), include_dashboard=False, runtime_env=env, log_to_driver=False)
        _watchdog = watchdog.start(_session_dir())  # a SIGKILLed sweep leaves no Ray process behind
    return True


def disconnect() -> None:
    """Shut down the Ray this process started (and its watchdog, which ends anything left)."""
    global _watchdog
    ray.shutdown()
    watchdog.stop(_watchdog)
    _watchdog = None


def _session_dir() -> str:
    # Ray has no public accessor for its local session's folder; without it there is no watchdog.
    try:
        return ray._private.worker._global_node.get_session_dir_path()
    except AttributeError:
        return ""


def gpu_available() -> bool:
    return ray.cluster_resources().get("GPU", 0) > 0


def run_sweep(
    plan: SweepPlan,
    out: str | os.PathLike,
    *,
    threads: int = 1,
    gpus_per_unit: float = 0.0,
    report: ReportFn = print,
    on_finished: Callable[[dict], None] | None = None,
) -> SweepOutcome:
    """Train every unit of ``plan`` not yet finished under ``out`` on the connected Ray.

    Args:
        threads: CPUs (torch threads) each task declares and uses.
        gpus_per_unit: GPUs each task declares (0 trains on CPU; a fraction shares a GPU).
        report: receives one line per event (started, finished with its numbers and the time left).
        on_finished: called with each finished unit's metrics (after they are on disk).

    Raises:
        KeyboardInterrupt: after cancelling the tasks in flight; every finished unit is kept.
    """
    out = str(Path(out))
    store.check_settings(out, plan.settings.record())
    settings = plan.settings
    outcome = SweepOutcome()
    candidates = plan.candidates()
    groups: dict[tuple, list[Unit]] = {}
    for u in candidates:
        groups.setdefault(u.group, []).append(u)
    task = _unit_task.options(num_cpus=threads, num_gpus=gpus_per_unit)
    pending: dict[ray.ObjectRef, Unit] = {}
    refits_sent: set[tuple] = set()

    # Units wait here, not in Ray's queue: only as many tasks as the cluster runs at once are
    # submitted, so a refit (put first) starts as soon as a slot frees, and Ctrl-C has little to cancel.
    queue: deque[tuple[Unit, float | None]] = deque()
    slots = _slots(threads, gpus_per_unit)

    def submit(unit: Unit, val_accuracy: float | None = None, *, first: bool = False) -> None:
        (queue.appendleft if first else queue.append)((unit, val_accuracy))

    def fill() -> None:
        while queue and len(pending) < slots:
            unit, val_accuracy = queue.popleft()
            pending[task.remote(unit, out, settings, threads, val_accuracy)] = unit

    def maybe_refit(group: tuple) -> None:
        if group in refits_sent:
            return
        metrics = [store.read_metrics(out, u) for u in groups[group]]
        if any(m is None for m in metrics):
            return
        refits_sent.add(group)
        val = {m["cells"]: m["val_accuracy"] for m in metrics}
        cells = choose_cells(val)
        refit = refit_unit(groups[group][0], cells)
        if store.is_finished(out, refit):
            outcome.skipped.append(refit.key)
        else:
            submit(refit, val[cells], first=True)

    for u in candidates:
        if store.is_finished(out, u):
            outcome.skipped.append(u.key)
        else:
            submit(u)
    for group in groups:
        maybe_refit(group)
    total = plan.n_units
    to_do = total - len(outcome.skipped)
    report(
        f"sweep: {total} units ({len(candidates)} candidates, {len(groups)} refits); "
        f"{len(outcome.skipped)} already finished, {to_do} to train on {_resources()}"
    )
    started = time.perf_counter()
    try:
        fill()
        last_word = time.perf_counter()
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=30.0)
            if not ready:
                if time.perf_counter() - last_word > HEARTBEAT_S:  # a long unit: say it is still going
                    last_word = time.perf_counter()
                    done = len(outcome.trained) + len(outcome.failed)
                    running = ", ".join(u.key for u in pending.values())
                    report(f"[{done}/{to_do}] running {running} ({_minutes(last_word - started)} so far)")
                continue
            last_word = time.perf_counter()
            ref = ready[0]
            unit = pending.pop(ref)
            try:
                metrics = ray.get(ref)
            except Exception as exc:  # one unit's error (bad data, a dead worker past retries) must not end the sweep
                outcome.failed[unit.key] = _one_line(exc)
                report(f"FAILED {unit.key}: {outcome.failed[unit.key]}")
                fill()
                continue
            outcome.trained.append(unit.key)
            if on_finished is not None:
                on_finished(metrics)
            done = len(outcome.trained) + len(outcome.failed)
            report(_finished_line(metrics, done, to_do, time.perf_counter() - started))
            if unit.stage != REFIT:
                maybe_refit(unit.group)
            fill()
    except KeyboardInterrupt:
        outcome.interrupted = True
        for ref in pending:
            ray.cancel(ref, force=True)  # stops the worker mid-epoch; its saved state is kept
        report(
            f"interrupted: {len(outcome.trained)} unit(s) finished in this run are kept, "
            f"{len(pending)} in flight were stopped; run the same command again to go on"
        )
        raise
    return outcome


def _finished_line(metrics: dict, done: int, to_do: int, wall: float) -> str:
    val = metrics.get("val_accuracy")
    test = metrics.get("test_accuracy")
    val_txt = "-" if val is None else f"{val:.4f}"
    test_txt = "-" if test is None else f"{test:.4f}"
    left = to_do - done
    if left > 0:
        # Wall time per finished unit so far covers the parallelism the cluster gives.
        eta = f"about {_minutes(wall / done * left)} left"
    else:
        eta = "done"
    return f"[{done}/{to_do}] {metrics['key']}: val {val_txt}, test {test_txt} ({_minutes(metrics['unit_s'])}) · {eta}"


def _slots(threads: int, gpus_per_unit: float) -> int:
    """How many units the connected cluster runs at once."""
    res = ray.cluster_resources()
    n = int(res.get("CPU", 1) // max(threads, 1))
    if gpus_per_unit > 0:
        n = min(n, int(res.get("GPU", 0) // gpus_per_unit))
    return max(n, 1)


def _minutes(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} min"


def _resources() -> str:
    res = ray.cluster_resources()
    gpus = res.get("GPU", 0)
    return f"{res.get('CPU', 0):g} CPU(s)" + (f" and {gpus:g} GPU(s)" if gpus else "")


def _one_line(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None) or exc
    text = str(cause).strip().splitlines()
    return text[-1] if text else type(cause).__name__
