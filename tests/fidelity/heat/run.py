"""`nox -s fidelity-heat`: real Heat (the oracle) against the fake, over a release's service templates.

    nox -s fidelity-heat -- [--release 18.0.0 ...] [--templates PATH] [--only RELPATH ...] [--refresh]
                            [--write-params] [--write-subset] [--oracle-only] [--report FILE]

Steps, per release:
1. the THT tree: `--templates PATH`, else `$TRIPLEO_SIM_FIDELITY_THT/tripleo-heat-templates-<release>`, else
   the project's fetch (`python -m simulator.cli templates fetch <release>`, cached per user);
2. rendered into a temp dir by **that tree's own** `tools/process-templates.py` (the reference renderer),
   run with the oracle venv's python and the script's default roles and network data;
3. parameters: `data/<release>/params.json` if committed, else computed by real Heat (see params.py);
   `--write-params` recomputes and writes it;
4. every service template with a `role_data` output (or the `--only` ones) is created by real Heat with the
   rendered resource registry; results are cached under the user cache dir keyed by (release, template,
   hash of parameters + environment + oracle version); `--refresh` recomputes them;
5. the fake evaluates each template with the same parameters; every difference is printed as a key path with
   both values, then the summary line `fidelity-heat <release>: N compared, M identical, K differ`.

`--write-subset` (18.0.0) regenerates the CI subset's committed oracle outputs in `data/18.0.0/subset/`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[2]))  # the working tree's fakes/, not a copy installed in the venv

import compare  # noqa: E402
import params as params_mod  # noqa: E402
import subset  # noqa: E402
from fake import Fake  # noqa: E402

ORACLE = HERE / "oracle.py"
DATA = HERE / "data"
ORACLE_VERSION = "openstack-heat==27.0.1 yaql<3"  # keep in step with the fidelity-heat session
ENVIRONMENT = [params_mod.REGISTRY]
SERVICE_DIRS = ("deployment", "docker/services", "puppet/services")
DEFAULT_RELEASES = ["18.0.0"]


def log(message: str) -> None:
    print(message, flush=True)


def tree_for(release: str, templates: str | None) -> Path:
    if templates:
        return Path(templates).resolve()
    base = os.environ.get("TRIPLEO_SIM_FIDELITY_THT")
    if base and (Path(base) / f"tripleo-heat-templates-{release}").is_dir():
        return (Path(base) / f"tripleo-heat-templates-{release}").resolve()
    from fakes.heat import TemplateSourceError, fetch_release

    try:
        return fetch_release(release).resolve()
    except TemplateSourceError as exc:
        raise SystemExit(
            f"fidelity-heat: cannot fetch THT {release}: {exc}; pass --templates PATH or set "
            f"TRIPLEO_SIM_FIDELITY_THT to a folder holding tripleo-heat-templates-{release}/"
        ) from exc


def render(oracle_python: str, tree: Path, out: Path) -> Path:
    """Render the tree with its own tools/process-templates.py (defaults for roles and network data).

    It renders a copy in place, as the script is used in a plan: Ocata's `-o` mode cannot find the
    `{% include %}`d *.j2 files, and the result is the same for the releases whose `-o` works.
    """
    started = time.monotonic()
    shutil.copytree(tree, out, symlinks=True)
    for folder, _dirs, files in os.walk(out):  # the source may be read-only; the script writes beside it
        for name in (".", *files):
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o200)
    proc = subprocess.run([oracle_python, "tools/process-templates.py"], cwd=out, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{tree}/tools/process-templates.py failed:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    log(f"rendered {tree.name} with its own process-templates.py in {time.monotonic() - started:.1f} s")
    return out


def service_templates(root: Path) -> list[str]:
    found = []
    for sub in SERVICE_DIRS:
        for path in sorted((root / sub).rglob("*.yaml")):
            if path.name.endswith(".j2.yaml"):
                continue
            text = path.read_text(errors="replace")
            if "role_data:" not in text:
                continue
            tmpl = params_mod._load(path)
            if isinstance(tmpl, dict) and "role_data" in (tmpl.get("outputs") or {}):
                found.append(str(path.relative_to(root)))
    return found


def _complete(path: Path) -> bool:
    """Only created stacks are reused from the cache; a failure is retried on the next run."""
    try:
        return bool(json.loads(path.read_text())["status"] == "CREATE_COMPLETE")
    except (OSError, ValueError, KeyError):
        return False


def role_service_templates(root: Path, roles: list[str]) -> list[str]:
    """The service templates the default registry enables for these roles of the tree's roles_data.yaml."""
    roles_data = params_mod._load(root / "roles_data.yaml") or []
    registry = (params_mod._load(root / params_mod.REGISTRY) or {}).get("resource_registry") or {}
    found: list[str] = []
    for role in roles_data:
        if role.get("name") not in roles:
            continue
        for service in role.get("ServicesDefault") or []:
            path = registry.get(service)
            if isinstance(path, str) and path.endswith(".yaml") and path not in found:
                found.append(path)
    return sorted(found)


