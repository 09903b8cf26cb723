"""The contract every geometric transformation follows.

A transformation ``g_θ`` acts on a batch of signals ``(B, ..., N)`` or images ``(B, ..., H, W)``
with one parameter vector ``θ`` per sample. The same object serves three uses:

* augmentation: ``t(x, generator=g)`` draws random parameters and applies them;
* measurement: ``t.grid(steps)`` gives evenly spaced parameters over the range, the
  *trajectory* ``{g_θ x}`` along which invariance is measured;
* explicit application: ``t.apply(x, params)`` with parameters of shape ``(B, P)`` (one row per
  sample) or ``(P,)`` (the same parameters for the whole batch).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch

from invlab._validation import check_int, check_tensor


class Transform(ABC):
    """Base class of batched, parameterised transformations.

    Subclasses set :attr:`spatial_dims` (1 for signals, 2 for images) and :attr:`param_dim`
    (the length of one parameter vector) and implement :meth:`sample`, :meth:`grid`,
    :meth:`_apply` and :meth:`inverse_params`.

    :attr:`axis_label` names the parameter with its unit (``'rotation angle (°)'``): the x-axis
    of every curve along the transformation, in :mod:`invlab.measure.plots` and in the study
    reports alike, so that one transformation is labelled one way everywhere.
    """

    spatial_dims: int = 1
    param_dim: int = 1
    axis_label: str = "transformation parameter"

    @abstractmethod
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` random parameter vectors: shape ``(n, param_dim)``."""

    @abstractmethod
    def grid(self, steps: int) -> torch.Tensor:
        """Evenly spaced parameters over the range: shape ``(T, param_dim)``."""

    @abstractmethod
    def _apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """Apply with validated ``params`` of shape ``(B, param_dim)``, ``B = x.shape[0]``."""

    def inverse_params(self, params: torch.Tensor) -> torch.Tensor:
        """Parameters of the inverse transformation, same shape as ``params``."""
        raise NotImplementedError(f"{type(self).__name__} has no inverse")

    def identity_params(self) -> torch.Tensor:
        """Parameters that leave every input unchanged: shape ``(param_dim,)``."""
        return torch.zeros(self.param_dim)

    # -- public entry points -------------------------------------------------------------

    def apply(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """Apply the transformation with explicit parameters.

        Args:
            x: batch of shape ``(B, ..., N)`` (1D) or ``(B, ..., H, W)`` (2D).
            params: ``(B, param_dim)`` (per sample) or ``(param_dim,)`` (whole batch).

        Returns:
            A tensor of the same shape and dtype as ``x``.
        """
        x = self._check_input(x)
        params = self._check_params(params, x.shape[0])
        return self._apply(x, params)

    def _apply_to_maps(self, x: torch.Tensor, params: torch.Tensor) -> torch.Tensor:
        """:meth:`apply` on a network's feature maps, where an axis of size 1 is legitimate.

        A ``1 x 1`` map after global pooling is a real feature map, not a signal misread as an
        image, so the refusal of :meth:`_check_input` does not apply; used by measurement's
        equivariance action.
        """
        x = check_tensor(x, "x", min_dim=self.spatial_dims + 1, floating=True)
        return self._apply(x, self._check_params(params, x.shape[0]))

    def __call__(
        self,
        x: torch.Tensor,
        params: torch.Tensor | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Apply ``params`` if given, otherwise random parameters drawn with ``generator``."""
        if params is None:
            x = self._check_input(x)
            params = self.sample(x.shape[0], generator=generator)
        return self.apply(x, params)

    def trajectory(self, x: torch.Tensor, steps: int) -> torch.Tensor:
        """Every input moved along the whole grid: ``(B, ...)`` → ``(B, T, ...)``."""
        x = self._check_input(x)
        grid = self.grid(steps)
        b, t = x.shape[0], grid.shape[0]
        xs = x.unsqueeze(1).expand(b, t, *x.shape[1:]).reshape(b * t, *x.shape[1:])
        params = grid.repeat(b, 1)
        return self._apply(xs, params.to(x.device)).reshape(b, t, *x.shape[1:])

    # -- validation -----------------------------------------------------------------------

    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        # One leading batch dimension plus the spatial ones.
        x = check_tensor(x, "x", min_dim=self.spatial_dims + 1, floating=True)
        if self.spatial_dims == 2 and min(x.shape[-2:]) == 1:
            # A (B, 1, L) signal fits the (B, H, W) image layout with H = 1; resampling it as a
            # 1xL image returns garbage, and no real image has an axis of size 1.
            raise ValueError(
                f"{type(self).__name__} transforms images (B, ..., H, W) with H, W >= 2, got x "
                f"of shape {tuple(x.shape)} whose image axis has size 1; for 1D signals "
                f"(B, C, L) use a 1D transform such as Shift"
            )
        return x

    def _check_params(self, params: torch.Tensor, batch: int) -> torch.Tensor:
        if not isinstance(params, torch.Tensor):
            params = torch.as_tensor(params, dtype=torch.float32)
        if params.dim() == 1:
            params = params.unsqueeze(0).expand(batch, -1)
        if params.dim() != 2 or params.shape[1] != self.param_dim:
            raise ValueError(
                f"params for {type(self).__name__} must have shape (B, {self.param_dim}) or "
                f"({self.param_dim},), got {tuple(params.shape)}"
            )
        if params.shape[0] != batch:
            raise ValueError(
                f"params has {params.shape[0]} rows but the batch x has {batch} samples"
            )
        if not bool(torch.isfinite(params).all()):
            raise ValueError("params contains NaN or infinite values")
        return params

    @staticmethod
    def _check_steps(steps: int) -> int:
        return check_int(steps, "steps", minimum=1)


def linspace_grid(low: float, high: float, steps: int) -> torch.Tensor:
    """``steps`` evenly spaced values in ``[low, high]`` as a column ``(steps, 1)``."""
    if steps == 1:
        return torch.tensor([[(low + high) / 2]])
    return torch.linspace(low, high, steps).unsqueeze(1)


def uniform(
    n: int, low: float, high: float, generator: torch.Generator | None, columns: int = 1
) -> torch.Tensor:
    """``(n, columns)`` samples uniform in ``[low, high]``."""
    return low + (high - low) * torch.rand(n, columns, generator=generator)
