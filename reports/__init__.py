"""Renderers of run results. The canonical form is the JSON of ``ScenarioResult.to_json()``; every other
report renders from it alone."""

from .junit import junit_xml

__all__ = ["junit_xml"]
