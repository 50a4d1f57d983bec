"""Typed method options: the CLI's flags, the cache key and the checks all come from the registry."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np
import pytest
import torch

from lstmfcn.cli import build_parser, main
from lstmfcn.cli.explain import method_options_from_args
from lstmfcn.errors import UserInputError
from lstmfcn.explain import METHODS, run_method
from lstmfcn.explain.methods import MethodSpec, option_flags
from lstmfcn.explain.options import (
    AblationOptions,
    IGOptions,
    MethodOptions,
    NoOptions,
    OcclusionOptions,
    OptionError,
    flag,
)
from lstmfcn.models import LSTMFCN, ModelConfig

REQUIRED = ["explain", "--checkpoint", "m.safetensors", "--dataset", "GunPoint", "--out", "x.npz"]


def _argv(name: str, value) -> list[str]:
    """The command-line words that set option ``name`` to ``value`` (as a user would type them)."""
    f, _ = option_flags()[name]
    if "off" in f.metadata:
        return [f.metadata["flag"] if value else f.metadata["off"][0]]
    return [f.metadata["flag"], str(value)]


def _other_value(f) -> object:
    """A valid value for flag field ``f`` that is not its default."""
    if "off" in f.metadata:
        return False
    how = f.metadata["argparse"]
    if "choices" in how:
        return next(c for c in how["choices"] if c != f.default)
    return {int: 7, float: 0.25}[how["type"]]


@pytest.mark.parametrize("name", list(METHODS))
def test_each_methods_options_round_trip_through_its_cli_flags(name):
    spec = METHODS[name]
    flagged = [f for f in fields(spec.options) if "flag" in f.metadata]
    chosen = {f.name: _other_value(f) for f in flagged}
    argv = [word for option, value in chosen.items() for word in _argv(option, value)]
    args = build_parser().parse_args(REQUIRED + argv)
    given = method_options_from_args(args, [name])
    options = spec.make_options(**given)
    assert {k: getattr(options, k) for k in chosen} == chosen
    assert options == spec.options(**chosen) and options.key() == spec.options(**chosen).key()
    if not flagged:  # nothing to choose: the defaults, whatever flags other methods took
        assert options == spec.options()


def test_flags_keep_their_names_and_say_which_methods_they_change():
    flags = {name: (f.metadata["flag"], owners) for name, (f, owners) in option_flags().items()}
    # today's flags keep their names and owners; a new method may add flags of its own
    assert (
        flags.items()
        >= {
            "n_steps": ("--ig-steps", ("ig",)),
            "integration": ("--ig-rule", ("ig",)),
            "tolerance": ("--ig-tolerance", ("ig",)),
            "window": ("--window", ("occlusion",)),
            "stride": ("--stride", ("occlusion",)),
            "per_variable": ("--per-variable", ("occlusion", "ablation")),
            "n_segments": ("--segments", ("ablation",)),
        }.items()
    )
    assert option_flags()["per_variable"][0].metadata["off"][0] == "--all-variables"


@pytest.mark.parametrize(
    "make, option",
    [
        (lambda: OcclusionOptions(window=0), "window"),
        (lambda: OcclusionOptions(stride=-1), "stride"),
        (lambda: AblationOptions(n_segments=0), "n_segments"),
        (lambda: IGOptions(n_steps=0), "n_steps"),
        (lambda: IGOptions(integration="simpson"), "integration"),
        (lambda: IGOptions(tolerance=0.0), "tolerance"),
        (lambda: IGOptions(baseline="noise"), "baseline"),
    ],
)
def test_a_bad_option_is_refused_in_a_sentence(make, option):
    with pytest.raises(UserInputError) as err:
        make()
    assert isinstance(err.value, OptionError) and err.value.option == option
    words = str(err.value)
    assert words.endswith(err.value.problem) and ("must" in words) and "\n" not in words


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--ig-steps", "0"], "--ig-steps must be at least 1, got 0"),
        (["--window", "0"], "--window must be at least 1, got 0"),
        (["--ig-tolerance", "-1"], "--ig-tolerance must be positive"),
    ],
)
def test_a_bad_option_on_the_command_line_exits_2_naming_the_flag(capsys, flags, message):
    # checked before the checkpoint is opened: it does not exist
    assert main([*REQUIRED, *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err


def test_equal_options_share_a_key_and_different_ones_do_not():
    assert OcclusionOptions(window=8, per_variable=False).key() == OcclusionOptions(per_variable=False, window=8).key()
    assert METHODS["occlusion"].make_options(window=8, n_segments=4, n_steps=3) == OcclusionOptions(window=8)
    assert hash(OcclusionOptions(window=8)) == hash(OcclusionOptions(window=8))
    keys = {
        OcclusionOptions().key(),
        OcclusionOptions(window=8).key(),
        OcclusionOptions(window=8, baseline="mean").key(),
        OcclusionOptions(per_variable=True).key(),
        AblationOptions().key(),  # the same baseline, another method's options
        IGOptions().key(),
        IGOptions(n_steps=16).key(),
        NoOptions().key(),
    }
    assert len(keys) == 8
    a, b = np.zeros((1, 1, 4), np.float32), np.ones((1, 1, 4), np.float32)
    assert IGOptions(baseline=a).key() == IGOptions(baseline=a.copy()).key() != IGOptions(baseline=b).key()


@dataclass(frozen=True)
class FakeOptions(MethodOptions):
    """A method one test adds: a single option with a flag."""

    width: int = field(default=3, metadata=flag("--fake-width", "the fake method's width", type=int))

    def __post_init__(self) -> None:
        if self.width < 1:
            raise OptionError("width", "the fake width", f"must be at least 1, got {self.width}")


def fake_method(model, x, target, *, lengths=None, batch_size=None, progress=None, width=3) -> np.ndarray:
    return np.full(np.shape(x), float(width), np.float32)


def test_a_new_method_is_one_registry_entry_away_from_the_cli_and_the_cache_key(monkeypatch, capsys):
    spec = MethodSpec("fake", "Fake", "Every value is the width.", fake_method, FakeOptions)
    monkeypatch.setitem(METHODS, "fake", spec)
    assert option_flags()["width"][1] == ("fake",)
    args = build_parser().parse_args([*REQUIRED, "--methods", "fake", "--fake-width", "5"])
    with pytest.raises(SystemExit):
        main(["explain", "--help"])
    shown = capsys.readouterr().out
    assert "--fake-width FAKE_WIDTH" in shown and "the fake method's width" in shown
    given = method_options_from_args(args, ["fake"])
    options = METHODS["fake"].make_options(**given)
    assert options == FakeOptions(width=5) and "width=5" in options.key() and options.key() != FakeOptions().key()
    assert main([*REQUIRED, "--fake-width", "0"]) == 2
    assert "--fake-width must be at least 1, got 0" in capsys.readouterr().err
    model = LSTMFCN(ModelConfig("lstmfcn", n_vars=1, length=8, n_classes=2, filters=(4, 4, 4)))
    x = torch.zeros(2, 1, 8).numpy()
    np.testing.assert_array_equal(run_method("fake", model, x, 0, width=5), np.full((2, 1, 8), 5.0))
    np.testing.assert_array_equal(run_method("fake", model, x, 0, options=options), np.full((2, 1, 8), 5.0))


def shared_names_with_two_meanings(specs) -> list[str]:
    """Option names that two methods declare separately with different flags or widgets: one mapping
    of options serves every method (:meth:`MethodOptions.of`), so the one method's flag would set the
    other's option too. A name neither shows (``seed``) is the API's only, and means the same."""
    first: dict[str, object] = {}
    clashes = []
    for spec in specs:
        for f in fields(spec.options):
            seen = first.setdefault(f.name, f)
            if seen is not f and f.metadata != seen.metadata:
                clashes.append(f"{f.name} ({spec.name})")
    return clashes


def test_an_option_name_means_one_thing_across_methods():
    assert shared_names_with_two_meanings(METHODS.values()) == []


def test_a_new_method_reusing_another_s_option_name_is_caught():
    @dataclass(frozen=True)
    class SmoothOptions(MethodOptions):
        # GradientSHAP's name, another meaning: the flag would set both
        n_samples: int = field(default=8, metadata=flag("--smooth-samples", "noisy copies", type=int))

    fake = MethodSpec("smooth", "SmoothGrad", "…", lambda model, x, target, **kw: x, options=SmoothOptions)
    assert shared_names_with_two_meanings([*METHODS.values(), fake]) == ["n_samples (smooth)"]
