"""kraft's package cache for a work directory, set up from the work directory's own repositories.

The FlexOS kraft asks to update an empty cache and, without a terminal,
aborts the build; `kraft list update` needs the network. flexui gives each
work directory its own kraft settings (`KRAFTRC`) and cache (`UK_CACHEDIR`)
whose origins are tag-less local clones of the repositories `workdir init`
fetched (kraft names a component after its directory, `lib-<name>`, and
stumbles over annotated tags whose commits a shallow clone lacks), so the
cache is filled offline and the user's ~/.kraftrc is left alone.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from flexui.model.build.process_group import Group
from flexui.model.files.atomic import write_atomic

STATE_DIR = ".flexui-kraft"  # in the work directory's root, next to unikraft/


class KraftCacheError(Exception):
    """One line saying why the cache could not be set up."""


def kraft_env(workdir: Path | None) -> dict[str, str]:
    """KRAFTRC and UK_CACHEDIR of the work directory, once set up (else kraft's defaults)."""
    if workdir is None or not (workdir / STATE_DIR / "kraftrc").is_file():
        return {}
    state = workdir / STATE_DIR
    return {"KRAFTRC": str(state / "kraftrc"), "UK_CACHEDIR": str(state / "cache")}


def _origins(workdir: Path) -> dict[str, Path]:
    """Component name kraft understands -> repository of the work directory."""
    out = {"unikraft": workdir / "unikraft"} if (workdir / "unikraft" / ".git").exists() else {}
    for kind, folder in (("lib", "libs"), ("app", "apps")):
        for repo in sorted((workdir / folder).glob("*")):
            if (repo / ".git").exists():
                out[f"{kind}-{repo.name}"] = repo
    return out


def setup_kraft_cache(workdir: Path, kraft: str = "kraft") -> list[str]:
    """Mirror the repositories without tags, point a kraftrc at them and run `kraft list update`."""
    workdir = Path(workdir).resolve()
    state = workdir / STATE_DIR
    origins = _origins(workdir)
    if not origins:
        raise KraftCacheError(f"{workdir} holds no repositories; create it with `flexui workdir init`")
    mirrors = state / "origins"
    mirrors.mkdir(parents=True, exist_ok=True)
    for name, repo in origins.items():
        target = mirrors / name
        if target.exists():
            done = subprocess.run(["git", "-C", str(target), "fetch", "-q", "--no-tags", str(repo), "HEAD"],
                                  capture_output=True, text=True)
        else:
            done = subprocess.run(["git", "clone", "-q", "--no-tags", "--", str(repo), str(target)],
                                  capture_output=True, text=True)
        if done.returncode != 0:
            raise KraftCacheError(f"cannot mirror {repo} for kraft: {done.stderr.strip().splitlines()[-1:]}")
    listed = "".join(f'  "{mirrors / name}",\n' for name in origins)
    write_atomic(state / "kraftrc", f"[list]\norigins = [\n{listed}]\n", keep_old=False)
    env = {**os.environ, **kraft_env(workdir)}
    try:
        run = Group([kraft, "list", "update"], env=env).start()
    except FileNotFoundError:
        raise KraftCacheError(f"{kraft}: not found; install the FlexOS fork of kraft first") from None
    lines = [line for line in run.lines() if line is not None]
    if run.wait() != 0 or not any((state / "cache" / "cache").glob("*")):
        raise KraftCacheError(f"`kraft list update` failed: {(lines or ['no output'])[-1].strip()}")
    return list(origins)
