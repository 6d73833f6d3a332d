"""Chained access on an undefined value, as ansible-playbook 2.19 evaluates it (checked by running it): the
chain stays undefined, so `is defined` is false and any other use fails naming the first missing name; values
the sandbox refuses still fail as sandbox errors."""

from __future__ import annotations

import pytest

from fakes.ansible import Templar, UndefinedVariable

VARS = {"r": {"rc": 0}}


def test_is_defined_on_a_chain_through_a_missing_key() -> None:
    t = Templar()
    assert t.condition("r.containers.0.Healthcheck.Status is defined", VARS, "w") is False
    assert t.condition("r['containers'][0] is not defined", VARS, "w") is True


def test_using_the_chain_fails_on_the_first_missing_name() -> None:
    with pytest.raises(UndefinedVariable, match="no attribute 'containers'"):
        Templar().condition("r.containers.0.Status == 'up'", VARS, "w")
