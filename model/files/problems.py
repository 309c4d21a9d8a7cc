"""Problems found in user input, reported as `file:line: message`."""

from __future__ import annotations

from dataclasses import dataclass

from flexui.model.isolation.configuration import Origin


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the user's input, phrased with its fix.

    `subject` names the compartment, library or symbol it concerns so that
    screens can show it next to that thing.
    """

    message: str
    subject: str = ""
    origin: Origin | None = None
    severity: str = "error"  # "error" blocks writing; "warning" does not

    def __str__(self) -> str:
        where = str(self.origin) if self.origin else "flexui"  # not from a file: the tool speaks
        return f"{where}: {self.message}"


class InputError(Exception):
    """Raised when user input is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UserError(Exception):
    """Invalid input or a refusal phrased as one line (`file:line: message`): exit 2, not a bug."""
