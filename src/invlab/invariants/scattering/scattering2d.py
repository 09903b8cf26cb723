"""``Scattering2D``: Kymatio-compatible 2D scattering transform as a batched ``nn.Module``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..._validation import check_choice, check_tensor
from .compat import Rebuildable, ScatteringValueError, as_int, as_sequence, check_backend
from .core_2d import scattering2d, wavelet_modulus
from .filters_2d import crop_spectrum, filter_bank_2d, padded_shape
from .ops import (
    PADDING_MODES,
    chunks,
    doubled,
    lowpass_matrix,
    pad_index,
    pad_last_dims,
    rfft2_full,
)


@dataclass(frozen=True)
class _Plan2D:
    """Where one input size's buffers live (``prefix``), its padded size and its padding."""

    prefix: str
    padded: tuple[int, int]
    pads: list[tuple[int, int]]


class Scattering2D(Rebuildable):
    r"""2D scattering transform, numerically identical to Kymatio 0.3.0's ``Scattering2D``.

    .. math::
        S_J x = \{x \star \phi_J,\ |x \star \psi_{j_1,\theta_1}| \star \phi_J,\
        ||x \star \psi_{j_1,\theta_1}| \star \psi_{j_2,\theta_2}| \star \phi_J\}_{j_2 > j_1}

    with Morlet wavelets ψ at scales 2^j (j < J) and L orientations θ ∈ [0, π), and a Gaussian
    low-pass φ_J. Output maps are subsampled by 2^J; they are invariant to translations small
    compared with 2^J and stable to deformations.

    With ``rotation_invariant=True`` (Sifre & Mallat-style; Kymatio issue #677), the orientation
    axis is made invariant: ``|DFT_θ1|`` of S1 for each j1, and for S2 the coefficients are
    re-indexed by (θ1, Δθ = θ2 − θ1 mod L) before ``|DFT_θ1|``, so a rotation by a multiple of
    π/L, which cyclically shifts θ, leaves each channel unchanged up to the spatial resampling.
    The result is then averaged over the four 90° rotations of the input, which makes it exactly
    invariant to ``torch.rot90`` (square images; costs four transforms).

    Images of any size at least ``2**J`` on each side are accepted, not only ``shape``: the
    filters for a new size are built on first use (as Kymatio's ``Scattering2D`` built for that
    size would, and with the same output) and kept as non-persistent buffers, so ``.to()`` moves
    them and the ``state_dict`` holds only those of ``shape``.

    Kymatio 0.3.0's constructor works unchanged (same arguments and positional order, numpy
    integers, ``backend='torch'``); assigning ``J``, ``shape``, ``L``, ``max_order``,
    ``pre_pad``, ``padding`` or ``rotation_invariant`` after construction rebuilds the filters
    as a new construction would; ``out_type`` is checked at each call.

    Args:
        J: log2 of the largest scale; output maps are ``(H, W) // 2**J``.
        shape: ``(H, W)`` of the input images whose filters are built up front.
        L: number of orientations.
        max_order: 1 or 2.
        pre_pad: the input is already padded, to ``padded_shape`` or to any other multiple of
            ``2**J`` of at least ``3 * 2**J`` per side (no padding is applied).
        backend: ``None``, ``'torch'`` or Kymatio's torch backend (all the same).
        out_type: ``'array'`` or ``'list'`` (dicts with ``coef``, ``j``, ``n``, ``theta``).
        padding: ``'reflect'`` (Kymatio), ``'zeros'`` or ``'circular'``.
        rotation_invariant: see above. Channels: ``1 + J·(L//2+1) + J(J−1)/2·(L//2+1)·L``.

    Shape:
        - Input: ``(..., H, W)`` float32/float64, ``H, W >= 2**J`` (padded if ``pre_pad``).
        - Output: ``(..., C, H // 2**J, W // 2**J)`` (``pre_pad``: ``H // 2**J − 2``) with
          ``C = 1 + J·L + L²·J(J−1)/2`` (``max_order=2``) or ``1 + J·L``.

    Examples:
        >>> S = Scattering2D(J=2, shape=(28, 28))
        >>> S(torch.randn(4, 28, 28)).shape
        torch.Size([4, 81, 7, 7])
    """

    _REBUILD = frozenset(
        {"J", "shape", "L", "max_order", "pre_pad", "backend", "padding", "rotation_invariant"}
    )

    def __init__(
        self,
        J: int,
        shape: tuple[int, int],
        L: int = 8,
        max_order: int = 2,
        pre_pad: bool = False,
        backend: str | None = None,
        out_type: str = "array",
        padding: str = "reflect",
        rotation_invariant: bool = False,
    ) -> None:
        super().__init__()
        self.backend = check_backend(backend)
        self.J = J = as_int(J, "J", minimum=1)
        shape = as_sequence(shape)
        if not (isinstance(shape, Sequence) and len(shape) == 2):
            raise ValueError(f"shape must be an (H, W) pair for 2D images, got {shape!r}")
        M, N = (as_int(s, "shape", minimum=1) for s in shape)
        if 2**J > M or 2**J > N:
            raise ScatteringValueError(
                f"J={J} is too large for images of shape {(M, N)}: the smallest dimension "
                f"must be at least 2**J, i.e. J <= {int(math.log2(min(M, N)))}"
            )
        self.shape = (M, N)
        self.L = as_int(L, "L", minimum=1)
        self.max_order = check_choice(as_int(max_order, "max_order"), "max_order", (1, 2))
        self.pre_pad = bool(pre_pad)
        self.padding = check_choice(padding, "padding", PADDING_MODES)
        self.rotation_invariant = bool(rotation_invariant)
        self.out_type = out_type
        self._check_out_type()
        if self.rotation_invariant and M != N:
            raise ValueError(f"rotation_invariant=True needs square images, got shape {(M, N)}")
        self.padded_shape = padded_shape(M, N, J)
        self._M_padded, self._N_padded = self.padded_shape  # Kymatio's names
        self._plans: dict[tuple[int, int], _Plan2D] = {}
        self._cast: dict[tuple, tuple] = {}
        self._plan(self.padded_shape if self.pre_pad else self.shape)
        self._args = dict(
            J=J,
            shape=self.shape,
            L=self.L,
            max_order=self.max_order,
            pre_pad=self.pre_pad,
            backend=backend,
            out_type=out_type,
            padding=padding,
            rotation_invariant=self.rotation_invariant,
        )

    def _check_out_type(self) -> None:
        """Run at construction and at every call: ``out_type`` may change in between."""
        check_choice(self.out_type, "out_type", ("array", "list"))
        if self.rotation_invariant and self.out_type == "list":
            raise ValueError("rotation_invariant=True supports out_type='array' only")

    # ---------------------------------------------------------------- filters, per image size
    def _plan(self, size: tuple[int, int]) -> _Plan2D:
        """Padding and filters for inputs of spatial size ``size``, registered once as buffers.

        The constructor's ``shape`` gets the persistent buffers ``psi_*``, ``rows_*``,
        ``cols_*`` (the ``state_dict``); any other size gets non-persistent ones prefixed
        ``size{H}x{W}_``, built on first use, so that ``.to(device)`` moves them too.
        """
        if size in self._plans:
            return self._plans[size]
        J, L = self.J, self.L
        M, N = size
        own = size == (self.padded_shape if self.pre_pad else self.shape)
        prefix = "" if own else f"size{M}x{N}_"
        Mp, Np = size if self.pre_pad else padded_shape(M, N, J)
        pads = [((Mp - M) // 2, (Mp - M + 1) // 2), ((Np - N) // 2, (Np - N + 1) // 2)]
        ref = getattr(self, "psi_0_0", None)  # new buffers follow the module's device and dtype
        device, dtype = (ref.device, ref.dtype) if ref is not None else (None, torch.float64)

        def register(name: str, array: np.ndarray, persistent: bool) -> None:
            t = torch.from_numpy(array)
            t = t.to(device) if t.dtype == torch.int64 else t.to(device, dtype)
            self.register_buffer(prefix + name, t, persistent=persistent)

        if self.padding != "zeros" and not self.pre_pad:
            for i, (n, (left, right)) in enumerate(zip(size, pads)):
                idx = pad_index(n, left, right, self.padding, kymatio_2d=True)
                register(f"pad_index_{i}", idx, False)
        phi, psi = filter_bank_2d(Mp, Np, J, L)
        for j, levels in enumerate(psi):
            for res, p in enumerate(levels):
                register(f"psi_{j}_{res}", p / 4 ** (j - res), own)
        for res in range(J):
            # φ̂ is separable, φ̂ = a ⊗ b; its averaging operator is A_resᵀ · U · B_res
            p = crop_spectrum(phi, res)
            a, b = p[:, 0] / math.sqrt(p[0, 0]), p[0, :] / math.sqrt(p[0, 0])
            k = 2 ** (J - res)
            register(f"rows_{res}", lowpass_matrix(a, k, 1, len(a) // k - 1), own)
            register(f"cols_{res}", lowpass_matrix(b, k, 1, len(b) // k - 1), own)
        self._plans[size] = _Plan2D(prefix, (Mp, Np), pads)
        return self._plans[size]

    def _apply(self, fn, recurse=True):
        self._cast = {}
        return super()._apply(fn, recurse)

    def _filters(self, like: torch.Tensor, plan: _Plan2D):
        """Filters for one size cast to the input's dtype and device, cached until a move."""
        key = (plan.prefix, like.dtype, like.device)
        if key not in self._cast:
            buffers = dict(self.named_buffers())

            def get(name):
                return buffers[plan.prefix + name].to(like.device, like.dtype)

            psi = [
                [doubled(get(f"psi_{j}_{r}")) for r in range(min(j + 1, max(self.J - 1, 1)))]
                for j in range(self.J)
            ]
            rows = [get(f"rows_{r}") for r in range(self.J)]
            cols = [get(f"cols_{r}") for r in range(self.J)]
            self._cast[key] = (psi, rows, cols)
        return self._cast[key]

    # ---------------------------------------------------------------- forward
    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"The input should be a torch.Tensor (x), got {type(x).__name__}")
        if x.dim() < 2:
            raise ScatteringValueError(
                f"Input tensor x must have at least two dimensions (H, W), got shape "
                f"{tuple(x.shape)}"
            )
        x = check_tensor(x, "x", min_dim=2)
        if x.is_complex():
            raise TypeError(f"x must be real (float32 or float64), got {x.dtype}")
        size, J = tuple(x.shape[-2:]), self.J
        if self.pre_pad:
            if any(n % 2**J or n < 3 * 2**J for n in size):
                raise ScatteringValueError(
                    "Padded tensor must be of spatial size: with pre_pad=True, x must end with "
                    f"a padded size, multiples of 2**J = {2**J}, "
                    f"at least 3 * 2**J = {3 * 2**J} (e.g. padded_shape = {self.padded_shape}), "
                    f"got trailing size {size}"
                )
        elif min(size) < 2**J:
            raise ScatteringValueError(
                f"x has spatial size {size}, smaller than 2**J = {2**J} (J={J}): each side must "
                f"be at least {2**J}, or build the transform with J <= {int(math.log2(min(size)))}"
            )
        if self.rotation_invariant and size[0] != size[1]:
            raise ValueError(f"rotation_invariant=True needs square images, x has size {size}")
        return x

    def _pad(self, x: torch.Tensor, plan: _Plan2D) -> torch.Tensor:
        if self.pre_pad:
            return x
        if self.padding == "zeros":
            return pad_last_dims(x, plan.pads, "zeros", [])
        index = [getattr(self, f"{plan.prefix}pad_index_{i}") for i in (0, 1)]
        return pad_last_dims(x, plan.pads, self.padding, index)

    def _transform(self, x: torch.Tensor) -> torch.Tensor:
        plan = self._plan(tuple(x.shape[-2:]))
        psi, rows, cols = self._filters(x, plan)
        Mp, Np = plan.padded
        largest = self.L * Mp * Np * 8 * (self.L // 4 if self.max_order == 2 else 1)
        outs = [
            scattering2d(self._pad(x[c], plan), psi, rows, cols, self.J, self.max_order)
            for c in chunks(x.shape[0], largest * x.element_size() // 4)
        ]
        return outs[0] if len(outs) == 1 else torch.cat(outs)

    def forward(self, x: torch.Tensor):
        """Scattering coefficients of ``x`` (``(..., H, W)``), see the class docstring."""
        self._check_out_type()
        x = self._check_input(x)
        batch_shape = x.shape[:-2]
        x = x.reshape((-1, *x.shape[-2:]))
        if self.rotation_invariant:
            orbit = torch.cat([torch.rot90(x, r, (-2, -1)) for r in range(4)])
            S = self._orientation_invariant(self._transform(orbit))
            S = S.unflatten(0, (4, -1)).mean(0)
        else:
            S = self._transform(x)
        S = S.reshape(batch_shape + S.shape[-3:])
        if self.out_type == "array":
            return S
        m = self.meta()
        return [
            {
                "coef": S[..., c, :, :],
                "j": m["key_j"][c],
                "n": m["key_n"][c],
                "theta": m["key_theta"][c],
            }
            for c in range(S.shape[-3])
        ]

    def _orientation_invariant(self, S: torch.Tensor) -> torch.Tensor:
        """|DFT| along θ1 of S1 (per j1) and of S2 indexed by (θ1, θ2 − θ1) (per j1 < j2)."""
        L, J = self.L, self.J
        B, _, H, W = S.shape
        s1 = S[:, 1 : 1 + J * L].reshape(B, J, L, H, W)
        out = [S[:, :1], torch.fft.rfft(s1, dim=2).abs().reshape(B, -1, H, W)]
        if self.max_order == 2 and J > 1:
            # Kymatio's order is (j1, θ1, j2, θ2): regroup as (j1, j2, θ1, θ2)
            blocks, start = [], 1 + J * L
            for j1 in range(J - 1):
                n = L * (J - 1 - j1) * L
                blk = S[:, start : start + n].reshape(B, L, J - 1 - j1, L, H, W)
                blocks.append(blk.transpose(1, 2))
                start += n
            s2 = torch.cat(blocks, dim=1)  # (B, pairs, θ1, θ2, H, W)
            theta1 = torch.arange(L, device=S.device)[:, None]
            delta = torch.arange(L, device=S.device)[None, :]
            s2 = s2[:, :, theta1, (theta1 + delta) % L]  # (B, pairs, θ1, Δ, H, W)
            out.append(torch.fft.rfft(s2, dim=2).abs().reshape(B, -1, H, W))
        return torch.cat(out, dim=1)

    def modulus_coefficients(self, x: torch.Tensor) -> list[dict]:
        """The modulus coefficients U before averaging (Kymatio issue #372).

        ``U1[j1, θ1] = |x ⋆ ψ_{j1,θ1}|`` at resolution 2^j1 and ``U2 = ||x ⋆ ψ_{j1,θ1}| ⋆
        ψ_{j2,θ2}|`` at resolution 2^j2, on the padded grid (``padded_shape / 2^j``); the image
        occupies rows ``pads[0][0] / 2^j`` onwards (``pads`` as in :func:`padded_shape`'s
        centring: ``((Mp − M) // 2, ...)``).

        Returns:
            a list of dicts ``{"coef": (..., L[, L], h, w), "order", "j"}``, one per scale
            (pair of scales), orientations stacked in the channel dimensions.
        """
        x = self._check_input(x)
        batch_shape = x.shape[:-2]
        plan = self._plan(tuple(x.shape[-2:]))
        psi, _, _ = self._filters(x, plan)
        x_pad = self._pad(x.reshape((-1, *x.shape[-2:])), plan)
        x_hat = rfft2_full(x_pad)
        out1, out2 = [], []
        for j1 in range(self.J):
            u1 = wavelet_modulus(x_hat, psi[j1][0], j1)
            out1.append({"coef": u1.reshape(batch_shape + u1.shape[1:]), "order": 1, "j": (j1,)})
            if self.max_order < 2:
                continue
            u1_hat = rfft2_full(u1)
            for j2 in range(j1 + 1, self.J):
                u2 = wavelet_modulus(u1_hat, psi[j2][j1], j2 - j1)
                out2.append(
                    {"coef": u2.reshape(batch_shape + u2.shape[1:]), "order": 2, "j": (j1, j2)}
                )
        return out1 + out2

    # ---------------------------------------------------------------- metadata
    def output_size(self) -> int:
        """Number of output channels C."""
        J, L = self.J, self.L
        if self.rotation_invariant:
            K = L // 2 + 1
            return 1 + J * K + (K * L * J * (J - 1) // 2 if self.max_order == 2 else 0)
        return 1 + J * L + (L * L * J * (J - 1) // 2 if self.max_order == 2 else 0)

    def meta(self) -> dict[str, np.ndarray]:
        """Per channel: ``order``, ``j`` and ``theta`` (NaN-padded to max_order).

        With ``rotation_invariant=True`` the ``theta`` columns hold, instead, the orientation
        frequency k (|DFT_θ1| index) and, at order 2, the relative orientation Δθ = θ2 − θ1.
        """
        J, L = self.J, self.L
        K = L // 2 + 1 if self.rotation_invariant else L
        rows = [(0, (), ())]
        rows += [(1, (j,), (t,)) for j in range(J) for t in range(K)]
        if self.max_order == 2:
            rows += [
                (2, (j1, j2), (t1, t2))
                for j1 in range(J)
                for t1 in range(K)
                for j2 in range(j1 + 1, J)
                for t2 in range(L)
            ]
            if self.rotation_invariant:  # the pair loop is outermost there: (j1, j2, k, Δ)
                rows = rows[: 1 + J * K] + [
                    (2, (j1, j2), (k, d))
                    for j1 in range(J)
                    for j2 in range(j1 + 1, J)
                    for k in range(K)
                    for d in range(L)
                ]

        def padded(i):
            return np.array([r[i] + (math.nan,) * (self.max_order - len(r[i])) for r in rows])

        return {
            "order": np.array([r[0] for r in rows]),
            "j": padded(1),
            "theta": padded(2),
            "key_j": [r[1] for r in rows],
            "key_theta": [r[2] for r in rows],
            # Kymatio's wavelet index n = j * L + θ, per order (out_type='list''s 'n')
            "key_n": [tuple(j * L + t for j, t in zip(r[1], r[2])) for r in rows],
        }

    def extra_repr(self) -> str:
        s = (
            f"J={self.J}, shape={self.shape}, L={self.L}, max_order={self.max_order}, "
            f"pre_pad={self.pre_pad}, out_type={self.out_type!r}, padding={self.padding!r}"
        )
        if self.rotation_invariant:
            s += ", rotation_invariant=True"
        return s + f", channels={self.output_size()}"
