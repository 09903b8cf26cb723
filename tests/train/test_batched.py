"""Seeds trained together equal their serial runs (invlab.train.train_together)."""

import pytest
import torch
from torch import nn

from invlab.models import create_model
from invlab.nn import LearnedAugment
from invlab.train import (
    SerialFallbackWarning,
    batch_refusal,
    logits_together,
    seeded,
    train,
    train_together,
)
from invlab.transforms import Shift

SEEDS = [0, 3, 7]
# float64: the batched kernels' reduction order changes the weights by ~1e-14 here (measured);
# 1e-10 leaves room for other BLAS builds. In float32 Adam can amplify reduction-order rounding
# of a near-cancelling gradient (e.g. a bias before batch norm) to ~1e-2 (see the docstring).
TOL = 1e-10
LOGIT_TOL = 1e-8  # eval-mode logits: measured <= 3e-11 (the CNN's batch norm), 1e-16 (MLP)


def _data(n=160, dtype=torch.float64):
    g = torch.Generator().manual_seed(11)
    return torch.randn(n, 1, 40, generator=g, dtype=dtype), torch.randint(0, 10, (n,), generator=g)


def _build(name, **size):
    return lambda: create_model(name, **size).double()


def _serial(build, x, y, **settings):
    out = []
    for seed in SEEDS:
        model = seeded(build, seed)
        out.append((model, train(model, x, y, seed=seed, **settings)))
    return out


def _noise_driven(model):
    """Names of the biases of layers followed by batch norm, and its running means.

    Batch norm subtracts the batch mean, so such a bias has an exact gradient of 0: its
    computed gradient is rounding noise, which Adam's normalisation turns into steps of size
    ~lr whatever the noise's scale. Different reduction orders give different noise, so these
    biases (and the running means that track them) differ between batched and serial runs by
    ~lr; the function the member computes does not (the logits are compared instead).
    """
    names, previous = set(), None
    for name, module in model.named_modules():
        if isinstance(module, nn.modules.batchnorm._NormBase) and previous is not None:
            names |= {f"{previous}.bias", f"{name}.running_mean"}
        previous = name if getattr(module, "bias", None) is not None else None
    return names


def _assert_equal(serial, batched, tol, x=None):
    assert len(serial) == len(batched)
    for (ms, rs), (mb, rb) in zip(serial, batched):
        assert rs.steps == rb.steps
        assert rs.train_accuracy == rb.train_accuracy
        assert rs.losses == pytest.approx(rb.losses, abs=tol, rel=0)
        skip = _noise_driven(ms)
        for (name, a), (_, b) in zip(ms.state_dict().items(), mb.state_dict().items()):
            if name not in skip:
                assert torch.allclose(a.double(), b.double(), atol=tol, rtol=0), name
        if x is not None:
            with torch.no_grad():
                diff = (ms.eval()(x) - mb.eval()(x)).abs().max()
            assert diff <= LOGIT_TOL


@pytest.mark.parametrize(
    "name, size",
    [("mlp", dict(width=16, depth=2)), ("cnn", dict(channels=4, depth=2))],
)
@pytest.mark.parametrize("augment", [None, Shift(5)])
@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_members_equal_serial_runs(name, size, augment, schedule):
    x, y = _data()
    build = _build(name, **size)
    settings = dict(epochs=2, batch_size=48, lr=3e-3, schedule=schedule, augment=augment)
    serial = _serial(build, x, y, **settings)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(99)  # the global generator's state must not matter
        batched = train_together(build, SEEDS, x, y, **settings)
    _assert_equal(serial, batched, TOL, x)
    # the members differ from each other: each got its own initialisation and data order
    assert not torch.equal(batched[0][0].state_dict()["logits.weight"],
                           batched[1][0].state_dict()["logits.weight"])  # fmt: skip


def test_float32_mlp_within_measured_tolerance():
    x, y = _data(dtype=torch.float32)
    build = lambda: create_model("mlp", width=16, depth=1)  # noqa: E731
    settings = dict(epochs=2, batch_size=48, lr=1e-3, weight_decay=1e-4, max_steps=5)
    _assert_equal(
        _serial(build, x, y, **settings), train_together(build, SEEDS, x, y, **settings), 1e-5
    )


