"""Everything about one Kconfig entry (the `?` view).

Type, prompt, help, the value and where it comes from (the user, the
loaded .config, a default, a select, an imply), direct dependencies with the
current value of each term, what it selects and what selects or implies it,
where it is defined (`file:line`) and its menu path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import kconfiglib
from kconfiglib import AND, BOOL, OR, TRI_TO_STR, TRISTATE, Choice, MenuNode, Symbol

from flexui.model.kconfig.menu import TYPE_NAMES, menu_path, prompt_of
from flexui.model.kconfig.values import range_text


@dataclass(frozen=True)
class InfoSection:
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class EntryInfo:
    title: str
    sections: tuple[InfoSection, ...]

    def section(self, title: str) -> InfoSection | None:
        return next((s for s in self.sections if s.title == title), None)

    def text(self) -> str:
        out = [self.title]
        for section in self.sections:
            out += ["", f"{section.title}:", *(f"  {line}" for line in section.lines)]
        return "\n".join(out)


# -- expressions with values ------------------------------------------------
def _is_number(name: str) -> bool:
    try:
        int(name, 0)
    except ValueError:
        return False
    return True


def sym_with_value(sc: object) -> str:
    """`NAME(=value)` for real symbols, `<choice "prompt">(=mode)` for choices."""
    if isinstance(sc, Choice):
        prompt = next((n.prompt[0] for n in sc.nodes if n.prompt), sc.name or "")
        return f'<choice "{prompt}">(={sc.str_value})'
    if isinstance(sc, Symbol) and not sc.is_constant and not _is_number(sc.name):
        if not sc.nodes:
            return f"{sc.name}(undefined=n)"
        return f"{sc.name}(={sc.str_value})"
    return kconfiglib.standard_sc_expr_str(sc)


def expr_with_values(expr: object) -> str:
    return kconfiglib.expr_str(expr, sym_with_value)


def split_terms(expr: object) -> tuple[str, list[object]]:
    """Top-level `&&` operands, else `||` operands, of an expression."""
    ands = kconfiglib.split_expr(expr, AND)
    if len(ands) > 1:
        return "&&", ands
    return "||", kconfiglib.split_expr(expr, OR)


def term_lines(expr: object) -> list[str]:
    """One line per top-level operand, each with its current value."""
    op, terms = split_terms(expr)
    lines = []
    for i, term in enumerate(terms):
        value = f"  [={TRI_TO_STR[kconfiglib.expr_value(term)]}]" if isinstance(term, tuple) else ""
        lines.append(f"{'  ' if i == 0 else op} {expr_with_values(term)}{value}")
    return lines


# -- where a value comes from -----------------------------------------------
def _active_operands(expr: object) -> list[str]:
    """Names of the symbols in an OR of `SYM && cond` terms that currently apply."""
    names = []
    for term in kconfiglib.split_expr(expr, OR):
        if kconfiglib.expr_value(term):
            head = kconfiglib.split_expr(term, AND)[0]
            names.append(head.name if isinstance(head, Symbol) else expr_with_values(head))
    return names


def _default_in_force(item: Symbol | Choice) -> str:
    for value, cond in item.defaults:
        if kconfiglib.expr_value(cond):
            text = value.name if isinstance(item, Choice) else kconfiglib.expr_str(value)
            orig_cond = next((c for v, c in item.orig_defaults if v is value), cond)
            when = "" if orig_cond is item.kconfig.y else f" if {expr_with_values(orig_cond)}"
            return f"default {text}{when}"
    return ""


def value_source(sym: Symbol, unsaved: Mapping[str, str] | None = None) -> str:
    """Why the symbol has its value, in one sentence."""
    unsaved = unsaved or {}
    who = "you, in this session (unsaved)" if sym.name in unsaved else \
        "the loaded .config or an earlier save"
    if not sym.orig_type:
        return "undefined type: the symbol is referenced but never defined"
    if sym.choice is not None:
        return _choice_symbol_source(sym, who)
    reasons = []
    user_used = sym.user_value is not None and sym.visibility > 0
    if user_used:
        reasons.append(f"set by {who}")
    else:
        default = _default_in_force(sym)
        reasons.append(f"from its {default}" if default else
                       "no default applies" + (" (empty)" if sym.orig_type not in (BOOL, TRISTATE) else ""))
        if sym.user_value is not None:
            shown = TRI_TO_STR[sym.user_value] if sym.orig_type in (BOOL, TRISTATE) else sym.user_value
            reasons.append(f"the value {shown} that was set is ignored while the prompt is hidden")
    if sym.orig_type in (BOOL, TRISTATE):
        if not user_used and kconfiglib.expr_value(sym.weak_rev_dep) and \
                kconfiglib.expr_value(sym.direct_dep):
            reasons.append("implied by " + ", ".join(_active_operands(sym.weak_rev_dep)))
        if kconfiglib.expr_value(sym.rev_dep):
            reasons.append("forced by select from " + ", ".join(_active_operands(sym.rev_dep)))
    return "; ".join(reasons)


def _choice_symbol_source(sym: Symbol, who: str) -> str:
    choice = sym.choice
    if choice.tri_value == 0:
        return "its choice is off"
    if choice.tri_value == 1:
        return f"in a choice in m mode: set by {who}" if sym.user_value is not None \
            else "in a choice in m mode"
    if choice.selection is not sym:
        chosen = choice.selection.name if choice.selection is not None else "nothing"
        return f"not chosen: the choice selects {chosen}"
    if choice.user_selection is sym:
        return f"chosen by {who}"
    return "chosen as the choice's " + (_default_in_force(choice) or "first visible entry")


# -- the info view ----------------------------------------------------------
Roots = Sequence[tuple[str, Path]]


def short_filename(filename: str, roots: Roots = (), srctree: str | None = None) -> str:
    """A definition file relative to the tree (or app) it is in, prefixed by that root's label.

    kconfiglib gives files under $srctree (or the working directory) relative names.
    """
    path = Path(filename)
    if not path.is_absolute():
        path = Path(srctree or os.getcwd()) / path
    for label, root in roots:
        if path.is_relative_to(root):
            return label + path.relative_to(root).as_posix()
    return filename


def entry_info(node: MenuNode, unsaved: Mapping[str, str] | None = None,
               roots: Roots = ()) -> EntryInfo:
    """`unsaved`: names changed since the last save; `roots`: (label, dir) for short file names."""
    item = node.item
    if isinstance(item, Symbol):
        return _symbol_info(item, unsaved, roots)
    if isinstance(item, Choice):
        return _choice_info(item, roots)
    kind = "Menu" if item is kconfiglib.MENU else "Comment"
    sections = []
    if node.dep is not node.kconfig.y:
        sections.append(InfoSection("Depends on", tuple(term_lines(node.dep))))
    sections.append(_definitions(node.kconfig, [node], roots))
    return EntryInfo(f"{kind}: {prompt_of(node)}", tuple(sections))


def _symbol_info(sym: Symbol, unsaved: Mapping[str, str] | None, roots: Roots) -> EntryInfo:
    kconf = sym.kconfig
    value = f'"{sym.str_value}"' if sym.orig_type == kconfiglib.STRING else sym.str_value
    summary = [f"Type: {TYPE_NAMES.get(sym.orig_type, 'unknown')}"]
    prompts = [f"Prompt: {n.prompt[0]}" for n in sym.nodes if n.prompt]
    summary += prompts or ["Prompt: (none: set only by defaults and selects)"]
    summary += [f"Value: {value}", f"Comes from: {value_source(sym, unsaved)}"]
    if sym.orig_type in (BOOL, TRISTATE) and sym.assignable:
        summary.append("Can be set to: " + ", ".join(TRI_TO_STR[v] for v in sym.assignable))
    if sym.orig_type in (kconfiglib.INT, kconfiglib.HEX) and range_text(sym):
        summary.append(f"Allowed: {range_text(sym)}")
    if sym.choice is not None:
        summary.append(f"In choice: {prompt_of(sym.choice.nodes[0])}")
    sections = [InfoSection("Symbol", tuple(summary))]
    sections += _help(sym)
    if sym.direct_dep is not kconf.y:
        sections.append(InfoSection(
            f"Depends on (={TRI_TO_STR[kconfiglib.expr_value(sym.direct_dep)]})",
            tuple(term_lines(sym.direct_dep))))
    selects = [f"{target.name}" + ("" if cond is kconf.y else f" if {expr_with_values(cond)}")
               for n in sym.nodes for target, cond in n.orig_selects]
    implies = [f"{target.name}" + ("" if cond is kconf.y else f" if {expr_with_values(cond)}")
               for n in sym.nodes for target, cond in n.orig_implies]
    if selects:
        sections.append(InfoSection("Selects", tuple(selects)))
    if implies:
        sections.append(InfoSection("Implies", tuple(implies)))
    if sym.rev_dep is not kconf.n:
        sections.append(InfoSection("Selected by", tuple(_reverse_lines(sym.rev_dep))))
    if sym.weak_rev_dep is not kconf.n:
        sections.append(InfoSection("Implied by", tuple(_reverse_lines(sym.weak_rev_dep))))
    if sym.orig_defaults:
        sections.append(InfoSection("Defaults", tuple(_default_lines(sym))))
    sections.append(_definitions(kconf, sym.nodes, roots))
    title = f"CONFIG_{sym.name}" + (f": {sym.nodes[0].prompt[0]}" if sym.nodes and sym.nodes[0].prompt else "")
    return EntryInfo(title, tuple(sections))


def _choice_info(choice: Choice, roots: Roots) -> EntryInfo:
    kconf = choice.kconfig
    summary = [f"Type: {TYPE_NAMES.get(choice.orig_type, 'unknown')}",
               *(f"Prompt: {n.prompt[0]}" for n in choice.nodes if n.prompt),
               f"Mode: {choice.str_value}"]
    entries = tuple(f"{s.name}" + (" (selected)" if s is choice.selection else "")
                    for s in choice.syms)
    sections = [InfoSection("Choice", tuple(summary)), *_help(choice),
                InfoSection("Entries", entries)]
    if choice.direct_dep is not kconf.y:
        sections.append(InfoSection("Depends on", tuple(term_lines(choice.direct_dep))))
    if choice.orig_defaults:
        sections.append(InfoSection("Defaults", tuple(_default_lines(choice))))
    sections.append(_definitions(kconf, choice.nodes, roots))
    name = f" {choice.name}" if choice.name else ""
    return EntryInfo(f"Choice{name}: {prompt_of(choice.nodes[0])}", tuple(sections))


def _help(item: Symbol | Choice) -> list[InfoSection]:
    texts = [n.help for n in item.nodes if getattr(n, "help", None)]
    if not texts:
        return [InfoSection("Help", ("(no help text)",))]
    return [InfoSection("Help", tuple(line for text in texts for line in text.splitlines()))]


def _reverse_lines(expr: object) -> list[str]:
    lines = []
    for term in kconfiglib.split_expr(expr, OR):
        state = TRI_TO_STR[kconfiglib.expr_value(term)]
        lines.append(f"{expr_with_values(term)}  [{'active' if state != 'n' else 'inactive'}]")
    return lines


def _default_lines(item: Symbol | Choice) -> list[str]:
    kconf = item.kconfig
    lines = []
    for value, cond in item.orig_defaults:
        text = value.name if isinstance(item, Choice) else expr_with_values(value)
        if cond is not kconf.y:
            text += f" if {expr_with_values(cond)}  [={TRI_TO_STR[kconfiglib.expr_value(cond)]}]"
        lines.append(text)
    return lines


def _definitions(kconf: kconfiglib.Kconfig, nodes: list[MenuNode], roots: Roots) -> InfoSection:
    lines = []
    for node in nodes:
        short = [short_filename(f, roots, kconf.srctree) for f, _ in node.include_path]
        lines.append(f"{short_filename(node.filename, roots, kconf.srctree)}:{node.linenr}")
        if node.include_path:
            lines.append("  included via " + " -> ".join(
                f"{name}:{linenr}" for name, (_, linenr) in zip(short, node.include_path)))
        lines.append("  menu: " + " > ".join([prompt_of(kconf.top_node), *menu_path(node)]))
    return InfoSection("Defined at", tuple(lines))
