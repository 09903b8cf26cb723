"""Kernel (ridge) regression: the prediction of an infinitely wide network.

With the NNGP ``K`` it is the posterior mean of the Gaussian process; with the NTK ``Θ`` it is
the network trained to convergence by gradient descent on the squared loss (Jacot 2018,
Lee 2019), for the mean over initialisations. On training inputs ``X`` with one-hot targets
``Y``,

    (K(X, X) + λ · (tr K(X, X) / n) · I) α = Y,         f(x) = K(x, X) α,

solved by a Cholesky factorisation in float64. ``λ`` is relative to the mean diagonal, as
neural-tangents' ``diag_reg``, so that it does not depend on the kernel's scale.

Kernel gradient flow (``fit(..., time=τ)``): the mean prediction of the NTK-linearised network
after training time ``τ = η·t`` (learning rate × steps) on the loss ``(1/2n) Σᵢ ‖f(xᵢ) − yᵢ‖²``
from ``f₀ = 0`` (the mean over initialisations). The training outputs follow
``dF/dτ = −(1/n) K (F − Y)``, so with the eigendecomposition ``K = V diag(μ) Vᵀ`` (ridge
included)

    α_τ = V diag((1 − e^{−μ τ / n}) / μ) Vᵀ Y,         f_τ(x) = K(x, X) α_τ,

(``τ/n`` where ``μ = 0``): ``τ = 0`` predicts zero and ``τ → ∞`` is the ridge solution above
(Lee et al. 2019, eq. 9).
"""

from __future__ import annotations

import torch
from torch import nn

from invlab._validation import check_choice, check_int, check_positive, check_tensor
from invlab.kernels.base import Kernel
from invlab.kernels.symmetrized import SymmetrizedKernel


