"""What changed between two isolation configurations, in the user's words.

The session names every change an edit made, so that no placement,
mechanism or hardening changes without the user being able to see it.
"""

from __future__ import annotations

from flexui.model.isolation.configuration import IsolationConfig


def layout_changes(before: IsolationConfig, after: IsolationConfig) -> list[str]:
    out = []
    if before.compartments and after.compartments and before.driver != after.driver:
        out.append(f"mechanism {before.driver} → {after.driver}")
    for what in ("shared_stacks", "dss", "heap_size"):
        old, new = getattr(before, what), getattr(after, what)
        if old != new:
            out.append(f"{what.replace('_', ' ')} {old} → {new}")
    old_comps = [(c.name, c.default) for c in before.compartments]
    new_comps = [(c.name, c.default) for c in after.compartments]
    if old_comps != new_comps:
        out.append("compartments " + (", ".join(n + ("*" if d else "") for n, d in old_comps) or "none")
                   + " → " + (", ".join(n + ("*" if d else "") for n, d in new_comps) or "none"))
    for name in dict.fromkeys([*before.libraries, *after.libraries]):
        old_lib, new_lib = before.libraries.get(name), after.libraries.get(name)
        if old_lib is None:
            out.append(f"{name} added to {after.compartment_of(name)}")
        elif new_lib is None:
            out.append(f"{name} removed from {before.compartment_of(name)}")
        else:
            old_where, new_where = before.compartment_of(name), after.compartment_of(name)
            if old_where != new_where or old_lib.compartment != new_lib.compartment:
                out.append(f"{name}: {old_where} → {new_where}")
            if old_lib.hardening != new_lib.hardening:
                out.append(f"{name} hardening {'+'.join(old_lib.hardening.names()) or 'none'} → "
                           f"{'+'.join(new_lib.hardening.names()) or 'none'}")
    return out
