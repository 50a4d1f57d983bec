"""The verdicts the Attributions page computes (faithfulness, the sanity check), run as the page runs them.

:func:`faithfulness_run` and :func:`sanity_run` do what the page's background check does at its
defaults, without Streamlit: a class-balanced subset of the test split (32 samples for
faithfulness, 16 for the sanity check), the page's four methods (CAM, Integrated Gradients with the
page's default setting, saliency, occlusion) for each sample's predicted class with the ``"zeros"``
baseline,
chunk by chunk (:func:`lstmfcn.dashboard.checks.chunked_check`: every method's maps, then the
check, for each chunk), and the chunks joined into the arrays the page keeps on disk.

:func:`old_vs_new` times the code of another checkout (the project before a change: ``git worktree
add /tmp/old <commit>``) against this one, alternated round by round in fresh processes on the
same machine, so the ratio holds even when the machine is busy.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

#: The Attributions page's defaults (``pages/attributions.py``): methods, baseline, subsets; IG's
#: setting is the page's too (:func:`page_ig`).
METHODS = ("cam", "ig", "saliency", "occlusion")
BASELINE = "zeros"
SAMPLES = {"faithfulness": 32, "sanity": 16}

#: ``(dataset, shipped model)`` pairs timed by :func:`old_vs_new`: one shipped model per dataset family.
CASES = (
    ("GunPoint", "GunPoint__lstmfcn"),
    ("ECG5000", "ECG5000__lstmfcn"),
    ("BasicMotions", "BasicMotions__mlstmfcn"),
    ("JapaneseVowels", "JapaneseVowels__mlstmfcn"),
    ("Adiac", "Adiac__lstmfcn"),
)


def page_ig():
    """The page's default IG setting (``lstmfcn.dashboard.explanations.DEFAULT_IG``; 32 Gauss-Legendre
    points in code that predates the setting, so :func:`old_vs_new` runs either checkout's default)."""
    from ..dashboard import explanations

    return getattr(explanations, "DEFAULT_IG", 32)


def _inputs(model, ds, samples: int, ig_steps=None):
    """The page's inputs: the test split prepared for the model, its class-balanced subset, each
    sample's predicted class, and the method options (``options_of``)."""
    from ..dashboard import explanations
    from ..evaluation import predict_logits
    from ..inputs import model_input

    a = model_input(model, ds, "test", resample=True, class_subset=True)
    idx = explanations.subset_indices(a.y, samples)
    pred = predict_logits(model, a.X, a.lengths).argmax(1)[idx]  # the page's evaluation, done before the check
    v, t = a.X.shape[1], a.X.shape[-1]
    perturb = explanations.perturbation_options(v, t)
    ig = page_ig() if ig_steps is None else ig_steps
    params = {m: explanations.options_of(m, BASELINE, ig, **perturb) for m in METHODS}
    return a.X[idx], pred, a.lengths[idx], perturb, params, ig


def _chunked(model, X, pred, lengths, params, check, progress=None):
    from ..dashboard import explanations
    from ..dashboard.checks import chunked_check

    def maps_of(m, s, e):
        return explanations.attribution(model, X[s:e], pred[s:e], lengths[s:e], m, params[m])

    def on_chunk(s, e, maps, chunk_progress):
        return check(s, e, maps, chunk_progress)

    return chunked_check(explanations.chunks(len(X)), list(METHODS), maps_of, on_chunk, progress)[0]


def faithfulness_run(model, ds, progress=None, ig_steps=None) -> dict[str, np.ndarray]:
    """Faithfulness of the page's 4 methods on 32 class-balanced test samples, as the page runs it
    (``ig_steps``: IG's setting when not the page's default, e.g. 32).

    Returns:
        The arrays the page keeps (:func:`lstmfcn.dashboard.checks.faithfulness_arrays`).
    """
    from ..dashboard.checks import faithfulness_arrays, join_faithfulness
    from ..explain.faithfulness import faithfulness_curves

    X, pred, lengths, _, params, _ = _inputs(model, ds, SAMPLES["faithfulness"], ig_steps)

    def check(s, e, maps, chunk_progress):
        return faithfulness_curves(
            model,
            X[s:e],
            pred[s:e],
            maps,
            lengths=lengths[s:e],
            baseline=BASELINE,
            rows=(s, len(X)),
            progress=chunk_progress,
        )

    parts = _chunked(model, X, pred, lengths, params, check, progress)
    return faithfulness_arrays(join_faithfulness(parts, baseline=BASELINE))


def sanity_run(model, ds, progress=None, ig_steps=None) -> dict[str, np.ndarray]:
    """The model-randomisation check (with the layer cascade) of the page's 4 methods on 16
    class-balanced test samples, as the page runs it (``ig_steps`` as in :func:`faithfulness_run`).

    Returns:
        The arrays the page keeps (:func:`lstmfcn.dashboard.checks.sanity_arrays`).
    """
    from ..dashboard import explanations
    from ..dashboard.checks import join_sanity, sanity_arrays
    from ..explain import model_randomisation_check

    X, pred, lengths, perturb, params, ig = _inputs(model, ds, SAMPLES["sanity"], ig_steps)
    options = explanations.options_for(list(METHODS), BASELINE, ig, **perturb)

    def check(s, e, maps, chunk_progress):
        return model_randomisation_check(
            model,
            X[s:e],
            pred[s:e],
            methods=list(METHODS),
            lengths=lengths[s:e],
            original=maps,
            cascade=True,
            progress=chunk_progress,
            **options,
        )

    parts = _chunked(model, X, pred, lengths, params, check, progress)
    return sanity_arrays(join_sanity(parts, cascade=True))


