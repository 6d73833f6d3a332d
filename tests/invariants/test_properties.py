from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from simulator.invariants import Layout, LayoutRole, check_plan, compose_plan
from simulator.strategies import (
    fault_schedules,
    limit_orders,
    node_counts,
    operator_upgrade_machine,
    role_layouts,
)

FAST = settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
LAYOUT_ONLY = {"quorum-size", "pacemaker-colocation"}  # broken by free layouts on purpose


def test_every_strategy_draws_and_validates(catalogue_18, real):
    _, plan, _ = real("18.0.0")
    nodes = [n.name for r in plan.roles for n in r.nodes]
    strategies = [node_counts(), role_layouts(catalogue_18), role_layouts(catalogue_18, drop_networks=True),
                  limit_orders(plan), fault_schedules(nodes)]
    for s in strategies:
        find(s, lambda _: True, settings=settings(database=None, max_examples=5))
    bad = [lambda: node_counts(min_value=-1), lambda: node_counts(min_value=3, max_value=2),
           lambda: role_layouts("x"), lambda: role_layouts(catalogue_18, splits=("Nope",)),
           lambda: role_layouts(catalogue_18, max_nodes=0), lambda: role_layouts(catalogue_18, base_role="X"),
           lambda: limit_orders(plan, max_batch=0), lambda: fault_schedules([]),
           lambda: fault_schedules(nodes, kinds=("meteor",)), lambda: operator_upgrade_machine("p")]
    for make in bad:
        with pytest.raises(InvalidArgument):
            s = make()
            s.validate()


@FAST
@given(data=st.data())
def test_random_layouts_of_the_real_catalogue_break_only_layout_invariants(catalogue_18, real, data):
    _, _, ctx = real("18.0.0")
    layout = data.draw(role_layouts(catalogue_18, pacemaker_on_splits=True))
    report = check_plan(compose_plan(catalogue_18, layout), ctx)
    assert [v.render() for v in report.failures if v.invariant not in LAYOUT_ONLY] == []


def test_planted_violation_shrinks_to_a_small_layout(catalogue_18, real):
    """Plant a messaging upgrade task that assumes galera is colocated; the search must find a layout that
    splits Messaging from the database and shrink it to a readable counterexample."""
    _, _, ctx = real("18.0.0")
    rpc = dict(catalogue_18.role_data["oslo_messaging_rpc"])
    rpc["upgrade_tasks"] = [*rpc.get("upgrade_tasks", []), {
        "name": "Flush rabbit queues on the galera bootstrap node",
        "when": ["step|int == 2", "mysql_short_bootstrap_node_name|lower == ansible_facts['hostname']|lower"],
        "shell": "rabbitmqctl purge_queue notifications.info"}]
    planted = dataclasses.replace(catalogue_18, role_data={**catalogue_18.role_data, "oslo_messaging_rpc": rpc},
                                  _roles={})

    def violated(layout):
        failures = check_plan(compose_plan(planted, layout), ctx).failures
        return any(v.invariant == "bootstrap-colocation" for v in failures)

    example = find(role_layouts(planted), violated, random=random.Random(7),
                   settings=settings(max_examples=300, database=None, deadline=None,
                                     phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck)))
    print("shrunk counterexample:\n" + example.describe())
    assert len(example.roles) <= 3 and example.node_count <= 5
    # rabbitmq and galera end up on different roles: either one split out is a minimal answer
    assert [r.name for r in example.roles] in (["Controller", "Messaging"], ["Controller", "Database"])
    assert example.node_count == 2
    ctl = example.roles[0]
    unsplit = Layout((LayoutRole("Controller", catalogue_18.default_services["Controller"], 1, ctl.networks),))
    assert not violated(unsplit)


def test_operator_upgrade_state_machine(real):
    _, plan, _ = real("18.0.0")
    machine = operator_upgrade_machine(plan)
    machine.TestCase.settings = settings(max_examples=15, stateful_step_count=8, deadline=None, database=None)
    machine.TestCase().runTest()


def test_operator_upgrade_machine_never_starves_for_an_enabled_rule(real, monkeypatch):
    """Hypothesis' swarm testing turns rules off per test case; rules whose preconditions exclude each other left the
    one enabled rule often off, and about 1 run in 30 failed its health check ("filtering out a lot of inputs"; seed
    15 did). Forty seeds in a row, each the whole test."""
    import hypothesis.core

    _, plan, _ = real("18.0.0")
    machine = operator_upgrade_machine(plan)
    machine.TestCase.settings = settings(max_examples=15, stateful_step_count=8, deadline=None, database=None)
    for seed in range(1, 41):
        monkeypatch.setattr(hypothesis.core, "global_force_seed", seed)
        machine.TestCase().runTest()

