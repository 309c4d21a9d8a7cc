"""Real git repositories in a temp dir standing for the FlexOS remotes."""

from __future__ import annotations

from pathlib import Path

import git


def make_remote(root: Path, name: str, files: dict[str, str]) -> git.Repo:
    """A repository `root/name` on branch staging with one commit of `files`."""
    repo = git.Repo.init(root / name, initial_branch="staging")
    with repo.config_writer() as c:
        c.set_value("user", "name", "t").set_value("user", "email", "t@example.org")
    for path, text in files.items():
        (root / name / path).parent.mkdir(parents=True, exist_ok=True)
        (root / name / path).write_text(text)
    repo.index.add(list(files))
    repo.index.commit("first")
    return repo


def make_remotes(root: Path) -> Path:
    """unikraft, lib-lwip and app-redis, the unikraft file carrying a FlexOS-style marker."""
    make_remote(root, "unikraft", {"lib/ukboot/boot.c": "/* __FLEXOS MARKER__: uksched allocator */\n"})
    make_remote(root, "lib-lwip", {"src/api.c": "int lwip;\n"})
    make_remote(root, "app-redis", {"main.c": "int main;\n", "kraft.yaml": "specification: '0.5'\nname: redis\n"})
    return root
