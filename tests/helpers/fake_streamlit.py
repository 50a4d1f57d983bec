"""A stand-in for ``streamlit run``: ``lstmfcn dashboard``'s command and environment, recorded, nothing started."""

from __future__ import annotations


class FakeStreamlit:
    """Stands in for ``subprocess.Popen`` of ``streamlit run``: records the command, exits at once."""

    argv: list[str] = []
    env: dict[str, str] | None = None

    def __init__(self, argv, env=None):
        FakeStreamlit.argv, FakeStreamlit.env = argv, env

    def wait(self, timeout=None):
        return 0

    def poll(self):
        return 0  # it has ended: nothing for the command to stop
