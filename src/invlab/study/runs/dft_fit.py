"""The ``learn-dft`` experiment: does a linear layer trained on (x, DFT x) pairs find the DFT?

The real DFT of a length-``N`` signal is the linear map ``x ↦ [Re X; Im X]`` with the
``(2N, N)`` matrix

    D = [cos(2π k n / N); −sin(2π k n / N)],        k, n = 0 … N−1.

:func:`fit_linear_dft` trains ``nn.Linear(N, 2N, bias=False)`` on the squared error to ``D x``
and reports ``‖W − D‖_F / ‖D‖_F``. On white noise every direction of input space is excited, so
``W → D``; on data confined to a subspace (MNIST-1D's smooth signals) only ``D`` restricted to
that subspace is determined, and :func:`frequency_errors` shows which input frequencies were
learned.
"""

from __future__ import annotations

import math

import torch

from invlab._validation import check_int, check_positive, check_tensor


def dft_matrix(n: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The ``(2N, N)`` real DFT matrix ``[cos; −sin]`` (rows ``k``, then ``N + k``).

    Examples:
        >>> x = torch.randn(16)
        >>> X = torch.fft.fft(x)
        >>> torch.allclose(dft_matrix(16) @ x, torch.cat([X.real, X.imag]), atol=1e-4)
        True
    """
    check_int(n, "n", minimum=1)
    k = torch.arange(n, dtype=torch.float64)
    angle = 2 * math.pi * torch.outer(k, k) / n
    return torch.cat([torch.cos(angle), -torch.sin(angle)]).to(dtype)


def frequency_errors(weight: torch.Tensor) -> torch.Tensor:
    """How well ``weight`` maps each input frequency: ``(N//2 + 1,)``, entry ``k`` for ``k``.

    ``‖(W − D) B_k‖_F / ‖D B_k‖_F`` with ``B_k = [cos(2πkn/N), sin(2πkn/N)]`` the real input
    signals of frequency ``k`` (the sine column dropped where it is zero, ``k = 0`` and
    ``N/2``): 0 where the layer has learned the DFT's response to frequency ``k``, about 1
    where it still has its random initialisation.
    """
    weight = check_tensor(weight, "weight", min_dim=2)
    n = weight.shape[1]
    if weight.shape != (2 * n, n):
        raise ValueError(f"weight must be (2N, N), got {tuple(weight.shape)}")
    d = dft_matrix(n, torch.float64)
    diff = weight.detach().to(torch.float64) - d
    t = torch.arange(n, dtype=torch.float64)
    errors = []
    for k in range(n // 2 + 1):
        probes = [torch.cos(2 * math.pi * k * t / n)]
        if 0 < k < n / 2:
            probes.append(torch.sin(2 * math.pi * k * t / n))
        b = torch.stack(probes, 1)
        errors.append((diff @ b).norm() / (d @ b).norm())
    return torch.stack(errors)


def fit_linear_dft(
    x: torch.Tensor,
    *,
    steps: int = 500,
    lr: float = 0.5,
    batch_size: int = 256,
    seed: int = 0,
) -> tuple[torch.nn.Linear, dict[str, float]]:
    """Train ``Linear(N, 2N, bias=False)`` by SGD on ``½ ‖W x − D x‖²`` over signals ``x``.

    The gradient is ``(W − D) Σ̂`` with ``Σ̂`` the batch's second-moment matrix, so the error
    along an input direction of variance ``σ²`` shrinks by ``1 − lr·σ²`` per step: white noise
    (``Σ = I``) converges geometrically, directions the data never excite do not move from
    their random initialisation.

    Args:
        x: training signals ``(n, N)`` (or ``(n, 1, N)``).
        steps, lr, batch_size, seed: the optimisation (plain minibatch SGD, no momentum).

    Returns:
        The layer and ``{'weight_error': ‖W − D‖_F / ‖D‖_F, 'fit_error': relative squared error
        on x}``.
    """
    x = check_tensor(x, "x", min_dim=2, finite=True)
    x = x.reshape(x.shape[0], -1).float()
    check_int(steps, "steps", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    lr = check_positive(lr, "lr")
    n = x.shape[1]
    gen = torch.Generator().manual_seed(seed)
    layer = torch.nn.Linear(n, 2 * n, bias=False)
    d = dft_matrix(n)
    target = x @ d.T
    with torch.no_grad():
        w = layer.weight
        w.copy_(torch.randn(2 * n, n, generator=gen) / math.sqrt(n))
        for _ in range(steps):
            idx = torch.randint(0, x.shape[0], (min(batch_size, x.shape[0]),), generator=gen)
            xb = x[idx]
            grad = (xb @ w.T - target[idx]).T @ xb / xb.shape[0]
            w.sub_(lr * grad)
        fit = (x @ w.T - target).square().sum() / target.square().sum()
        werr = (w - d).norm() / d.norm()
    return layer, {"weight_error": float(werr), "fit_error": float(fit)}
