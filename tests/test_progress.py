"""The progress bar: redrawn in place on a terminal, absent elsewhere; workflows drive it from 0 to 100 %."""

from __future__ import annotations

import io

from simulator.progress import Progress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_on_a_terminal_lines_everywhere() -> None:
    term = _Terminal()
    p = Progress(term)
    p("evaluating 14.3.0")
    p.fraction(0.5, "upgrade run --limit c0")
    p.fraction(0.5, "upgrade run --limit c0")  # unchanged: not redrawn
    p.close()
    out = term.getvalue()
    assert out.startswith("... evaluating 14.3.0\n")
    assert out.count("[###############...............]  50%  upgrade run --limit c0") == 1
    assert out.endswith("\r")  # the bar line is cleared when done

    plain = io.StringIO()
    q = Progress(plain)
    q.fraction(0.5, "x")
    q("done")
    assert plain.getvalue() == "... done\n"


def test_a_run_drives_the_bar_from_zero_to_one() -> None:
    from simulator.run import run_scenario

    seen: list[float] = []

    class Recorder(Progress):
        def fraction(self, done: float, text: str) -> None:
            seen.append(done)

    run_scenario("composable-db-networker", progress=Recorder(io.StringIO()))
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert seen == sorted(seen), "progress never goes back"