class _Readout(nn.Module):
    """``scores = features @ α``: the linear stage after the kernel features."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("alpha", None)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features @ self.alpha


class KernelRegression(nn.Module):
    """Ridge regression with an infinite-width kernel, measurable like any classifier.

    ``forward(x)`` returns class scores ``K(x, X) α``; its two stages are ``kernel`` (the
    features ``K(x, X)``, one per training input) and ``readout`` (the product with ``α``), so
    :func:`invlab.measure.measure` reports both.

    Args:
        kernel: an invlab kernel (:class:`MLPKernel`, :class:`CNNKernel`, a symmetrised one).
        kind: ``'nngp'`` or ``'ntk'``.
        ridge: ``λ >= 0``, relative to the mean diagonal of ``K(X, X)``.

    Shape:
        ``fit``: ``x (n, ...)``, ``y (n,)`` integer labels (or ``(n, c)`` float targets).
        ``forward``: ``(m, ...)`` → ``(m, c)``, in ``x``'s dtype.

    Examples:
        >>> from invlab.kernels import MLPKernel
        >>> x, y = torch.randn(20, 1, 8), torch.arange(20) % 3
        >>> model = KernelRegression(MLPKernel(depth=2), ridge=1e-8).fit(x, y)
        >>> bool((model(x).argmax(1) == y).all())
        True
    """

    def __init__(self, kernel: nn.Module, kind: str = "nngp", ridge: float = 1e-4) -> None:
        super().__init__()
        if not isinstance(kernel, Kernel | SymmetrizedKernel):
            raise TypeError(
                f"kernel must be an invlab.kernels kernel (MLPKernel, CNNKernel, ...), got "
                f"{type(kernel).__name__}"
            )
        self.kernel = kernel
        self.readout = _Readout()
        self.kind = check_choice(kind, "kind", ("nngp", "ntk"))
        self.ridge = check_positive(ridge, "ridge", strict=False)
        self.register_buffer("x_train", None)
        self.time: float | None = None

    def extra_repr(self) -> str:
        fitted = "unfitted" if self.x_train is None else f"n_train={self.x_train.shape[0]}"
        flow = "" if self.time is None else f", time={self.time:g}"
        return f"kind={self.kind!r}, ridge={self.ridge:g}{flow}, {fitted}"

    def layer_names(self) -> list[str]:
        """The stages :mod:`invlab.measure` measures: ``['kernel', 'readout']``."""
        return ["kernel", "readout"]

    @property
    def num_classes(self) -> int | None:
        """The number of outputs (``None`` before :meth:`fit`)."""
        return None if self.readout.alpha is None else self.readout.alpha.shape[1]

    @torch.no_grad()
    def fit(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        num_classes: int | None = None,
        *,
        gram: torch.Tensor | None = None,
        time: float | None = None,
    ) -> KernelRegression:
        """Solve ``(K + λ·mean(diag K)·I) α = Y`` on the training set; returns ``self``.

        Args:
            x: training inputs ``(n, ...)``.
            y: integer labels ``(n,)`` (one-hot encoded) or float targets ``(n, c)``.
            num_classes: number of classes for integer labels (default ``max(y) + 1``).
            gram: ``K(x, x)`` of this model's kernel and kind, when already computed
                (``(n, n)``); ``None`` computes it.
            time: ``None`` for the converged solution, or the training time ``τ = η·t >= 0``
                of kernel gradient flow (see the module docstring).
        """
        x = check_tensor(x, "x", min_dim=2, finite=True)
        targets = self._targets(check_tensor(y, "y", floating=False), x.shape[0], num_classes)
        if time is not None:
            time = check_positive(time, "time", strict=False)
        if gram is None:
            k = self.kernel(x, kind=self.kind)
        else:
            k = check_tensor(gram, "gram", finite=True)
            if k.shape != (x.shape[0], x.shape[0]):
                raise ValueError(
                    f"gram must be K(x, x), ({x.shape[0]}, {x.shape[0]}), got {tuple(k.shape)}"
                )
        k = k.to(torch.float64, copy=True)
        k.diagonal().add_(self.ridge * float(k.diagonal().mean()))
        if time is None:
            chol, info = torch.linalg.cholesky_ex(k)
            if int(info) != 0:
                raise ValueError(
                    f"the kernel matrix of x is not positive definite (ridge={self.ridge:g}; "
                    f"duplicated inputs?); increase ridge"
                )
            alpha = torch.cholesky_solve(targets.to(k), chol)
        else:
            alpha = _flow_coefficients(k, targets.to(k), time)
        self.readout.alpha = alpha
        self.time = time
        self.x_train = x.detach().clone()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class scores ``K(x, X) α`` of shape ``(m, c)``, in ``x``'s dtype."""
        if self.x_train is None:
            raise ValueError("KernelRegression is not fitted: call fit(x, y) before forward(x)")
        x = check_tensor(x, "x", min_dim=2, finite=True)
        if x.shape[1:] != self.x_train.shape[1:]:
            raise ValueError(
                f"x must have the training inputs' trailing shape {tuple(self.x_train.shape[1:])}, "
                f"got {tuple(x.shape)}"
            )
        features = self.kernel(x, self.x_train.to(x.device), kind=self.kind)
        return self.readout(features.to(self.readout.alpha.dtype)).to(x.dtype)

    def _targets(self, y: torch.Tensor, n: int, num_classes: int | None) -> torch.Tensor:
        if y.shape[0] != n:
            raise ValueError(
                f"y must have {n} rows (one per input of x), got shape {tuple(y.shape)}"
            )
        if y.is_floating_point():
            if y.dim() != 2:
                raise ValueError(f"float targets y must be (n, c), got shape {tuple(y.shape)}")
            if not bool(torch.isfinite(y).all()):
                raise ValueError("y contains NaN or infinite values")
            return y.to(torch.float64)
        if y.dim() != 1:
            raise ValueError(f"integer labels y must be (n,), got shape {tuple(y.shape)}")
        if bool((y < 0).any()):
            raise ValueError("labels y must be >= 0")
        classes = int(y.max()) + 1
        if num_classes is not None:
            check_int(num_classes, "num_classes", minimum=classes)
            classes = num_classes
        return torch.nn.functional.one_hot(y.long(), classes).to(torch.float64)


def _flow_coefficients(k: torch.Tensor, targets: torch.Tensor, time: float) -> torch.Tensor:
    """``α_τ = V diag((1 − e^{−μτ/n}) / μ) Vᵀ Y`` for ``K = V diag(μ) Vᵀ``."""
    n = k.shape[0]
    mu, vec = torch.linalg.eigh(k)
    mu = mu.clamp_min(0.0)  # rounding can leave tiny negative eigenvalues of a PSD kernel
    rate = mu * (time / n)
    # −expm1(−r)/μ is accurate for small r, where 1 − e^{−r} would cancel.
    gain = torch.where(
        mu > 0, -torch.expm1(-rate) / mu.clamp_min(torch.finfo(mu.dtype).tiny), time / n
    )
    return vec @ (gain[:, None] * (vec.T @ targets))
