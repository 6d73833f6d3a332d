"""Task trees: parse plain task dicts (as Ansible/THT write them) into frozen value objects.

Validation happens here, on load: an unknown keyword, two module keys in one task, a ``rescue`` without a
``block`` or a malformed ``loop_control`` raise :class:`~fakes.ansible.errors.TaskParseError` naming the key
path (``upgrade_tasks[3].block[0].when``).  Nothing is templated here: ``when`` strings, ``loop`` expressions
and module arguments stay raw until a host runs the task.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import TaskParseError

__all__ = ["Block", "Include", "Node", "Task", "parse_tasks", "short_action"]

# Keywords shared by tasks and blocks that children inherit (when: AND, tags: union, vars: merge, rest: nearest).
_INHERITED = ("become", "become_user", "delegate_to", "run_once", "ignore_errors", "any_errors_fatal")
_COMMON = {
    "name",
    "when",
    "tags",
    "vars",
    "environment",
    "no_log",
    "check_mode",
    "diff",
    "collections",
    "module_defaults",
    "become_method",
    "become_flags",
    "connection",
    "remote_user",
    "port",
    "throttle",
    "timeout",
    "debugger",
    "ignore_unreachable",
    "delegate_facts",
    *_INHERITED,
}
_TASK_ONLY = {
    "loop",
    "loop_control",
    "register",
    "failed_when",
    "changed_when",
    "until",
    "retries",
    "delay",
    "notify",
    "listen",
    "async",
    "poll",
    "args",
    "action",
    "local_action",
}
_LOOKUP_LOOPS = ("with_items", "with_list", "with_dict", "with_indexed_items", "with_sequence", "with_together")
_BLOCK_KEYS = {"block", "rescue", "always"}
INCLUDES = {
    "include_tasks": "tasks",
    "import_tasks": "tasks",
    "include_role": "role",
    "import_role": "role",
    "include": "tasks",
}
_STATIC = {"import_tasks", "import_role"}
_FREE_FORM = {"command", "shell", "raw", "script", "win_shell", "win_command"}


def short_action(action: str) -> str:
    """``ansible.builtin.command`` → ``command``; ``containers.podman.podman_container`` → ``podman_container``."""
    if action.startswith(("ansible.builtin.", "ansible.legacy.")):
        return action.split(".", 2)[2]
    return action.rsplit(".", 1)[-1] if action.count(".") >= 2 else action


@dataclass(frozen=True)
class Include:
    """``include_tasks``/``import_tasks`` (kind "tasks") or ``include_role``/``import_role`` (kind "role")."""

    kind: str
    static: bool
    target: str  # file name (may be a template) or role name
    tasks_from: str = "main"
    apply: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Task:
    """One task: a module call or an include.  ``path`` is the key path it was loaded from."""

    path: str
    action: str  # short module name, or the include keyword
    fqcn: str
    args: Mapping[str, Any]
    name: str | None = None
    when: tuple[Any, ...] = ()
    tags: tuple[str, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    loop: Any = None
    loop_kind: str | None = None  # "loop", "with_items", ... or None
    loop_var: str = "item"
    index_var: str | None = None
    register: str | None = None
    failed_when: tuple[Any, ...] | None = None
    changed_when: tuple[Any, ...] | None = None
    until: tuple[Any, ...] | None = None
    retries: Any = None
    delay: Any = None
    async_: Any = None  # ``async``: seconds the module may run in the background (raw, templated when run)
    poll: Any = None  # ``poll``: 0 launches the job and goes on (the result carries ``ansible_job_id``)
    include: Include | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # inheritable keywords set on this task

    @property
    def display_name(self) -> str:
        """The name Ansible's callbacks show: the task name, else the action (``include_role : <role>``)."""
        if self.name:
            return self.name
        if self.include is not None and self.include.kind == "role" and not self.include.static:
            return f"{self.action} : {self.include.target}"
        return self.action


@dataclass(frozen=True)
class Block:
    """``block`` with optional ``rescue`` and ``always``."""

    path: str
    block: tuple[Node, ...]
    rescue: tuple[Node, ...] = ()
    always: tuple[Node, ...] = ()
    name: str | None = None
    when: tuple[Any, ...] = ()
    tags: tuple[str, ...] = ()
    vars: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)


