"""The compiled-template cache (fakes.ansible.compiled): compiled once per process and kept on disk, used only for
its exact source and configuration, and rebuilt from a corrupt entry."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from fakes.ansible import compiled
from fakes.ansible.errors import TemplateFailure
from fakes.ansible.templating import Templar, _Environment

SOURCE = "{{ (step | int) + 1 }} on {{ inventory_hostname | upper }}"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty disk cache and an empty process cache, and a count of jinja2 compilations."""
    monkeypatch.setenv("TRIPLEO_SIM_CACHE", str(tmp_path))
    monkeypatch.delenv("TRIPLEO_SIM_TEMPLATE_CACHE", raising=False)
    monkeypatch.setattr(compiled, "_memory", {})
    return tmp_path


@pytest.fixture
def compilations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = jinja2.Environment.parse  # every compilation of a source parses it first

    def counting(self: jinja2.Environment, source: str, *args: object, **kwargs: object) -> object:
        if isinstance(self, _Environment):  # not ansible-core's own (its config templates, at import)
            seen.append(source)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "parse", counting)
    return seen


def render(templar: Templar) -> object:
    return templar.render(SOURCE, {"step": "2", "inventory_hostname": "controller-0"}, "t")


def entries(root: Path) -> list[Path]:
    return sorted((root / "jinja").rglob("*.marshal"))


def test_a_second_templar_of_the_same_configuration_compiles_nothing(cache: Path, compilations: list[str]) -> None:
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE]
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE]


def test_the_next_process_reads_the_code_from_disk(cache: Path, compilations: list[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    render(Templar())
    assert len(entries(cache)) == 1
    monkeypatch.setattr(compiled, "_memory", {})  # a new process: nothing in memory
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE]


@pytest.mark.parametrize("damage", [b"", b"\x00garbage", None])
def test_a_corrupt_or_foreign_entry_is_compiled_again_and_replaced(cache: Path, compilations: list[str],
                                                                  monkeypatch: pytest.MonkeyPatch,
                                                                  damage: bytes | None) -> None:
    render(Templar())
    (entry,) = entries(cache)
    if damage is None:  # a well-formed entry of another source at this path
        import marshal

        entry.write_bytes(marshal.dumps(("{{ 'other' }}", compile("'other'", "x", "eval"))))
    else:
        entry.write_bytes(damage)
    monkeypatch.setattr(compiled, "_memory", {})
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE, SOURCE]
    monkeypatch.setattr(compiled, "_memory", {})
    assert render(Templar()) == "3 on CONTROLLER-0"  # the replaced entry serves again
    assert compilations == [SOURCE, SOURCE]


def test_an_entry_whose_code_changed_is_compiled_again(cache: Path, compilations: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # only the source an entry is for was checked: a constant changed in its code ran (another variable read)
    render(Templar())
    (entry,) = entries(cache)
    data = entry.read_bytes()
    at = data.rindex(b"inventory_hostname")  # in the code, after the source the entry holds
    assert at > data.index(b"inventory_hostname")
    entry.write_bytes(data[:at] + b"inventory_hostnamf" + data[at + len(b"inventory_hostname"):])
    monkeypatch.setattr(compiled, "_memory", {})
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE, SOURCE]
    assert entry.read_bytes() == data  # replaced


def test_a_pipe_in_the_cache_is_passed_over(cache: Path, compilations: list[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    render(Templar())
    (entry,) = entries(cache)
    entry.unlink()
    os.mkfifo(entry)  # reading it would block the run
    monkeypatch.setattr(compiled, "_memory", {})
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE, SOURCE]


def test_a_different_filter_set_is_a_different_configuration(cache: Path, compilations: list[str]) -> None:
    plain, extended = Templar(), Templar(filters={"shout": lambda s: f"{s}!"})
    assert compiled.configuration(plain._env) != compiled.configuration(extended._env)
    render(plain)
    render(extended)
    assert compilations == [SOURCE, SOURCE]
    assert len(entries(cache)) == 2


def test_a_syntax_error_is_still_a_typed_error_and_keeps_nothing(cache: Path) -> None:
    with pytest.raises(TemplateFailure, match="syntax error"):
        Templar().render("{{ x + }}", {"x": 1}, "tasks[0].debug.msg")
    assert entries(cache) == []
    assert compiled._memory == {}


def test_an_unwritable_cache_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        compilations: list[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("TRIPLEO_SIM_CACHE", str(blocker))
    monkeypatch.setattr(compiled, "_memory", {})
    assert render(Templar()) == "3 on CONTROLLER-0"
    assert compilations == [SOURCE]


def test_turned_off_it_keeps_nothing_on_disk(cache: Path, monkeypatch: pytest.MonkeyPatch,
                                            compilations: list[str]) -> None:
    monkeypatch.setenv("TRIPLEO_SIM_TEMPLATE_CACHE", "0")
    render(Templar())
    assert entries(cache) == []
    monkeypatch.setattr(compiled, "_memory", {})
    render(Templar())
    assert compilations == [SOURCE, SOURCE]


@pytest.mark.parametrize(("source", "narrow"), [
    ("{{ ansible_facts['distribution'] == 'RedHat' and ansible_facts.distribution_major_version is version('7') }}",
     {"ansible_facts": ("distribution", "distribution_major_version")}),
    ("{{ a.b.c }} {{ d['e'] | default('x') }}", {"a": ("b",), "d": ("e",)}),
    ("{{ ansible_facts | to_json }}", {}),
    ("{{ ansible_facts['hostname'] }} {{ ansible_facts }}", {}),
    ("{{ ansible_facts.get('hostname') }}", {}),  # the dict's own method sees all of it
    ("{{ ansible_facts['items'] }}", {}),
    ("{{ ansible_facts[key] }}", {}),
    ("{{ ansible_facts[0] }}", {}),
    ("{% for ansible_facts in x %}{{ ansible_facts.a }}{% endfor %}", {}),  # a loop target is no variable's read
    ("{% set f = ansible_facts %}{{ f.a }}", {}),
])
def test_subscripted_only(source: str, narrow: dict[str, tuple[str, ...]]) -> None:
    result = compiled.subscripted_only(Templar()._env.parse(source))
    assert {k: v for k, v in result.items() if k in ("ansible_facts", "a", "d")} == narrow


def test_a_filter_of_the_same_name_and_another_implementation_is_another_configuration(
        cache: Path, compilations: list[str]) -> None:
    # the optimizer folds a filter on constant arguments while it compiles: the code holds that filter's result
    def exclaim(value: str) -> str:
        return f"{value}!"

    def question(value: str) -> str:
        return f"{value}?"

    first, second = Templar(filters={"mark": exclaim}), Templar(filters={"mark": question})
    assert first.render("{{ 'a' | mark }}", {}, "t") == "a!"
    assert second.render("{{ 'a' | mark }}", {}, "t") == "a?"
    assert len(compilations) == 2


def test_the_cache_keeps_no_templar_alive(cache: Path) -> None:
    # a Templar's from_yaml filter is its own method: a table keyed by its environment would hold it forever
    import gc
    import weakref

    render(Templar())  # the first Templar of a process may stay referenced by ansible-core's plugin loading
    refs = []
    for _ in range(3):
        templar = Templar()
        render(templar)
        refs.append(weakref.ref(templar))
        del templar
    gc.collect()
    assert [r for r in refs if r() is not None] == []
