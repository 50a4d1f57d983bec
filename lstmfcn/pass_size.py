"""Samples per pass chosen by measurement on the machine at hand, remembered on disk.

What makes a pass fast depends on what dominates it. The attention-over-time LSTM runs a Python
loop of small operations per step, so its cost per sample falls as a pass holds more samples;
convolutions over long series spill the caches (and glibc returns big freed blocks to the kernel,
which page-faults them back), so their cost per sample rises past a few samples. No fixed float
budget is right for both, nor for both AVX2 and AVX-512 machines.

So the first passes of a real run are the calibration: candidate sizes 1, 2, 4, … are each run
twice on the run's own samples (the first pass of a new shape pays for oneDNN's primitive creation
and the allocator's growth; the second is timed), and once a size is clearly slower per sample than
the best so far the rest of the run uses the best. Nothing is computed twice, so calibrating costs
only the passes run at a worse size. A run that ends before the measurement does leaves what it
measured for the next run, which goes on from the next size (a split of 150 series at IG's 32
points a series reaches 64-sample passes only on its second run). The choice is kept in ``pass_sizes.json`` in the cache folder,
keyed by everything it depends on (CPU model and flags, the kernels torch dispatches to, torch's
version and threads, the model's architecture and input shape, the method), and later runs start at
it. The pass size never changes a result beyond float rounding (Captum treats samples independently;
the bench checks calibrated against fixed passes).

Gradient methods that take each branch's input gradient on its own (IG, saliency, input ×
gradient, GradientSHAP: :mod:`lstmfcn.explain.branch_gradients`) need two sizes, one per branch
(:func:`branch_plan`): the LSTM branch a fixed number of series (:data:`LSTM_SERIES`, bounded by
the attention's memory), the conv branch a size calibrated as above in series, recorded under the
method name ``conv-gradient`` whatever method asked. Where the LSTM reads only a few steps the
branches are not split and the whole model's passes are calibrated (``gradient``).

``LSTMFCN_PASS_SIZE`` chooses the rule: ``calibrate`` (the default on the CPU), ``rule`` (the fixed
budget of :func:`lstmfcn.device.batch_size_for`, no timing: what the tests use, so that no result
depends on a clock), or a number of samples.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import torch
from torch import nn

from . import cache_folder
from .device import batch_size_for, cpu_model, model_device
from .errors import UserInputError

ENV = "LSTMFCN_PASS_SIZE"

#: A candidate this much slower per sample than the best so far ends the calibration: past the
#: optimum cost per sample only grows (cache spills), and noise on a shared machine is ~10 %.
STOP_RATIO = 1.15

# The largest pass a calibration tries, in floats counted as by batch_size_for (which counts about
# twice what the conv blocks keep): about 0.5 GB of activations, so no candidate exhausts memory.
_MAX_BUDGET = 2**28

#: Series (samples times their copies) the smallest candidate pass holds.
_MIN_SERIES = 8

_lock = threading.Lock()


def mode() -> str | int:
    """``"calibrate"``, ``"rule"`` or a fixed number of samples, from ``$LSTMFCN_PASS_SIZE``."""
    raw = os.environ.get(ENV, "calibrate").strip().lower()
    if raw in ("calibrate", "rule"):
        return raw
    try:
        size = int(raw)
    except ValueError:
        raise UserInputError(f"{ENV} must be 'calibrate', 'rule' or a number of samples, got {raw!r}") from None
    if size < 1:
        raise UserInputError(f"{ENV} must be at least 1 sample, got {size}")
    return size


@functools.cache
def _cpu_flags_digest() -> str:
    """A digest of the CPU's flags, read once a process (every explanation call asks)."""
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line.split(":", 1)[1].strip() for line in f if line.startswith("flags")), "")
    except OSError:
        pass
    return hashlib.sha256(flags.encode()).hexdigest()[:12]


def machine_key() -> str:
    """What the best pass size depends on besides the model: CPU, kernels, torch, threads."""
    capability = torch.backends.cpu.get_cpu_capability()
    # ATEN_CPU_CAPABILITY / ONEDNN_MAX_CPU_ISA pick other kernels on the same CPU (an AVX2 emulation).
    isa = os.environ.get("ONEDNN_MAX_CPU_ISA", "")
    return (
        f"{cpu_model()}|flags:{_cpu_flags_digest()}|{capability}|onednn:{isa}|torch {torch.__version__}"
        f"|threads {torch.get_num_threads()}"
    )


