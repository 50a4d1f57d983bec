"""Peak memory of a real dashboard server with the largest embedded dataset and its CAMs (target ≤ 2 GB).

FordA is the largest dataset the package embeds (4921 series × 500 steps). The zoo holds no FordA
model, so the test trains a small one (a few epochs on a slice of the training split: memory does
not depend on how good the weights are), puts it in a zoo folder beside the shipped GunPoint
models, starts ``streamlit run app.py`` on that folder and opens the CAM page on both splits.
The server's peak resident memory is read from ``/proc/PID/status`` (``VmHWM``), so the test
runs on Linux only.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers.browser import CAM_TITLE, EXCEPTION, running_server, wait_for_app

pytestmark = pytest.mark.browser
LIMIT_GB = 2.0


def _peak_rss_gb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e9
    raise RuntimeError("no VmHWM in /proc/PID/status")


@pytest.fixture(scope="module")
def forda_zoo(shipped_models, tmp_path_factory) -> Path:
    from lstmfcn.checkpoint import save_checkpoint
    from lstmfcn.data import load_dataset
    from lstmfcn.training import TrainConfig
    from lstmfcn.workflow import train_on_dataset

    folder = tmp_path_factory.mktemp("zoo_forda")
    for f in shipped_models.glob("GunPoint__*.safetensors"):
        shutil.copy(f, folder / f.name)
    ds = load_dataset("FordA")
    model, meta = train_on_dataset(ds.head(128, 8), "lstmfcn", config=TrainConfig(epochs=3, device="cpu"))
    save_checkpoint(folder / "FordA__lstmfcn.safetensors", model, meta)
    return folder


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads peak memory from /proc (Linux)")
def test_server_peak_memory_with_the_largest_dataset(browser, forda_zoo, tmp_path):
    with running_server(tmp_path / "streamlit.log", forda_zoo) as (base, proc):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            for split in ("train", "test"):
                page.goto(f"{base}/cam?dataset=FordA&split={split}")
                page.wait_for_selector(CAM_TITLE, timeout=240_000)
                wait_for_app(page, timeout=240_000)
                assert page.locator(EXCEPTION).count() == 0
                assert f"of the {'training' if split == 'train' else 'test'} set" in page.content()
            peak = _peak_rss_gb(proc.pid)
        finally:
            page.close()
    print(f"\nserver peak memory, FordA loaded and its CAMs computed on both splits: {peak:.2f} GB")
    assert peak <= LIMIT_GB, f"server peak memory {peak:.2f} GB > {LIMIT_GB} GB"
