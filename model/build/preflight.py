"""Whether a build can start: the one check `flexui --build` and the Build/Run screen make first.

Said before make says it worse: an app outside a work directory, no Makefile,
no .config (the build would start the interactive menuconfig), unusable build
settings, then the tools the FlexOS sequence needs that this machine lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flexui.model.build.prereqs import Missing, check_build
from flexui.model.build.runner import BuildPlan, needs_workdir, why_not_buildable

MISSING = "missing prerequisites:"


@dataclass(frozen=True)
class BuildRefusal:
    reason: str  # one line naming the next step; MISSING when only tools are lacking
    missing: tuple[Missing, ...] = ()
    needs_workdir: bool = False  # the next step is creating a work directory for the app

    def lines(self) -> list[str]:
        """The reason, then each missing prerequisite with how to get it, indented."""
        return [self.reason, *(f"  {m}" for m in self.missing)]


def build_refusal(plan: BuildPlan, workdir: Path | None, *, prerequisites: bool = True) -> BuildRefusal | None:
    """Why this plan cannot start, or None; `prerequisites=False` leaves the tools unchecked."""
    reason = why_not_buildable(plan, workdir)
    if reason:
        return BuildRefusal(reason, needs_workdir=needs_workdir(plan, workdir))
    missing = check_build(plan.env) if prerequisites and plan.flexos else []
    return BuildRefusal(MISSING, tuple(missing)) if missing else None
