from __future__ import annotations

pytest_plugins = ["pytester"]
# The plugin is loaded through its pytest11 entry point (pyproject.toml), as template authors get it.


def test_tht_runs_invariants_as_items_and_fixture_gives_the_plan(real, pytester):
    root = real("18.0.0")[0].root  # fetched before pytester moves HOME
    pytester.makepyfile(test_user="""
        def test_roles(tripleo_plan):
            assert tripleo_plan.release == "18.0.0"
            assert "Controller" in {r.name for r in tripleo_plan.roles}
            # without --tht-env, the layout `tripleo-sim check` evaluates (found by probing: the tree's own 1+1,
            # where pacemaker-stop-serial has no cluster to judge, so the plugin passed what check failed)
            assert {r.name: r.count for r in tripleo_plan.roles if r.count} == {"Controller": 3, "Compute": 2}
    """)
    result = pytester.runpytest("--tht", str(root), "-v")
    result.assert_outcomes(passed=14)
    result.stdout.fnmatch_lines(["*test_roles PASSED*", "*tht-invariant?never-run-step? PASSED*"])


def test_fixture_without_templates_is_a_usage_error(pytester):
    pytester.makepyfile(test_user="def test_x(tripleo_plan):\n    pass\n")
    result = pytester.runpytest("-rN")
    result.stdout.fnmatch_lines(["*tripleo-sim: error: the tripleo_plan and tripleo_check_context fixtures need "
                                 "--tht PATH or --tht-release V*"])
    assert result.ret != 0
    assert "Traceback" not in result.stdout.str() and "def get(" not in result.stdout.str()  # one line, not a trace


def test_both_template_options_are_refused(pytester, tmp_path):
    # --tht won silently over --tht-release (the CLI refuses the pair)
    pytester.makepyfile(test_user="def test_x(tripleo_plan):\n    pass\n")
    result = pytester.runpytest("--tht", str(tmp_path), "--tht-release", "14.3.0")
    result.stderr.fnmatch_lines(["*tripleo-sim: --tht and --tht-release: expected one of them, found both*"])
    assert result.ret == 4  # pytest's usage error


def test_invariant_item_fails_with_the_trace(real, pytester, tmp_path):
    root = real("18.0.0")[0].root
    env = tmp_path / "two-controllers.yaml"
    env.write_text("parameter_defaults:\n  ControllerCount: 2\n")
    result = pytester.runpytest("--tht", str(root), "--tht-env", str(env),
                                "-k", "quorum")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*quorum-size*", "*runs on 2 node(s)*", "*fix: run pacemaker on 1 or an odd*"])


def test_bad_templates_input_is_one_line_per_item_not_a_traceback(real, pytester, tmp_path):
    root = real("18.0.0")[0].root
    env = tmp_path / "latin1.yaml"
    env.write_bytes(b"parameter_defaults: {NtpServer: caf\xe9}\n")
    pytester.makepyfile(test_user="def test_roles(tripleo_plan):\n    pass\n")
    # -rN: no short summary, which repeats the line only when the terminal is wide enough for it
    result = pytester.runpytest("--tht", str(root), "--tht-env", str(env), "-k", "quorum or roles", "-rN")
    result.assert_outcomes(failed=1, errors=1)
    line = f"tripleo-sim: error: {env}: expected UTF-8 text, found a byte that is not UTF-8 at offset 35"
    out = result.stdout.str()
    assert out.count(line) == 2  # the invariant item's failure and the fixture's error
    assert "Traceback" not in out and "yamlio.py" not in out and "During handling" not in out
