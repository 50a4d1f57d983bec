"""Which samples of a split to compute, and in which pieces: plain functions on labels and counts.

* :func:`subset_indices`: a class-balanced subset that is the same on every run (the checks, the
  report and What matters run on one when the whole split would cost too many passes);
* :func:`chunks`: a split cut into near-equal consecutive pieces, so that a caller can report
  progress (and be cancelled) between them; a sweep cuts its CAMs the same way as the dashboard,
  so both give the same numbers.
"""

from __future__ import annotations

import numpy as np

CHUNK_TARGET = 8  # chunks per split: enough steps for a progress bar, few cache look-ups per rerun
MIN_CHUNK = 16
#: At most this many samples per chunk: the progress bar shows after the first chunk, so on a big
#: split (ECG5000's 4,500) the first one must end within a second or so, not take an eighth of it.
MAX_CHUNK = 128


def chunks(
    n: int, target: int = CHUNK_TARGET, minimum: int = MIN_CHUNK, maximum: int = MAX_CHUNK
) -> list[tuple[int, int]]:
    """``[(start, stop), …]`` covering ``range(n)`` in about ``target`` near-equal chunks of
    ``minimum`` to ``maximum`` samples."""
    if n <= 0:
        return []
    size = min(maximum, max(minimum, -(-n // target)))
    return [(s, min(s + size, n)) for s in range(0, n, size)]


def subset_indices(y: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """``n`` sample indices (all when ``n`` ≥ N), stratified by class, sorted; deterministic.

    ``y``: ``(N,)`` labels. Faithfulness and sanity checks cost many forward passes per sample, so
    they run on a class-balanced subset that is the same on every rerun.
    """
    y = np.asarray(y)
    N = len(y)
    if n >= N or n <= 0:
        return np.arange(N)
    rng = np.random.default_rng(seed)
    classes = np.unique(y)
    pools = {c: rng.permutation(np.flatnonzero(y == c)).tolist() for c in classes}
    picked: list[int] = []
    while len(picked) < n:  # round-robin over classes
        for c in classes:
            if pools[c] and len(picked) < n:
                picked.append(pools[c].pop())
    return np.sort(np.array(picked, dtype=np.int64))
