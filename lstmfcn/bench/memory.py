"""Peak memory of one call, torch's allocations included (tracemalloc sees only Python's).

Linux keeps a process's peak resident set (``VmHWM``) and resets it when ``5`` is written to
``/proc/self/clear_refs``; the peak of a call is read after such a reset. Elsewhere it is None.
"""

from __future__ import annotations

from collections.abc import Callable


def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="utf-8") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak() -> bool:
    """Set the recorded peak to the current resident set; False where the system cannot."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="utf-8") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_of(fn: Callable[[], object]) -> tuple[object, float | None, float | None]:
    """``(fn(), peak resident MB during it, MB of that above the resident set before)``."""
    ok = reset_peak()
    before = _status_kb("VmRSS")
    out = fn()
    peak = _status_kb("VmHWM") if ok else None
    if peak is None or before is None:
        return out, None, None
    return out, peak / 1024, (peak - before) / 1024
