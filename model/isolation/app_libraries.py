"""Which libraries the compartments screen shows for an app.

Those named in kraft.yaml, plus every external library the Kconfig enables
(an enabled library the kraft.yaml does not place still lands somewhere: in
the default compartment), in the order Kconfig sees them. Core libraries appear only when kraft.yaml places
them, as FlexOS only isolates the few core libraries a kraft.yaml names.
"""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.session.edit_session import Session


@dataclass(frozen=True)
class AppLibrary:
    name: str
    in_kraft: bool
    is_core: bool
    enabled: bool


def app_libraries(session: Session) -> list[AppLibrary]:
    infos = session.workdir.libraries()
    syms = session.kconf.syms
    out = []
    for name, lib in session.iso.libraries.items():
        info = infos.get(name)
        enabled = info is None or any(syms[s].str_value != "n" for s in info.symbols if s in syms) \
            or not info.symbols
        out.append(AppLibrary(name, True, lib.is_core, enabled))
    seen = session.loaded.libraries
    for name in seen if seen is not None else sorted(infos):
        info = infos.get(name)
        if info is None or name in session.iso.libraries or info.is_core:
            continue
        if any(s in syms and syms[s].str_value != "n" for s in info.symbols):
            out.append(AppLibrary(name, False, False, True))
    return out
