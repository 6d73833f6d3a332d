"""Real Heat as a test oracle: create stacks in an in-process heat-engine and dump their resolved outputs.

Runs inside the oracle venv (openstack-heat, see `oracle_venv.py`) and imports only heat, the standard library
and yaml. It is driven by `run.py` through a job file:

    python oracle.py JOB.json

    {"root": "/abs/rendered/tree",                 # rendered by the tree's own tools/process-templates.py
     "environment_files": ["overcloud-resource-registry-puppet.yaml"],   # relative to root, in order
     "parameter_defaults": {...},                  # passed as the last environment file, as tripleoclient did
     "timeout": 600,                               # seconds per stack
     "stacks": [{"template": "deployment/nova/nova-api-container-puppet.yaml",
                 "output": "/abs/result.json"}]}

Each result file is written as soon as its stack is done:
    {"status": "CREATE_COMPLETE" | "CREATE_FAILED" | "ERROR", "reason": str, "seconds": float,
     "outputs": {key: value}, "output_errors": {key: message}}

The engine runs the way tripleoclient's "ephemeral heat" ran heat-all, minus the API: `transport_url =
fake://`, an sqlite file database, the fake keystone client, one engine worker. Heat 27 has no `heat-all`,
so the engine service is started in this process. Template references (`type: ../x.yaml`, `get_file`, registry
paths) are made absolute `file://` names and their contents put in the `files` map, as the heat client does.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import traceback
import warnings

warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")

# Heat 27 uses oslo.service's threading backend (heat/cmd/engine.py does this before anything else).
from oslo_service import backend  # noqa: E402  # isort: skip

backend.init_backend(backend.BackendType.THREADING)

from heat.common import config as heat_config  # noqa: E402, F401  (registers heat's options)
from heat.common import context as heat_context  # noqa: E402
from heat.common import (  # noqa: E402
    environment_format,
    messaging,
    template_format,
)
from heat.db import api as db_api  # noqa: E402
from heat.db import models  # noqa: E402
from heat.engine import resource as heat_resource  # noqa: E402
from heat.rpc import api as rpc_api  # noqa: E402
from oslo_config import cfg  # noqa: E402
from oslo_log import log as logging  # noqa: E402

TEMPLATE_SUFFIXES = (".yaml", ".template")
RESOURCE_CHAIN = "OS::Heat::ResourceChain"
RESOURCE_GROUP = "OS::Heat::ResourceGroup"
POLL_SECONDS = 0.1


def _is_local_template(value: object) -> bool:
    return (
        isinstance(value, str)
        and value.endswith(TEMPLATE_SUFFIXES)
        and "://" not in value
        and not value.startswith("OS::")
    )


class FileMap:
    """The `files` argument of create_stack, built from local files under one root."""

    def __init__(self, root: str) -> None:
        self.root = os.path.realpath(root)
        self.files: dict[str, str] = {}

    @staticmethod
    def url(path: str) -> str:
        return "file://" + path

    def _resolve(self, base_dir: str, ref: str) -> str:
        path = os.path.realpath(os.path.join(base_dir, ref))
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{ref!r} (from {base_dir}) resolves to {path}, which does not exist")
        return path

    def add_template(self, path: str) -> tuple[str, dict]:
        """Parse a template, make its references absolute, store it; return its url and rewritten dict."""
        url = self.url(path)
        with open(path) as f:
            tmpl = template_format.parse(f.read())
        self.files[url] = ""  # guards against cycles while the references are walked
        base = os.path.dirname(path)
        self._rewrite_get_file(tmpl, base)
        for res in (tmpl.get("resources") or {}).values():
            if not isinstance(res, dict):
                continue
            if _is_local_template(res.get("type")):
                res["type"] = self._template_ref(base, res["type"])
            props = res.get("properties")
            if not isinstance(props, dict):
                continue
            if res.get("type") == RESOURCE_GROUP and isinstance(props.get("resource_def"), dict):
                rdef = props["resource_def"]
                if _is_local_template(rdef.get("type")):
                    rdef["type"] = self._template_ref(base, rdef["type"])
            if res.get("type") == RESOURCE_CHAIN and isinstance(props.get("resources"), list):
                props["resources"] = [
                    self._template_ref(base, r) if _is_local_template(r) else r for r in props["resources"]
                ]
        self.files[url] = json.dumps(tmpl)
        return url, tmpl

    def _template_ref(self, base: str, ref: str) -> str:
        path = self._resolve(base, ref)
        url = self.url(path)
        if url not in self.files:
            self.add_template(path)
        return url

    def _rewrite_get_file(self, node: object, base: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "get_file" and isinstance(value, str) and "://" not in value:
                    path = self._resolve(base, value)
                    url = self.url(path)
                    with open(path) as f:
                        self.files[url] = f.read()
                    node[key] = url
                else:
                    self._rewrite_get_file(value, base)
        elif isinstance(node, list):
            for item in node:
                self._rewrite_get_file(item, base)

    def add_environment(self, path: str) -> str:
        """Store an environment file with its registry paths made absolute; return its name in files."""
        with open(path) as f:
            env = environment_format.parse(f.read())
        base = os.path.dirname(path)
        registry = env.get("resource_registry") or {}
        for key, value in list(registry.items()):
            if key == "resources" and isinstance(value, dict):
                for overrides in value.values():
                    for rkey, rvalue in list((overrides or {}).items()):
                        if _is_local_template(rvalue):
                            overrides[rkey] = self._template_ref(base, rvalue)
            elif _is_local_template(value):
                registry[key] = self._template_ref(base, value)
        url = self.url(path)
        self.files[url] = json.dumps(env)
        return url


HEAT_CONF = """
[DEFAULT]
transport_url = fake://
num_engine_workers = 1
convergence_engine = false
keystone_backend = heat.engine.clients.os.keystone.fake_keystoneclient.FakeKeystoneClient
max_nested_stack_depth = 10
max_resources_per_stack = -1
max_template_size = 52428800
max_json_body_size = 52428800
periodic_interval = 3600
# as tripleoclient's ephemeral heat: no keystone trusts (an update of a nested stack, as a ResourceGroup
# does, would otherwise ask keystone whether the stored trust is still the caller's)
deferred_auth_method = password
# written into deployed servers' metadata (as tripleoclient's heat.conf did); without it Heat looks the
# CloudFormation endpoint up in keystone's catalogue. Nothing listens there and nothing connects to it.
heat_metadata_server_url = http://127.0.0.1:8000/v1/
log_file = {workdir}/heat.log
debug = false