class Oracle:
    """Runs oracle.py in the oracle venv over batches of templates, with the per-user result cache."""

    def __init__(self, python: str, root: Path, release: str, cache: Path, refresh: bool, timeout: int) -> None:
        self.python, self.root, self.release = python, root, release
        self.cache, self.refresh, self.timeout = cache, refresh, timeout
        self.seconds: dict[str, float] = {}

    def key(self, parameter_defaults: dict[str, Any], environment: list[str]) -> str:
        material = json.dumps([ORACLE_VERSION, environment, parameter_defaults], sort_keys=True)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def results(self, templates: list[str], parameter_defaults: dict[str, Any],
                environment: list[str] = ENVIRONMENT) -> dict[str, dict[str, Any]]:
        folder = self.cache / self.release / self.key(parameter_defaults, environment)
        paths = {t: folder / (t + ".json") for t in templates}
        todo = [t for t in templates if self.refresh or not _complete(paths[t])]
        if todo:
            log(f"real Heat: creating {len(todo)} stacks ({len(templates) - len(todo)} cached) in {folder}")
            with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
                json.dump({"root": str(self.root), "environment_files": environment,
                           "parameter_defaults": parameter_defaults, "timeout": self.timeout,
                           "stacks": [{"template": t, "output": str(paths[t])} for t in todo]}, f)
            started = time.monotonic()
            try:
                subprocess.run([self.python, str(ORACLE), f.name], check=False)
            finally:
                os.unlink(f.name)
            log(f"real Heat: {len(todo)} stacks in {time.monotonic() - started:.0f} s")
        out = {}
        for t, p in paths.items():
            out[t] = (json.loads(p.read_text()) if p.is_file()
                      else {"status": "ERROR", "reason": "the oracle wrote no result (crashed?)", "outputs": {}})
            if "seconds" in out[t]:
                self.seconds[t] = out[t]["seconds"]
        return out


def load_params(release: str, root: Path, oracle: Oracle, write: bool) -> dict[str, Any]:
    path = DATA / release / "params.json"
    if path.is_file() and not write:
        return {**params_mod.GENERATED, **json.loads(path.read_text())}
    built = {**params_mod.GENERATED, **params_mod.build(root, lambda ts, pd: oracle.results(ts, pd))}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(built, indent=1, sort_keys=True) + "\n")
    log(f"wrote {path.relative_to(HERE.parents[2])}")
    return built


def compare_release(release: str, fake: Fake, results: dict[str, dict[str, Any]]) -> compare.Report:
    report = compare.Report(release)
    for template, result in sorted(results.items()):
        if result["status"] != "CREATE_COMPLETE":
            report.oracle_failures[template] = f"{result['status']}: {result.get('reason')}"
            try:
                fake.outputs(template)
                report.fake_on_oracle_failures[template] = "the fake evaluates it"
            except Exception as exc:
                report.fake_on_oracle_failures[template] = f"the fake rejects it too: {type(exc).__name__}: {exc}"
            continue
        report.results.append(compare.compare_template(template, result,
                                                        lambda t=template, f=fake: f.outputs(t)))
    return report


