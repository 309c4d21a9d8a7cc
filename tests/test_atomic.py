import json
import os
import socket

import pytest

from flexui.model.files.atomic import JOURNAL, recover, write_all_atomic, write_atomic
from flexui.model.files.problems import InputError


def test_first_write_creates_file_without_backup(tmp_path):
    target = tmp_path / ".config"
    assert write_atomic(target, "CONFIG_A=y\n")
    assert target.read_text() == "CONFIG_A=y\n"
    assert not (tmp_path / ".config.old").exists()


def test_rewrite_keeps_previous_version_as_old(tmp_path):
    target = tmp_path / ".config"
    target.write_text("CONFIG_A=y\n")
    os.chmod(target, 0o640)
    assert write_atomic(target, "CONFIG_A=n\n")
    assert target.read_text() == "CONFIG_A=n\n"
    assert (tmp_path / ".config.old").read_text() == "CONFIG_A=y\n"
    assert oct(target.stat().st_mode & 0o777) == oct(0o640)


def test_unchanged_content_touches_nothing(tmp_path):
    target = tmp_path / "kraft.yaml"
    target.write_text("name: x\n")
    before = target.stat().st_mtime_ns
    assert not write_atomic(target, "name: x\n")
    assert target.stat().st_mtime_ns == before
    assert not (tmp_path / "kraft.yaml.old").exists()


def test_failed_write_leaves_original_and_no_temp_files(tmp_path, monkeypatch):
    target = tmp_path / ".config"
    target.write_text("CONFIG_A=y\n")

    def boom(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match="cannot write: disk full"):
        write_atomic(target, "CONFIG_A=n\n")
    assert target.read_text() == "CONFIG_A=y\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".config"]


@pytest.mark.parametrize("name", [".config.old", ".config"])
def test_symlinked_target_or_backup_is_refused_and_its_target_untouched(tmp_path, name):
    outside = tmp_path / "outside"
    outside.write_text("precious\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / ".config").write_text("CONFIG_A=y\n") if name != ".config" else None
    (app / name).symlink_to(outside)
    with pytest.raises(InputError, match="symbolic link, not a regular file"):
        write_atomic(app / ".config", "CONFIG_A=n\n")
    assert outside.read_text() == "precious\n"
    assert (app / name).is_symlink()


def test_fifo_or_socket_at_an_output_path_is_refused_without_blocking(tmp_path):
    os.mkfifo(tmp_path / "kraft.yaml")
    with pytest.raises(InputError, match="a FIFO"):
        write_all_atomic({tmp_path / "kraft.yaml": "x\n", tmp_path / "flexui.mk": "y\n"})
    assert not (tmp_path / "flexui.mk").exists()
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tmp_path / "flexui.mk"))
        with pytest.raises(InputError, match="a socket"):
            write_atomic(tmp_path / "flexui.mk", "y\n")


def test_old_backup_is_a_separate_file_the_new_write_never_touches(tmp_path):
    target = tmp_path / ".config"
    target.write_text("one\n")
    write_atomic(target, "two\n")
    write_atomic(target, "three\n")
    assert (tmp_path / ".config.old").read_text() == "two\n"
    assert target.read_text() == "three\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".config", ".config.old"]


def _interrupted(tmp_path, state):
    """The directory as a kill leaves it: journal written, temps staged, nothing renamed."""
    names = [".config", "kraft.yaml", "flexui.mk"]
    for n in names:
        (tmp_path / n).write_text(f"old {n}\n")
        (tmp_path / f".{n}.flexui-new").write_text(f"new {n}\n")
    entries = [{"target": str(tmp_path / n), "new": str(tmp_path / f".{n}.flexui-new"), "old": None}
               for n in names]
    (tmp_path / JOURNAL).write_text(json.dumps({"state": state, "entries": entries}))
    return names


def test_interrupted_commit_is_completed_by_the_next_write(tmp_path):
    names = _interrupted(tmp_path, "commit")
    os.replace(tmp_path / "..config.flexui-new", tmp_path / ".config")  # the kill came after one rename
    note = recover(tmp_path)
    assert "completed an interrupted write" in note
    assert [(tmp_path / n).read_text() for n in names] == [f"new {n}\n" for n in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)


def test_interrupted_staging_is_dropped_and_the_set_stays_old(tmp_path):
    names = _interrupted(tmp_path, "stage")
    (tmp_path / ".other.flexui-old").write_text("stray")
    write_atomic(tmp_path / "unrelated", "x\n", keep_old=False)
    assert [(tmp_path / n).read_text() for n in names] == [f"old {n}\n" for n in names]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*names, "unrelated"])
