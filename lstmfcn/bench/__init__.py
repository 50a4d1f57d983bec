"""Benchmark: the project's way against the straightforward way a user would write.

Every row times both on the same model and data (median of ``repeats`` runs after a warm-up; CUDA
timings synchronised) and reports ``speedup = straightforward / ours``. Per-sample loops over a
large split would take minutes, so they are timed on the first ``loop_samples`` samples and
scaled linearly to the whole split (they are linear in N by construction); the table says so.
Numbers are also checked for equality with the straightforward path, so a speedup never comes
from computing something else.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from ..device import describe_device, resolve_device
from ..models import ModelConfig, build_model


@dataclass
class BenchRow:
    """One comparison. Times in seconds for the whole split (``N`` samples of length ``T``)."""

    task: str
    n: int
    length: int
    ours_s: float
    straightforward_s: float
    straightforward: str  # what the straightforward way is
    max_abs_diff: float | None = None  # between the two results, where comparable
    extrapolated_from: int | None = None  # samples the straightforward loop actually ran on

    @property
    def speedup(self) -> float:
        return self.straightforward_s / self.ours_s if self.ours_s > 0 else float("inf")

    def to_dict(self) -> dict:
        return {**asdict(self), "speedup": self.speedup}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def median_time(fn: Callable[[], object], device: torch.device, repeats: int = 3, warmup: int = 1) -> float:
    """Median wall time of ``fn()`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def synthetic_series(n: int, length: int, n_classes: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(X (n, 1, length), y (n,))``: noisy sines whose frequency depends on the class."""
    g = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    t = np.linspace(0, 1, length, dtype=np.float32)
    x = np.sin(2 * np.pi * (2 + 2 * y[:, None]) * t[None]) + 0.3 * g.standard_normal((n, length))
    return x[:, None, :].astype(np.float32), y


# --- the straightforward ways -------------------------------------------------------------


@torch.no_grad()
def _loop_inference(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    return torch.cat([model(x[i : i + 1]) for i in range(len(x))]).cpu().numpy()


@torch.no_grad()
def _loop_cam_with_hooks(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """Per sample: a forward hook grabs the last conv maps; each class's map is one mat-vec."""
    grabbed = {}
    handle = model.last_conv.register_forward_hook(lambda m, i, o: grabbed.__setitem__("a", o))
    try:
        out = []
        w = model.head.weight[:, model.config.cells :]
        for i in range(len(x)):
            model(x[i : i + 1])
            a = grabbed["a"][0]  # (C, T)
            out.append(torch.stack([w[k] @ a for k in range(w.shape[0])]))
        return torch.stack(out).cpu().numpy()
    finally:
        handle.remove()


def _loop_captum(method: str, model: nn.Module, x: torch.Tensor, target: torch.Tensor, ig_steps: int) -> np.ndarray:
    """Per sample, Captum with its default arguments (IG with the same number of steps)."""
    from captum.attr import IntegratedGradients, Saliency

    algo = IntegratedGradients(model) if method == "ig" else Saliency(model)
    out = []
    for i in range(len(x)):
        kwargs = {"n_steps": ig_steps} if method == "ig" else {}
        out.append(algo.attribute(x[i : i + 1], target=int(target[i]), **kwargs).detach())
    return torch.cat(out).cpu().numpy()


def _plain_training_epochs(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int) -> None:
    """The textbook loop: DataLoader, per-step ``loss.item()`` for logging."""
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=128, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item()
    model.eval()


# --- the comparisons ------------------------------------------------------------------------


def _scaled(
    fn: Callable[[int], object], n: int, loop_samples: int, device: torch.device, repeats: int
) -> tuple[float, int | None]:
    m = min(n, loop_samples)
    t = median_time(lambda: fn(m), device, repeats=max(1, repeats - 1))
    return t * n / m, (m if m < n else None)


def bench_case(
    name: str,
    model: nn.Module,
    x_np: np.ndarray,
    *,
    device: torch.device,
    repeats: int,
    loop_samples: int,
    methods: tuple[str, ...],
    ig_steps: int,
) -> list[BenchRow]:
    """Inference, all-class CAM and Captum methods over ``x_np`` ``(N, V, T)``, both ways."""
    from ..evaluation import predict_logits
    from ..explain import class_activation_maps, run_method

    n, _, length = x_np.shape
    x = torch.as_tensor(x_np, device=device)
    rows = []

    ours = median_time(lambda: predict_logits(model, x_np), device, repeats)
    base, ext = _scaled(lambda m: _loop_inference(model, x[:m]), n, loop_samples, device, repeats)
    diff = float(np.abs(predict_logits(model, x_np[:8]) - _loop_inference(model, x[:8])).max())
    rows.append(BenchRow(f"{name}: inference", n, length, ours, base, "per-sample loop", diff, ext))

    ours = median_time(lambda: class_activation_maps(model, x_np), device, repeats)
    base, ext = _scaled(lambda m: _loop_cam_with_hooks(model, x[:m]), n, loop_samples, device, repeats)
    diff = float(np.abs(class_activation_maps(model, x_np[:8]).cam - _loop_cam_with_hooks(model, x[:8])).max())
    rows.append(BenchRow(f"{name}: CAM, all classes", n, length, ours, base, "per-sample forward hooks", diff, ext))

    target = predict_logits(model, x_np).argmax(1)
    for method in methods:
        opts = {"n_steps": ig_steps} if method == "ig" else {}
        ours = median_time(
            lambda method=method, opts=opts: run_method(method, model, x_np, target, **opts), device, repeats
        )
        if method in ("ig", "saliency"):
            tt = torch.as_tensor(target, device=device)
            # cuDNN refuses LSTM backward in eval mode: the straightforward GPU user switches cuDNN
            # off globally; on the CPU that switch changes nothing.
            with torch.backends.cudnn.flags(enabled=device.type != "cuda"):
                base, ext = _scaled(
                    lambda m, method=method, tt=tt: _loop_captum(method, model, x[:m], tt, ig_steps),
                    n,
                    loop_samples,
                    device,
                    1,
                )
                ref = _loop_captum(method, model, x[:4], tt, ig_steps)
            mine = run_method(method, model, x_np[:4], target[:4], **opts)
            what = "per-sample Captum, defaults" + (", cuDNN off" if device.type == "cuda" else "")
            diff = float(np.abs(mine - ref).max())
        else:
            base, ext, what, diff = float("nan"), None, "n/a", None
        rows.append(BenchRow(f"{name}: {method}", n, length, ours, base, what, diff, ext))
    return rows


def bench_training(
    model_config: ModelConfig, x_np: np.ndarray, y_np: np.ndarray, *, device: torch.device, epochs: int
) -> BenchRow:
    """Epoch time of :func:`lstmfcn.training.train` against a plain eager loop, same data and model."""
    from ..training import TrainConfig, train

    n, _, length = x_np.shape
    cfg = TrainConfig(epochs=epochs, device=str(device), recalibrate_bn=False)
    torch.manual_seed(0)
    ours = median_time(lambda: train(build_model(model_config), x_np, y_np, None, cfg), device, repeats=1)
    x, y = torch.as_tensor(x_np, device=device), torch.as_tensor(y_np, device=device)
    torch.manual_seed(0)
    base = median_time(
        lambda: _plain_training_epochs(build_model(model_config).to(device), x, y, epochs), device, repeats=1
    )
    return BenchRow(
        f"training ({epochs} epochs)", n, length, ours / epochs, base / epochs, "plain eager loop with DataLoader"
    )


def run_bench(device: str = "auto", quick: bool = False, progress: Callable[[str], None] | None = None) -> dict:
    """Run the whole benchmark; returns ``{"device": …, "rows": [BenchRow.to_dict(), …]}``.

    ``quick`` (under a minute on 2 CPU cores) uses GunPoint plus small synthetic splits; the full
    run uses the issue's shapes on a GPU (8192 × 1024 and 8192 × 96) and, on a CPU, the same
    lengths with fewer samples (the CPU would need minutes per pass over 8192 × 1024).
    """
    from ..checkpoint import load_model
    from ..data import load_dataset
    from ..inputs import model_input
    from ..zoo import pretrained_path

    dev = resolve_device(device)
    say = progress or (lambda _: None)
    torch.manual_seed(0)
    gp = load_dataset("GunPoint")
    if quick:
        shapes, repeats, loop_samples, methods, train_epochs = [(32, 1024), (128, 96)], 2, 4, ("ig",), 3
    elif dev.type == "cuda":
        shapes, repeats, loop_samples, methods, train_epochs = (
            [(8192, 1024), (8192, 96)],
            5,
            256,
            ("ig", "saliency", "occlusion", "gradcam"),
            200,
        )
    else:
        shapes, repeats, loop_samples, methods, train_epochs = (
            [(512, 1024), (2048, 96)],
            3,
            64,
            ("ig", "saliency", "occlusion", "gradcam"),
            20,
        )
    rows: list[BenchRow] = []
    gp_model = build_model(ModelConfig("lstmfcn", 1, gp.length, gp.n_classes)).to(dev).eval()
    say("GunPoint test split")
    gp_x = gp.X_test[:48] if quick else gp.X_test
    rows += bench_case(
        "GunPoint", gp_model, gp_x, device=dev, repeats=repeats, loop_samples=loop_samples, methods=methods, ig_steps=32
    )
    # The shipped attention-over-time model, whose loop over 150 steps is where batching pays.
    say("GunPoint test split, ALSTM-FCN with attention over time")
    alstm = load_model(pretrained_path("GunPoint__alstmfcn__noshuffle")).to(dev).eval()
    rows += bench_case(
        "GunPoint ALSTM-FCN over time",
        alstm,
        model_input(alstm, gp).X[: len(gp_x)],
        device=dev,
        repeats=repeats,
        loop_samples=loop_samples,
        methods=("ig",),
        ig_steps=32,
    )
    for n, length in shapes:
        say(f"synthetic {n} x {length}")
        x, _ = synthetic_series(n, length)
        model = build_model(ModelConfig("lstmfcn", 1, length, 2)).to(dev).eval()
        ig_n = min(n, 1024)  # the IG target is stated for 1024 samples
        rows += bench_case(
            f"{n}x{length}", model, x, device=dev, repeats=repeats, loop_samples=loop_samples, methods=(), ig_steps=32
        )
        rows += [
            r
            for r in bench_case(
                f"{ig_n}x{length}",
                model,
                x[:ig_n],
                device=dev,
                repeats=repeats,
                loop_samples=loop_samples,
                methods=("ig",),
                ig_steps=32,
            )
            if r.task.endswith(": ig")
        ]
    say("training")
    rows.append(
        bench_training(
            ModelConfig("lstmfcn", 1, gp.length, gp.n_classes), gp.X_train, gp.y_train, device=dev, epochs=train_epochs
        )
    )
    return {
        "device": describe_device(dev),
        "quick": quick,
        "torch": torch.__version__,
        "rows": [r.to_dict() for r in rows],
    }


def format_table(result: dict) -> str:
    """A plain-text table of :func:`run_bench`'s result."""
    lines = [
        f"device: {result['device']}  (torch {result['torch']}{', quick' if result['quick'] else ''})",
        f"{'task':<46} {'N':>6} {'T':>5} {'ours':>10} {'straightforward':>16} {'speedup':>8}  how / max |diff|",
    ]
    for r in result["rows"]:
        base = "n/a" if np.isnan(r["straightforward_s"]) else _fmt_s(r["straightforward_s"])
        speed = "" if np.isnan(r["straightforward_s"]) else f"{r['speedup']:.1f}x"
        note = r["straightforward"] + (f" (scaled from {r['extrapolated_from']})" if r["extrapolated_from"] else "")
        if r["max_abs_diff"] is not None:
            note += f" / {r['max_abs_diff']:.1e}"
        lines.append(
            f"{r['task']:<46} {r['n']:>6} {r['length']:>5} {_fmt_s(r['ours_s']):>10} {base:>16} {speed:>8}  {note}"
        )
    return "\n".join(lines)


def _fmt_s(s: float) -> str:
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def scaling_curves(
    device: str = "auto",
    ns: tuple[int, ...] = (16, 64, 256, 1024),
    ts: tuple[int, ...] = (96, 256, 1024),
    fixed_t: int = 150,
    fixed_n: int = 64,
    ig_steps: int = 32,
) -> dict:
    """Seconds for all-class CAM and IG-``ig_steps`` against N (at ``T = fixed_t``) and T (at ``N = fixed_n``).

    Returns ``{"device", "n": {"N": [...], "cam": [...], "ig": [...]}, "t": {"T": [...], "cam": [...], "ig": [...]}}``.
    """
    from ..explain import class_activation_maps, run_method

    dev = resolve_device(device)

    def both(n: int, length: int) -> tuple[float, float]:
        x, _ = synthetic_series(n, length)
        model = build_model(ModelConfig("lstmfcn", 1, length, 2)).to(dev).eval()
        target = np.zeros(n, dtype=np.int64)
        cam = median_time(lambda: class_activation_maps(model, x), dev, repeats=3)
        ig = median_time(lambda: run_method("ig", model, x, target, n_steps=ig_steps), dev, repeats=1)
        return cam, ig

    by_n = [both(n, fixed_t) for n in ns]
    by_t = [both(fixed_n, t) for t in ts]
    return {
        "device": describe_device(dev),
        "n": {"N": list(ns), "T": fixed_t, "cam": [c for c, _ in by_n], "ig": [i for _, i in by_n]},
        "t": {"T": list(ts), "N": fixed_n, "cam": [c for c, _ in by_t], "ig": [i for _, i in by_t]},
    }


def scaling_figures(curves: dict) -> list:
    """Two Plotly figures (time against N, time against T; log-log) of :func:`scaling_curves`."""
    from ..figures import lines_figure

    out = []
    for axis, fixed in (("n", "T"), ("t", "N")):
        c = curves[axis]
        key = axis.upper()
        fig = lines_figure(
            np.asarray(c[key]),
            {"CAM, all classes": np.asarray(c["cam"]), "IG-32": np.asarray(c["ig"])},
            x_title=key,
            y_title="seconds",
            title=f"Time against {key} ({fixed} = {c[fixed]}, {curves['device']})",
        )
        fig.update_xaxes(type="log")
        fig.update_yaxes(type="log")
        out.append(fig)
    return out


def target_timings(device: str = "auto") -> dict[str, float]:
    """Seconds for the interactive cases the issue sets CPU targets for (median of 5 after a warm-up).

    - one sample's CAM + attention + IG-32 through :func:`lstmfcn.explain.explain` for every zoo
      architecture: T = 150 (the shipped GunPoint LSTM-FCN, ALSTM-FCN, and ALSTM-FCN with attention
      over time, the dashboard's attention model), the shipped BasicMotions MLSTM-FCN and
      MALSTM-FCN (V = 6, T = 100), and T = 1024 (synthetic LSTM-FCN, and a synthetic ALSTM-FCN with attention over
      time, whose attention LSTM scores all 1024 steps at each of its 1024 steps);
    - all-class CAM and IG-32 over GunPoint's test split (150 series) with the shipped LSTM-FCN;
    - one what-if edit (a smoothed window) then probabilities + every class's CAM, T = 512
      (synthetic LSTM-FCN): what the dashboard redraws after each edit;
    - one Native Guide counterfactual (the What-if page's "What would have to change?"): GunPoint
      test sample 0 with the shipped LSTM-FCN (T = 150), and BasicMotions test sample 0 with the
      shipped MLSTM-FCN, whose search tries the fewest of its 6 variables first;
    - the What matters page at its defaults (:func:`importance_run`) on GunPoint's test split (150
      series) and a class-balanced 300 of ECG5000's 4500 (targets: 20 s and a minute).
    """
    from ..checkpoint import load_model
    from ..counterfactual import native_guide
    from ..data import load_dataset
    from ..explain import class_activation_maps, explain, run_method
    from ..inputs import model_input
    from ..whatif import Smooth, apply_edits, predict_and_cam
    from ..zoo import pretrained_path

    dev = resolve_device(device)
    gp = load_dataset("GunPoint")
    lstm = load_model(pretrained_path("GunPoint__lstmfcn")).to(dev)
    alstm = load_model(pretrained_path("GunPoint__alstmfcn__noshuffle")).to(dev)
    alstm_shuffled = load_model(pretrained_path("GunPoint__alstmfcn")).to(dev)
    gp_x = model_input(lstm, gp).X  # both shipped GunPoint models prepare their input the same way
    gp_train = model_input(lstm, gp, "train")
    motions = load_model(pretrained_path("BasicMotions__mlstmfcn")).to(dev)
    ecg = load_model(pretrained_path("ECG5000__lstmfcn")).to(dev)
    motions_attention = load_model(pretrained_path("BasicMotions__malstmfcn")).to(dev)
    bm_ds = load_dataset("BasicMotions")
    bm_train, bm_test = model_input(motions, bm_ds, "train"), model_input(motions, bm_ds, "test")
    bm_attention_x = model_input(motions_attention, bm_ds, "test").X[:1]
    long_model = build_model(ModelConfig("lstmfcn", 1, 1024, 2)).to(dev).eval()
    long_alstm = build_model(ModelConfig("alstmfcn", 1, 1024, 2, shuffle=False)).to(dev).eval()
    long_x, _ = synthetic_series(1, 1024)
    whatif_model = build_model(ModelConfig("lstmfcn", 1, 512, 2)).to(dev).eval()
    whatif_x = synthetic_series(1, 512)[0][0]  # (V, T)
    one = ["cam", "attention", "ig"]
    with torch.no_grad():
        target = lstm(torch.as_tensor(gp_x, device=dev)).argmax(1).cpu().numpy()
    return {
        "one sample CAM+attention+IG-32, T=150, LSTM-FCN": median_time(
            lambda: explain(lstm, gp_x[:1], methods=one), dev, 5
        ),
        "one sample CAM+attention+IG-32, T=150, ALSTM-FCN (attention over time)": median_time(
            lambda: explain(alstm, gp_x[:1], methods=one), dev, 5
        ),
        "one sample CAM+attention+IG-32, T=150, ALSTM-FCN (shuffle on)": median_time(
            lambda: explain(alstm_shuffled, gp_x[:1], methods=one), dev, 5
        ),
        "one sample CAM+attention+IG-32, V=6, T=100, MLSTM-FCN (BasicMotions)": median_time(
            lambda: explain(motions, bm_test.X[:1], methods=one), dev, 5
        ),
        "one sample CAM+attention+IG-32, V=6, T=100, MALSTM-FCN (BasicMotions)": median_time(
            lambda: explain(motions_attention, bm_attention_x, methods=one), dev, 5
        ),
        "one sample CAM+attention+IG-32, T=1024, LSTM-FCN": median_time(
            lambda: explain(long_model, long_x, methods=one), dev, 5
        ),
        "one sample CAM+attention+IG-32, T=1024, ALSTM-FCN (attention over time)": median_time(
            lambda: explain(long_alstm, long_x, methods=one), dev, 5
        ),
        "all-class CAM, GunPoint test (150)": median_time(lambda: class_activation_maps(lstm, gp_x), dev, 5),
        "IG-32, GunPoint test (150)": median_time(lambda: run_method("ig", lstm, gp_x, target, n_steps=32), dev, 3),
        "what-if edit -> probabilities + CAM, T=512, LSTM-FCN": median_time(
            lambda: predict_and_cam(whatif_model, apply_edits(whatif_x, [Smooth(100, 200, width=9)])), dev, 5
        ),
        "counterfactual (native guide), GunPoint test #0, LSTM-FCN": median_time(
            lambda: native_guide(lstm, gp_x[0], gp_train.X, gp_train.y), dev, 5
        ),
        "counterfactual (native guide, fewest variables first), BasicMotions test #0, MLSTM-FCN": median_time(
            lambda: native_guide(motions, bm_test.X[0], bm_train.X, bm_train.y), dev, 5
        ),
        "what matters (importance + map agreement, defaults), GunPoint test (150), LSTM-FCN": median_time(
            lambda: importance_run(lstm, gp), dev, 1
        ),
        "what matters (importance + map agreement, defaults), ECG5000 test (300 of 4500), LSTM-FCN": median_time(
            lambda: importance_run(ecg, load_dataset("ECG5000")), dev, 1
        ),
    }


def importance_run(model, ds) -> None:
    """What the What matters page computes at its defaults: permutation importance on a class-balanced
    sample of the test split (all of a small one) and the maps' agreement."""
    from ..importance.agreement import map_agreement
    from ..importance.on_dataset import importance_on, split_sample

    sample = split_sample(model, ds, "test")
    x, rows = sample.inputs, sample.rows
    map_agreement(model, x.X[rows], x.y[rows], x.lengths[rows], importance_on(sample, model))