def model_key(model: nn.Module, n_vars: int, total: int) -> str:
    """The architecture and input shape: what the model's cost per sample depends on."""
    c = model.config
    parts = (c.arch, c.shuffle, c.attention, c.squeeze_excite, c.filters, c.kernels, c.cells, c.n_classes)
    # An imported model's LSTM options (issue #28) change its cost; the papers' defaults add
    # nothing, so the keys measured before them stay valid.
    lstm = (c.lstm_layers, c.bidirectional, c.lstm_readout, c.lstm_gates)
    extra = "" if lstm == (1, False, "state", "sigmoid") else "|lstm=" + "/".join(map(str, lstm))
    return f"{'/'.join(map(str, parts))}|V={n_vars}|T={total}{extra}"


def cache_file() -> Path:
    """``pass_sizes.json`` in the cache folder (``$LSTMFCN_CACHE_DIR``, else ``~/.cache/lstmfcn-explorer``)."""
    return cache_folder.default_folder() / "pass_sizes.json"


#: The record as last read, by path, with the file's (inode, mtime, size): every explanation call asks
#: for its pass size, and parsing the file each time cost a tenth of a millisecond or more.
_read_cache: dict[Path, tuple[tuple[int, int, int], dict]] = {}


def _read(path: Path) -> dict:
    try:
        st = path.stat()
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)  # a write replaces the file: a new inode
        kept = _read_cache.get(path)
        if kept is not None and kept[0] == stamp:
            return dict(kept[1])
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}  # nothing recorded yet
    except OSError as exc:  # the folder is a file, or unreadable: calibrate again, and say the cache is off
        cache_folder.note_unusable(path.parent, exc)
        return {}
    except ValueError:
        return {}  # damaged: calibrate again
    if not isinstance(data, dict):
        return {}
    _read_cache[path] = (stamp, data)
    return dict(data)


def cached(key: str, path: Path | None = None) -> int | None:
    """The pass size recorded for ``key``, or None."""
    value = _read(path or cache_file()).get(key)
    return value if isinstance(value, int) and value >= 1 else None


#: Suffix of the key under which an unfinished measurement waits for the next run.
_MEASURING = "|measuring"


def remember(key: str, size: int, path: Path | None = None) -> None:
    """Record ``size`` for ``key`` (written beside the file and renamed: readers never see half of it)."""
    path = path or cache_file()
    with _lock:
        data = _read(path)
        data[key] = int(size)
        data.pop(key + _MEASURING, None)
        _write(path, data)


def measured_so_far(key: str, path: Path | None = None) -> dict[int, float]:
    """Seconds per sample an unfinished calibration of ``key`` measured, by pass size ({} if none)."""
    raw = _read(path or cache_file()).get(key + _MEASURING)
    out: dict[int, float] = {}
    for size, seconds in raw.items() if isinstance(raw, dict) else ():
        try:
            size, seconds = int(size), float(seconds)
        except (TypeError, ValueError):
            continue  # a damaged entry: that size is measured again
        if size >= 1 and seconds > 0:
            out[size] = seconds
    return out


def remember_measured(key: str, per_sample: dict[int, float], path: Path | None = None) -> None:
    """Keep an unfinished calibration's measurements for the next run."""
    path = path or cache_file()
    with _lock:
        data = _read(path)
        data[key + _MEASURING] = {str(k): float(v) for k, v in per_sample.items()}
        _write(path, data)