[database]
connection = sqlite:///{workdir}/heat.sqlite
sqlite_synchronous = false

[yaql]
# the limits tripleoclient's ephemeral heat used: THT's ServiceChain expressions need them
memory_quota = 900000
limit_iterators = 9000
"""


def configure(workdir: str) -> None:
    conf_file = os.path.join(workdir, "heat.conf")
    with open(conf_file, "w") as f:
        f.write(HEAT_CONF.format(workdir=workdir))
    logging.register_options(cfg.CONF)
    cfg.CONF([], project="heat", default_config_files=[conf_file], default_config_dirs=[])
    logging.setup(cfg.CONF, "heat-oracle")
    messaging.setup()
    engine = db_api.get_engine()
    serialize_sqlite_transactions(engine)
    models.BASE.metadata.create_all(engine)


def serialize_sqlite_transactions(engine) -> None:
    """Make every transaction `BEGIN IMMEDIATE`, waiting up to 60 s for the write lock.

    The engine's threads (a stack and its nested stacks) write concurrently. With pysqlite's deferred
    transactions a reader that later writes fails at once with "database is locked" (sqlite cannot wait
    there without risking a deadlock): this is what stopped the whole overcloud stack after 22 s.
    Taking the write lock at BEGIN serializes the transactions instead, and the busy timeout makes them wait.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout = 60000")

    # oslo.db already turns pysqlite's own BEGIN off and emits a plain (deferred) "BEGIN" from a "begin"
    # hook of its own: make that statement take the write lock.
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _immediate(_conn, _cursor, statement, parameters, _context, _executemany):
        return ("BEGIN IMMEDIATE" if statement.strip().upper() == "BEGIN" else statement), parameters


def poll_faster(cap: float = 0.2) -> None:
    """The legacy engine sleeps 1 s between the steps of a task (waiting for a nested stack, for example);
    nested stacks make that latency add up. Cap it: the cadence of polling changes no result."""
    from heat.engine import scheduler

    sleep = scheduler.TaskRunner._sleep

    def capped(self, wait_time):
        return sleep(self, min(wait_time, cap) if wait_time else wait_time)

    scheduler.TaskRunner._sleep = capped


def bypass_service_catalogue() -> None:
    """Heat asks keystone's catalogue whether a resource type's service exists; the fake keystone has none.

    The oracle only creates OS::Heat::* style resources; this check is about deploying into a real cloud.
    """
    heat_resource.Resource.is_service_available = classmethod(lambda cls, context: (True, None))


def admin_context(project: str) -> heat_context.RequestContext:
    return heat_context.RequestContext(
        user_id="oracle",
        project_id=project,
        username="oracle",
        password="oracle",
        auth_token="oracle-token",
        auth_url="http://127.0.0.1:5000/v3",
        is_admin=True,
        roles=["admin", "member", "reader"],
    )


def environment_files(root: str, env_paths: list[str], parameter_defaults: dict) -> tuple[FileMap, list[str]]:
    """The files of the environments (and every template their registries name), built once per batch."""
    fmap = FileMap(root)
    env_names = [fmap.add_environment(p) for p in env_paths]
    params_name = fmap.url(os.path.join(fmap.root, ".oracle-parameters.yaml"))
    fmap.files[params_name] = json.dumps({"parameter_defaults": parameter_defaults})
    env_names.append(params_name)
    return fmap, env_names


