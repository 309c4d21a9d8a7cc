import os

import pytest

from flexui.model.atomic import write_atomic


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
    with pytest.raises(OSError):
        write_atomic(target, "CONFIG_A=n\n")
    assert target.read_text() == "CONFIG_A=y\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".config", ".config.old"]
