"""A deploy scenario provisions generated machines with the BMC type it names (``bmc: redfish | ipmi``) or the
machines of a TripleO nodes file (``nodes_file``: nodes.yaml / instackenv.json, each node's pm_type its BMC). IPMI
BMCs run in a process of their own on 127.0.0.1, following the simulation's clock, and are gone when provisioning
ends; a run is the same for the same seed. Bad machine input is a ScenarioError naming the scenario and the key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from simulator.run import prepare_scenario, run_scenario
from simulator.scenario import ScenarioError

pytestmark = pytest.mark.integration

HEAD = 'name: m\nkind: deploy\nsource: {release: "18.0.0"}\nnodes: {Controller: 1, Compute: 1}\nseed: 1\n'
NODES = """nodes:
  - name: ctl-a
    pm_type: ipmi
    pm_addr: 192.168.24.10
    pm_user: admin
    pm_password: secret
    ports: [{address: "52:54:00:aa:00:01"}]
    capabilities: "profile:control"
  - name: cmp-a
    pm_type: redfish
    pm_addr: 192.168.24.11
    pm_user: admin
    pm_password: secret
    pm_system_id: /redfish/v1/Systems/3f0e2a7c-1b1d-4d53-8a5e-0d6a1c2b3e4f
    ports: [{address: "52:54:00:aa:00:02"}]
    capabilities: "profile:compute"
"""


def _ipmi_servers() -> list[int]:
    """Processes of this test session running the IPMI BMC server."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "fakes.baremetal.ipmi_server" in cmd:
            out.append(int(pid))
    return out


def _scenario(tmp_path: Path, body: str, nodes: str | None = None) -> Path:
    if nodes is not None:
        (tmp_path / "nodes.yaml").write_text(nodes)
    file = tmp_path / "s.yaml"
    file.write_text(HEAD + body)
    return file


def test_a_deploy_over_ipmi_bmcs_is_deterministic_and_leaves_no_bmc_behind(tmp_path: Path) -> None:
    before = _ipmi_servers()
    file = _scenario(tmp_path, "bmc: ipmi\n")
    first, second = run_scenario(str(file)), run_scenario(str(file))
    assert not first.failed and first.trace_hash == second.trace_hash
    ups = {e.subject: e.data["reason"] for e in first.simulation.trace.select("node.up")}
    assert ups == {"overcloud-controller-0": "provisioned as controller-0 over IPMI",
                   "overcloud-novacompute-0": "provisioned as compute-0 over IPMI"}
    assert _ipmi_servers() == before
    redfish = run_scenario(str(_scenario(tmp_path, "")))
    assert {e.data["reason"] for e in redfish.simulation.trace.select("node.up")} == {
        "provisioned as controller-0 over Redfish", "provisioned as compute-0 over Redfish"}


def test_the_machines_of_a_nodes_file_fill_the_roles_by_profile(tmp_path: Path) -> None:
    result = run_scenario(str(_scenario(tmp_path, "nodes_file: nodes.yaml\n", NODES)))
    assert not result.failed
    ups = {e.subject: e.data["reason"] for e in result.simulation.trace.select("node.up")}
    assert ups == {"overcloud-controller-0": "provisioned as ctl-a over IPMI",
                   "overcloud-novacompute-0": "provisioned as cmp-a over Redfish"}


@pytest.mark.parametrize(("body", "nodes", "message"), [
    ("bmc: idrac\n", None, "s.yaml: bmc: expected redfish | ipmi, found 'idrac'"),
    ("nodes_file: nodes.yaml\nbmc: ipmi\n", NODES, "s.yaml: bmc: expected absent with nodes_file"),
    ("nodes_file: missing.yaml\n", None, "s.yaml: nodes_file: expected the path of a nodes.yaml or instackenv.json"),
    ("nodes_file: nodes.yaml\n", NODES.replace("pm_type: ipmi", "pm_type: idrac"),
     "nodes.yaml: nodes[0].pm_type: expected one of ['fake_pxe', 'ipmi', 'pxe_ipmitool', 'redfish'], found 'idrac'"),
    ("nodes_file: nodes.yaml\n", NODES.replace("profile:compute", "profile:control"),
     "s.yaml: nodes_file: expected machines for every node of the layout's roles"),
])
def test_bad_machine_input_names_the_scenario_key(tmp_path: Path, body: str, nodes: str | None,
                                                  message: str) -> None:
    with pytest.raises(ScenarioError) as err:
        prepare_scenario(str(_scenario(tmp_path, body, nodes)))
    assert message in str(err.value)


def test_machines_are_for_deploys_only(tmp_path: Path) -> None:
    file = tmp_path / "u.yaml"
    file.write_text('name: u\nkind: update\nsource: {release: "18.0.0"}\nbmc: ipmi\n')
    with pytest.raises(ScenarioError, match=r"u.yaml: bmc: expected absent: only a deploy provisions machines"):
        prepare_scenario(str(file))


def test_a_bmc_that_stays_unreachable_fails_provisioning_and_a_short_outage_is_retried(tmp_path: Path) -> None:
    down = run_scenario(str(_scenario(tmp_path, "faults: [{at: 0, target: compute-0, kind: bmc_unreachable}]\n")))
    assert down.failed
    failure = down.simulation.failures[0]
    assert (failure.host, failure.phase) == ("overcloud-novacompute-0", "provision")
    assert "node compute-0: BMC get power state failed" in failure.error and "unreachable" in failure.error
    assert not down.simulation.trace.select("node.up", "overcloud-novacompute-0")
    blip = run_scenario(str(_scenario(
        tmp_path, "faults: [{at: 0, target: compute-0, kind: bmc_unreachable, duration: 5}]\n")))
    assert not blip.failed
    assert [(e.kind, e.time) for e in blip.simulation.trace.select("fault")] == [("fault.start", 0.0),
                                                                                  ("fault.end", 5.0)]


@pytest.mark.parametrize(("head", "fault", "message"), [
    (HEAD, "{at: 0, target: compute-7, kind: bmc_slow}",
     "s.yaml: faults[0].target: expected a machine the deploy provisions (compute-0, controller-0), found 'compute-7'"),
    ('name: u\nkind: update\nsource: {release: "18.0.0"}\nnodes: {Controller: 1, Compute: 1}\n',
     "{at: 0, target: compute-0, kind: bmc_power_stuck}",
     "s.yaml: faults[0].kind: expected a fault of a deploy's run (BMC faults act on provisioning)"),
])
def test_a_bmc_fault_names_a_machine_of_a_deploy(tmp_path: Path, head: str, fault: str, message: str) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(head + f"faults: [{fault}]\n")
    with pytest.raises(ScenarioError) as err:
        prepare_scenario(str(file))
    assert message in str(err.value)
