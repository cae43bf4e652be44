"""All-pairs combinations: rows of factor values in which every pair of values of any two
factors appears at least once (greedy, deterministic). With k two-valued factors and one
five-valued factor that is about ten rows instead of 5 x 2^k."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations
from typing import Any

__all__ = ["pairwise"]

Pair = tuple[int, int, int, int]  # (factor i, value index a, factor j > i, value index b)


def pairwise(factors: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Rows covering every pair of values of every two factors; each row names every factor."""
    names = list(factors)
    sizes = [len(factors[name]) for name in names]
    if any(size == 0 for size in sizes):
        raise ValueError("every factor needs at least one value")
    uncovered: set[Pair] = {
        (i, a, j, b)
        for i, j in combinations(range(len(names)), 2)
        for a in range(sizes[i])
        for b in range(sizes[j])
    }
    order = sorted(range(len(names)), key=lambda k: -sizes[k])  # the widest factors first
    rows: list[list[int]] = []
    while uncovered or not rows:
        # Several candidate rows, each grown from a different uncovered pair; keep the best.
        seeds = sorted(uncovered)[:: max(1, len(uncovered) // _CANDIDATES)] or [None]
        best: tuple[int, list[int]] | None = None
        for seed in seeds:
            row = _grow(uncovered, sizes, order, seed)
            gain = len(_pairs(row) & uncovered)
            if best is None or gain > best[0]:
                best = (gain, row)
        assert best is not None
        uncovered -= _pairs(best[1])
        rows.append(best[1])
    return [{names[k]: factors[names[k]][v] for k, v in enumerate(row)} for row in rows]


_CANDIDATES = 40


def _grow(
    uncovered: set[Pair], sizes: Sequence[int], order: Sequence[int], seed: Pair | None
) -> list[int]:
    chosen: dict[int, int] = {}
    if seed is not None:
        i, a, j, b = seed
        chosen = {i: a, j: b}
    for k in order:
        if k not in chosen:
            chosen[k] = max(
                range(sizes[k]), key=lambda v, k=k: (_gain(uncovered, chosen, k, v), -v)
            )
    return [chosen[k] for k in range(len(sizes))]


def _pairs(row: Sequence[int]) -> set[Pair]:
    return {(i, row[i], j, row[j]) for i, j in combinations(range(len(row)), 2)}


def _gain(uncovered: set[Pair], chosen: Mapping[int, int], k: int, v: int) -> int:
    return sum(((i, a, k, v) if i < k else (k, v, i, a)) in uncovered for i, a in chosen.items())
