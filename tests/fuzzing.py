"""Shared pieces of the fuzz tests: values of any YAML shape, and one key path of a document replaced, removed or
misspelt."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(["upgrade", "deploy", "update", "11.6.0", "node_crash",
                                                           "overcloud-controller-0", "Controller", "ipmi"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            out += paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            out += paths(value, (*prefix, index))
    return out


def mutate(data: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy = dict(data)
        if not rest and how == "remove":
            copy.pop(head, None)
        elif not rest and how == "misspell":
            copy[f"{head}x"] = copy.pop(head)
        else:
            copy[head] = mutate(data[head], rest, how, value)
        return copy
    copy_list = list(data)
    if not rest and how == "remove":
        copy_list.pop(head)
    else:
        copy_list[head] = mutate(data[head], rest, how, value)
    return copy_list
