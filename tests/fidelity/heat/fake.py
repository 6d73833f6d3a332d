"""The fake Heat, driven the way the oracle drives real Heat (used by run.py and the CI subset test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class Fake:
    """The fake Heat over the raw THT tree (it renders j2 itself), given the parameter set exactly as real Heat
    gets it: as the `parameter_defaults` of the last environment file, after the rendered resource registry
    (so nested stacks see the same values as under real Heat)."""

    def __init__(self, tree: Path, parameters: dict[str, Any], workdir: Path,
                 environment_files: list[str] | None = None) -> None:
        from fakes.heat import TemplateError, TemplateTree, load_environment

        env_file = workdir / "oracle-parameters.json"
        env_file.write_text(json.dumps({"parameter_defaults": parameters}))
        self.tree = TemplateTree.from_path(tree)
        self.environment_bug: str | None = None
        try:
            self.environment = load_environment(self.tree, [*(environment_files or []), env_file],
                                                use_default_registry=True)
        except TemplateError as exc:
            if "parameter_merge_strategies" not in str(exc):
                raise
            # Real Heat applies a file's merge strategies only to the values in that same file, so it accepts
            # this environment; a fake that rejects it is a fidelity bug, reported, and the outputs are still
            # compared with an equivalent environment: the registry's strategies declared for these values
            # (merging into nothing gives the same values under real Heat).
            self.environment_bug = f"the fake rejects an environment real Heat accepts: {exc}"
            registry = self.tree.load(self.tree.root / "overcloud-resource-registry-puppet.yaml")
            strategies = {k: v for k, v in (registry.get("parameter_merge_strategies") or {}).items()
                          if k in parameters}
            env_file = workdir / "oracle-parameters-with-strategies.json"
            env_file.write_text(json.dumps({"parameter_defaults": parameters,
                                            "parameter_merge_strategies": strategies}))
            self.environment = load_environment(self.tree, [*(environment_files or []), env_file],
                                                use_default_registry=True)

    def outputs(self, template: str) -> dict[str, Any]:
        from fakes.heat import evaluate_template

        return dict(evaluate_template(self.tree, template, environment=self.environment))

    def overcloud(self, outputs: list[str]) -> dict[str, Any]:
        from fakes.heat import overcloud_stack

        stack = overcloud_stack(self.tree, self.environment)
        return {name: stack.output(name) for name in outputs}
