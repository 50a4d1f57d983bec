"""What the dashboard lets a visitor use: the limits of a personal run and of the served mode.

``lstmfcn dashboard --public`` (or ``LSTMFCN_PUBLIC=1`` in the server's environment, which the
flag sets) serves the dashboard to strangers: what could exhaust or expose the server is off or
tightly bounded (see :func:`limits`). Without it the limits only keep one user's mistakes (three
5000-epoch trainings left running) from taking the machine. Sweep folders are offered in either
mode only from the roots the operator configured (``LSTMFCN_SWEEP_DIR``).

Every number can be set by the operator through an environment variable (``LSTMFCN_MAX_EPOCHS``,
``LSTMFCN_MAX_TRAININGS``, …; :data:`ENV_NAMES`); a value that is not a positive whole number is
ignored for the default, and :func:`limits` says so in :attr:`Limits.notes`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

PUBLIC_ENV = "LSTMFCN_PUBLIC"
#: :data:`lstmfcn.dashboard.sweeps.ENV`, not imported: that module loads torch, and the CLI reads
#: the limits before it starts the server.
SWEEP_ENV = "LSTMFCN_SWEEP_DIR"
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Limits:
    """The bounds the dashboard holds visitors to.

    Attributes:
        public: the served mode is on.
        max_epochs: most epochs one training may ask for.
        max_trainings: trainings running at once on the server; more wait in a queue.
        max_queued: trainings waiting at once; more are refused with a sentence.
        max_checks: background checks (faithfulness, sanity) computing at once; more wait their turn.
        grace_s: how long a tab may be gone (a reload, a dropped connection) before its training
            is stopped and its background checks are let go.
        upload_mb: largest dataset file accepted.
        model_upload_mb: largest checkpoint accepted (a shipped one is well under 1 MB).
        session_upload_mb: uploads one session keeps; past it its oldest are dropped (it is told).
        total_upload_mb: uploads and trained models the server keeps for every session together.
        sweeps: whether the operator named sweep roots (``LSTMFCN_SWEEP_DIR``): the Sweep page offers
            folders from those only, in every mode (:func:`lstmfcn.dashboard.sweeps.configured_roots`).
        notes: what the operator set that was not used, one sentence each.
    """

    public: bool
    max_epochs: int
    max_trainings: int
    max_queued: int
    max_checks: int
    grace_s: int
    upload_mb: int
    model_upload_mb: int
    session_upload_mb: int
    total_upload_mb: int
    sweeps: bool
    notes: tuple[str, ...] = field(default=())


#: Each limit's default in a personal run, and in the served mode.
DEFAULTS = {
    "max_epochs": (5000, 500),
    "max_trainings": (2, 1),
    "max_queued": (8, 4),
    "max_checks": (4, 2),
    "grace_s": (30, 30),
    "upload_mb": (200, 50),
    "model_upload_mb": (200, 20),
    "session_upload_mb": (600, 100),
    "total_upload_mb": (2048, 1024),
}
#: The environment variable that overrides each limit.
ENV_NAMES = {name: f"LSTMFCN_{name.upper()}" for name in DEFAULTS}


def is_public(env: Mapping[str, str] | None = None) -> bool:
    """Whether the served mode is on (``LSTMFCN_PUBLIC`` is 1, true, yes or on)."""
    env = os.environ if env is None else env
    return env.get(PUBLIC_ENV, "").strip().lower() in _TRUE


def limits(env: Mapping[str, str] | None = None) -> Limits:
    """The limits in force: the served mode's or a personal run's, each overridden by its
    environment variable; sweep folders only where the operator named some in the served mode."""
    env = os.environ if env is None else env
    public = is_public(env)
    values, notes = {name: both[public] for name, both in DEFAULTS.items()}, []
    for name, var in ENV_NAMES.items():
        raw = env.get(var, "").strip()
        if not raw:
            continue
        if raw.isdigit() and int(raw) > 0:
            values[name] = int(raw)
        else:
            notes.append(f"{var}={raw!r} is not a positive whole number; {values[name]} is used")
    sweeps = bool(env.get(SWEEP_ENV, "").strip())
    return Limits(public=public, sweeps=sweeps, notes=tuple(notes), **values)


def describe(lim: Limits) -> str:
    """What the served mode holds visitors to, and what it does not do, for the operator's terminal."""
    sweeps = "from LSTMFCN_SWEEP_DIR only" if lim.sweeps else "off (LSTMFCN_SWEEP_DIR is not set)"
    lines = [
        "Served mode: "
        f"trainings {lim.max_trainings} at a time ({lim.max_queued} queued), at most {lim.max_epochs} epochs, "
        f"stopped when their tab closes; background checks {lim.max_checks} at a time; "
        f"uploads up to {lim.upload_mb} MB a dataset and {lim.model_upload_mb} MB a model, "
        f"{lim.session_upload_mb} MB kept per visitor and {lim.total_upload_mb} MB in all; sweep folders {sweeps}.",
        "There is no login and no TLS here: put an authenticating reverse proxy with TLS in front.",
        *(f"Note: {n}." for n in lim.notes),
    ]
    return "\n".join(lines)
