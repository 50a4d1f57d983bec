"""A dataset as the archives ship it: a ``NAME_TRAIN`` / ``NAME_TEST`` pair of files, or a zip of them.

The UCR and UEA archives ship each dataset as two files (``GunPoint_TRAIN.tsv``,
``GunPoint_TEST.tsv``), often in a zip with notes beside them. A pair keeps the archive's own split,
which is what published accuracies are measured on; only a lone file is split by us.

A zip is read in memory and never extracted: member names are used only to choose the pair and to
name things in messages (their last component, so ``../../x_TRAIN.tsv`` is just ``x_TRAIN.tsv``),
at most :data:`MAX_MEMBERS` members are listed, and only the two chosen ones are decompressed,
each refused past a size limit whatever its header claims.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath, PureWindowsPath

from lstmfcn.data import formats
from lstmfcn.data.raw import RawSplit
from lstmfcn.errors import DataError

#: Most entries a zip may hold (a dataset's files and notes; the UEA archive's zips hold about 20).
MAX_MEMBERS = 256
#: Largest member read, in bytes, unless the caller gives its own limit.
MAX_MEMBER_BYTES = 200 * 2**20


def is_zip_name(name: str) -> bool:
    """Whether a file name is a zip archive's (``.zip``)."""
    return PurePosixPath(name).suffix.lower() == ".zip"


def read_files(
    files: list[tuple[str, bytes]], where: str, *, transpose: bool = False
) -> tuple[str, RawSplit, RawSplit | None]:
    """Read a dataset from files given as ``(name, bytes)``: one file, or a ``NAME_TRAIN`` /
    ``NAME_TEST`` pair among them (other files are passed over).

    Parameters
    ----------
    files : list of (str, bytes)
        Base file names (never paths) and contents.
    where : str
        What to call the files in messages (the zip's name, or "the uploaded files").
    transpose : bool
        Read an npz's 3-d ``X`` as ``(N, T, V)``.

    Returns
    -------
    (str, RawSplit, RawSplit | None)
        The dataset's name, and ``(train, test)`` with ``X`` ``(N, V, T)``; ``test`` is None for a
        lone file without its own split.
    """
    if len(files) == 1:
        name, data = files[0]
        train, test = formats.parse_file(data, name, transpose=transpose)
        return formats.dataset_name(name), train, test
    by_name = dict(files)
    if len(by_name) != len(files):
        raise DataError(f"{where}: two files have the same name; expected one NAME_TRAIN and one NAME_TEST file")
    train_name, test_name = formats.choose_pair(list(by_name), where)
    splits = [_one_split(by_name[n], n, transpose) for n in (train_name, test_name)]
    return formats.dataset_name(train_name), splits[0], splits[1]


def _one_split(data: bytes, name: str, transpose: bool) -> RawSplit:
    split, extra = formats.parse_file(data, name, transpose=transpose)
    if extra is not None:
        raise DataError(f"{name}: holds its own train/test split; expected a single split")
    return split


def zip_members(data: bytes, name: str, *, max_member_bytes: int | None = None) -> list[tuple[str, bytes]]:
    """The dataset files of a zip: the one ``NAME_TRAIN`` / ``NAME_TEST`` pair it holds, or its only
    readable file, as ``(base name, bytes)``.

    Raises:
        DataError: not a zip, too many members, no dataset or several, a member too large, or
            encrypted or damaged.
    """
    limit = MAX_MEMBER_BYTES if max_member_bytes is None else max_member_bytes
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise DataError(f"{name}: is not a valid zip archive ({err})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise DataError(
                f"{name}: holds {len(infos)} entries, more than the {MAX_MEMBERS} read; "
                "expected one dataset's NAME_TRAIN and NAME_TEST files"
            )
        files = _data_files(infos)
        chosen = _chosen(list(files), name)
        return [(base, _member_bytes(archive, files[base], name, limit)) for base in chosen]


def _data_files(infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """Members that may be dataset files, by base name (folders, macOS metadata and hidden files passed over)."""
    files: dict[str, zipfile.ZipInfo] = {}
    for info in infos:
        base = PureWindowsPath(PurePosixPath(info.filename).name).name
        if info.is_dir() or not base or base.startswith(".") or "__MACOSX" in info.filename:
            continue
        files.setdefault(base, info)  # a name twice (two folders): the first, as listed
    return files


def _chosen(names: list[str], where: str) -> list[str]:
    """The pair among ``names``, or the only readable file when there is no pair."""
    readable = [n for n in names if _readable(n)]
    if len(readable) == 1:
        return readable
    if not readable:
        raise DataError(f"{where}: holds no dataset file (.tsv .txt .ts .arff .csv .npz)")
    return list(formats.choose_pair(readable, where))


def _readable(name: str) -> bool:
    try:
        formats.format_of(name)
    except DataError:
        return False
    return True


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int) -> bytes:
    """A member's bytes, read no further than ``limit`` (a header may understate the size)."""
    too_big = DataError(
        f"{where}: {PurePosixPath(info.filename).name} is over {limit / 2**20:.1f} MB uncompressed; "
        "expected a smaller dataset"
    )
    if info.file_size > limit:
        raise too_big
    try:
        with archive.open(info) as f:
            data = f.read(limit + 1)
    except (RuntimeError, NotImplementedError) as err:  # encrypted, or an unknown compression
        raise DataError(f"{where}: {PurePosixPath(info.filename).name} cannot be read ({err})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as err:
        raise DataError(f"{where}: {PurePosixPath(info.filename).name} is damaged ({err})") from None
    if len(data) > limit:
        raise too_big
    return data