def role_chain_results(root: Path, oracle: Oracle, parameters: dict[str, Any],
                       chains: dict[str, str]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """template -> (its parameter set, real Heat's result) for role service chains."""
    out = {}
    for template, role in chains.items():
        chain_params = {**parameters, **params_mod.role_chain(root, role)}
        out[template] = (chain_params, oracle.results([template], chain_params)[template])
    return out


def compare_role_chains(release: str, tree: Path, workdir: Path,
                        chains: dict[str, tuple[dict[str, Any], dict[str, Any]]]) -> compare.Report:
    report = compare.Report(f"{release} role chains")
    for index, (template, (chain_params, result)) in enumerate(sorted(chains.items())):
        if result["status"] != "CREATE_COMPLETE":
            report.oracle_failures[template] = f"{result['status']}: {result.get('reason')}"
            continue
        sub = workdir / f"chain-{index}"
        sub.mkdir()
        fake = Fake(tree, chain_params, sub)
        report.results.append(compare.compare_template(template, result,
                                                        lambda t=template, f=fake: f.outputs(t)))
    return report


def write_subset(results: dict[str, dict[str, Any]], release: str, extra: dict[str, dict[str, Any]]) -> None:
    folder = DATA / release / "subset"
    for template in [*subset.TEMPLATES, *subset.ROLE_CHAINS]:
        result = results[template]
        if result["status"] != "CREATE_COMPLETE":
            raise SystemExit(f"{template}: real Heat did not create it, cannot be in the subset: {result['reason']}")
        path = folder / (template + ".json")
        path.parent.mkdir(parents=True, exist_ok=True)
        committed = {"generated_by": "nox -s fidelity-heat -- --write-subset", "oracle": ORACLE_VERSION,
                     "release": release, "template": template, "outputs": result["outputs"],
                     "output_errors": result.get("output_errors") or {},
                     # on top of data/<release>/params.json (a role chain's services and name)
                     "extra_parameters": extra.get(template, {})}
        path.write_text(json.dumps(committed, indent=1, sort_keys=True) + "\n")
    count = len(subset.TEMPLATES) + len(subset.ROLE_CHAINS)
    log(f"wrote {count} oracle outputs under {folder.relative_to(HERE.parents[2])}")


def overcloud_environment(release: str) -> list[str]:
    """What tripleoclient passes after the registry: from release 17 on it provisions the networks first and
    passes the deployed network environment (the tree's sample stands in for it, as in simulator/planning)."""
    major = release.split(".")[0]
    return [*ENVIRONMENT, "environments/deployed-network-environment.yaml"] if major.isdigit() and int(major) >= 17 \
        else list(ENVIRONMENT)


def compare_overcloud(release: str, tree: Path, root: Path, oracle: Oracle, workdir: Path,
                      write_params: bool) -> compare.Report:
    """The whole overcloud.yaml stack (1 controller, 1 compute, deployed servers): RoleData per role."""
    environment = overcloud_environment(release)
    path = DATA / release / "overcloud-params.json"
    if not path.is_file() or write_params:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(params_mod.overcloud(root, environment), indent=1, sort_keys=True) + "\n")
    parameters = json.loads(path.read_text())
    result = oracle.results(["overcloud.yaml"], parameters, environment)["overcloud.yaml"]
    report = compare.Report(f"{release} overcloud.yaml")
    log(f"real Heat {release}: overcloud.yaml: {result['status']} in {result.get('seconds', 0):.0f} s")
    if result["status"] != "CREATE_COMPLETE":
        report.oracle_failures["overcloud.yaml"] = f"{result['status']}: {result.get('reason')}"
        return report
    try:
        fake = Fake(tree, parameters, workdir, environment_files=environment[1:])
        outputs = fake.overcloud(["RoleData"])
    except Exception as exc:
        report.results.append(compare.TemplateResult("overcloud.yaml", error=f"{type(exc).__name__}: {exc}"))
        return report
    real = result["outputs"].get("RoleData") or {}
    for role in sorted(set(real) | set(outputs["RoleData"] or {})):
        report.results.append(compare.compare_outputs(
            f"overcloud.yaml RoleData.{role}", {role: real.get(role, compare.MISSING)},
            {role: (outputs["RoleData"] or {}).get(role, compare.MISSING)}))
    return report


