"""Seeds trained together: K members of one architecture as one batched model.

Member ``k`` (seed ``s_k``) has the initial weights ``seeded(build, s_k)`` gives and draws its
minibatch order and augmentation from the same generators as ``train(..., seed=s_k)``. The K
members' parameters are stacked along a new leading axis and their forward passes run as one
``torch.func.vmap`` of ``functional_call``; one Adam step updates all of them. The loss is

    L = sum_k  mean_{i in batch_k} CE(f(theta_k; x_{k,i}), y_{k,i}),

so ``dL/dtheta_k`` is member k's serial gradient (the other terms do not depend on
``theta_k``), and Adam (with its ``weight_decay``) is elementwise: member k's update is its
serial update, up to the floating-point reduction order of the batched kernels.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.func import functional_call, stack_module_state, vmap

from invlab._validation import (
    check_int,
    check_tensor,
    first_output,
    match_dtype,
    model_dtype,
)
from invlab.train.loop import (
    TrainResult,
    _check_fit,
    accuracy,
    augment_batch,
    check_augment_classes,
    check_target_loss,
    check_training,
    finish_fit,
    model_device,
    seeded,
    train,
)
from invlab.transforms import Transform

_STOCHASTIC = (nn.modules.dropout._DropoutNd,)


class SerialFallbackWarning(UserWarning):
    """:func:`train_together` trained the members one after another; the message says why."""


def batch_refusal(models: Sequence[nn.Module], x: torch.Tensor) -> str | None:
    """Why ``models`` cannot be trained as one batched model, or ``None`` if they can.

    Refused: models without trainable parameters (nothing to train), members whose parameters
    or buffers differ in names, shapes or dtypes, dropout or normalisation layers with running
    statistics, modules with ``regularization_loss()`` (e.g. :class:`~invlab.nn.LearnedAugment`)
    and any forward that ``vmap`` refuses (random draws, data-dependent control flow).

    Args:
        models: the members, built by the same callable.
        x: a few training inputs ``(B, ...)`` on the members' device and dtype, for one trial
            forward.
    """
    first = models[0]
    if not any(p.requires_grad for p in first.parameters()):
        return "the model has no trainable parameters (it is evaluated, not trained)"
    if any(not p.requires_grad for p in first.parameters()):
        return "the model has frozen parameters (stacking would train them)"
    for module in first.modules():
        if isinstance(module, _STOCHASTIC):
            return f"it contains {type(module).__name__} (random draws or running statistics)"
        if callable(getattr(module, "regularization_loss", None)):
            return f"{type(module).__name__} adds a regularisation loss"
    signature = _signature(first)
    for k, model in enumerate(models[1:], start=1):
        if _signature(model) != signature:
            return f"member {k} differs from member 0 in its parameters or buffers"
    params, buffers = stack_module_state(list(models))
    try:
        with torch.no_grad():
            out = _batched_forward(first, params, buffers, x.expand(len(models), *x.shape))
    except Exception as error:  # vmap's refusals have no common type
        return f"vmap refuses its forward ({type(error).__name__}: {str(error).splitlines()[0]})"
    if not isinstance(out, torch.Tensor):
        return f"its forward returns {type(out).__name__}, not one logits tensor"
    return None


def train_together(
    build: Callable[[], nn.Module],
    seeds: Sequence[int],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 20,
    batch_size: int = 128,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    augment: Transform | None = None,
    augment_classes: Sequence[int] | None = None,
    max_steps: int | None = None,
    schedule: str = "constant",
    stop: Callable[[int, int, float], bool] | None = None,
    target_loss: float | None = None,
) -> list[tuple[nn.Module, TrainResult]]:
    """Train one member per seed, all together, each as :func:`~invlab.train.train` would.

    Contract: member ``k`` is ``seeded(build, seeds[k])`` trained with the minibatch order and
    augmentation parameters of ``train(model, x, y, seed=seeds[k], ...)`` (same arguments);
    its weights, losses, steps and training accuracy equal that serial run's up to the
    floating-point reduction order of the batched kernels. Measured (``tests/
    test_train_batched.py``, ``benchmarks/train_batched.py``): in float64 weights and losses
    within 1e-10 (typically 1e-14; a bias followed by batch norm excepted, see below), eval
    logits within 1e-8; in float32 most members agree to
    ~1e-7, but Adam divides by the gradient's running scale, so where a gradient is almost all
    rounding noise (near-cancelling sums; exactly so for a bias followed by batch norm, whose
    true gradient is 0) a different reduction order gives a different step of size ~lr, and
    training can amplify it. Measured on the default study after 2 epochs: MLPs' test logits
    differ by up to 1e-2 and training accuracy by 2.5e-4 (as much as two serial runs differ
    at 1 and 2 threads: 8e-3 and 2.5e-4 on the 512x2 MLP); the batch-norm CNNs' by up to 0.45
    and 5.5e-3 (``cnn_flat``). Use float64 where closer agreement matters.

    When the members cannot be batched (see :func:`batch_refusal`) every member is trained
    by :func:`~invlab.train.train` itself, which gives exactly the serial result, and a
    :class:`SerialFallbackWarning` states the reason.

    ``TrainResult.seconds`` of a batched member is its share of the shared loop, the loop's wall
    time divided by the number of members (so the members' seconds add up to the wall time).

    Args:
        build: a callable without arguments returning a fresh model (called once per seed
            under :func:`~invlab.train.seeded`).
        seeds: distinct integer seeds, one per member.
        x: training inputs ``(N, ...)``, float.
        y: integer labels ``(N,)``.
        epochs, batch_size, lr, weight_decay, augment, augment_classes, max_steps, schedule:
            as in :func:`~invlab.train.train`.
        stop: called as ``stop(member, epoch, loss)`` after each epoch of each member still
            training; a member for which it returns ``True`` keeps its weights from then on
            while the others go on (its ``losses`` end there). Without it every member runs
            ``epochs`` epochs (a serial run stops the same way only if it honours the same
            criterion, so ``stop`` is for criteria that ``train`` shares).
        target_loss: matched fit, as in :func:`~invlab.train.train`: after each epoch every
            member still training is evaluated on the whole training set (evaluation mode,
            one batched forward) and stops, keeping its weights, at the first epoch where its
            cross-entropy is ``<= target_loss``; the serial run with the same target stops at
            the same epoch (up to the reduction-order differences above when the loss is
            within rounding of the target).

    Returns:
        ``[(model, result), ...]`` in the order of ``seeds``: each model an ordinary
        ``nn.Module`` holding member k's trained weights.

    Examples:
        >>> import torch
        >>> from invlab.models import create_model
        >>> x, y = torch.randn(64, 1, 40), torch.arange(64) % 10
        >>> out = train_together(lambda: create_model("mlp", width=16, depth=1), [0, 1], x, y,
        ...                      epochs=2, batch_size=32)
        >>> [r.steps for _, r in out]
        [4, 4]
    """
    if not callable(build) or isinstance(build, nn.Module):
        raise TypeError(
            "build must be a callable without arguments returning a fresh nn.Module (one per "
            f"seed), got {type(build).__name__}"
        )
    seeds = list(seeds) if not isinstance(seeds, (str, bytes)) else seeds
    if not isinstance(seeds, list) or not seeds:
        raise ValueError(f"seeds must be a non-empty sequence of integers, got {seeds!r}")
    for seed in seeds:
        check_int(seed, "seeds[k]")
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct (members would be identical), got {seeds}")
    x, y = check_training(x, y, epochs, batch_size, lr, schedule, weight_decay, augment, max_steps)
    check_target_loss(target_loss)
    check_augment_classes(augment_classes, augment, y)
    if stop is not None and not callable(stop):
        raise TypeError(f"stop must be a callable (member, epoch, loss) -> bool, got {stop!r}")

    models = [seeded(build, seed) for seed in seeds]
    for k, model in enumerate(models):
        if not isinstance(model, nn.Module):
            raise TypeError(f"build must return an nn.Module, got {type(model)} for seed {k}")
    device = model_device(models[0], x.device)
    x, y = match_dtype(x, model_dtype(models[0]), "x").to(device), y.to(device)
    _check_fit(models[0], x, y)
    reason = batch_refusal(models, x[:2])
    settings = dict(epochs=epochs, batch_size=batch_size, lr=lr, weight_decay=weight_decay)
    settings.update(augment=augment, max_steps=max_steps, schedule=schedule)
    settings.update(target_loss=target_loss)
    settings.update(augment_classes=augment_classes)
    if reason is not None:
        if stop is not None:
            raise ValueError(f"stop needs batched members, but these cannot be batched: {reason}")
        warnings.warn(
            f"train_together: training {len(seeds)} members serially: {reason}",
            SerialFallbackWarning,
            stacklevel=2,
        )
        return [(m, train(m, x, y, seed=s, **settings)) for m, s in zip(models, seeds)]
    results = _train_stacked(models, seeds, x, y, stop=stop, **settings)
    return list(zip(models, results))


def _train_stacked(models, seeds, x, y, *, epochs, batch_size, lr, weight_decay, augment,
                   augment_classes, max_steps, schedule, stop,
                   target_loss) -> list[TrainResult]:  # fmt: skip
    """The batched loop of :func:`train_together` (arguments already checked)."""
    count = len(models)
    classes = check_augment_classes(augment_classes, augment, y)
    params, buffers = stack_module_state(models)
    params = {name: _grad_layout(value) for name, value in params.items()}
    order_gens = [torch.Generator().manual_seed(s) for s in seeds]
    aug_gens = [torch.Generator().manual_seed(s + 1) for s in seeds]
    optimiser = torch.optim.Adam(list(params.values()), lr=lr, weight_decay=weight_decay)
    total_steps = epochs * -(-x.shape[0] // batch_size)
    if max_steps is not None:
        total_steps = min(total_steps, max_steps)
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=total_steps)
        if schedule == "cosine"
        else None
    )
    results = [TrainResult() for _ in models]
    active = torch.ones(count, dtype=torch.bool)
    frozen: dict[str, torch.Tensor] = {}
    n = x.shape[0]
    batches = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        perms = torch.stack([torch.randperm(n, generator=g) for g in order_gens]).to(x.device)
        totals = torch.zeros(count, dtype=torch.float64, device=x.device)
        seen = 0
        for i in range(0, n, batch_size):
            idx = perms[:, i : i + batch_size]
            xb, yb = x[idx], y[idx]  # (K, B, ...), (K, B)
            if augment is not None:
                xb = torch.stack(
                    [
                        augment_batch(augment, xk, yk, g, classes)
                        for xk, yk, g in zip(xb, yb, aug_gens)
                    ]
                )
            optimiser.zero_grad(set_to_none=True)
            logits = _batched_forward(models[0], params, buffers, xb)  # (K, B, C)
            member_loss = nn.functional.cross_entropy(
                logits.flatten(0, 1), yb.flatten(), reduction="none"
            ).view(count, -1).mean(1)  # fmt: skip
            member_loss.sum().backward()
            optimiser.step()
            if scheduler is not None:
                scheduler.step()
            if frozen:
                _restore(params, frozen, active)
            totals += member_loss.detach().double() * idx.shape[1]
            seen += idx.shape[1]
            batches += 1
            for k in range(count):
                results[k].steps += bool(active[k])
            if max_steps is not None and batches >= max_steps:
                break
        fits = None if target_loss is None else _fit_losses(models[0], params, buffers, x, y)
        for k, value in enumerate((totals / seen).tolist()):
            if active[k]:
                results[k].losses.append(value)
                done = stop is not None and stop(k, epoch + 1, value)
                if fits is not None:
                    results[k].fit_losses.append(fits[k])
                    done = done or fits[k] <= target_loss
                if done:
                    active[k] = False
                    frozen.update(_snapshot(params, k, frozen))
        if (max_steps is not None and batches >= max_steps) or not active.any():
            break
    seconds = (time.perf_counter() - start) / count
    for k, model in enumerate(models):
        with torch.no_grad():
            for name, value in params.items():
                model.get_parameter(name).copy_(frozen.get(f"{k}:{name}", value[k]))
            for name, value in buffers.items():
                model.get_buffer(name).copy_(value[k])  # running statistics of batch norm
        results[k].seconds = seconds
        results[k].train_accuracy = accuracy(model, x, y)
        finish_fit(results[k], model, x, y, target_loss)
    return results


@torch.no_grad()
def _fit_losses(base: nn.Module, params, buffers, x, y, batch_size: int = 1024) -> list[float]:
    """Each member's mean cross-entropy on ``(x, y)`` in evaluation mode (the fit criterion)."""
    count = next(iter(params.values())).shape[0]
    totals = torch.zeros(count, dtype=torch.float64, device=x.device)
    base.eval()  # functional_call runs the base module: its mode sets batch norm's statistics
    try:
        for xb, yb in zip(x.split(batch_size), y.split(batch_size)):
            logits = _batched_forward(base, params, buffers, xb.expand(count, *xb.shape))
            member = nn.functional.cross_entropy(
                logits.flatten(0, 1), yb.repeat(count), reduction="none"
            ).view(count, -1)  # fmt: skip
            totals += member.double().sum(1)
    finally:
        base.train()
    return (totals / x.shape[0]).tolist()


@torch.no_grad()
def logits_together(
    models: Sequence[nn.Module], x: torch.Tensor, batch_size: int = 1024
) -> torch.Tensor:
    """The logits ``(K, N, C)`` of K members of one architecture on the same inputs.

    Evaluation mode, one vmap'd forward per chunk of ``batch_size`` inputs; members that
    :func:`batch_refusal` refuses are evaluated one after another (same values).

    Args:
        models: K models with the same parameter and buffer names and shapes.
        x: inputs ``(N, ...)``.
        batch_size: inputs per forward.

    Examples:
        >>> import torch
        >>> from invlab.models import create_model
        >>> models = [seeded(lambda: create_model("mlp", width=8, depth=1), s) for s in (0, 1)]
        >>> logits_together(models, torch.randn(5, 1, 40)).shape
        torch.Size([2, 5, 10])
    """
    models = list(models)
    if not models or not all(isinstance(m, nn.Module) for m in models):
        raise TypeError(f"models must be a non-empty sequence of nn.Module, got {models!r}")
    check_int(batch_size, "batch_size", minimum=1)
    x = check_tensor(x, "x", min_dim=2)
    device = model_device(models[0], x.device)
    x = match_dtype(x, model_dtype(models[0]), "x").to(device)
    modes = [m.training for m in models]
    for m in models:
        m.eval()
    try:
        if batch_refusal(models, x[:2]) is not None:
            return torch.stack([
                torch.cat([first_output(m(x[i : i + batch_size]))
                           for i in range(0, x.shape[0], batch_size)])
                for m in models
            ])  # fmt: skip
        params, buffers = stack_module_state(models)
        chunks = [
            _batched_forward(models[0], params, buffers, xb.expand(len(models), *xb.shape))
            for xb in x.split(batch_size)
        ]
        return torch.cat(chunks, dim=1)
    finally:
        for m, mode in zip(models, modes):
            m.train(mode)


def _batched_forward(base: nn.Module, params, buffers, xb: torch.Tensor) -> torch.Tensor:
    """Logits ``(K, B, C)`` of the stacked members on their inputs ``xb`` ``(K, B, ...)``."""

    def one(p, b, xk):
        return first_output(functional_call(base, (p, b), (xk,)))

    return vmap(one)(params, buffers, xb)


def _grad_layout(stacked: torch.Tensor) -> torch.Tensor:
    """A stacked linear weight ``(K, out, in)`` stored in the layout of its batched gradient.

    The batched matmul's weight gradient comes out transposed in memory; a parameter with
    other strides makes autograd copy every gradient (a fifth of a wide MLP's step, measured).
    """
    if stacked.dim() != 3:
        return stacked
    return stacked.detach().transpose(1, 2).contiguous().transpose(1, 2).requires_grad_()


def _signature(model: nn.Module) -> list[tuple[str, tuple[int, ...], torch.dtype]]:
    tensors = list(model.named_parameters()) + list(model.named_buffers())
    return [(name, tuple(t.shape), t.dtype) for name, t in tensors]


def _snapshot(params, k: int, frozen) -> dict[str, torch.Tensor]:
    """Member k's weights now, to keep them while the others train on."""
    return {f"{k}:{name}": value[k].detach().clone() for name, value in params.items()}


@torch.no_grad()
def _restore(params, frozen, active: torch.Tensor) -> None:
    # Adam moves a parameter even where its gradient is zero (momentum): put stopped members back.
    for k in torch.nonzero(~active).flatten().tolist():
        for name, value in params.items():
            value[k].copy_(frozen[f"{k}:{name}"])
