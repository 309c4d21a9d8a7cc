"""`w`: why an entry cannot be changed, and the one action that unlocks it.

Shows each blocking expression term by term with current values (met terms
green, unmet red), then the planned assignments and every value they would
change, so nothing happens the user has not seen. Applying is one undo step.
"""

from __future__ import annotations

from kconfiglib import MenuNode
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from flexui.model.kconfig.explain import (
    Explanation,
    Plan,
    explain,
    plan_fix,
    plan_label,
)
from flexui.screens.widgets.dialogs import keyed

GOALS = {"enable": "Enable it and its dependency chain",
         "disable": "Turn it off, with what selects it",
         "show": "Make it editable"}


def explanation_text(why: Explanation) -> Text:
    text = Text(why.title, style="bold")
    if why.editable:
        text.append("\nCan be changed directly from the menu.", style="green")
    for blocker in why.blockers:
        text.append(f"\n\n{blocker.message}")
        if blocker.terms:
            text.append(":")
        for i, term in enumerate(blocker.terms):
            op = "   " if i == 0 else f"{blocker.op} "
            text.append(f"\n  {op}")
            text.append(term.text, style="green" if term.met else "bold red")
            text.append("  ✓" if term.met else "  ✗ unmet", style="green" if term.met else "red")
    return text


def plan_text(plan: Plan) -> Text:
    if not plan.reached:
        return Text("No set of changes unlocks it: its value is decided by defaults or "
                    "by symbols that cannot be changed.", style="italic")
    if not plan.assignments:
        return Text("Nothing to change.", style="italic")
    text = Text(f"Fix: {GOALS[plan.goal]}", style="bold")
    text.append("\nYou set:  " + ", ".join(f"{n}={v}" for n, v in plan.assignments))
    text.append(f"\nAll {len(plan.changes)} resulting changes:")
    set_by_you = dict(plan.assignments)
    for change in plan.changes:
        old = change.old or '""'
        text.append(f"\n  {change.name}: {old} → {change.new or chr(34) * 2}")
        if change.name not in set_by_you:
            text.append("  (follows)", style="dim")
    return text


class WhyNotDialog(ModalScreen[tuple[str, dict[str, str]] | None]):
    """Dismisses with (undo label, assignments) when the user applies the fix."""

    CSS_PATH = "explain.tcss"
    BINDINGS = [Binding("escape,q", "dismiss(None)", "Close"),
                Binding("a", "apply", "Apply the fix")]

    def __init__(self, node: MenuNode) -> None:
        super().__init__()
        self.node = node
        self.why = explain(node)
        self.plan = plan_fix(node) if self.why.blockers else None

    def compose(self) -> ComposeResult:
        with Vertical(id="why-box"):
            with VerticalScroll(id="why-scroll"):
                yield Static(explanation_text(self.why), id="why-text")
                if self.plan is not None:
                    yield Static(plan_text(self.plan), id="why-plan")
            with Horizontal(id="why-buttons"):
                if (plan := self._applicable) is not None:
                    yield Button(keyed(f"Apply {len(plan.assignments)} changes", "a"),
                                 variant="primary", id="apply")
                yield Button(keyed("Close", "esc"), id="close")

    @property
    def _applicable(self) -> Plan | None:
        """The plan, when it reaches the goal and changes something."""
        plan = self.plan
        return plan if plan is not None and plan.reached and plan.assignments else None

    def on_mount(self) -> None:
        self.query_one("#apply" if self._applicable is not None else "#close", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        else:
            self.dismiss(None)

    def action_apply(self) -> None:
        if (plan := self._applicable) is not None:
            self.dismiss((plan_label(self.node, plan), plan.as_dict))
