"""One seeded tree of random generators: every consumer asks for a named child, so adding a consumer never
shifts the numbers another consumer draws, and a run is a function of (inputs, seed)."""

from __future__ import annotations

import hashlib
from random import Random

__all__ = ["RngTree"]


class RngTree:
    def __init__(self, seed: int, path: tuple[str, ...] = ()):
        self.seed = seed
        self.path = path

    def child(self, *names: str) -> RngTree:
        return RngTree(self.seed, (*self.path, *names))

    def random(self) -> Random:
        """A fresh ``random.Random`` for this node, seeded from (seed, path) by a stable hash."""
        digest = hashlib.sha256(repr((self.seed, self.path)).encode()).digest()
        return Random(int.from_bytes(digest[:8], "big"))

    def __repr__(self) -> str:
        return f"RngTree(seed={self.seed}, path={'/'.join(self.path) or '/'})"