def create_one(engine, ctx, base: FileMap, env_names: list[str], template: str, name: str,
               timeout: float) -> dict:
    started = time.monotonic()
    fmap = FileMap(base.root)
    fmap.files = dict(base.files)  # Heat may add to a stack's files: each stack gets its own copy
    _, tmpl = fmap.add_template(os.path.realpath(os.path.join(base.root, template)))
    params = {
        "parameters": {},
        "parameter_defaults": {},
        "resource_registry": {},
        "event_sinks": [],
        "encrypted_param_names": [],
        "parameter_merge_strategies": {},
    }
    identity = engine.create_stack(
        ctx, name, tmpl, params, fmap.files,
        {rpc_api.PARAM_TIMEOUT: max(1, int(timeout // 60)), rpc_api.PARAM_DISABLE_ROLLBACK: True},
        environment_files=env_names,
    )
    while True:
        stack = engine.show_stack(ctx, identity, resolve_outputs=False)[0]
        if stack[rpc_api.STACK_STATUS] != "IN_PROGRESS":
            break
        if time.monotonic() - started > timeout:
            return {"status": "TIMEOUT", "reason": f"still in progress after {timeout} s",
                    "seconds": time.monotonic() - started, "outputs": {}, "output_errors": {}}
        time.sleep(POLL_SECONDS)
    status = f"{stack[rpc_api.STACK_ACTION]}_{stack[rpc_api.STACK_STATUS]}"
    result = {"status": status, "reason": stack[rpc_api.STACK_STATUS_DATA], "outputs": {},
              "output_errors": {}}
    if status == "CREATE_COMPLETE":
        stack = engine.show_stack(ctx, identity, resolve_outputs=True)[0]
        for out in stack.get(rpc_api.STACK_OUTPUTS) or []:
            key = out[rpc_api.OUTPUT_KEY]
            if rpc_api.OUTPUT_ERROR in out:
                result["output_errors"][key] = out[rpc_api.OUTPUT_ERROR]
            else:
                result["outputs"][key] = out.get(rpc_api.OUTPUT_VALUE)
    result["seconds"] = round(time.monotonic() - started, 3)
    return result


def run(job: dict) -> int:
    # the database on tmpfs when there is one, as tripleoclient's ephemeral heat did: commits need no disk
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    workdir = tempfile.mkdtemp(prefix="heat-oracle-", dir=shm)
    try:
        return _run(job, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(job: dict, workdir: str) -> int:
    configure(workdir)
    bypass_service_catalogue()
    poll_faster()
    from heat.engine import service as engine_service  # after configuration, as heat/cmd/engine.py does

    engine = engine_service.EngineService("heat-oracle", rpc_api.ENGINE_TOPIC)
    engine.start()
    root = os.path.realpath(job["root"])
    env_paths = [os.path.join(root, p) for p in job.get("environment_files", [])]
    failures = 0
    base, env_names = environment_files(root, env_paths, job.get("parameter_defaults", {}))
    for index, item in enumerate(job["stacks"]):
        try:
            # every root stack is named as tripleoclient names it (templates see it as OS::stack_name, e.g.
            # in %stackname% of hostnames); stack names are unique per project, so one project per stack
            result = create_one(engine, admin_context(f"oracle-{index}"), base, env_names, item["template"],
                                job.get("stack_name", "overcloud"), float(job.get("timeout", 600)))
        except Exception as exc:  # a template Heat rejects is a result, not a crash of the batch
            # the engine's RPC wrapper hides the real error inside ExpectedException.exc_info
            inner = getattr(exc, "exc_info", None)
            cause = inner[1] if inner and inner[1] is not None else exc
            result = {"status": "ERROR", "reason": f"{type(cause).__name__}: {cause}",
                      "traceback": "".join(traceback.format_exception(cause)), "outputs": {},
                      "output_errors": {}}
        if result["status"] != "CREATE_COMPLETE":
            failures += 1
        os.makedirs(os.path.dirname(item["output"]), exist_ok=True)
        tmp = item["output"] + ".tmp"
        with open(tmp, "w") as f:
            json.dump(result, f, indent=1, sort_keys=True)
        os.replace(tmp, item["output"])
        print(f"oracle: {item['template']}: {result['status']} in {result.get('seconds', 0):.1f} s",
              flush=True)
    return failures


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        print("usage: oracle.py JOB.json", file=sys.stderr)
        os._exit(2)
    with open(argv[0]) as f:
        job = json.load(f)
    try:
        failures = run(job)
    except BaseException:
        traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(3)
    sys.stdout.flush()
    sys.stderr.flush()
    # The engine's threads are not daemons and would keep the process alive: leave explicitly.
    os._exit(1 if failures else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