def _write(path: Path, data: dict) -> None:
    tmp = cache_folder.tmp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        cache_folder.clean_orphans_once(path.parent)  # this process's start, as far as the record goes
        tmp.write_text(json.dumps(data, indent=0, sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:  # a read-only cache folder only means calibrating again next time
        cache_folder.note_unusable(path.parent, exc)
        cache_folder.remove_quietly(tmp)
        return
    cache_folder.note_usable(path.parent)


def default_clock() -> Callable[[], float]:
    """The process's CPU time with one thread, else wall time.

    On a shared machine wall time counts the time other processes held the core; with one
    thread CPU time does not, so the choice survives load. With more threads wall time is what
    shows how well a pass size spreads over them.
    """
    return time.process_time if torch.get_num_threads() == 1 else time.perf_counter


def forget(key: str, path: Path | None = None) -> None:
    """Drop the record for ``key`` (the next run measures again)."""
    path = path or cache_file()
    with _lock:
        data = _read(path)
        if data.pop(key, None) is not None:
            _write(path, data)


def candidates(limit: int, start: int = 1) -> list[int]:
    """Powers of two from ``start`` (at most ``limit``) up to ``limit`` samples."""
    out, s = [], 1
    while s <= max(1, limit):
        if s >= start:
            out.append(s)
        s *= 2
    return out or [max(1, limit)]


class Calibration:
    """Slices of a run of ``n`` samples, timing the first passes to choose the size of the rest.

    Iterate :meth:`slices`; the work on each slice must be done before asking for the next (the
    time between two slices is that slice's cost). ``chosen`` is the size settled on (None while
    still measuring); it is remembered under ``key`` once the measurement is complete.
    """

    def __init__(
        self,
        key: str | None,
        sizes: Sequence[int],
        *,
        path: Path | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.key, self.path, self.clock = key, path, clock or default_clock()
        self.chosen = cached(key, path) if key is not None else None
        # size -> seconds per sample (the timed pass), including what an earlier run measured
        self.per_sample: dict[int, float] = {}
        if self.chosen is None and key is not None:
            self.per_sample = {k: v for k, v in measured_so_far(key, path).items() if k in set(sizes)}
        self._todo = [] if self.chosen is not None else [k for k in sorted(set(sizes)) if k not in self.per_sample]
        self._seen: set[int] = set()
        if self.chosen is None and self.per_sample:
            self._settle(max(self.per_sample), measured=False)

    def _next_size(self) -> int:
        return self.chosen if self.chosen is not None else self._todo[0]

    def _record(self, size: int, samples: int, seconds: float) -> None:
        if self.chosen is not None or samples < size:
            return
        if size not in self._seen:  # the warm-up pass of this shape
            self._seen.add(size)
            return
        self.per_sample[size] = seconds / samples
        self._todo.pop(0)
        self._settle(size)

    def _settle(self, last: int, measured: bool = True) -> None:
        """Choose once every size is measured or ``last`` (the largest measured) is clearly slower
        per sample than the best; else keep the measurements for the next run (if ``measured``
        added one: a run that only read them leaves the file alone)."""
        best = min(self.per_sample, key=self.per_sample.get)
        if not self._todo or self.per_sample[last] > STOP_RATIO * self.per_sample[best]:
            self.chosen = best
            self._todo = []
            if self.key is not None:
                remember(self.key, best, self.path)
        elif self.key is not None and measured:
            remember_measured(self.key, self.per_sample, self.path)

    def slices(self, n: int) -> Iterator[slice]:
        start = 0
        while start < n:
            size = self._next_size()
            sl = slice(start, min(n, start + size))
            t0 = self.clock()
            yield sl
            self._record(size, sl.stop - sl.start, self.clock() - t0)
            start = sl.stop

    def best_so_far(self) -> int | None:
        """The fastest size measured (the choice when the run ended before the measurement did)."""
        return self.chosen or (min(self.per_sample, key=self.per_sample.get) if self.per_sample else None)


def pass_slices(
    model: nn.Module,
    n: int,
    n_vars: int,
    total: int,
    *,
    method: str,
    gradients: bool,
    expansion: int = 1,
    batch_size: int | None = None,
) -> Iterator[slice]:
    """Slices of ``range(n)``, one per pass: ``batch_size``; else as ``$LSTMFCN_PASS_SIZE`` says.

    Calibration runs on the CPU only: on a GPU the fixed budget (big passes) is kept.
    """
    rule = batch_size_for(model, total, gradients=gradients, expansion=expansion)
    how = mode() if batch_size is None else int(batch_size)
    if how == "calibrate" and model_device(model).type != "cpu":
        how = "rule"
    if how == "rule" or isinstance(how, int):
        size = rule if how == "rule" else how
        yield from (slice(s, min(s + size, n)) for s in range(0, n, max(1, size)))
        return
    limit = batch_size_for(model, total, gradients=gradients, expansion=expansion, budget=_MAX_BUDGET)
    # Fewer than ~8 series a pass is dispatch overhead whatever the model: start there.
    start = max(1, _MIN_SERIES // max(expansion, 1))
    yield from Calibration(record_key(model, n_vars, total, method), candidates(limit, start)).slices(n)


def record_key(model: nn.Module, n_vars: int, total: int, method: str) -> str:
    """The key a calibration of ``method`` on ``model`` at ``(V, T)`` is recorded under on this machine."""
    return f"{machine_key()}|{model_key(model, n_vars, total)}|{method}"


#: Series an LSTM-branch pass holds (:func:`branch_plan`). The attention-over-time loop's cost per
#: series falls with the pass (forward + input gradient at T = 150, 2-core EPYC, one thread:
#: 0.65 ms a series at 32 a pass, 0.38 at 128, 0.33 at 256, 0.30 at 512) and the other LSTMs
#: cost little at any size; past 256 what is left to gain is a few per cent.
LSTM_SERIES = 256

#: Floats one LSTM-branch pass may keep for backward (256 MB): the attention weights ``(B, S, S)``
#: (at ``S = 1024`` a pass holds 64 series), or an LSTM's gates and states over its steps.
_LSTM_FLOATS = 2**26


class BranchPlan:
    """Passes for a gradient method that takes each branch's input gradient on its own.

    ``samples(n)`` slices the ``n`` samples into the passes both branches share; ``conv(rows)``
    slices one such pass's ``rows`` series (samples times their copies) into the conv branch's
    passes. With ``split`` the LSTM branch runs each shared pass whole; without, the whole model
    runs in the conv branch's passes.
    """

    def __init__(
        self, samples: Callable[[int], Iterator[slice]], conv: Callable[[int], Iterator[slice]], split: bool = True
    ) -> None:
        self.samples, self.conv, self.split = samples, conv, split


def _fixed(n: int, size: int) -> Iterator[slice]:
    size = max(1, int(size))
    return (slice(s, min(s + size, n)) for s in range(0, n, size))


#: An LSTM that reads at most this many steps costs little next to the convolutions at any pass
#: size (a shuffle-on model reads one step per variable): its gradient is not worth a pass of its
#: own, which costs a second graph (about 1 ms a call on JapaneseVowels, 10 %).
SPLIT_STEPS = 16


def lstm_steps(model: nn.Module, total: int) -> int:
    """Steps the LSTM branch reads: ``V`` with the dimension shuffle on, else ``T``."""
    return model.config.n_vars if model.config.shuffle else total


def lstm_series(model: nn.Module, total: int) -> int:
    """Series an LSTM-branch pass holds: :data:`LSTM_SERIES`, fewer where what backward keeps of a
    series is big: ``S²`` attention weights, or about ``8·S·H`` gates and states of an LSTM over
    ``S`` steps."""
    c = model.config
    steps = lstm_steps(model, total)
    kept = steps * steps if c.attention else 8 * steps * c.lstm_features * c.lstm_layers
    return max(1, min(LSTM_SERIES, _LSTM_FLOATS // max(1, kept)))


def branch_plan(
    model: nn.Module, n_vars: int, total: int, *, expansion: int = 1, batch_size: int | None = None
) -> BranchPlan:
    """Passes for :func:`lstmfcn.explain.branch_gradients.logit_gradient`, as ``$LSTMFCN_PASS_SIZE`` says.

    ``calibrate`` (CPU): shared passes of :func:`lstm_series` series, and conv passes chosen by
    measurement (a :class:`Calibration` recorded under the method name ``conv-gradient``: a conv
    pass costs the same whatever method asked for it); the branches split where the LSTM reads
    more than :data:`SPLIT_STEPS` steps. ``rule``, a number, ``batch_size`` or a GPU: passes of
    that many samples (the rule: :func:`lstmfcn.device.batch_size_for`) of the whole model.
    """
    how = mode() if batch_size is None else int(batch_size)
    if how == "calibrate" and model_device(model).type != "cpu":
        how = "rule"
    if how != "calibrate":
        size = batch_size_for(model, total, gradients=True, expansion=expansion) if how == "rule" else how
        return BranchPlan(lambda n: _fixed(n, size), lambda rows: _fixed(rows, rows), split=False)
    samples = max(1, lstm_series(model, total) // max(1, expansion))
    # Sizes past one shared pass never run whole, so they could never be measured.
    limit = min(samples * max(1, expansion), batch_size_for(model, total, gradients=True, budget=_MAX_BUDGET))
    calibration = Calibration(gradient_record_key(model, n_vars, total), candidates(limit, _MIN_SERIES))
    return BranchPlan(lambda n: _fixed(n, samples), calibration.slices, lstm_steps(model, total) > SPLIT_STEPS)


def gradient_record_key(model: nn.Module, n_vars: int, total: int) -> str:
    """The key :func:`branch_plan`'s calibration is recorded under: the conv branch's passes
    (``conv-gradient``) or, where the branches are not split, the whole model's (``gradient``)."""
    return record_key(model, n_vars, total, "conv-gradient" if lstm_steps(model, total) > SPLIT_STEPS else "gradient")
