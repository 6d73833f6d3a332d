"""Differential oracle: run real ``ansible-playbook`` on N local-connection hosts with modules replaced by
recording no-ops, and return the executed (host, task, status) sequence in callback order.

The no-op action plugin returns :func:`fakes.ansible.results.canned_result`, the interpreter's default effect,
so both sides see the same module results; built-in actions with semantics (``set_fact``, ``debug``,
``fail``, ``assert``, ``meta``, includes) stay real.

Used by ``tests/fidelity/ansible/run_oracle.py`` (the ``fidelity-ansible`` nox session) and by
``tests/ansible/record_oracle.py``, which regenerates the recorded cases the default test run replays.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from fakes.ansible import ROLE_CATALOGUE, catalogued

NOOP_MODULES = (
    "command",
    "shell",
    "stat",
    "file",
    "copy",
    "systemd",
    "service",
    "package",
    "dnf",
    "yum",
    "lineinfile",
    "pacemaker_resource",
    "podman_container",
    "podman_image",
    "wait_for",
    "ping",
    *(f"sim_{role}" for role in ROLE_CATALOGUE),
    "sim_opaque",
)

# Actions whose semantics the interpreter implements: always the real ones.
REAL_ACTIONS = frozenset(
    {
        "set_fact",
        "debug",
        "fail",
        "assert",
        "meta",
        "include_tasks",
        "import_tasks",
        "include_role",
        "import_role",
        "include_vars",
        "set_stats",
        "add_host",
        "group_by",
    }
)

_ACTION = """
import json
import os
import random

from ansible.plugins.action import ActionBase
from fakes.ansible.results import ModuleCall, canned_result


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        action = self._task.action.rsplit(".", 1)[-1]
        host = task_vars.get("inventory_hostname", "?")
        call = ModuleCall(host, host, action, self._task.action, dict(self._task.args), "", self._task.get_name())
        result.update(canned_result(call))
        if self._task.async_val:
            # what async_wrapper does: the job's result into the async dir, where the real async_status (and the
            # TaskExecutor's polling when poll > 0) reads it; the launch's own result as _execute_module gives it
            async_dir = os.path.expanduser(self.get_shell_option("async_dir", default="~/.ansible_async"))
            os.makedirs(async_dir, exist_ok=True)
            jid = f"j{random.randint(0, 999999999999)}.{os.getpid()}"
            path = os.path.join(async_dir, jid)
            with open(path, "w", encoding="utf-8") as job:
                json.dump(result, job)
            result = {"failed": False, "changed": True, "started": True, "finished": False, "ansible_job_id": jid,
                      "results_file": path}
        return result