def test_fallback_gives_the_serial_result_and_says_why():
    x, y = _data(dtype=torch.float32)

    def build():
        return nn.Sequential(nn.Flatten(), nn.Linear(40, 16), nn.Dropout(0.3), nn.Linear(16, 10))

    settings = dict(epochs=2, batch_size=48)
    with pytest.warns(SerialFallbackWarning, match="Dropout"):
        batched = train_together(build, SEEDS, x, y, **settings)
    _assert_equal(_serial(build, x, y, **settings), batched, 0.0)


def test_refusals_name_the_reason():
    x = torch.randn(2, 1, 40)
    net = nn.Sequential(nn.Flatten(), nn.Linear(40, 10))
    aug = LearnedAugment(net, dims=1)
    assert "LearnedAugment" in batch_refusal([aug, aug], x)
    fixed = nn.Sequential(nn.Flatten(), nn.Linear(40, 10)).requires_grad_(False)
    assert "no trainable" in batch_refusal([fixed], x)
    mlps = [nn.Sequential(nn.Flatten(), nn.Linear(40, w)) for w in (10, 12)]
    assert "member 1 differs" in batch_refusal(mlps, x)

    class DataDependent(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(40, 10)

        def forward(self, x):
            out = self.lin(x.flatten(1))
            return out if out.sum() > 0 else -out  # control flow on the data

    models = [DataDependent(), DataDependent()]
    assert "vmap refuses" in batch_refusal(models, x)
    assert batch_refusal([create_model("mlp", width=8, depth=1)] * 2, x) is None


def test_stopped_member_keeps_its_weights():
    x, y = _data()
    build = _build("mlp", width=16, depth=1)
    settings = dict(batch_size=48, lr=3e-3)
    out = train_together(build, SEEDS, x, y, epochs=4, stop=lambda k, epoch, loss: k == 1
                         and epoch == 2, **settings)  # fmt: skip
    short = seeded(build, SEEDS[1])
    result = train(short, x, y, epochs=2, seed=SEEDS[1], **settings)
    _assert_equal([(short, result)], [out[1]], TOL)
    assert [len(r.losses) for _, r in out] == [4, 2, 4]
    full = _serial(build, x, y, epochs=4, **settings)
    _assert_equal([full[0], full[2]], [out[0], out[2]], TOL)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seeds=[]), ValueError, "seeds must be a non-empty"),
        (dict(seeds=[1, 1]), ValueError, "distinct"),
        (dict(seeds=[0, 1.5]), TypeError, "seeds"),
        (dict(build=create_model("mlp", width=8, depth=1)), TypeError, "build must be a callable"),
        (dict(build=lambda: 3), TypeError, "build must return an nn.Module"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(stop=3), TypeError, "stop"),
    ],
)
def test_bad_input_is_refused(kwargs, error, match):
    x, y = _data(n=20, dtype=torch.float32)
    args = dict(build=lambda: create_model("mlp", width=8, depth=1), seeds=[0, 1])
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train_together(args.pop("build"), args.pop("seeds"), x, y, **args)


@pytest.mark.parametrize(
    "build",
    [
        lambda: create_model("cnn", channels=4, depth=2),
        lambda: nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(40, 10)),  # refused
    ],
)
def test_logits_together_equal_each_model(build):
    x = torch.randn(50, 1, 40)
    models = [seeded(build, s) for s in SEEDS]
    models[1].eval()
    out = logits_together(models, x, batch_size=16)
    assert [m.training for m in models] == [True, False, True]  # each mode given back
    for k, model in enumerate(models):
        with torch.no_grad():
            expected = model.eval()(x)
        # float32, one vmap'd forward against K plain ones: measured <= 5e-7
        assert torch.allclose(out[k], expected, atol=1e-5, rtol=0)


def test_train_together_takes_trains_options_with_the_same_defaults():
    # member k is "train(..., seed=seeds[k], <same arguments>)": the two signatures must not drift
    import inspect

    def options(fn, own):
        params = inspect.signature(fn).parameters.values()
        return {p.name: p.default for p in params if p.kind is p.KEYWORD_ONLY and p.name not in own}

    assert options(train_together, {"stop"}) == options(train, {"seed", "progress"})
    assert len(options(train, {"seed", "progress"})) == 9
