"""A small, seeded training loop: Adam, minibatches, optional augmentation."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from invlab._validation import (
    check_choice,
    check_forward,
    check_int,
    check_labels,
    check_positive,
    check_tensor,
    first_output,
    match_dtype,
    model_dtype,
)
from invlab.transforms import Transform


@dataclass
class TrainResult:
    """What :func:`train` returns.

    Attributes:
        losses: mean training loss of each epoch.
        train_accuracy: accuracy on the (unaugmented) training set after the last epoch.
        seconds: wall time of the loop.
        steps: number of optimiser steps taken (0 for a model without trainable
            parameters).
        fit_loss: cross-entropy on the whole (unaugmented) training set in evaluation mode
            after the last epoch: the fit that ``target_loss`` is judged on.
        fit_losses: the same after each epoch, when a ``target_loss`` was given (else empty).
        target_reached: whether ``fit_loss <= target_loss`` stopped the run (``None``
            without a target).
    """

    losses: list[float] = field(default_factory=list)
    train_accuracy: float = float("nan")
    seconds: float = 0.0
    steps: int = 0
    fit_loss: float = float("nan")
    fit_losses: list[float] = field(default_factory=list)
    target_reached: bool | None = None

    @property
    def epochs(self) -> int:
        """Epochs actually run (fewer than asked when a target or ``max_steps`` stopped it)."""
        return len(self.losses)


def train(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int = 20,
    batch_size: int = 128,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    augment: Transform | None = None,
    augment_classes: Sequence[int] | None = None,
    seed: int = 0,
    max_steps: int | None = None,
    schedule: str = "constant",
    progress: Callable[[int, float], None] | None = None,
    target_loss: float | None = None,
) -> TrainResult:
    """Train ``model`` in place with Adam and cross-entropy.

    The same ``seed`` gives the same weights on CPU: the seed fixes the initial weights
    (when ``model`` was created under ``torch.manual_seed(seed)``; see :func:`seeded`), the
    order of the minibatches and the augmentation parameters, each from its own generator, and
    the draws of stochastic layers (dropout, :class:`~invlab.nn.LearnedAugment`), from torch's
    global generator seeded with ``seed + 2`` during training (its state is restored after).
    A model without trainable parameters (a fixed feature map with a fixed read-out) is
    evaluated, not trained: the losses are recorded and no optimiser step is taken. The data
    moves to the model's device (that of its first parameter or buffer; a model with neither
    runs where ``x`` is). Every submodule with a ``regularization_loss()`` method (e.g.
    :class:`~invlab.nn.LearnedAugment` with ``reg > 0``) adds its value to the loss.

    Args:
        model: maps ``(B, ...)`` inputs to ``(B, num_classes)`` logits.
        x: training inputs ``(N, ...)``, float.
        y: integer labels ``(N,)``.
        epochs: passes over the data.
        batch_size: minibatch size.
        lr: Adam's learning rate.
        weight_decay: L2 penalty (Adam's ``weight_decay``).
        augment: a transformation applied with random parameters to every minibatch.
        augment_classes: transform only the samples with these labels (``None``: all); the
            others are seen as they are. The parameters are drawn for every sample all the
            same, so the rest of the run's draws do not depend on this choice.
        seed: seed of the minibatch order and of the augmentation.
        max_steps: stop after this many minibatches (optimiser steps; overrides ``epochs``
            if reached).
        schedule: ``'constant'`` learning rate or ``'cosine'`` decay from ``lr`` to 0 over
            the run (reaches a given accuracy in fewer epochs).
        progress: called as ``progress(epoch, loss)`` after each epoch.
        target_loss: matched fit: after each epoch the cross-entropy on the whole training set
            (evaluation mode, no augmentation) is computed, and training stops at the first
            epoch where it is ``<= target_loss``; ``epochs`` is then the cap. ``None``: run
            ``epochs`` epochs. (A ``'cosine'`` schedule still decays over the cap.)

    Returns:
        A :class:`TrainResult`.
    """
    x, y = check_training(x, y, epochs, batch_size, lr, schedule, weight_decay, augment, max_steps)
    check_target_loss(target_loss)
    classes = check_augment_classes(augment_classes, augment, y)

    device = model_device(model, x.device)
    x, y = match_dtype(x, model_dtype(model), "x").to(device), y.to(device)
    _check_fit(model, x, y)
    order_gen = torch.Generator().manual_seed(seed)
    aug_gen = torch.Generator().manual_seed(seed + 1)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(trainable, lr=lr, weight_decay=weight_decay) if trainable else None
    total_steps = epochs * -(-x.shape[0] // batch_size)
    if max_steps is not None:
        total_steps = min(total_steps, max_steps)
    scheduler = (
        torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=total_steps)
        if schedule == "cosine" and optimiser is not None
        else None
    )
    loss_fn = nn.CrossEntropyLoss()
    penalties = [m for m in model.modules() if callable(getattr(m, "regularization_loss", None))]
    result = TrainResult()
    start = time.perf_counter()
    n = x.shape[0]
    batches = 0
    # Stochastic layers (dropout, LearnedAugment's sampled transformations) draw from torch's
    # global generator: seed it for the loop, and give the caller's state back after, so
    # the result does not depend on what ran before in the process (a pool worker's runs).
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 2)
        model.train()
        for epoch in range(epochs):
            perm = torch.randperm(n, generator=order_gen).to(device)
            total, seen = 0.0, 0
            for i in range(0, n, batch_size):
                idx = perm[i : i + batch_size]
                xb, yb = x[idx], y[idx]
                if augment is not None:
                    xb = augment_batch(augment, xb, yb, aug_gen, classes)
                if optimiser is None:
                    with torch.no_grad():
                        loss = loss_fn(first_output(model(xb)), yb)
                else:
                    optimiser.zero_grad(set_to_none=True)
                    loss = loss_fn(first_output(model(xb)), yb)
                    for module in penalties:
                        loss = loss + module.regularization_loss()
                    loss.backward()
                    optimiser.step()
                    if scheduler is not None:
                        scheduler.step()
                    result.steps += 1
                total += loss.item() * idx.numel()
                seen += idx.numel()
                batches += 1
                if max_steps is not None and batches >= max_steps:
                    break
            result.losses.append(total / seen)
            if progress is not None:
                progress(epoch + 1, result.losses[-1])
            if target_loss is not None:
                result.fit_losses.append(training_loss(model, x, y))
                if result.fit_losses[-1] <= target_loss:
                    break
            if max_steps is not None and batches >= max_steps:
                break
        result.seconds = time.perf_counter() - start
        result.train_accuracy = accuracy(model, x, y)  # a stochastic model's draws, seeded too
        finish_fit(result, model, x, y, target_loss)
    return result


def finish_fit(result: TrainResult, model: nn.Module, x, y, target_loss: float | None) -> None:
    """Store the trained ``model``'s fit in ``result``: ``fit_loss`` and ``target_reached``."""
    result.fit_loss = result.fit_losses[-1] if result.fit_losses else training_loss(model, x, y)
    if target_loss is not None:
        result.target_reached = result.fit_loss <= target_loss


def check_target_loss(target_loss) -> None:
    """``target_loss`` is ``None`` or a finite number > 0 (a cross-entropy to reach)."""
    if target_loss is None:
        return
    if isinstance(target_loss, bool) or not isinstance(target_loss, (int, float)):
        raise TypeError(f"target_loss must be a number > 0 or None, got {target_loss!r}")
    if not math.isfinite(target_loss) or target_loss <= 0:
        raise ValueError(
            f"target_loss must be a finite cross-entropy > 0 (e.g. 0.05) or None, got "
            f"{target_loss!r}"
        )


@torch.no_grad()
def check_training(
    x, y, epochs, batch_size, lr, schedule, weight_decay, augment, max_steps
) -> tuple[torch.Tensor, torch.Tensor]:
    """The checks of :func:`train`'s data and hyper-parameters (shared with
    :func:`~invlab.train.train_together`); returns the checked ``(x, y)``.

    Raises:
        ValueError, TypeError: naming the argument and what was expected.
    """
    x = check_tensor(x, "x", min_dim=2, finite=True)
    y = check_tensor(y, "y", min_dim=1, floating=False)
    if y.dim() != 1 or y.shape[0] != x.shape[0]:
        raise ValueError(f"y must have shape ({x.shape[0]},) to match x, got {tuple(y.shape)}")
    check_int(epochs, "epochs", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    check_positive(lr, "lr")
    check_choice(schedule, "schedule", ("constant", "cosine"))
    check_positive(weight_decay, "weight_decay", strict=False)
    if augment is not None and not isinstance(augment, Transform):
        raise TypeError(f"augment must be an invlab Transform or None, got {type(augment)}")
    if max_steps is not None:
        check_int(max_steps, "max_steps", minimum=1)
    return x, y


def check_augment_classes(
    augment_classes: Sequence[int] | None, augment: Transform | None, y: torch.Tensor
) -> torch.Tensor | None:
    """The labels of ``augment_classes`` as a tensor (``None`` for all), checked against
    ``augment`` and the training labels ``y``.

    Raises:
        ValueError: ``augment_classes`` is given without ``augment``, is empty, is not a list
            of integers, or names a label that no training sample has.
    """
    if augment_classes is None:
        return None
    if augment is None:
        raise ValueError(
            f"augment_classes={list(augment_classes)!r} needs an augmentation, got augment=None"
        )
    if isinstance(augment_classes, (str, bytes)) or not isinstance(augment_classes, Sequence):
        raise ValueError(
            f"augment_classes must be a list of labels like [0, 1], got {augment_classes!r}"
        )
    if not augment_classes or any(
        isinstance(c, bool) or not isinstance(c, int) for c in augment_classes
    ):
        raise ValueError(
            f"augment_classes must be a non-empty list of integer labels, got {augment_classes!r}"
        )
    labels = set(torch.unique(y).tolist())
    missing = sorted(set(augment_classes) - labels)
    if missing:
        raise ValueError(
            f"augment_classes names labels {missing} that no training sample has; "
            f"the labels of y are {sorted(labels)}"
        )
    return torch.tensor(sorted(set(augment_classes)), dtype=y.dtype)


def augment_batch(
    augment: Transform,
    x: torch.Tensor,
    y: torch.Tensor,
    generator: torch.Generator,
    classes: torch.Tensor | None = None,
) -> torch.Tensor:
    """``x`` transformed by ``augment`` at parameters drawn from ``generator``; with
    ``classes``, only the samples whose label ``y`` is one of them (the others unchanged).

    Parameters are drawn for the whole batch either way, so the generator's stream (and the
    transformation of an augmented sample) does not depend on ``classes``.
    """
    moved = augment.apply(x, augment.sample(x.shape[0], generator=generator))
    if classes is None:
        return moved
    chosen = torch.isin(y, classes.to(y.device))
    return torch.where(chosen.view(-1, *([1] * (x.dim() - 1))), moved, x)


def predict(model: nn.Module, x: torch.Tensor, batch_size: int = 1024) -> torch.Tensor:
    """Predicted labels ``(N,)`` in evaluation mode, computed in batches."""
    x = match_dtype(check_tensor(x, "x", min_dim=2), model_dtype(model), "x")
    was_training = model.training
    model.eval()
    try:
        device = model_device(model, x.device)
        out = [
            first_output(model(x[i : i + batch_size].to(device))).argmax(1).cpu()
            for i in range(0, x.shape[0], batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(out)


@torch.no_grad()
def training_loss(
    model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1024
) -> float:
    """Mean cross-entropy of ``model`` on ``(x, y)`` in evaluation mode, computed in batches:
    the fit that :func:`train`'s ``target_loss`` is judged on."""
    x = match_dtype(check_tensor(x, "x", min_dim=2), model_dtype(model), "x")
    was_training = model.training
    model.eval()
    try:
        device = model_device(model, x.device)
        total = 0.0
        for xb, yb in zip(x.split(batch_size), y.split(batch_size)):
            logits = first_output(model(xb.to(device)))
            total += float(nn.functional.cross_entropy(logits, yb.to(device), reduction="sum"))
    finally:
        model.train(was_training)
    return total / x.shape[0]


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` whose predicted label equals ``y``."""
    return float((predict(model, x) == y.cpu()).float().mean())


def _check_fit(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    """One forward of two inputs in evaluation mode: the data fits, the labels are classes."""
    if y.is_floating_point():
        raise TypeError(f"y must hold integer class labels, got {y.dtype}; use y.long()")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = first_output(check_forward(model, x[:2], "x"))
    finally:
        model.train(was_training)
    if out.dim() != 2:
        raise ValueError(f"the model must return (B, classes) logits, got {tuple(out.shape)}")
    check_labels(y, out.shape[1], "y")


def model_device(model: nn.Module, default: torch.device) -> torch.device:
    """The device of ``model``'s first parameter, else of its first buffer, else ``default``."""
    for tensor in itertools.chain(model.parameters(), model.buffers()):
        return tensor.device
    return default


def seeded(build: Callable[[], nn.Module], seed: int) -> nn.Module:
    """Call ``build()`` with torch's global generator seeded, restoring its state after."""
    state = torch.random.get_rng_state()
    try:
        torch.manual_seed(seed)
        return build()
    finally:
        torch.random.set_rng_state(state)
