"""The GPU check (``python -m lstmfcn bench --check --device cuda``): every CUDA path against the CPU.

Each path runs twice on the same shipped model and the same series, once on the CPU and once on
``device``: inference, the all-class CAM, attention (attention models), our gradient methods (IG,
saliency, input × gradient, GradientSHAP), Captum's own methods where Captum is installed
(DeepLift, occlusion), the faithfulness curves, one training step's loss and gradients, and a
short training with and without mixed precision. The rows say how far the device's numbers are
from the CPU's, against a stated tolerance, and how long each took.

It is built for an offline GPU machine that has only torch, numpy, pandas, scipy and safetensors:
nothing else is imported (Captum only when present), and the data are ``.npz`` files written on a
machine that has the archives (:func:`export_check_data`; the README says how to prepare it).
``--device cpu`` runs the same comparisons here, where the two sides agree exactly; the tests run
it so, with the other packages blocked.

Errors are relative to the CPU array's largest magnitude (``max |dev − cpu| / max |cpu|``), so a
map near zero in most places is not judged by its smallest values. CUDA convolutions and matmuls
may use TF32 (torch's default for cuDNN), hence tolerances of 1e-3 to 1e-2 and not float32's 1e-6.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import UserInputError

#: The shipped models checked: one of each architecture, univariate and multivariate, attention
#: over time and over variables.
CHECK_MODELS = (
    "GunPoint__lstmfcn",
    "GunPoint__alstmfcn__noshuffle",
    "BasicMotions__mlstmfcn",
    "BasicMotions__malstmfcn",
)
#: Relative errors allowed (see the module docstring), by kind of number.
TOLERANCES = {
    "inference": 5e-3,
    "cam": 1e-2,
    "attention": 1e-2,
    "gradient": 2e-2,
    "faithfulness": 2e-2,
    "training step": 2e-2,
    "training step (amp)": 1e-1,
}


@dataclass(frozen=True)
class CheckRow:
    """One path of one model: how far the device is from the CPU, and how long each took.

    Attributes:
        model: the shipped model's name.
        path: what ran (``"inference"``, ``"ig"``, ``"training step"``, …).
        error: ``max |device − cpu| / max |cpu|`` (NaN where only the device's run is checked).
        tolerance: the largest error that passes.
        ok: the error is within the tolerance (or, for a run without a CPU twin, it finished with
            finite numbers).
        cpu_ms, device_ms: wall time of each side, in milliseconds.
        note: what was compared, or why a path was skipped.
    """

    model: str
    path: str
    error: float
    tolerance: float
    ok: bool
    cpu_ms: float
    device_ms: float
    note: str = ""


def export_check_data(folder: str | Path, datasets: tuple[str, ...] = ("GunPoint", "BasicMotions")) -> list[Path]:
    """Write each dataset's raw splits to ``folder/<name>.npz`` (``X_train``, ``y_train``,
    ``X_test``, ``y_test``; labels as text), for a machine without the archive packages."""
    from ..data import load_dataset

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in datasets:
        ds = load_dataset(name)
        train, test = ds.raw("train"), ds.raw("test")
        path = out / f"{name}.npz"
        np.savez_compressed(
            path,
            X_train=train.X,
            y_train=np.asarray(train.labels, dtype=str),
            X_test=test.X,
            y_test=np.asarray(test.labels, dtype=str),
        )
        written.append(path)
    return written


def run_check(
    device: str,
    data: str | Path,
    *,
    models: tuple[str, ...] = CHECK_MODELS,
    samples: int = 16,
    progress: Callable[[str], None] | None = None,
) -> list[CheckRow]:
    """Every path of every model in ``models`` on ``device`` against the CPU.

    Args:
        device: ``"cuda"`` (or ``"cpu"``: the same comparisons, which must then agree exactly).
        data: the folder :func:`export_check_data` wrote (``<dataset>.npz`` for each model's dataset).
        samples: test series each path explains.
        progress: called with the model and path before each path runs.
    """
    from ..checkpoint import load_model
    from ..data import load_dataset
    from ..inputs import model_input
    from ..zoo import pretrained_path

    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise UserInputError("--device cuda: torch sees no CUDA device here")
    say = progress or (lambda what: None)
    rows: list[CheckRow] = []
    for name in models:
        ds = load_dataset(Path(data) / f"{name.split('__')[0]}.npz")
        cpu_model = load_model(pretrained_path(name))
        dev_model = load_model(pretrained_path(name)).to(dev)
        test = model_input(cpu_model, ds, "test")
        x, lengths = test.X[:samples], test.lengths[:samples]
        for path, run in _paths(cpu_model, x, lengths):
            say(f"{name}: {path}")
            rows.append(_compare(name, path, run, cpu_model, dev_model, dev))
        train = model_input(cpu_model, ds, "train")
        say(f"{name}: training")
        rows += _training_rows(name, pretrained_path(name), train.X, train.y, train.lengths, dev)
    return rows


def _paths(model, x: np.ndarray, lengths: np.ndarray) -> list[tuple[str, Callable]]:
    """``(path, run(model) -> array)`` for every explanation path this model has."""
    from ..evaluation import predict_logits
    from ..explain import explain, perturbation_curves
    from ..explain.attention import has_attention

    target = int(predict_logits(model, x[:1], lengths[:1]).argmax())
    methods = ["ig", "saliency", "input_x_gradient", "gradient_shap"]
    if _has_captum():  # Captum's own methods only where it is installed
        methods += ["deeplift", "occlusion"]
    out: list[tuple[str, Callable]] = [
        ("inference", lambda m: predict_logits(m, x, lengths)),
        ("cam", lambda m: explain(m, x, ["cam"], target=target, lengths=lengths)["cam_all"]),
    ]
    if has_attention(model):
        out.append(("attention", lambda m: explain(m, x, ["attention"], target=target, lengths=lengths)["attention"]))
    for method in methods:
        out.append((method, lambda m, k=method: explain(m, x, [k], target=target, lengths=lengths, seed=0)[k]))
    ig = explain(model, x, ["ig"], target=target, lengths=lengths)["ig"]  # one map: both sides delete the same steps
    out.append(
        (
            "faithfulness",
            lambda m: perturbation_curves(m, x, target, ig, lengths=lengths, baseline="zeros").deletion,
        )
    )
    return out


def _has_captum() -> bool:
    """Whether Captum's methods can run here (installed, with what it imports)."""
    try:
        import captum.attr  # noqa: F401
    except ImportError:
        return False
    return True


def _kind(path: str) -> str:
    return path if path in TOLERANCES else "gradient"


def _timed(run: Callable, model, dev: torch.device) -> tuple[np.ndarray, float]:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    out = run(model)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return np.asarray(out, dtype=np.float64), (time.perf_counter() - t0) * 1e3


def _compare(name: str, path: str, run: Callable, cpu_model, dev_model, dev: torch.device) -> CheckRow:
    want, cpu_ms = _timed(run, cpu_model, torch.device("cpu"))
    run(dev_model)  # a first call pays for kernels' compilation and the pass-size calibration
    got, dev_ms = _timed(run, dev_model, dev)
    tol = TOLERANCES[_kind(path)]
    error = relative_error(got, want)
    return CheckRow(name, path, error, tol, bool(error <= tol), cpu_ms, dev_ms, f"shape {tuple(want.shape)}")


def relative_error(got: np.ndarray, want: np.ndarray) -> float:
    """``max |got − want| / max |want|`` (0 for two zero arrays; inf where shapes or NaNs differ)."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if got.shape != want.shape or not np.array_equal(np.isnan(got), np.isnan(want)):
        return float("inf")
    scale = np.nanmax(np.abs(want)) if want.size else 0.0
    diff = np.nanmax(np.abs(got - want)) if want.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


def _training_rows(name: str, checkpoint: Path, X, y, lengths, dev: torch.device) -> list[CheckRow]:
    """One training step's loss and gradients (dropout off, BatchNorm on batch statistics) on both
    sides, with and without bfloat16 autocast on the device; then two epochs of :func:`train` on
    the device with and without ``amp``, which must finish with a finite loss (``amp`` on CUDA only)."""
    from ..checkpoint import load_model
    from ..training import TrainConfig, train

    rows = []
    want, cpu_ms = _step(load_model(checkpoint), X, y, lengths, torch.device("cpu"), amp=False)
    # bfloat16 autocast is checked where it is meant to run: on the device
    amps = (False, True) if dev.type == "cuda" else (False,)
    for amp in amps:
        path = "training step (amp)" if amp else "training step"
        got, dev_ms = _step(load_model(checkpoint), X, y, lengths, dev, amp=amp)
        error = relative_error(got, want)
        rows.append(
            CheckRow(
                name,
                path,
                error,
                TOLERANCES[path],
                bool(error <= TOLERANCES[path]),
                cpu_ms,
                dev_ms,
                "loss and gradients",
            )
        )
    for amp in amps:
        model = load_model(checkpoint)
        t0 = time.perf_counter()
        result = train(model, X, y, lengths, TrainConfig(epochs=2, device=str(dev), amp=amp, seed=0))
        ms = (time.perf_counter() - t0) * 1e3
        loss = float(result.history["loss"][-1])
        rows.append(
            CheckRow(
                name,
                "train 2 epochs" + (" (amp)" if amp else ""),
                float("nan"),
                float("nan"),
                bool(np.isfinite(loss)),
                float("nan"),
                ms,
                f"last loss {loss:.3g}",
            )
        )
    return rows


def _step(model, X, y, lengths, dev: torch.device, *, amp: bool) -> tuple[np.ndarray, float]:
    """The loss and every parameter's gradient of one batch (dropout off), as one flat array."""
    model.to(dev).train()
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.eval()  # dropout masks come from each device's own generator: not comparable
    xb = torch.as_tensor(np.asarray(X[:64], np.float32), device=dev)
    yb = torch.as_tensor(np.asarray(y[:64]), device=dev)
    lb = torch.as_tensor(np.asarray(lengths[:64]), device=dev)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    t0 = time.perf_counter()
    with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
        loss = torch.nn.functional.cross_entropy(model(xb, lb).float(), yb)
    loss.backward()
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    ms = (time.perf_counter() - t0) * 1e3
    grads = [p.grad.detach().float().cpu().reshape(-1) for p in model.parameters() if p.grad is not None]
    return torch.cat([loss.detach().float().cpu().reshape(1), *grads]).numpy(), ms


def format_check(rows: list[CheckRow], device: str) -> str:
    """The rows as a table, then one line: how many paths passed."""
    lines = [f"{'model':32} {'path':22} {'error':>9} {'tol':>7} {'ok':>4} {'cpu ms':>9} {device + ' ms':>9}  note"]
    for r in rows:
        lines.append(
            f"{r.model:32} {r.path:22} {r.error:9.2e} {r.tolerance:7.0e} {'yes' if r.ok else 'NO':>4} "
            f"{r.cpu_ms:9.1f} {r.device_ms:9.1f}  {r.note}"
        )
    passed = sum(r.ok for r in rows)
    lines.append(f"{passed} of {len(rows)} paths within tolerance on {device}")
    return "\n".join(lines)


def rows_as_dicts(rows: list[CheckRow]) -> list[dict]:
    return [asdict(r) for r in rows]
