"""Inventory, host patterns (``--limit`` in ``,`` and ``:`` forms, ``!`` exclusion, ``&`` intersection,
wildcards, ``~regex``) and ``serial`` batches, with Ansible's ordering rules."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InventoryError

__all__ = ["Inventory", "serial_batches", "split_patterns"]


def split_patterns(pattern: str | Sequence[str]) -> list[str]:
    """``"a:b,!c"`` → ``["a", "b", "!c"]`` (no IPv6 or ``[0:3]`` ranges: simulated hosts have names)."""
    if not isinstance(pattern, str):
        return [p for item in pattern for p in split_patterns(item)]
    return [p.strip() for p in re.split(r"[,:]", pattern) if p.strip()]


@dataclass(frozen=True)
class Inventory:
    """Hosts in inventory order, groups (name → member hosts in order) and variables."""

    hosts: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    host_vars: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    group_vars: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_groups(
        cls,
        groups: Mapping[str, Sequence[str]],
        host_vars: Mapping[str, Mapping[str, Any]] | None = None,
        group_vars: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Inventory:
        order: list[str] = []
        for members in groups.values():
            for host in members:
                if host not in order:
                    order.append(host)
        for host in host_vars or {}:
            if host not in order:
                order.append(host)
        for name in groups:
            if name in ("all", "ungrouped") or name in order:
                raise InventoryError(f"groups.{name}", "a group name distinct from hosts and 'all'", name)
        return cls(
            tuple(order), {g: tuple(m) for g, m in groups.items()}, dict(host_vars or {}), dict(group_vars or {})
        )

    def groups_var(self) -> dict[str, list[str]]:
        """The ``groups`` magic variable."""
        out = {"all": list(self.hosts), "ungrouped": [h for h in self.hosts if not self.group_names(h)]}
        out.update({g: list(m) for g, m in self.groups.items()})
        return out

    def group_names(self, host: str) -> list[str]:
        return list(self._group_index.get(host, ()))

    @functools.cached_property
    def _group_index(self) -> dict[str, tuple[str, ...]]:
        """host -> its groups by name, built once (membership tests on 1,000-host tuples were quadratic)."""
        index: dict[str, list[str]] = {}
        for group in sorted(self.groups):
            for host in dict.fromkeys(self.groups[group]):
                index.setdefault(host, []).append(group)
        return {host: tuple(groups) for host, groups in index.items()}

    def variables(self, host: str) -> dict[str, Any]:
        """Group vars (``all`` first, then groups by name) overlaid by host vars."""
        out: dict[str, Any] = dict(self.group_vars.get("all", {}))
        for group in self.group_names(host):
            out.update(self.group_vars.get(group, {}))
        out.update(self.host_vars.get(host, {}))
        return out

    def _match_one(self, pattern: str) -> list[str]:
        if pattern in ("all", "*"):
            return list(self.hosts)
        if pattern in self.groups:
            return list(self.groups[pattern])
        if pattern in self.hosts:
            return [pattern]
        if pattern.startswith("~"):
            try:
                regex = re.compile(pattern[1:])
            except re.error as exc:
                raise InventoryError("limit", "a valid regular expression after '~'", pattern) from exc

            def test(name: str) -> bool:
                return regex.match(name) is not None
        elif any(c in pattern for c in "*?["):

            def test(name: str) -> bool:
                return fnmatch.fnmatchcase(name, pattern)
        else:
            return []
        out: list[str] = []
        for group, members in self.groups.items():
            if test(group):
                out += [h for h in members if h not in out]
        out += [h for h in self.hosts if test(h) and h not in out]
        return out

    def select(self, pattern: str | Sequence[str]) -> list[str]:
        """Hosts matching a pattern: unions in order, then ``&`` intersections, then ``!`` exclusions."""
        patterns = split_patterns(pattern)
        ordered = [p for p in patterns if p[0] not in "&!"]
        ordered += [p for p in patterns if p[0] == "&"] + [p for p in patterns if p[0] == "!"]
        hosts: list[str] = []
        for p in ordered:
            if p[0] == "!":
                that = set(self._match_one(p[1:]))
                hosts = [h for h in hosts if h not in that]
            elif p[0] == "&":
                that = set(self._match_one(p[1:]))
                hosts = [h for h in hosts if h in that]
            else:
                hosts += [h for h in self._match_one(p) if h not in hosts]
        return hosts

    def play_hosts(self, pattern: str | Sequence[str], limit: str | Sequence[str] | None = None) -> list[str]:
        """Hosts of a play (``hosts:``) restricted by ``--limit``, in Ansible's order."""
        hosts = self.select(pattern)
        if limit:
            allowed = set(self.select(limit))
            hosts = [h for h in hosts if h in allowed]
        return hosts


def _pct_or_int(value: Any, total: int, where: str) -> int:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            pct = float(value.strip()[:-1])
        except ValueError as exc:
            raise InventoryError(where, "a percentage like '30%'", value) from exc
        return int(pct / 100.0 * total) or 1
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise InventoryError(where, "an integer or a percentage", value) from exc
    return number


def serial_batches(hosts: Sequence[str], serial: Any, where: str = "play.serial") -> list[list[str]]:
    """Split play hosts into ``serial`` batches (int, ``"N%"``, or a list whose last size repeats)."""
    hosts = list(hosts)
    if serial is None or serial == 0 or serial == []:
        return [hosts] if hosts else []
    sizes = serial if isinstance(serial, list) else [serial]
    batches: list[list[str]] = []
    index = 0
    while hosts:
        size = _pct_or_int(sizes[min(index, len(sizes) - 1)], len(hosts) + sum(map(len, batches)), where)
        if size <= 0:
            size = len(hosts)
        batches.append(hosts[:size])
        hosts = hosts[size:]
        index += 1
    return batches
