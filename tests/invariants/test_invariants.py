from __future__ import annotations

import dataclasses

import pytest

from simulator.invariants import ALL, InvariantError, Layout, LayoutRole, check_limit_order, check_plan, compose_plan
from simulator.invariants.bugzoo import apply_mutation, load_mutation, load_zoo, run_zoo

RELEASES = ("18.0.0", "14.3.0")  # 14.3.0: Wallaby, the Train -> Wallaby target


@pytest.mark.parametrize("release", (*RELEASES, "11.6.0"))  # 11.6.0: Train, the source of the default scenario
def test_clean_release_has_no_violation(real, release):
    _, plan, ctx = real(release)
    report = check_plan(plan, ctx)
    assert report.failures == (), "\n".join(v.render() for v in report.failures)
    # the documented finding is still there (a fixed release would drop it from the allow-list)
    assert any(v.invariant == "never-run-step" for v in report.allowed)


@pytest.mark.parametrize("release", RELEASES)
def test_every_bugzoo_mutation_is_caught_by_its_invariant(real, release):
    _, plan, ctx = real(release)
    zoo = load_zoo()
    assert len(zoo) >= 10
    results = run_zoo(plan, ctx, zoo)
    lines = [r.line() for r in results]
    assert all(r.caught for r in results), "\n".join(lines)
    for r in results:
        assert r.mutation.expect in r.caught_by, r.line()
        assert all(v.trace and v.fix for v in r.new)


def test_mutation_does_not_touch_the_plan(real):
    _, plan, _ctx = real("18.0.0")
    before = plan.to_json()
    for m in load_zoo():
        apply_mutation(plan, m)
    assert plan.to_json() == before


def test_malformed_bugzoo_file_names_file_key_expected_found(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nfailure_class: y\nexpect: stopped-restarted\nrole: Controller\nkey: upgrade_tasks\n"
                   "changes:\n  - {op: rename_task, task: a}\n")
    with pytest.raises(InvariantError) as exc:
        load_mutation(bad)
    assert str(exc.value).startswith(f"{bad}: changes[0].op: expected add_task | remove_task")
    assert "found 'rename_task'" in str(exc.value)
    bad.write_text("name: x\nfailure_class: y\nexpect: no-such\nrole: C\nkey: k\n"
                   "changes: [{op: remove_task, task: a}]\n")
    with pytest.raises(InvariantError, match="expect: expected one of api-companions"):
        load_mutation(bad)
    bad.write_text("name: x\nfailure_class: y\nname: z\n")
    with pytest.raises(InvariantError) as exc:
        load_mutation(bad)
    assert str(exc.value) == (f"{bad}: name: expected each key once in a mapping, "
                              "found 'name' on line 3, first on line 1")
    # a UnicodeDecodeError or ValueError traceback before
    bad.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(InvariantError, match=r": expected UTF-8 text, found a byte that is not UTF-8 at offset 9$"):
        load_mutation(bad)
    bad.write_text("name: x\nexpect: " + "9" * 5000 + "\n")
    with pytest.raises(InvariantError, match=r": expected valid YAML, found a value it cannot hold \(Exceeds"):
        load_mutation(bad)


def test_mutation_naming_a_missing_task_is_a_typed_error(real):
    _, plan, _ = real("18.0.0")
    m = dataclasses.replace(load_zoo()[0], changes=({"op": "remove_task", "task": "No such task"},))
    with pytest.raises(InvariantError, match=r"changes\[0\]\.task: expected a task named 'No such task'"):
        apply_mutation(plan, m)


def test_invariants_have_names_and_rationales():
    assert len({i.name for i in ALL}) == len(ALL) >= 12
    assert all(i.rationale and i.kind in ("placement", "ordering") for i in ALL)


def test_composed_plan_matches_heat_plan_for_the_controller(real, catalogue_18):
    _, plan, _ = real("18.0.0")
    ctl = plan.role("Controller")
    layout = Layout((LayoutRole("Controller", ctl.services, 3, ctl.networks),))
    composed = compose_plan(catalogue_18, layout).role("Controller")
    for key in ("upgrade_tasks", "update_tasks", "post_upgrade_tasks", "deploy_steps_tasks"):
        assert {s: [t.name for t in ts] for s, ts in composed.tasks[key].items()} == \
            {s: [t.name for t in ts] for s, ts in ctl.tasks[key].items()}, key
    assert composed.containers == ctl.containers


def test_limit_order_invariants(real):
    _, plan, _ = real("18.0.0")
    c = [n.name for n in plan.role("Controller").nodes]
    k = [n.name for n in plan.role("Compute").nodes]
    assert check_limit_order(plan, [(c[0],), (c[1],), (c[2],), tuple(k)], complete=True) == ()
    names = {v.invariant for v in check_limit_order(plan, [(c[1],), (c[0], c[2])], complete=True)}
    assert names == {"limit-quorum", "limit-bootstrap-first", "limit-order"}
