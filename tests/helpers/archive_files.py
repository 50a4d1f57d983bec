"""Dataset files written the way the UCR/UEA archives ship them, for the upload tests: a
multivariate ``.arff`` (Weka's relational attribute, as in the UEA archive), an old UCR ``.txt``
(values in ``%.7e``, as in the 2015 archive), and a zip of a dataset's folder."""

from __future__ import annotations

import io
import zipfile

import numpy as np

from lstmfcn.data.raw import RawSplit


def arff_bytes(raw: RawSplit, relation: str) -> bytes:
    """``raw`` (``X`` ``(N, V, T)``, equal lengths) as a UEA-style multivariate ARFF file."""
    classes = sorted(set(raw.labels.tolist()))
    lines = [f"@relation {relation}", "@attribute relationalAtt relational"]
    lines += [f"@attribute {relation}_{t} numeric" for t in range(raw.X.shape[2])]
    lines += ["@end relationalAtt", f"@attribute activity {{{','.join(classes)}}}", "", "@data"]
    for x, label in zip(raw.X, raw.labels, strict=True):
        rows = "\\n".join(",".join(repr(float(v)) for v in variable) for variable in x)
        lines.append(f"'{rows}',{label}")
    return ("\n".join(lines) + "\n").encode()


def ucr_txt_bytes(raw: RawSplit) -> bytes:
    """``raw`` (univariate) as the 2015 UCR archive's text: label then values, ``%.7e``, spaces."""
    return "".join(
        f"  {float(label):.7e}" + "".join(f"  {v:.7e}" for v in x[0]) + "\n"
        for x, label in zip(raw.X, raw.labels, strict=True)
    ).encode()


def zip_of(members: dict[str, bytes]) -> bytes:
    """A zip holding ``members`` under the names given (folders and all)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npz_of(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
