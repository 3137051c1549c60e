"""The README stays short, and the site's generated tables say what the code knows."""

import importlib.util
import os
import re

import pytest
import yaml

from conftest import ROOT

spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hooks)


def test_readme_is_short_and_its_two_commands_exist():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= 250
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(scripts/\S+\.sh)", section, re.M)
    assert commands == ["scripts/paper.sh", "scripts/test.sh"]
    for command in commands:
        assert os.access(ROOT / command, os.X_OK), command
    # every command its tour names is one of the CLI's
    from wasmcu.cli import build_parser

    tour = text.split("## A tour of the commands", 1)[1].split("\n## ", 1)[0]
    known = {name for name, _, _ in hooks._subcommands(build_parser())}
    named = re.findall(r"^wasmcu ([a-z-]+)", tour, re.M)
    assert len(named) >= 8 and set(named) <= known, set(named) - known
    # every page it sends the reader to exists
    for link in re.findall(r"\]\((docs/[^)#]+)\)", text):
        assert (ROOT / link).is_file(), link


def _nav_pages(nav):
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            yield from _nav_pages(value)
        else:
            yield value


def test_every_page_in_the_nav_exists_and_every_table_marker_is_known():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    pages = list(_nav_pages(config["nav"]))
    assert {"index.md", "api.md", "runtimes.md", "devices.md", "cycle-model.md", "workloads.md", "energy.md",
            "boards.md", "cluster.md", "wamr.md", "report.md", "development.md"} <= set(pages)
    for page in pages:
        assert (ROOT / "docs" / page).is_file(), page
    for page in (ROOT / "docs").rglob("*.md"):
        for name in hooks.MARKER.findall(page.read_text()):
            assert name in hooks.TABLES, f"{page}: {name}"


def test_tables_are_generated_from_the_registries():
    from wasmcu.devices import discover as devices
    from wasmcu.runtimes import RUNTIMES
    from wasmcu.workloads import discover as workloads

    runtimes = hooks.expand("<!-- wasmcu-table: runtimes -->")
    for rt in RUNTIMES.values():
        assert re.search(rf"^\| `{re.escape(rt.name)}` \| {rt.mode} \|", runtimes, re.M), rt.name
    assert runtimes.count("\n") == len(RUNTIMES) + 2
    table = hooks.devices_table()
    for d in devices([]).values():
        assert f"| `{d.name}` | {d.backend} |" in table
    assert "| `pico` | qemu | cortex-m0plus | armv6m | 125 MHz | 2 MiB | 264 KiB | `mps2-an385` |" in table
    assert "| `nrf5340` | 64 MHz (also 128 MHz) |" in hooks.device_sources_table()
    costs = hooks.cost_tables()
    assert "### `pico` (cortex-m0plus, 125 MHz)" in costs
    assert "| `ifetch_miss` | instruction-cache line refill from flash | 60 [50–80] |" in costs
    assert "Arm Cortex-M0+ Technical Reference Manual (DDI 0484C)" in costs
    assert "| `pico` | board (used) | 24 [20–30] | 5.0 |" in hooks.power_table()
    wl = hooks.workloads_table()
    for w in workloads([]).values():
        assert f"| `{w.name}` |" in wl
    assert "| `bubblesort` | 100, 1,000 | c, rust | paper |" in wl
    assert "| `paper` | `bubblesort:100`, `bubblesort:1000`, `crc16:100` | c, rust |" in hooks.suites_table()


def test_the_command_reference_comes_from_the_parser():
    summary = hooks.command_summary()
    for command in ("bench", "report", "compare", "recost", "validate", "list", "doctor", "wamr build"):
        assert f"| `wasmcu {command}` |" in summary
    reference = hooks.commands_reference()
    assert "### `wasmcu wamr build`" in reference and "| `--any-version` | try a WAMR release" in reference
    assert "(one of: devices, runtimes, workloads)" in reference
    assert "[-h]" not in reference and "--debug" not in reference


def test_experiment_keys_are_those_the_reader_accepts(tmp_path):
    from wasmcu.plan import SPEC_KEYS, load_spec_file

    table = hooks.experiment_keys()
    assert re.findall(r"^\| `(\w+)` \|", table, re.M) == list(SPEC_KEYS)
    assert "| `timeout` | a number |" in table
    example = (ROOT / "docs" / "usage.md").read_text().split("## Experiment files", 1)[1]
    toml = example.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "exp.toml").write_text(toml)
    assert load_spec_file(tmp_path / "exp.toml")["devices"] == "host,pico"  # the page's example is valid


def test_an_unknown_table_fails_the_build_naming_it():
    with pytest.raises(ValueError, match="usage.md: unknown table 'runtime' \\(known: experiment-keys, commands, command-summary, runtimes"):
        hooks.expand("text\n<!-- wasmcu-table: runtime -->\n", "usage.md")
    assert hooks.expand("a `<!-- wasmcu-table: runtimes -->` quoted inline") .startswith("a `")