"""

_CALLBACK = """
import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "sim_recorder"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._out = open(os.environ["SIM_RECORD_FILE"], "a", encoding="utf-8")

    def _write(self, result, status, ignored=False):
        self._out.write(json.dumps([result._host.get_name(), result._task.get_name(), status, ignored]) + "\\n")
        self._out.flush()

    def v2_runner_on_ok(self, result):
        self._write(result, "changed" if result._result.get("changed") else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write(result, "failed", bool(ignore_errors))

    def v2_runner_on_skipped(self, result):
        self._write(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._write(result, "unreachable")
"""


def ansible_playbook_path() -> str:
    """The ``ansible-playbook`` next to this interpreter (the oracle's venv), else on PATH."""
    local = Path(sys.executable).with_name("ansible-playbook")
    if local.exists():
        return str(local)
    found = shutil.which("ansible-playbook")
    if not found:
        raise RuntimeError("ansible-playbook not found: install ansible-core in this environment")
    return found


def write_plugins(directory: Path, modules: Iterable[str] = (), roles: Iterable[tuple[str, str]] = ()) -> None:
    """No-op action plugins for ``NOOP_MODULES`` + ``modules`` (FQCNs outside ``ansible.*`` become stub
    collections), the recorder callback, the catalogued roles, and opaque stub roles for other ``roles``."""
    (directory / "action").mkdir(parents=True, exist_ok=True)
    (directory / "callback").mkdir(parents=True, exist_ok=True)
    for module in (*NOOP_MODULES, *modules):
        if module.startswith("ansible."):
            module = module.rsplit(".", 1)[-1]
        if module in REAL_ACTIONS:
            continue
        if "." in module:
            namespace, collection, name = module.split(".", 2)
            target = directory / "collections" / "ansible_collections" / namespace / collection / "plugins" / "action"
            target.mkdir(parents=True, exist_ok=True)
            (target / f"{name}.py").write_text(_ACTION)
        else:
            (directory / "action" / f"{module}.py").write_text(_ACTION)
    for role, tasks_from in roles:
        if catalogued(role) is not None:
            continue
        entry = tasks_from.rsplit("/", 1)[-1].removesuffix(".yml").removesuffix(".yaml")
        file_name = tasks_from if tasks_from.endswith((".yml", ".yaml")) else f"{tasks_from}.yml"
        stub = [{"name": "opaque role", "sim_opaque": {"role": role, "tasks_from": entry}}]
        (directory / "roles" / role / "tasks").mkdir(parents=True, exist_ok=True)
        (directory / "roles" / role / "tasks" / file_name).write_text(yaml.safe_dump(stub, sort_keys=False))
    (directory / "callback" / "sim_recorder.py").write_text(_CALLBACK)
    for name, model in ROLE_CATALOGUE.items():
        for role in (name, name.replace("_", "-")):  # the pre-Victoria spelling names the same role
            (directory / "roles" / role / "tasks").mkdir(parents=True, exist_ok=True)
            (directory / "roles" / role / "defaults").mkdir(parents=True, exist_ok=True)
            (directory / "roles" / role / "defaults" / "main.yml").write_text(yaml.safe_dump(dict(model.defaults)))
            for entry, tasks in model.entry_points.items():
                text = yaml.safe_dump([dict(t) for t in tasks], sort_keys=False)
                (directory / "roles" / role / "tasks" / f"{entry}.yml").write_text(text)


def run_ansible(
    playbook: Sequence[Mapping[str, Any]],
    groups: Mapping[str, Sequence[str]],
    *,
    files: Mapping[str, Any] | None = None,
    group_vars: Mapping[str, Mapping[str, Any]] | None = None,
    limit: str | None = None,
    tags: Sequence[str] | None = None,
    skip_tags: Sequence[str] | None = None,
    forks: int = 1,
    plugins: Path | None = None,
) -> list[tuple[str, str, str, bool]]:
    """Run ``ansible-playbook`` and return [(host, task name, status, ignored)] in callback order."""
    with tempfile.TemporaryDirectory(prefix="sim-oracle-") as tmp:
        root = Path(tmp)
        if plugins is None:
            plugins = root / "plugins"
            write_plugins(plugins)
        inventory: dict[str, Any] = {
            "all": {
                "vars": {
                    "ansible_connection": "local",
                    "ansible_python_interpreter": sys.executable,
                    **dict((group_vars or {}).get("all", {})),
                },
                "children": {},
            }
        }
        for group, members in groups.items():
            inventory["all"]["children"][group] = {
                "hosts": {h: None for h in members},
                "vars": dict((group_vars or {}).get(group, {})),
            }
        (root / "inventory.yml").write_text(yaml.safe_dump(inventory, sort_keys=False))
        (root / "playbook.yml").write_text(yaml.safe_dump(list(playbook), sort_keys=False))
        for name, content in (files or {}).items():
            (root / name).write_text(yaml.safe_dump(content, sort_keys=False))
        record = root / "record.jsonl"
        record.touch()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")},
            "ANSIBLE_ACTION_PLUGINS": str(plugins / "action"),
            "ANSIBLE_CALLBACK_PLUGINS": str(plugins / "callback"),
            "ANSIBLE_CALLBACKS_ENABLED": "sim_recorder",
            "ANSIBLE_ROLES_PATH": str(plugins / "roles"),
            "ANSIBLE_COLLECTIONS_PATH": str(plugins / "collections"),
            "ANSIBLE_STDOUT_CALLBACK": "minimal",
            "ANSIBLE_GATHERING": "explicit",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORKS": str(forks),
            "ANSIBLE_HOME": str(root / "home"),
            "ANSIBLE_LOCAL_TEMP": str(root / "tmp"),
            "ANSIBLE_REMOTE_TEMP": str(root / "rtmp"),
            "ANSIBLE_ASYNC_DIR": str(root / "async"),
            "ANSIBLE_DEPRECATION_WARNINGS": "False",
            "ANSIBLE_SYSTEM_WARNINGS": "False",
            "ANSIBLE_INVENTORY_UNPARSED_WARNING": "False",
            "SIM_RECORD_FILE": str(record),
            "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[3]), os.environ.get("PYTHONPATH", "")]),
        }
        cmd = [ansible_playbook_path(), "-i", str(root / "inventory.yml"), str(root / "playbook.yml")]
        if limit:
            cmd += ["--limit", limit]
        if tags:
            cmd += ["--tags", ",".join(tags)]
        if skip_tags:
            cmd += ["--skip-tags", ",".join(skip_tags)]
        proc = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, check=False)
        if proc.returncode == 1 and "leaves us with no hosts to target" in proc.stderr:
            return []
        # 1: a fatal error stopped the run (e.g. a meta task's condition failed); what ran until then counts
        if proc.returncode not in (0, 1, 2, 4):
            raise RuntimeError(
                f"ansible-playbook exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
            )
        rows = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
        return [(h, n, s, bool(i)) for h, n, s, i in rows]
