"""Real Heat's verdicts on parameter constraint cases (runs in the oracle venv; heat and the standard library only).

    python constraints_oracle.py CASES.json OUT.json

Each case (see ``constraints.py``) becomes a one-parameter template and an environment giving its value through
``parameters`` or ``parameter_defaults``; Heat builds the stack's parameters and validates them as it does when
it validates a stack (``Parameters.validate(validate_value=True)``). Verdicts: ``ok``; ``schema`` (the schema or
a constraint is malformed: ``InvalidSchemaError`` or an error while building it); ``default``
(``InvalidSchemaError`` "Invalid default"); ``value`` (``StackValidationFailed``, or an error a check raised on
the value, such as a pattern matched against a number).
"""

from __future__ import annotations

import json
import sys
import warnings

warnings.filterwarnings("ignore")

from oslo_service import backend  # noqa: E402  # isort: skip

backend.init_backend(backend.BackendType.THREADING)

from heat.common import config as heat_config  # noqa: E402, F401  (registers heat's options)
from heat.common import exception  # noqa: E402
from heat.engine import environment, template  # noqa: E402
from heat.engine.resources.template_resource import TemplateResource  # noqa: E402


def verdict(case: dict) -> dict:
    t = {"heat_template_version": case["version"], "parameters": {"P": case["schema"]}}
    given = {} if case["via"] == "none" else {"P": case["value"]}
    env = environment.Environment({"parameters": given if case["via"] == "parameters" and not case["nested"] else {},
                                   "parameter_defaults": given if case["via"] == "parameter_defaults" else {}})
    try:
        tmpl = template.Template(t, env=env)
        user = env.params
        if case["nested"]:  # a parent's TemplateResource: its schemas carry parameter_defaults as the defaults,
            TemplateResource.get_schemas(tmpl, env.param_defaults)  # and the value comes as a property
            user = given if case["via"] == "parameters" else {}
        params = tmpl.parameters(None, user_params=user, param_defaults=env.param_defaults)
    except Exception as exc:  # the schema could not be built
        return {"verdict": "schema", "message": f"{type(exc).__name__}: {exc}"}
    try:
        params.validate(validate_value=True)
    except exception.InvalidSchemaError as exc:
        return {"verdict": "default" if "Invalid default" in str(exc) else "schema", "message": str(exc)}
    except exception.StackValidationFailed as exc:
        return {"verdict": "value", "message": str(exc)}
    except (TypeError, ValueError) as exc:  # raised by a check on the value (re.match on a number)
        return {"verdict": "value", "message": f"{type(exc).__name__}: {exc}"}
    return {"verdict": "ok", "message": ""}


def main() -> None:
    with open(sys.argv[1]) as fh:
        cases = json.load(fh)
    out = {case["id"]: verdict(case) for case in cases}
    with open(sys.argv[2], "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