Node = Task | Block


def parse_tasks(tasks: Any, where: str = "tasks") -> tuple[Node, ...]:
    """Parse a task list; ``where`` prefixes key paths in errors (e.g. ``file.yaml: upgrade_tasks``)."""
    if tasks is None:
        return ()
    if not isinstance(tasks, list):
        raise TaskParseError(where, "a list of tasks", tasks)
    return tuple(_parse_node(t, f"{where}[{i}]") for i, t in enumerate(tasks))


def _parse_node(data: Any, path: str) -> Node:
    if not isinstance(data, Mapping):
        raise TaskParseError(path, "a task mapping", data)
    if "block" in data:
        return _parse_block(data, path)
    for key in ("rescue", "always"):
        if key in data:
            raise TaskParseError(f"{path}.{key}", "'rescue'/'always' next to a 'block'", dict(data))
    return _parse_task(data, path)


def _conditions(value: Any, path: str) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str | bool):
                raise TaskParseError(f"{path}[{i}]", "a string or boolean condition", item)
        return tuple(value)
    if isinstance(value, str | bool):
        return (value,)
    raise TaskParseError(path, "a condition string, boolean or list of them", value)


def _tags(value: Any, path: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(t.strip() for t in value.split(",") if t.strip())
    if isinstance(value, list) and all(isinstance(t, str | int) for t in value):
        return tuple(str(t) for t in value)
    if isinstance(value, int):
        return (str(value),)
    raise TaskParseError(path, "a tag string or list of tags", value)


def _vars(value: Any, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TaskParseError(path, "a mapping of variables", value)
    return dict(value)


def _options(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return {k: data[k] for k in _INHERITED if k in data}


def _parse_block(data: Mapping[str, Any], path: str) -> Block:
    for key in data:
        if key not in _BLOCK_KEYS and key not in _COMMON:
            raise TaskParseError(f"{path}.{key}", "a block keyword (block, rescue, always, when, tags, ...)", key)
    parts = {}
    for key in ("block", "rescue", "always"):
        value = data.get(key)
        if value is not None and not isinstance(value, list):
            raise TaskParseError(f"{path}.{key}", "a list of tasks", value)
        parts[key] = parse_tasks(value, f"{path}.{key}")
    return Block(
        path=path,
        block=parts["block"],
        rescue=parts["rescue"],
        always=parts["always"],
        name=data.get("name"),
        when=_conditions(data.get("when"), f"{path}.when"),
        tags=_tags(data.get("tags"), f"{path}.tags"),
        vars=_vars(data.get("vars"), f"{path}.vars"),
        options=_options(data),
    )


def _split_free_form(text: str, action: str, path: str) -> dict[str, Any]:
    """``k=v k2=v2`` arguments; for command-like modules the rest is ``_raw_params``."""
    if action in _FREE_FORM:
        return {"_raw_params": text}
    args: dict[str, Any] = {}
    words = _split_words(text, path)
    raw: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep and key.isidentifier():
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            args[key] = value
        else:
            raw.append(word)
    if raw:
        args["_raw_params"] = " ".join(raw)
    return args


def _split_words(text: str, path: str) -> list[str]:
    """Split on whitespace outside quotes and outside ``{{ }}``/``{% %}`` (like Ansible's ``parse_kv``)."""
    words: list[str] = []
    current: list[str] = []
    quote: str | None = None
    depth = 0
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        char = text[i]
        if quote is None and pair in ("{{", "{%"):
            depth += 1
            current.append(pair)
            i += 2
            continue
        if quote is None and depth and pair in ("}}", "%}"):
            depth -= 1
            current.append(pair)
            i += 2
            continue
        if char in "'\"" and (quote is None or quote == char):
            quote = None if quote == char else char
        if char.isspace() and quote is None and depth == 0:
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(char)
        i += 1
    if quote is not None or depth:
        raise TaskParseError(path, "balanced quotes and {{ }} in key=value arguments", text)
    if current:
        words.append("".join(current))
    return words


def _parse_task(data: Mapping[str, Any], path: str) -> Task:
    action_keys = [k for k in data if k not in _COMMON and k not in _TASK_ONLY and not k.startswith("with_")]
    if "action" in data or "local_action" in data:
        raise TaskParseError(f"{path}.action", "the module as a key (`command: ...`), not `action:`", dict(data))
    if len(action_keys) != 1:
        expected = "exactly one module or include key"
        raise TaskParseError(path, expected, sorted(action_keys) or "no module")
    fqcn = action_keys[0]
    action = short_action(fqcn)
    raw_args = data[fqcn]
    include = None
    if action in INCLUDES:
        include = _parse_include(action, raw_args, data, f"{path}.{fqcn}")
        args: dict[str, Any] = {}
    elif raw_args is None:
        args = {}
    elif isinstance(raw_args, str):
        args = _split_free_form(raw_args, action, f"{path}.{fqcn}")
    elif isinstance(raw_args, Mapping):
        args = dict(raw_args)
    else:
        raise TaskParseError(f"{path}.{fqcn}", "module arguments as a mapping or string", raw_args)
    if isinstance(data.get("args"), Mapping):
        args = {**data["args"], **args}
    loops = [k for k in data if k == "loop" or k.startswith("with_")]
    if len(loops) > 1:
        raise TaskParseError(f"{path}.{loops[1]}", "one of loop/with_*", loops)
    loop_kind = loops[0] if loops else None
    if loop_kind not in (None, "loop", "with_items", "with_list", "with_dict"):
        raise TaskParseError(f"{path}.{loop_kind}", "loop, with_items, with_list or with_dict (modelled)", loop_kind)
    control = data.get("loop_control") or {}
    if not isinstance(control, Mapping):
        raise TaskParseError(f"{path}.loop_control", "a mapping", control)
    register = data.get("register")
    if register is not None and not (isinstance(register, str) and register.isidentifier()):
        raise TaskParseError(f"{path}.register", "a variable name", register)
    name = data.get("name")
    if name is not None and not isinstance(name, str):
        name = str(name)

    def opt(key: str) -> tuple[Any, ...] | None:
        return _conditions(data[key], f"{path}.{key}") if key in data else None

    return Task(
        path=path,
        action=action,
        fqcn=fqcn,
        args=args,
        name=name,
        when=_conditions(data.get("when"), f"{path}.when"),
        tags=_tags(data.get("tags"), f"{path}.tags"),
        vars=_vars(data.get("vars"), f"{path}.vars"),
        loop=data[loop_kind] if loop_kind else None,
        loop_kind=loop_kind,
        loop_var=str(control.get("loop_var", "item")),
        index_var=control.get("index_var"),
        register=register,
        failed_when=opt("failed_when"),
        changed_when=opt("changed_when"),
        until=opt("until"),
        retries=data.get("retries"),
        delay=data.get("delay"),
        async_=data.get("async"),
        poll=data.get("poll"),
        include=include,
        options=_options(data),
    )


def _parse_include(action: str, value: Any, data: Mapping[str, Any], path: str) -> Include:
    kind = INCLUDES[action]
    static = action in _STATIC
    if kind == "tasks":
        if isinstance(value, str):
            return Include(kind, static, value)
        if isinstance(value, Mapping) and isinstance(value.get("file") or value.get("_raw_params"), str):
            return Include(kind, static, value.get("file") or value["_raw_params"], apply=value.get("apply") or {})
        raise TaskParseError(path, "a file name or {file: ...}", value)
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        return Include(kind, static, value["name"], str(value.get("tasks_from", "main")), value.get("apply") or {})
    raise TaskParseError(path, "{name: <role>}", value)


def walk(nodes: Sequence[Node]) -> list[Task]:
    """Every task in a tree, depth first (block, rescue, always), without resolving includes."""
    out: list[Task] = []
    for node in nodes:
        if isinstance(node, Block):
            out += walk(node.block) + walk(node.rescue) + walk(node.always)
        else:
            out.append(node)
    return out