# ------------------------------------------------------------------------------------------
# Old code against new, alternated

_ONE_RUN = """
import json, sys, time
import torch
from lstmfcn.bench import verdicts
from lstmfcn.checkpoint import load_model
from lstmfcn.data import load_dataset
from lstmfcn.zoo import pretrained_path
kind, dataset, zoo_name, ig = sys.argv[1:5]
model = load_model(pretrained_path(zoo_name)).eval()
ds = load_dataset(dataset)
t, cpu = time.perf_counter(), time.process_time()
out = getattr(verdicts, kind + "_run")(model, ds, ig_steps=None if ig == "page" else (int(ig) if ig.isdigit() else ig))
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "arrays": {k: v.tolist() for k, v in out.items() if v.dtype.kind == "f"}}))
"""


def _one_run(root: Path, bench_file: Path, kind: str, dataset: str, zoo_name: str, ig_steps=None) -> dict:
    """One verdict in a fresh process on the checkout at ``root`` (its ``lstmfcn`` first on the
    path), with this file's run functions copied into it (the old checkout may predate them)."""
    env = {**os.environ, "PYTHONPATH": str(root), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "")}
    if not env["OMP_NUM_THREADS"]:
        env.pop("OMP_NUM_THREADS")
    target = root / "lstmfcn" / "bench" / "verdicts.py"
    if target.resolve() != bench_file.resolve():
        target.write_text(bench_file.read_text())
    done = subprocess.run(
        [sys.executable, "-c", _ONE_RUN, kind, dataset, zoo_name, "page" if ig_steps is None else str(ig_steps)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def old_vs_new(
    old_root: str, cases=CASES, kinds=("faithfulness", "sanity"), rounds: int = 3, log=print, ig_steps=None
) -> list[dict]:
    """Time each verdict on the code at ``old_root`` and at this checkout, alternated (old, new,
    old, new, …) for ``rounds`` rounds, and compare their numbers.

    Args:
        old_root: a checkout of the old code (``git worktree add /tmp/old <commit>``).
        cases: ``(dataset, shipped model)`` pairs.
        kinds: ``"faithfulness"`` and/or ``"sanity"``.
        rounds: alternations; the median of each side is reported.
        log: called with one line per run.
        ig_steps: IG's setting on both sides (e.g. 32: the same numbers expected); None runs each
            checkout's page default (the old code's 32 points against the page's current setting).

    Returns:
        One row per case and kind: ``old_s``, ``new_s`` (medians), ``ratio`` (old / new), every
        run's seconds, the same in CPU seconds of the process (``old_cpu_s``, ``new_cpu_s``,
        ``cpu_ratio``: with ``OMP_NUM_THREADS=1`` the time on a core of its own, which holds on a
        machine that other work keeps busy), and ``max_abs_diff`` between the two sides' arrays (curves or correlations).
    """
    new_root = Path(__file__).resolve().parents[2]
    rows = []
    for dataset, zoo_name in cases:
        for kind in kinds:
            times: dict[str, list[float]] = {"old": [], "new": []}
            cpu: dict[str, list[float]] = {"old": [], "new": []}
            arrays: dict[str, dict] = {}
            for r in range(rounds):
                for side, root in (("old", Path(old_root)), ("new", new_root)):
                    res = _one_run(root, Path(__file__), kind, dataset, zoo_name, ig_steps)
                    times[side].append(res["seconds"])
                    cpu[side].append(res["cpu_seconds"])
                    arrays[side] = res["arrays"]
                    log(
                        f"{kind} {zoo_name} round {r + 1} {side}: {res['seconds']:.2f} s, "
                        f"CPU {res['cpu_seconds']:.2f} s (load {os.getloadavg()[0]:.1f})"
                    )
            diff = max(
                (float(np.nanmax(np.abs(np.subtract(arrays["old"][k], arrays["new"][k])), initial=0.0)))
                for k in arrays["old"]
            )
            old_s, new_s = float(np.median(times["old"])), float(np.median(times["new"]))
            rows.append(
                {
                    "kind": kind,
                    "case": f"{dataset} · {zoo_name}",
                    "old_s": old_s,
                    "new_s": new_s,
                    "ratio": old_s / new_s,
                    "old_runs": times["old"],
                    "new_runs": times["new"],
                    "old_cpu_s": float(np.median(cpu["old"])),
                    "new_cpu_s": float(np.median(cpu["new"])),
                    "cpu_ratio": float(np.median(cpu["old"]) / np.median(cpu["new"])),
                    "max_abs_diff": diff,
                }
            )
    return rows


if __name__ == "__main__":  # python -m lstmfcn.bench.verdicts /tmp/old [rounds]
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    result = old_vs_new(sys.argv[1], rounds=int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    print(json.dumps({"started": started, "load": os.getloadavg(), "rows": result}, indent=1))
