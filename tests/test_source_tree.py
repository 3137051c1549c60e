"""The commit a runtime's checkout names in its version: after a tag, changed, or with no commit yet."""

import subprocess

from wasmcu.runtimes.source_tree import git_commit


def _git(tree, *args):
    return subprocess.run(["git", "-C", str(tree), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_a_checkout_without_a_commit_names_none(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "m3.c").write_text("int x;\n")
    assert git_commit(tmp_path) is None


def test_a_commit_after_a_tag_is_named_and_a_changed_tracked_file_makes_it_dirty(tmp_path):
    _git(tmp_path, "init", "-q")
    (tmp_path / "m3.c").write_text("int x;\n")
    _git(tmp_path, "add", "m3.c")
    _git(tmp_path, "commit", "-qm", "one")
    _git(tmp_path, "tag", "v1.0")
    assert git_commit(tmp_path) is None                      # exactly at a tag: the version says it all
    (tmp_path / "m3.c").write_text("int y;\n")
    _git(tmp_path, "commit", "-qam", "two")
    head = _git(tmp_path, "rev-parse", "--short=7", "HEAD")
    assert git_commit(tmp_path) == head                      # past the tag: its commit
    (tmp_path / "notes.txt").write_text("mine\n")
    assert git_commit(tmp_path) == head                      # an untracked file changes nothing built
    (tmp_path / "m3.c").write_text("int z;\n")
    assert git_commit(tmp_path) == head + "-dirty"           # a changed tracked file does
    assert git_commit(tmp_path / "nowhere") is None


def test_a_wasm3_tree_is_found_in_source_in_wasm3_or_at_its_top_and_a_bad_one_is_named(tmp_path):
    import pytest

    from wasmcu.errors import ConfigError
    from wasmcu.runtimes.wasm3.build import EXPECTED, REQUIRED, source_dir

    for where in ("source", "wasm3", "."):
        tree = tmp_path / f"t-{where.strip('.') or 'top'}"
        (tree / where).mkdir(parents=True)
        for name in REQUIRED:
            (tree / where / name).write_text("/* */\n")
        assert source_dir(tree) == (tree / where if where != "." else tree)
    for tree, says in ((tmp_path / "none", "no such directory"),
                       (tmp_path, "not a wasm3 source tree: no wasm3.h in it, in source/ or in wasm3/")):
        with pytest.raises(ConfigError) as err:
            source_dir(tree)
        assert err.value.file == tree and str(err.value) == f"{tree}: {says} (expected {EXPECTED})"
    (tmp_path / "t-source" / "source" / "m3_core.c").unlink()
    with pytest.raises(ConfigError, match="an incomplete wasm3 source tree: m3_core.c missing in") as err:
        source_dir(tmp_path / "t-source")
    assert err.value.file == tmp_path / "t-source" and err.value.expected == EXPECTED
