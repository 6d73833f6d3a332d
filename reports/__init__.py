"""Renderers of run results. The canonical form is the JSON of ``ScenarioResult.to_json()``; every other
report renders from it alone."""

from .junit import junit_xml
from .text import render_snapshot, render_summary
from .trace import render_trace

__all__ = ["junit_xml", "render_snapshot", "render_summary", "render_trace"]
