"""kill -9 at random moments during real `flexui --apply` processes: no torn file, no stray temp file,
and the set (.config, kraft.yaml, flexui.mk) is the old or the new one once the next run has repaired it.

Two in three processes run on a stand-in slow disk (fsync sleeps, via sitecustomize in the child only)
and are killed once their write has begun, so that kills land inside the write window and not only
during the Kconfig load before it; the others are killed at any moment.
FLEXUI_FAULT_KILLS sets how many processes are killed (default 9; the report used more).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from flexui.model.files.atomic import JOURNAL, recover
from flexui.paths import embedded_tree

TREE = embedded_tree()
SET = (".config", "kraft.yaml", "flexui.mk")
PRESETS = ("redis-mpk2-hardened", "redis-mpk3")
KILLS = int(os.environ.get("FLEXUI_FAULT_KILLS", "9"))
SLOW_DISK = "import os, time\n_fsync = os.fsync\nos.fsync = lambda fd: (time.sleep(0.03), _fsync(fd))[1]\n"


def apply_process(app: Path, preset: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flexui", "--apply", preset, "--app", str(app),
                             "--workdir", str(TREE)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def state(app: Path) -> dict[str, bytes | None]:
    return {name: (app / name).read_bytes() if (app / name).exists() else None
            for name in [*SET, ".config.old", "kraft.yaml.old"]}


def strays(app: Path, shipped: set[str]) -> list[str]:
    return sorted(p.name for p in app.iterdir() if p.name not in {*SET, ".config.old", "kraft.yaml.old", *shipped})


def test_kill_9_during_apply_never_tears_a_file_or_mixes_the_set(tmp_path):
    app = tmp_path / "apps" / "redis"
    shutil.copytree(TREE / "apps" / "redis", app)
    shipped = {p.name for p in app.iterdir()}
    env = {**os.environ, **{v: str(tmp_path / "xdg" / v) for v in ("XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                                                    "XDG_CACHE_HOME")}}
    slow = tmp_path / "slow-disk"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_DISK)
    slow_env = {**env, "PYTHONPATH": os.pathsep.join([str(slow), env.get("PYTHONPATH", "")])}

    # The two steady states, and how long a whole run takes here.
    sets: dict[str, tuple] = {}
    durations = []
    for preset in [*PRESETS, *PRESETS]:
        started = time.monotonic()
        assert apply_process(app, preset, env).wait(timeout=120) == 0
        durations.append(time.monotonic() - started)
        current = state(app)
        assert sets.setdefault(preset, tuple(current[n] for n in SET)) == tuple(current[n] for n in SET)
    versions = {name: {s[i] for s in sets.values()} for i, name in enumerate(SET)}
    duration = max(durations)

    rng = random.Random(1234)
    outcomes = {"old": 0, "new": 0, "repaired": 0}
    for i in range(KILLS):
        new_preset, old_preset = PRESETS[i % 2], PRESETS[(i + 1) % 2]
        in_window = i % 3 != 0
        proc = apply_process(app, new_preset, slow_env if in_window else env)
        if in_window:  # wait for the write to start, then kill somewhere inside it
            deadline = time.monotonic() + 120
            while not (app / JOURNAL).exists() and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.35))
        else:  # anywhere in the run, the Kconfig load included
            time.sleep(rng.uniform(0.2, 1.2) * duration)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        left = state(app)
        for name in SET:  # never torn: each file is whole, one of the known versions
            assert left[name] in versions[name], (i, name)
        for name in (".config.old", "kraft.yaml.old"):
            assert left[name] is None or left[name] in versions[name.removesuffix(".old")], (i, name)
        note = recover(app)
        outcomes["repaired"] += note is not None
        after = tuple(state(app)[n] for n in SET)
        assert after in (sets[old_preset], sets[new_preset]), i  # the set is old or new as a whole
        outcomes["old" if after == sets[old_preset] else "new"] += 1
        assert strays(app, shipped) == [], (i, strays(app, shipped))
        if after == sets[old_preset]:  # keep alternating from a known state
            assert apply_process(app, new_preset, env).wait(timeout=120) == 0
    print(f"{KILLS} kills: {outcomes}")
    assert outcomes["old"] + outcomes["new"] == KILLS
