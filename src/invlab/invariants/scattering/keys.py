"""``out_type='dict'`` of ``Scattering1D``: Kymatio's keys, and a clear error for a wrong one."""

from __future__ import annotations


class ScatteringDict(dict):
    """``{(): S0, (n1,): S1[n1], (n1, n2): S2[n1, n2]}``, in channel order (``meta()["key"]``).

    A plain ``dict``; only a missing key differs: the ``KeyError`` says why the key is not a
    coefficient (not a tuple, an order above ``max_order``, a filter index out of range, or a
    second-order path with ``j2 <= j1``, which the transform never computes).
    """

    def __init__(self, coefficients: dict, j1: list[int], j2: list[int], max_order: int):
        super().__init__(coefficients)
        self._j1, self._j2, self._max_order = list(j1), list(j2), max_order

    def __missing__(self, key):
        raise KeyError(self._why(key))

    def _why(self, key) -> str:
        n1s, n2s = len(self._j1), len(self._j2)
        allowed = f"() for order 0, (n1,) with 0 <= n1 < {n1s} for order 1" + (
            f", (n1, n2) with 0 <= n2 < {n2s} and j2 > j1 for order 2"
            if self._max_order == 2
            else ""
        )
        if not isinstance(key, tuple):
            hint = f"; did you mean ({key!r},)?" if isinstance(key, int) else ""
            return f"key must be a tuple of filter indices ({allowed}), got {key!r}{hint}"
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in key):
            return f"key must be a tuple of int filter indices ({allowed}), got {key!r}"
        if len(key) > self._max_order:
            return (
                f"key {key!r} asks for order {len(key)}, but this transform has "
                f"max_order={self._max_order}; keys are {allowed}"
            )
        if any(not 0 <= n < size for n, size in zip(key, (n1s, n2s))):
            return f"key {key!r} has a filter index out of range; keys are {allowed}"
        if len(key) == 2:
            j1, j2 = self._j1[key[0]], self._j2[key[1]]
            return (
                f"key {key!r} is not a second-order path: it needs j2 > j1, but the filters have "
                f"j1={j1} and j2={j2} (meta()['key'] lists the paths computed)"
            )
        return f"key {key!r} is not a coefficient; keys are {allowed}"
