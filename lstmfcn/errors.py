"""Error types a user can meet, each with a message that names the problem.

Every error raised because of *input* (a file, a dataset name, a checkpoint, a mismatch between
a model and a dataset, an option's value) derives from :class:`LstmFcnError`; the CLI turns them
into one line on stderr and exit status 2, the dashboard into a message on the page. Any other
exception is a bug: the CLI lets it surface as a traceback (exit status 1).
"""

from __future__ import annotations


class LstmFcnError(Exception):
    """Base class of every user-facing error; ``str(err)`` is a sentence for the user."""


class UserInputError(LstmFcnError, ValueError):
    """An argument a user chose is out of range or unknown (a method, a baseline, a device, a size).

    A ``ValueError`` too, so callers that catch ``ValueError`` keep working.
    """


class DataError(LstmFcnError, ValueError):
    """A dataset name is unknown or a data file cannot be read as a classification dataset.

    The message names the file (and line or field where known) and what was expected.
    """


class CheckpointError(LstmFcnError, ValueError):
    """A file is not a valid LSTM-FCN checkpoint (not safetensors, missing metadata, bad weights)."""


class MismatchError(LstmFcnError, ValueError):
    """A model does not fit a dataset: variables, classes or series length differ.

    ``way_out`` names the one opt-in that would make the pair usable *and meaningful*:
    ``"resample"`` when only the series length differs (resample to the model's length:
    ``--resample``, the dashboard's "Resample" switch), ``"class_subset"`` when the dataset holds
    only some of the model's classes (``--class-subset``, the dashboard's subset switch), or None
    when nothing would. Each interface adds how to ask for it.
    """

    def __init__(self, message: str, *, way_out: str | None = None) -> None:
        super().__init__(message)
        self.way_out = way_out

    @property
    def resamplable(self) -> bool:
        """Only the series length differs, so resampling is a way out."""
        return self.way_out == "resample"


class TrainingError(LstmFcnError, ValueError):
    """Training cannot run on the given data (e.g. a single class or constant series)."""
