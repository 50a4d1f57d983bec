"""Files packed into one zip whose bytes depend only on the files: the same pair of uploads, or
the same splits written as an ``.npz``, always gives the same bytes and so the same id.

Below :mod:`lstmfcn.data.archives` (which reads zips) and :mod:`lstmfcn.data.npz_format` (which
writes one), so that neither needs the other.
"""

from __future__ import annotations

import io
import zipfile

# A fixed time stamp, so the same pair always packs to the same bytes (and so to the same upload id).
_EPOCH = (1980, 1, 1, 0, 0, 0)


def pack_files(files: list[tuple[str, bytes]]) -> bytes:
    """The files in one zip, always the same bytes for the same files (a fixed time stamp, name order).

    Parameters
    ----------
    files : list of (str, bytes)
        Base names and contents.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
