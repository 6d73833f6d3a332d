"""Rendering like process-templates.py (role / network / plain templates, excludes, tag auto-add, Ocata's
role-name form) and the config-download step split."""

from __future__ import annotations

from typing import Any

import pytest

from fakes.heat import TemplateTree
from fakes.heat.render import Renderer, RenderProfile
from simulator.plan import Phase, split_steps, task_steps

SCRIPT_MODERN = """
parser.add_argument('-n', '--network-data', metavar='NETWORK_DATA',
                    default='network_data.yaml')
if '{{role.name}}' in template_data:
    pass
elif f.endswith('.network.j2.yaml'):
    network_data[idx].update({'idx': idx})
_set_tags_based_on_role_name(role_data)
"""


def _tree(mini_tree: Any, files: dict[str, Any], roles: list[dict[str, Any]], nets: list[dict[str, Any]]) -> Any:
    root = mini_tree({"tools/process-templates.py": SCRIPT_MODERN, **files})
    import yaml

    (root / "roles_data.yaml").write_text(yaml.safe_dump(roles))
    (root / "network_data.yaml").write_text(yaml.safe_dump(nets))
    return TemplateTree.from_path(root)


def test_role_network_and_plain_templates(mini_tree: Any) -> None:
    tree = _tree(mini_tree, {
        "common/services/role.role.j2.yaml": "name: {{role.name}}\ntags: {{role.tags}}\n",
        "network/ports/port.network.j2.yaml": "net: {{network.name_lower}} idx {{network.idx}}\n",
        "overcloud.j2.yaml": "roles: [{% for r in roles %}{{r.name}},{% endfor %}]\n",
        "j2_excludes.yaml": "name:\n  - common/services/excluded-role.yaml\n",
    }, [{"name": "Controller"}, {"name": "ComputeHPC"}, {"name": "Excluded"}],
        [{"name": "InternalApi"}, {"name": "Off", "enabled": False}])
    outputs = tree.renderer.outputs
    assert "common/services/controller-role.yaml" in outputs
    assert "common/services/excluded-role.yaml" not in outputs
    assert "network/ports/internalapi.yaml" in outputs and "network/ports/off.yaml" not in outputs
    compute = tree.load(tree.root / "common/services/computehpc-role.yaml")
    assert compute == {"name": "ComputeHPC", "tags": ["compute"]}  # tag auto-added by name
    assert tree.load(tree.root / "network/ports/internalapi.yaml") == {"net": "internalapi idx 0"}
    assert tree.load(tree.root / "overcloud.yaml") == {"roles": ["Controller", "ComputeHPC", "Excluded"]}


@pytest.mark.parametrize(("net", "key", "expected"), [
    ({"name": "Storage", "name_lower": 5}, "[1].name_lower", "a string without '/'"),  # a TypeError traceback
    ({"name": "Storage", "name_lower": "a/b"}, "[1].name_lower", "a string without '/'"),  # a file outside ports/
    ({"name": "Storage", "subnets": [1, 2]}, "[1].subnets", "a mapping of subnet names to subnets"),
    ({"name": "Storage", "vip": "no"}, "[1].vip", "true or false"),
    ({"name": "Storage", "mtu": True}, "[1].mtu", "an integer"),
])
def test_a_network_entry_of_wrong_types_names_its_key(mini_tree: Any, net: dict[str, Any], key: str,
                                                     expected: str) -> None:
    from fakes.heat.errors import YamlSyntaxError

    with pytest.raises(YamlSyntaxError) as err:
        _tree(mini_tree, {"overcloud.j2.yaml": "a: 1\n"}, [{"name": "Controller"}],
              [{"name": "InternalApi", "name_lower": None, "mtu": 1500, "subnets": {"s": {"ip_subnet": "x"}}}, net])
    assert str(err.value).startswith(f"network_data.yaml: {key}: expected {expected}, found ")


def test_ocata_profile_passes_role_name(tmp_path: Any) -> None:
    root = tmp_path / "t"
    (root / "puppet").mkdir(parents=True)
    (root / "puppet" / "role.role.j2.yaml").write_text("r: {{role}}\n")
    profile = RenderProfile(role_as_dict=False, network_templates=False, network_idx=False, tag_auto_add=False)
    renderer = Renderer(root, [{"name": "Controller"}], [], profile)
    assert renderer.render("puppet/controller-role.yaml") == "r: Controller"


def test_sandbox_blocks_escapes(mini_tree: Any) -> None:
    from fakes.heat import TemplateError

    tree = _tree(mini_tree, {"bad.j2.yaml": "x: {{ ''.__class__.__mro__[1].__subclasses__() }}\n"},
                 [{"name": "Controller"}], [])
    with pytest.raises(TemplateError, match=r"bad\.j2\.yaml"):
        tree.load(tree.root / "bad.yaml")


@pytest.mark.parametrize(("when", "steps"), [
    (None, None),
    ("step|int == 2", {2}),
    (["step|int == 1", "foo"], {1}),
    ("(step | int) == 3", {3}),
    ("step==4 or step|int == 5", {4, 5}),
    (["something else", True], None),
    ("step|int >= 2", None),  # config-download's regex only knows ==
])
def test_task_steps_regex(when: Any, steps: Any) -> None:
    task = {"name": "t"} if when is None else {"name": "t", "when": when}
    assert task_steps(task) == steps


def test_split_steps_never_runs_and_every_step() -> None:
    tasks = [{"name": "all"}, {"name": "two", "when": "step|int == 2"}, {"name": "six", "when": "step|int == 6"}]
    per, never = split_steps("upgrade_tasks", tasks, Phase("upgrade_tasks", tuple(range(6))))
    assert [t.name for t in per["2"]] == ["all", "two"]
    assert [t.name for t in per["0"]] == ["all"]
    assert [(n.step, n.task) for n in never] == [(6, "six")]


def test_split_by_ocata_tags() -> None:
    tasks = [{"name": "c", "tags": "common"}, {"name": "s1", "tags": "step1,validation"},
             {"name": "none"}]
    per, never = split_steps("upgrade_tasks", tasks, Phase("upgrade_tasks", tuple(range(6)), by_tags=True))
    assert [t.name for t in per["1"]] == ["c", "s1"]
    assert [t.name for t in per["0"]] == ["c"]
    assert [n.task for n in never] == ["none"]


def test_split_by_tags_reads_the_tags_inside_blocks() -> None:
    # Ansible filters tasks, not blocks: a block without tags runs its step5-tagged tasks under `--tags step5`
    # (Ocata's cinder-volume: the db sync and the pacemaker enable on the bootstrap node)
    tasks = [{"block": [{"name": "sync", "tags": "step5"}, {"name": "enable", "tags": "step5"}],
              "when": "bootstrap_node.stdout == ansible_hostname"},
             {"tags": "step2", "block": [{"name": "inherits step2"}]},
             {"block": [{"name": "one", "tags": "step1"}, {"name": "every", "tags": "common"}]},
             {"block": [{"name": "untagged"}]}]
    per, never = split_steps("upgrade_tasks", tasks, Phase("upgrade_tasks", tuple(range(6)), by_tags=True))
    assert [t.index for t in per["5"]] == [0, 2]
    assert [t.index for t in per["2"]] == [1, 2]
    assert [t.index for t in per["0"]] == [2]
    assert [n.task for n in never] == ["<unnamed #3>"]