def constraint_cases(oracle_python: str, write: bool) -> int:
    """Real Heat's verdict on every parameter constraint case beside the fake's; 1 if any differs."""
    import constraints

    workdir = Path(tempfile.mkdtemp(prefix="fidelity-heat-constraints-"))
    try:
        cases = constraints.cases()
        (workdir / "cases.json").write_text(json.dumps(cases))
        subprocess.run([oracle_python, str(HERE / "constraints_oracle.py"), str(workdir / "cases.json"),
                        str(workdir / "verdicts.json")], check=True)
        verdicts = json.loads((workdir / "verdicts.json").read_text())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if write:
        constraints.write_recorded(verdicts)
        log(f"wrote {constraints.RECORDED}")
    differences = constraints.compare({k: v["verdict"] for k, v in verdicts.items()})
    for line in differences:
        log(line)
    log(f"parameter constraints: {len(cases) - len(differences)}/{len(cases)} cases judged as real Heat judges them")
    return 1 if differences else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="fidelity-heat", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--oracle-python", required=True, help="python of the venv holding openstack-heat")
    ap.add_argument("--release", action="append", help="THT release(s); default 18.0.0")
    ap.add_argument("--templates", help="a local THT tree instead of the fetched release (one release)")
    ap.add_argument("--only", action="append", default=[], help="template relpath(s) instead of all")
    ap.add_argument("--roles", help="only the service templates the registry enables for these roles "
                    "(comma-separated, e.g. Controller,Compute: the default upgrade scenario)")
    ap.add_argument("--overcloud", action="store_true",
                    help="also create the whole overcloud.yaml (1 controller, 1 compute) and compare RoleData")
    ap.add_argument("--role-chains", action="store_true",
                    help="also create the Controller and Compute service chains (common/services/<role>-role.yaml)")
    ap.add_argument("--refresh", action="store_true", help="recompute cached oracle results")
    ap.add_argument("--write-params", action="store_true", help="recompute data/<release>/params.json")
    ap.add_argument("--write-subset", action="store_true", help="regenerate the CI subset's oracle outputs")
    ap.add_argument("--oracle-only", action="store_true", help="run real Heat, do not compare with the fake")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per stack")
    ap.add_argument("--report", help="write the comparison as JSON to this file")
    ap.add_argument("--constraints", action="store_true",
                    help="judge the parameter constraint cases (constraints.py) with real Heat and the fake, only")
    ap.add_argument("--write-constraints", action="store_true",
                    help="with --constraints: record real Heat's verdicts in data/constraints.json")
    args = ap.parse_args(argv)
    args.oracle_python = os.path.abspath(args.oracle_python)
    if args.constraints or args.write_constraints:
        return constraint_cases(args.oracle_python, args.write_constraints)

    import platformdirs

    cache = Path(platformdirs.user_cache_dir("tripleo-sim")) / "fidelity-heat"
    releases = args.release or DEFAULT_RELEASES
    if args.write_subset:
        releases, args.only = [subset.RELEASE], list(subset.TEMPLATES)
    if args.templates and len(releases) != 1:
        ap.error("--templates takes one --release (the label of that tree)")
    status = 0
    reports = []
    for release in releases:
        tree = tree_for(release, args.templates)
        workdir = Path(tempfile.mkdtemp(prefix=f"fidelity-heat-{release}-"))
        try:
            root = render(args.oracle_python, tree, workdir / "rendered")
            oracle = Oracle(args.oracle_python, root, release, cache, args.refresh, args.timeout)
            parameters = load_params(release, root, oracle, args.write_params)
            templates = args.only or (role_service_templates(root, args.roles.split(",")) if args.roles
                                      else service_templates(root))
            log(f"{release}: {len(templates)} service templates with a role_data output")
            results = oracle.results(templates, parameters)
            created = sum(r["status"] == "CREATE_COMPLETE" for r in results.values())
            seconds = sorted(oracle.seconds.get(t, 0.0) for t in templates)
            if seconds:
                log(f"real Heat {release}: {created}/{len(templates)} created; per stack median "
                    f"{seconds[len(seconds) // 2]:.1f} s, max {seconds[-1]:.1f} s, total {sum(seconds):.0f} s")
            for t, r in sorted(results.items()):
                if r["status"] != "CREATE_COMPLETE":
                    log(f"real Heat {release}: {t}: {r['status']}: {r.get('reason')}")
            chains: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
            if args.role_chains or args.write_subset:
                wanted = dict(subset.ROLE_CHAINS) if args.write_subset else {
                    f"common/services/{role.lower()}-role.yaml": role for role in ("Controller", "Compute")}
                chains = role_chain_results(root, oracle, parameters, wanted)
                for template, (_p, r) in sorted(chains.items()):
                    log(f"real Heat {release}: {template}: {r['status']} in {r.get('seconds', 0):.0f} s")
            if args.write_subset:
                write_subset({**results, **{t: r for t, (_p, r) in chains.items()}}, release,
                             {t: params_mod.role_chain(root, role) for t, role in subset.ROLE_CHAINS.items()})
            if args.overcloud:
                overcloud_report = compare_overcloud(release, tree, root, oracle, workdir, args.write_params)
                for line in overcloud_report.lines():
                    log(line)
                reports.append(overcloud_report.to_json())
            if args.oracle_only or args.write_subset:
                continue
            fake = Fake(tree, parameters, workdir)
            report = compare_release(release, fake, results)
            if chains:
                chain_report = compare_role_chains(release, tree, workdir, chains)
                for line in chain_report.lines():
                    log(line)
                reports.append(chain_report.to_json())
            if fake.environment_bug:
                log(f"fidelity-heat {release}: {fake.environment_bug}")
                report.notes.append(fake.environment_bug)
            for line in report.lines():
                log(line)
            reports.append(report.to_json())
            status |= 1 if report.differ else 0
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.report:
        Path(args.report).write_text(json.dumps(reports, indent=1, sort_keys=True, default=repr) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
