"""tripleo_ha_wrapper and the pacemaker bundles' generated configuration: what the wrapper's
pacemaker_restart_bundle.sh does on each host (restart the bundle globally from its bootstrap node, restart the node's
replica, skip the restart, or only apply the config), where deploy step 1 wrote a bundle's new config, and what the
run leaves behind (replicas on an old config, bundles the target layout no longer manages). A mixin of
:class:`~simulator.workflows.base.Simulation`, which owns the state it reads."""

from __future__ import annotations

from typing import Any

from fakes.ansible.effects import Effect
from simulator.plan import Plan, Role
from simulator.world import PACEMAKER_BUNDLES, StaleConfig, World

__all__ = ["HaWrapper"]


class HaWrapper:
    # the Simulation's state this mixin reads and writes
    kind: str
    source: Plan
    target: Plan
    world: World
    failures: list[Any]
    env: Any
    _ha_volumes: dict[str, str]  # bundle -> the puppet config volume tripleo_ha_wrapper hashes (the target's)
    _ha_config: dict[tuple[str, str], str]  # (host, bundle) -> the config the wrapper last ran with there
    _bundle_disk: dict[tuple[str, str], str]  # (host, bundle) -> the config deploy step 1 last generated there
    _bundle_written: dict[tuple[str, str], float]  # (host, bundle) -> when it changed

    def stale_configs(self) -> list[StaleConfig]:
        """Bundle replicas running at the end of the run that last started before deploy step 1 changed their
        node's generated config for the bundle: they still run the config they started with (Kolla copies it into
        the container when it starts). Empty for a run that failed."""
        if self.failures:
            return []
        why = self._no_global_restart()
        return [StaleConfig(host, bundle, started, written, why)
                for (host, bundle), written in sorted(self._bundle_written.items())
                if (host, bundle) in self.world.replicas
                and (started := self.world.replica_started.get((host, bundle), written)) < written]

    def orphaned_resources(self) -> list[str]:
        """Pacemaker bundles still in the cluster at the end of a run that succeeded whose service the target layout
        no longer runs: none of the target's tasks hand them to ``tripleo_ha_wrapper``, which manages every bundle from
        Train on. Empty for an older target and for a run that failed."""
        if self.failures or not self._ha_volumes:
            return []
        return sorted(b for b in self.world.pcs_resources
                      if b not in self._ha_volumes and b not in self.world.pcs_absent)

    def _ha_wrapper(self, effect: Effect, ran: bool) -> Effect:
        """What tripleo_ha_wrapper does on this host: its puppet creates or updates the bundle, then
        ``tripleo_diff_exec`` runs pacemaker_restart_bundle.sh only when the bundle's generated config (its puppet
        config volume, :meth:`_bundle_config`) changed since the wrapper last ran on this host (it keeps the
        volume's md5sum): an upgrade's first deploy steps on a host, a minor update or converge whose environment
        changed the service's hieradata; not a later run with the same config (a wider ``--limit`` batch). The
        script then, on a stack update (an upgrade, a minor update's deploy steps, a converge), restarts the
        bundle globally from the service's bootstrap node (``pcs resource disable`` + ``enable``: down for the
        task; the other nodes leave it to that node) unless it is meant to stay stopped or runs nowhere; with
        ``TRIPLEO_MINOR_UPDATE`` (post_update_tasks' wrapper) it restarts the node's replica only (``pcs resource
        restart <bundle> <node>``). A stack create never restarts. Otherwise the puppet run only
        (``config-applied``)."""
        bundle = effect.target
        key = (effect.host, bundle)
        config = self._bundle_config(self.target, effect.host, bundle)
        applied = self._ha_config.get(key)
        if applied is None:
            applied = self._bundle_config(self.source, effect.host, bundle)
        if ran and self.kind != "deploy":
            self._ha_config[key] = config
        if self.kind != "deploy" and applied != config and self.world.pcs_resources.get(bundle):
            if effect.state == "ha-wrapper-minor":
                if self.world.replica_runs(effect.host, bundle):
                    return Effect(effect.host, "pacemaker", bundle, "replica-restart", effect.source)
            elif self.world.bundle_running(bundle) and effect.host == self._bootstrap_of(bundle):
                state = "restart-skipped" if self._no_global_restart() else "restart"
                return Effect(effect.host, "pacemaker", bundle, state, effect.source)
        return Effect(effect.host, "pacemaker", bundle, "config-applied", effect.source)

    def _no_global_restart(self) -> str:
        """Why the target release's pacemaker_restart_bundle.sh restarts no bundle globally after a config change
        in this run ("" where it does): Train's to 14.3.0's (:attr:`Plan.restart_gate` ``stack-action``) only when
        hiera's ``stack_action`` is not CREATE, which every stack operation of an ephemeral Heat passes. (THT after
        14.3.0 asks whether the bundle existed before the wrapper's puppet ran: the caller only restarts a bundle
        that did.)"""
        if self.target.restart_gate == "stack-action" and self.target.global_vars.get("stack_action") == "CREATE":
            return (f"{self.target.release}'s pacemaker_restart_bundle.sh skips the restart: hiera's stack_action is "
                    "CREATE, as the release's tripleoclient (ephemeral Heat) passes on every stack operation "
                    "(LP#1942309)")
        return ""

    def _bundle_config(self, plan: Plan, host: str, bundle: str) -> str:
        """What ``bundle``'s generated config on ``host`` comes from in ``plan``: the hash of its puppet config
        volume (``tripleo_ha_wrapper_puppet_config_volume``) on the host's role (``role.config_volumes``), or
        the release where the templates name no volume (the wrapper's md5sum then changes with the release)."""
        volume = self._ha_volumes.get(bundle)
        role = plan.role_of(host)
        if role is not None and volume is not None and volume in role.config_volumes:
            return role.config_volumes[volume]
        return plan.release

    def _bootstrap_of(self, bundle: str) -> str | None:
        """``<service>_short_bootstrap_node_name``: the first node of the first role running the bundle's service."""
        services = {s for s, b in PACEMAKER_BUNDLES.items() if b == bundle}
        for role in self.target.roles:
            if services & set(role.services) and role.nodes:
                return role.nodes[0].name
        return self.world.pcs_bootstrap

    def _write_bundle_configs(self, role: Role, host: str) -> None:
        """Deploy step 1's container-puppet run generates each bundle's config (its puppet config volume) on
        ``host``: note when one changes (a replica started before then runs the previous one until it restarts)."""
        for bundle, volume in self._ha_volumes.items():
            if volume not in role.config_volumes:
                continue
            key = (host, bundle)
            config = role.config_volumes[volume]
            if config != self._bundle_disk.get(key, self._bundle_config(self.source, host, bundle)):
                self._bundle_disk[key] = config
                self._bundle_written[key] = self.env.now
