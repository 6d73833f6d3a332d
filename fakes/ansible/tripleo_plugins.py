"""Filters from tripleo-ansible that THT lifecycle tasks use (``tripleo_ansible/ansible_plugins/filter``),
written from their documented behaviour. THT 14.3.0 and 18.0.0 upgrade/update/deploy tasks use two:
``container_exec_cmd`` and ``recursive_get_key_from_dict``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import BrokenConditional
from .templating import LookupUnavailable, Templar

__all__ = [
    "TRIPLEO_FILTERS",
    "LegacyConditionalTemplar",
    "container_exec_cmd",
    "recursive_get_key_from_dict",
    "tripleo_templar",
    "use_files",
]


def container_exec_cmd(data: Mapping[str, Any], cli: str = "podman") -> list[str]:
    """The argv of ``<cli> exec`` for a container exec description: ``--user`` (default root), optional
    ``--privileged``, ``--env`` from a mapping (``K=V``, or ``K`` when empty) or a list, then ``command``."""
    argv = [cli, "exec", f"--user={data.get('user', 'root')}"]
    if "privileged" in data:
        argv.append(f"--privileged={str(data['privileged']).lower()}")
    env = data.get("environment")
    if isinstance(env, Mapping):
        for key in sorted(env):
            argv.append(f"--env={key}={env[key]}" if env[key] else f"--env={key}")
    elif isinstance(env, list):
        argv.extend(f"--env={item}" for item in env)
    argv.extend(data["command"])
    return argv


def recursive_get_key_from_dict(data: Mapping[str, Any], key: str) -> list[Any]:
    """Every value stored under ``key`` at any depth of nested mappings, outermost first."""
    found = [data[key]] if key in data else []
    for value in data.values():
        if isinstance(value, Mapping):
            found.extend(recursive_get_key_from_dict(value, key))
    return found


_LEGACY_TEST_FILTERS = ("succeeded", "success", "failed", "failure", "changed", "change", "skipped", "skip",
                        "finished", "started")
TRIPLEO_FILTERS = {"container_exec_cmd": container_exec_cmd, "recursive_get_key_from_dict": recursive_get_key_from_dict}


def tripleo_templar(files: Mapping[str, str] | None = None) -> LegacyConditionalTemplar:
    """A templar as config-download runs THT tasks: tripleo-ansible's filters on the plugin path,
    conditionals as ansible-core before 2.19 evaluated them, and the ``file``/``template`` lookups reading
    ``files`` (config-download's own files, by path relative to its directory, e.g.
    ``Controller/docker_config.yaml``). Other lookups stay unmodelled."""
    templar = LegacyConditionalTemplar(filters=TRIPLEO_FILTERS)
    # Ansible before 2.9 also offered its result tests as filters (`result|succeeded`); Ocata- and Pike-era
    # templates use that form, so the tests are registered under those filter names too
    for name in _LEGACY_TEST_FILTERS:
        if name in templar._env.tests and name not in templar._env.filters:
            templar._env.filters[name] = templar._env.tests[name]
    if files is not None:
        use_files(templar, files)
    return templar


def use_files(templar: LegacyConditionalTemplar, files: Mapping[str, str]) -> None:
    """Point ``templar``'s ``file``/``template`` lookups at ``files`` (a converge's new config-download files); its
    compiled templates stay."""
    lookup = _config_download_lookup(files)  # not copied: a mapping may produce its files when read
    for name in ("lookup", "query", "q"):
        templar._env.globals[name] = lookup


def _config_download_lookup(files: Mapping[str, str]) -> Any:
    def lookup(name: str, *terms: Any, errors: str = "strict", **kwargs: Any) -> Any:
        if name not in ("file", "template"):
            raise LookupUnavailable(f"lookup plugin {name!r} is not modelled (it reads controller files or state)")
        found = [files.get(str(t)) for t in terms]
        if any(f is None for f in found):
            if errors == "ignore":
                return None
            missing = [str(t) for t, f in zip(terms, found, strict=True) if f is None]
            raise LookupUnavailable(f"lookup {name!r}: no config-download file {', '.join(missing)}")
        return ",".join(f for f in found if f is not None) if len(found) > 1 else found[0]

    return lookup


class LegacyConditionalTemplar(Templar):
    """Conditionals as ansible-core evaluated them before 2.19 (the Ansible that TripleO releases up to 18.0.0
    ran with): a non-boolean result counts by its truthiness (``''``, ``[]``, ``0`` false) instead of failing.
    ansible-core 2.19 keeps this behind ``ALLOW_BROKEN_CONDITIONALS``."""

    def condition(self, conditional: Any, variables: Mapping[str, Any], where: str) -> bool:
        try:
            return super().condition(conditional, variables, where)
        except BrokenConditional as exc:
            return bool(exc.result)
