"""``Scattering1D``: Kymatio-compatible 1D scattering transform as a batched ``nn.Module``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..._validation import check_choice, check_tensor
from .args_1d import check_Q, check_shape, check_T
from .compat import Rebuildable, as_int, check_backend, warn_average
from .core_1d import Lowpass1D, Order1Group, Order2Group, scattering1d, wavelet_modulus
from .filters_1d import SIGMA0, Padding1D, filterbank_params, morlet_1d, padding_1d, periodize
from .keys import ScatteringDict
from .ops import (
    PADDING_MODES,
    chunks,
    doubled,
    hermitian_full,
    lowpass_fft_plan,
    lowpass_matrix,
    pad_index,
    pad_last_dims,
    significant_blocks,
)

# The low-pass is a matrix product (faster than rfft → fold → irfft) only on padded lengths up to
# 128: a row of the matrix sums n float32 products, whose rounding grows like sqrt(n)·eps; at
# n = 512 that was 2.2e-6 relative to float64 (and to Kymatio), against 2e-7 through the FFT.
# Up to 128 the worst measured was 5e-7 (benchmarks' N=40 case: n = 64, still dense).
_DENSE_ROWS = 128
# batch chunks: 16 MiB measured 10 % faster than 4 MiB on 1D J=6 (fewer, larger kernels), with
# peak memory still below Kymatio's (101 / 203 MB there, 39 / 42 MB on N=40 ×4000)
_CHUNK_BYTES = 1 << 24


@dataclass
class _Bank1D:
    """Everything that depends on the signal length: padding, plan, filters (float64)."""

    padding: Padding1D
    s0: Lowpass1D
    groups: tuple[Order1Group, ...]
    tensors: dict[str, torch.Tensor]


class Scattering1D(Rebuildable):
    r"""1D scattering transform, numerically identical to Kymatio 0.3.0's ``Scattering1D``.

    .. math::
        S_J x = \{x \star \phi_J,\ |x \star \psi_{\lambda_1}| \star \phi_J,\
        ||x \star \psi_{\lambda_1}| \star \psi_{\lambda_2}| \star \phi_J\}_{j_2 > j_1}

    with Morlet wavelets ψ (Q1 per octave at order 1, Q2 at order 2) and a Gaussian low-pass φ of
    support ``T``. The output is invariant to translations small compared with ``T`` and stable to
    deformations. With ``T=0`` (Kymatio's "no averaging") φ is not applied: the output is
    ``{x, |x ⋆ ψ_λ1|, ||x ⋆ ψ_λ1| ⋆ ψ_λ2|}``, each coefficient subsampled only as far as its
    wavelet's bandwidth allows (2^j, as with ``T = 2**J``), so coefficients differ in length and
    come as a list or dict, not one array. Signals are padded (``padding``) to a power-of-2
    length, so the transform of a signal of any length can be taken, not only ``shape``: filters
    for a new length are built on first use and cached.

    Kymatio 0.3.0's constructor works unchanged (same arguments and positional order, numpy
    integers, ``backend='torch'``, the deprecated ``average``); assigning ``J``, ``shape``,
    ``Q``, ``T``, ``max_order``, ``average``, ``oversampling`` or ``padding`` after construction
    rebuilds the filters as a new construction would; ``out_type`` is checked at each call.

    Args:
        J: log2 of the largest wavelet scale.
        shape: signal length ``N`` (int or 1-tuple) for which filters are built up front.
        Q: wavelets per octave, ``Q1`` or ``(Q1, Q2)``; ``Q2`` defaults to 1.
        T: support of the low-pass filter (averaging scale); default ``2**J``; ``0``: no
            averaging (``out_type`` ``'list'`` or ``'dict'``).
        max_order: 1 or 2.
        average: deprecated (Kymatio 0.3.0): ``False`` means ``T=0``, ``True`` the default.
        oversampling: subsample ``2**oversampling`` times less than the critical rate.
        out_type: ``'array'`` (one tensor), ``'list'`` (dicts with ``coef``, ``j``, ``n``, in
            channel order) or ``'dict'`` (``n ↦ coef``, keys ``()``, ``(n1,)``, ``(n1, n2)`` as
            ``meta()["key"]``).
        backend: ``None``, ``'torch'`` or Kymatio's torch backend (all the same).
        padding: ``'reflect'`` (Kymatio), ``'zeros'`` or ``'circular'``.

    Shape:
        - Input: ``(..., N)``, float32 or float64, any leading dimensions.
        - Output: ``(..., C, N // 2**(log2(T) - oversampling))`` (rounded up), ``C`` as
          ``output_size()``; ``meta()`` describes each channel. With ``T=0``: ``x`` itself, then
          coefficients of length ``N // 2**max(j - oversampling, 0)`` (rounded up).

    Examples:
        >>> S = Scattering1D(J=4, shape=40)
        >>> S(torch.randn(8, 40)).shape
        torch.Size([8, 13, 3])
        >>> U = Scattering1D(J=4, shape=40, T=0, out_type="dict")(torch.randn(8, 40))
        >>> U[()].shape, U[(3,)].shape, U[(0, 4)].shape
        (torch.Size([8, 40]), torch.Size([8, 20]), torch.Size([8, 10]))
    """

    _REBUILD = frozenset(
        {"J", "shape", "Q", "T", "max_order", "average", "oversampling", "padding", "backend"}
    )
    _ALIASES: ClassVar[dict[str, str]] = {"N": "shape"}  # invlab's name for Kymatio's shape[0]

    def __init__(
        self,
        J: int,
        shape: int | tuple[int],
        Q: int | tuple[int, int] = 1,
        T: int | None = None,
        max_order: int = 2,
        average: bool | None = None,
        oversampling: int = 0,
        out_type: str = "array",
        backend: str | None = None,
        padding: str = "reflect",
    ) -> None:
        super().__init__()
        self.backend = check_backend(backend)
        warn_average(average)
        self.J = as_int(J, "J", minimum=0)
        self.N = check_shape(shape)
        self.shape = (self.N,)
        self.Q = check_Q(Q)
        if 2**self.J > self.N:
            raise ValueError(
                f"J={self.J} is too large for signals of length {self.N}: need 2**J <= N, "
                f"i.e. J <= {int(math.log2(self.N))}"
            )
        self.T = check_T(T, average, self.J, self.N)
        self.average = self.T > 0
        self.max_order = check_choice(as_int(max_order, "max_order"), "max_order", (1, 2))
        self.oversampling = as_int(oversampling, "oversampling", minimum=0, what=" (nonnegative)")
        self.out_type = out_type
        self._check_out_type()
        self.padding = check_choice(padding, "padding", PADDING_MODES)
        # T=0 keeps the subsampling (and padding) of T = 2**J, as Kymatio does
        self._T = self.T if self.average else 2**self.J
        self.log2_T = math.floor(math.log2(self._T))
        self.xi1, self.sigma1, self.j1 = filterbank_params(self.J, self.Q[0])
        self.xi2, self.sigma2, self.j2 = filterbank_params(self.J, self.Q[1])
        bank = self._build_bank(self.N)
        self._padding, self._s0, self._groups = bank.padding, bank.s0, bank.groups
        for name, t in bank.tensors.items():
            self.register_buffer(name, t)
        self._banks: dict[tuple, _Bank1D] = {}
        self._args = dict(
            J=self.J,
            shape=self.N,
            Q=self.Q,
            T=T,
            max_order=self.max_order,
            average=average,
            oversampling=self.oversampling,
            out_type=out_type,
            backend=backend,
            padding=padding,
        )

    def _check_out_type(self) -> None:
        """Run at construction and at every call: ``out_type`` may change in between."""
        check_choice(self.out_type, "out_type", ("array", "list", "dict"))
        if not self.average and self.out_type == "array":
            raise ValueError(
                "out_type='array' needs averaging, but T=0 (or average=False) skips it: "
                "Cannot convert the unaveraged coefficients, which have different lengths "
                "(each at its own resolution), into one array. Please set out_type to 'list' "
                "or 'dict' (as Kymatio requires)"
            )

    # ---------------------------------------------------------------- filters and plan
    def _build_bank(self, N: int) -> _Bank1D:
        padding = padding_1d(N, self.J, self._T)
        n_pad, os_, log2_T = padding.N_padded, self.oversampling, self.log2_T
        psi1 = morlet_1d(n_pad, self.xi1, self.sigma1)
        psi2 = morlet_1d(n_pad, self.xi2, self.sigma2)
        phi = morlet_1d(n_pad, [0.0], [SIGMA0 / self._T])[0]
        tensors: dict[str, np.ndarray] = {}

        def lowpass_op(level: int, k: int) -> Lowpass1D:
            total = level + k
            start, end = padding.ind_start[total], padding.ind_end[total]
            n = n_pad // 2**level
            dense = n <= _DENSE_ROWS and end - start <= 8 * math.log2(n) + 8
            op = Lowpass1D(level, k, start, end, dense)
            if op.name not in tensors:
                phi_level = periodize(phi, level)
                if dense:
                    tensors[op.name] = lowpass_matrix(phi_level, 2**k, start, end)
                else:
                    index, weight = lowpass_fft_plan(phi_level, 2**k)
                    tensors[op.name], tensors[op.name + "_index"] = weight, index
            return op

        s0 = lowpass_op(0, max(log2_T - os_, 0))
        groups = []
        for j1 in sorted(set(self.j1)):
            n1 = tuple(n for n, j in enumerate(self.j1) if j == j1)
            k1 = max(min(j1, log2_T) - os_, 0)
            children = []
            if self.max_order == 2:
                valid = [n for n, j in enumerate(self.j2) if j > j1]
                by_k2: dict[int, list[int]] = {}
                for n in valid:
                    by_k2.setdefault(max(min(self.j2[n], log2_T) - k1 - os_, 0), []).append(n)
                for k2, n2 in by_k2.items():
                    lp = lowpass_op(k1 + k2, max(log2_T - k2 - k1 - os_, 0))
                    filt = periodize(psi2[list(n2)], k1) / 2**k2
                    h = Order2Group(tuple(n2), k2, lp, significant_blocks(filt, 2**k2))
                    tensors[h.name] = filt
                    children.append(h)
            filt = psi1[list(n1)] / 2**k1
            lp = lowpass_op(k1, max(log2_T - k1 - os_, 0))
            g = Order1Group(n1, j1, k1, lp, significant_blocks(filt, 2**k1), tuple(children))
            tensors[g.name] = filt
            groups.append(g)
        if padding.pad_left > 0 or padding.pad_right > 0:
            tensors["pad_index"] = pad_index(N, padding.pad_left, padding.pad_right, self.padding)
        return _Bank1D(
            padding, s0, tuple(groups), {k: torch.from_numpy(v) for k, v in tensors.items()}
        )

    def _bank(self, N: int, like: torch.Tensor) -> _Bank1D:
        """The plan and filters for length N, cast to the input's dtype and device (cached)."""
        key = (N, like.dtype, like.device)
        if key not in self._banks:
            if N == self.N:
                base = _Bank1D(self._padding, self._s0, self._groups, dict(self.named_buffers()))
            else:
                base = self._build_bank(N)
            tensors = {
                k: v.to(like.device) if v.dtype == torch.int64 else v.to(like.device, like.dtype)
                for k, v in base.tensors.items()
            }
            tensors.update({k: doubled(v) for k, v in tensors.items() if k.startswith("psi")})
            self._banks[key] = _Bank1D(base.padding, base.s0, base.groups, tensors)
        return self._banks[key]

    def _apply(self, fn, recurse=True):
        self._banks = {}  # buffers moved or cast: drop the cached copies
        return super()._apply(fn, recurse)

    # ---------------------------------------------------------------- forward
    def _check_input(self, x: torch.Tensor) -> torch.Tensor:
        if isinstance(x, torch.Tensor) and x.dim() == 0:
            raise ValueError("Input tensor x should have at least one axis (time), got shape ()")
        x = check_tensor(x, "x", min_dim=1)
        if x.is_complex():
            raise TypeError(f"x must be real (float32 or float64), got {x.dtype}")
        N = x.shape[-1]
        if N < 2**self.J:
            raise ValueError(f"x has length {N} but J={self.J} needs at least 2**J = {2**self.J}")
        if N < self._T:
            raise ValueError(f"x has length {N}, shorter than the low-pass support T={self._T}")
        return x

    def _pad(self, x: torch.Tensor, bank: _Bank1D) -> torch.Tensor:
        p = bank.padding
        if p.pad_left == 0 and p.pad_right == 0:
            return x
        index = [bank.tensors.get("pad_index")]
        return pad_last_dims(x, [(p.pad_left, p.pad_right)], self.padding, index)

    def forward(self, x: torch.Tensor):
        """Scattering coefficients of ``x`` (``(..., N)``), see the class docstring."""
        self._check_out_type()
        x = self._check_input(x)
        if not self.average:
            return self._as_out_type(self._unaveraged(x))
        bank = self._bank(x.shape[-1], x)
        batch_shape = x.shape[:-1]
        x = self._pad(x.reshape(-1, x.shape[-1]), bank)
        widest = max(len(g.n1) for g in bank.groups)
        largest = widest * bank.padding.N_padded * 2 * x.element_size()
        outs = [
            scattering1d(x[c], bank.s0, bank.groups, bank.tensors, self.max_order)
            for c in chunks(x.shape[0], largest, budget=_CHUNK_BYTES)
        ]
        S = outs[0] if len(outs) == 1 else torch.cat(outs)
        S = S.reshape(batch_shape + S.shape[-2:])
        if self.out_type == "array":
            return S
        m = self.meta()
        return self._as_out_type(
            [
                {"coef": S[..., c, :], "j": m["key_j"][c], "n": m["key"][c]}
                for c in range(S.shape[-2])
            ]
        )

    def _as_out_type(self, coefficients: list[dict]):
        if self.out_type == "list":
            return coefficients
        return ScatteringDict(
            {c["n"]: c["coef"] for c in coefficients}, self.j1, self.j2, self.max_order
        )

    def _unaveraged(self, x: torch.Tensor) -> list[dict]:
        """``T=0``: x, then U1 and U2 (see :meth:`modulus_coefficients`), in channel order."""
        U = self._modulus_paths(x)
        return [{"coef": x, "j": (), "n": ()}] + [{k: u[k] for k in ("coef", "j", "n")} for u in U]

    def modulus_coefficients(self, x: torch.Tensor) -> list[dict]:
        """The modulus coefficients U before averaging (Kymatio issue #372).

        ``U1[n1] = |x ⋆ ψ_n1|`` and ``U2[n1, n2] = ||x ⋆ ψ_n1| ⋆ ψ_n2|`` (j2 > j1), each at its own
        resolution 2^k (no averaging, so k follows the wavelet's bandwidth, capped by
        ``log2(T) - oversampling`` as in the scattering), cropped to the signal's extent.
        With ``T=0`` these are the forward's coefficients after ``x`` itself.

        Returns:
            a list of dicts ``{"coef": (..., N_k), "order", "n", "j", "k"}`` in channel order.
        """
        return self._modulus_paths(self._check_input(x))

    def _modulus_paths(self, x: torch.Tensor) -> list[dict]:
        bank = self._bank(x.shape[-1], x)
        f, p = bank.tensors, bank.padding
        batch_shape = x.shape[:-1]
        x = self._pad(x.reshape(-1, x.shape[-1]), bank)
        x_half = torch.fft.rfft(x)
        x_hat = hermitian_full(x_half, x.shape[-1])
        out1, out2 = [], []
        for g in bank.groups:
            u1 = wavelet_modulus(x_hat, f[g.name], g.k1, g.blocks)
            crop1 = u1[..., p.ind_start[g.k1] : p.ind_end[g.k1]]
            for i, n1 in enumerate(g.n1):
                coef = crop1[:, i].reshape(batch_shape + crop1.shape[-1:])
                out1.append({"coef": coef, "order": 1, "n": (n1,), "j": (g.j1,), "k": g.k1})
            if self.max_order < 2 or not g.children:
                continue
            u1_hat = hermitian_full(torch.fft.rfft(u1), u1.shape[-1])
            for h in g.children:
                k = g.k1 + h.k2
                u2 = wavelet_modulus(u1_hat, f[h.name], h.k2, h.blocks)  # (B, F1, F2, n)
                u2 = u2[..., p.ind_start[k] : p.ind_end[k]]
                for i, n1 in enumerate(g.n1):
                    for i2, n2 in enumerate(h.n2):
                        coef = u2[:, i, i2].reshape(batch_shape + u2.shape[-1:])
                        j = (g.j1, self.j2[n2])
                        out2.append({"coef": coef, "order": 2, "n": (n1, n2), "j": j, "k": k})
        return sorted(out1, key=lambda c: c["n"]) + sorted(out2, key=lambda c: c["n"])

    # ---------------------------------------------------------------- metadata
    @property
    def psi1_f(self) -> list[dict]:
        """Kymatio's order-1 filter list as metadata (``xi``, ``sigma``, ``j``; no arrays)."""
        return [{"xi": x, "sigma": s, "j": j} for x, s, j in zip(self.xi1, self.sigma1, self.j1)]

    @property
    def psi2_f(self) -> list[dict]:
        """Kymatio's second-order filter list, as metadata only (see :attr:`psi1_f`)."""
        return [{"xi": x, "sigma": s, "j": j} for x, s, j in zip(self.xi2, self.sigma2, self.j2)]

    def output_size(self, detail: bool = False):
        """Number of channels C (or ``[1, C1, C2]`` with ``detail=True``)."""
        n2 = sum(1 for a in self.j1 for b in self.j2 if b > a) if self.max_order == 2 else None
        sizes = [1, len(self.j1)] + ([n2] if n2 is not None else [])
        return sizes if detail else sum(sizes)

    def meta(self) -> dict[str, np.ndarray]:
        """Per channel: ``order``, ``xi``, ``sigma``, ``j``, ``n`` (NaN-padded to max_order).

        ``key`` lists the channels' keys ``()``, ``(n1,)``, ``(n1, n2)`` (those of
        ``out_type='dict'`` and the ``n`` of ``'list'``) and ``key_j`` their scales (``j``).
        The channels are the same with ``T=0``, only not averaged.
        """
        rows = [(0, (), (), (), ())]
        rows += [
            (1, (x,), (s,), (j,), (n,))
            for n, (x, s, j) in enumerate(zip(self.xi1, self.sigma1, self.j1))
        ]
        if self.max_order == 2:
            for n1, (x1, s1, j1) in enumerate(zip(self.xi1, self.sigma1, self.j1)):
                for n2, (x2, s2, j2) in enumerate(zip(self.xi2, self.sigma2, self.j2)):
                    if j2 > j1:
                        rows.append((2, (x1, x2), (s1, s2), (j1, j2), (n1, n2)))
        width = self.max_order

        def padded(i):
            return np.array([r[i] + (math.nan,) * (width - len(r[i])) for r in rows])

        return {
            "order": np.array([r[0] for r in rows]),
            "xi": padded(1),
            "sigma": padded(2),
            "j": padded(3),
            "n": padded(4),
            "key": [r[4] for r in rows],  # the keys of out_type='dict', in channel order
            "key_j": [r[3] for r in rows],
        }

    def extra_repr(self) -> str:
        return (
            f"J={self.J}, shape=({self.N},), Q={self.Q}, T={self.T}, max_order={self.max_order}, "
            f"oversampling={self.oversampling}, out_type={self.out_type!r}, "
            f"padding={self.padding!r}, channels={self.output_size()}"
        )
