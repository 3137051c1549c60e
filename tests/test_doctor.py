"""`wasmcu doctor` compares the installed Python packages with the pinned ones."""

from importlib.metadata import version

import pytest

from wasmcu.doctor import LOCK, package_rows, pinned_versions

from conftest import wasmcu


def test_the_lock_file_pins_the_dependencies_and_the_set_up_installed_them():
    pins = pinned_versions()
    assert {"pywasm3", "wasmtime", "pyelftools", "matplotlib", "rich"} <= set(pins)
    assert pins["pywasm3"] == version("pywasm3")


def test_a_package_that_differs_from_its_pin_is_shown(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text(f"# comment\nrich==0.0.1\npyelftools=={version('pyelftools')}\nno-such-package==1.0\n")
    rows = {name: (pin, got, same) for name, pin, got, same in package_rows(lock)}
    assert rows["rich"] == ("0.0.1", version("rich"), False)
    assert rows["pyelftools"][2] is True
    assert rows["no-such-package"] == ("1.0", "not installed", False)


@pytest.mark.slow
def test_doctor_prints_pinned_and_installed_versions():
    proc = wasmcu("doctor")
    assert proc.returncode == 0 and LOCK.name in proc.stdout and "pywasm3" in proc.stdout


def test_the_pins_are_the_lines_with_a_version_by_normalised_name(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pinned==0\nTyping_Extensions==4.12.2\n  numpy==2.1.0  \nscipy>=1.0\n\n")
    assert pinned_versions(lock) == {"typing-extensions": "4.12.2", "numpy": "2.1.0"}
    assert pinned_versions(tmp_path / "none.lock") == {}
