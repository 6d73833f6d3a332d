"""The release each node runs a project at, counted as nodes change, for the world's mixed-version monitor."""

from __future__ import annotations

__all__ = ["RunningReleases"]


class RunningReleases:
    """The release each node runs one project at, with the counts the mixed-version monitor reads kept as nodes
    change (O(1) per change; a monitor that recounted every node was quadratic in the node count)."""

    def __init__(self, control_plane: frozenset[str]) -> None:
        self.nodes: dict[str, str] = {}  # node -> "source" | "target", in the order nodes started running it
        self.counts = {"source": 0, "target": 0}
        self.source_control = 0  # control-plane nodes still at the source release
        self.target_data = 0  # data-plane nodes already at the target release
        self._control_plane = control_plane

    def set(self, node: str, release: str | None) -> None:
        old = self.nodes.get(node)
        if old == release:
            return
        if old is not None:
            self._count(node, old, -1)
        if release is None:
            del self.nodes[node]
        else:
            self.nodes[node] = release  # an existing node keeps its place
            self._count(node, release, 1)

    def _count(self, node: str, release: str, delta: int) -> None:
        self.counts[release] += delta
        if release == "source" and node in self._control_plane:
            self.source_control += delta
        elif release == "target" and node not in self._control_plane:
            self.target_data += delta

    def first(self, release: str, count: int) -> list[str]:
        out: list[str] = []
        for node, r in self.nodes.items():
            if r == release:
                out.append(node)
                if len(out) == count:
                    break
        return out
