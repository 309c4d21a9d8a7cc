"""Every validation rule, each triggered by a real kraft.yaml (or preset) with one mistake."""

from pathlib import Path

import pytest

from flexui.model.isolation.kraftyaml import load_kraft
from flexui.model.isolation.validation import validate
from flexui.model.presets.preset import load_preset

BASE = """\
specification: '0.6'
name: shop
unikraft:
  version: staging
compartments:
  - name: comp1
    mechanism: {driver: intel-pku}
    default: true
  - name: comp2
    mechanism: {driver: intel-pku}
libraries:
  tlsf: {kconfig: [CONFIG_LIBTLSF=y]}
  newlib: {compartment: comp1}
  lwip: {compartment: comp2}
"""


@pytest.fixture
def tree_libraries():
    """Libraries of the embedded tree, as the tree scanner reports them."""
    tree = pytest.importorskip("flexui.model.kconfig.tree", reason="model/kconfig/tree.py (tree scanner) not available")
    return tree.locate().libraries()


def check(tmp_path: Path, text: str, **kwargs):
    path = tmp_path / "kraft.yaml"
    path.write_text(text, encoding="utf-8")
    kf = load_kraft(path)
    kwargs.setdefault("kconfig", kf.kconfig())
    return path, validate(kf.isolation(), **kwargs)


def line_of(text: str, needle: str, nth: int = 0) -> int:
    lines = [i + 1 for i, ln in enumerate(text.splitlines()) if needle in ln]
    return lines[nth]


def only(problems, path, line, fix, severity="error"):
    assert len(problems) == 1, [str(p) for p in problems]
    p = problems[0]
    assert str(p).startswith(f"{path}:{line}: "), str(p)
    assert fix in p.message, p.message
    assert p.severity == severity
    return p


def test_the_base_file_is_valid(tmp_path):
    assert check(tmp_path, BASE)[1] == []


def test_unknown_driver(tmp_path):
    text = BASE.replace("  - name: comp2\n    mechanism: {driver: intel-pku}",
                        "  - name: comp2\n    mechanism: {driver: intel-mpk}")
    path, problems = check(tmp_path, text)
    p = only(problems, path, 9, "unknown driver 'intel-mpk' (did you mean 'intel-pku'?); "
                                "use one of intel-pku, vmept, fcalls")
    assert p.subject == "comp2"


def test_missing_driver(tmp_path):
    text = BASE.replace("  - name: comp2\n    mechanism: {driver: intel-pku}", "  - name: comp2")
    path, problems = check(tmp_path, text)
    only(problems, path, 9, "has no mechanism driver; add `mechanism: {driver: intel-pku}`")


def test_mixed_drivers(tmp_path):
    text = BASE.replace("  - name: comp2\n    mechanism: {driver: intel-pku}",
                        "  - name: comp2\n    mechanism: {driver: vmept}")
    path, problems = check(tmp_path, text)
    only(problems, path, 9, "comp2 uses vmept but comp1 uses intel-pku; an image has one driver: "
                            "set `driver: intel-pku` on every compartment")


def test_no_default_compartment(tmp_path):
    path, problems = check(tmp_path, BASE.replace("    default: true\n", ""))
    only(problems, path, 5, "no compartment is marked `default: true`; mark exactly one")


def test_several_default_compartments(tmp_path):
    text = BASE.replace("    mechanism: {driver: intel-pku}\nlibraries",
                        "    mechanism: {driver: intel-pku}\n    default: true\nlibraries")
    path, problems = check(tmp_path, text)
    only(problems, path, 9, "comp2 is marked default, and so is comp1; keep `default: true` on exactly one")


def test_duplicate_compartment_names(tmp_path):
    text = BASE.replace("  - name: comp2", "  - name: comp1").replace("lwip: {compartment: comp2}", "lwip: {}")
    path, problems = check(tmp_path, text)
    only(problems, path, 9, "compartment 'comp1' is declared twice (also at line 6); rename one of them")


def test_library_in_undeclared_compartment(tmp_path):
    text = BASE.replace("lwip: {compartment: comp2}", "lwip: {compartment: comp3}")
    _path, problems = check(tmp_path, text)
    # comp2 is now unused as well: both are reported, each at its own line.
    assert [p.origin.line for p in problems] == [9, 14]
    assert "library lwip is placed in compartment 'comp3', which is not declared" in problems[1].message
    assert "use one of comp1, comp2 or declare comp3 under `compartments`" in problems[1].message


def test_an_unused_last_compartment_is_a_warning_as_kraft_ignores_it(tmp_path):
    text = BASE.replace("libraries:", "  - name: comp3\n    mechanism: {driver: intel-pku}\nlibraries:")
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "name: comp3"),
         "compartment comp3 is declared but no library is placed in it; kraft ignores it and builds "
         "without it", severity="warning")


def test_an_unused_compartment_before_a_used_one_is_the_hole_kraft_refuses(tmp_path):
    text = BASE.replace("libraries:", "  - name: comp3\n    mechanism: {driver: intel-pku}\nlibraries:")
    text = text.replace("lwip: {compartment: comp2}", "lwip: {compartment: comp3}")
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "name: comp2"),
         "while comp3 after it is used: kraft refuses such a hole")


def test_like_kraft_only_a_used_compartment_after_the_last_unused_one_is_a_hole(tmp_path):
    text = BASE.replace("libraries:", "  - name: comp3\n    mechanism: {driver: intel-pku}\n"
                                      "  - name: comp4\n    mechanism: {driver: intel-pku}\nlibraries:")
    text = text.replace("lwip: {compartment: comp2}", "lwip: {compartment: comp3}")
    _path, problems = check(tmp_path, text)
    assert [(p.subject, p.severity) for p in problems] == [("comp2", "warning"), ("comp4", "warning")]


def test_uksched_without_ukschedcoop(tmp_path):
    text = BASE + "  uksched: {compartment: comp2, is_core: true}\n"
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "uksched:"),
         "add `ukschedcoop: {compartment: comp2, is_core: true}`")


def test_uksched_and_ukschedcoop_split(tmp_path):
    text = BASE + ("  uksched: {compartment: comp2, is_core: true}\n"
                   "  ukschedcoop: {compartment: comp1, is_core: true}\n")
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "uksched:"),
         "uksched and ukschedcoop must share a compartment (FlexOS keeps them together), but uksched "
         "is in comp2: move ukschedcoop to comp2 too")


def test_scheduler_together_in_the_default_is_fine(tmp_path):
    text = BASE + "  uksched: {is_core: true}\n"
    assert check(tmp_path, text)[1] == []


def test_dss_with_shared_stacks(tmp_path):
    text = BASE.replace("  version: staging\n", "  version: staging\n  kconfig: [CONFIG_LIBFLEXOS_ENABLE_DSS=y, "
                        "CONFIG_LIBFLEXOS_GATE_INTELPKU_SHARED_STACKS=y]\n")
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "compartments:"),
         "DSS (Data Shadow Stacks) needs private stacks; turn off shared stacks or turn off DSS")


def test_stack_options_with_vmept_are_a_warning(tmp_path):
    text = (BASE.replace("intel-pku", "vmept").replace("  tlsf: {kconfig: [CONFIG_LIBTLSF=y]}\n", "")
            .replace("  version: staging\n", "  version: staging\n  kconfig: [CONFIG_LIBFLEXOS_ENABLE_DSS=y]\n"))
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "compartments:"),
         "DSS only apply to intel-pku and are ignored with vmept; turn them off", severity="warning")


def test_too_many_mpk_compartments(tmp_path):
    comps = "".join(f"  - name: c{i}\n    mechanism: {{driver: intel-pku}}\n"
                    + ("    default: true\n" if i == 1 else "") for i in range(1, 17))
    libs = "".join(f"  lib{i}: {{compartment: c{i}}}\n" for i in range(2, 17))
    text = f"name: big\ncompartments:\n{comps}libraries:\n  tlsf: {{}}\n{libs}"
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "name: c16"),
         "Intel MPK allows at most 15 compartments but 16 are declared (from c16 on); merge some or use vmept")


def test_mpk_without_tlsf(tmp_path):
    text = BASE.replace("  tlsf: {kconfig: [CONFIG_LIBTLSF=y]}\n", "")
    path, problems = check(tmp_path, text)
    only(problems, path, 5, "Intel MPK needs the TLSF allocator; add `tlsf: {kconfig: [CONFIG_LIBTLSF=y]}`")


def test_tlsf_selected_in_kconfig_counts_for_mpk(tmp_path):
    text = BASE.replace("  tlsf: {kconfig: [CONFIG_LIBTLSF=y]}\n", "")
    assert check(tmp_path, text, kconfig={"LIBTLSF": "y"})[1] == []
    text = text.replace("  version: staging\n", "  version: staging\n  kconfig: {CONFIG_LIBTLSF: y}\n")
    assert check(tmp_path, text)[1] == []


def test_heap_size_must_be_positive(tmp_path):
    text = BASE.replace("  version: staging\n",
                        "  version: staging\n  kconfig: [CONFIG_LIBFLEXOS_COMP_HEAP_SIZE=0]\n")
    path, problems = check(tmp_path, text)
    only(problems, path, line_of(text, "compartments:"), "heap size must be positive")


def test_every_problem_is_reported_at_once(tmp_path):
    text = (BASE.replace("  - name: comp2\n    mechanism: {driver: intel-pku}",
                         "  - name: comp2\n    mechanism: {driver: fcalls}")
            .replace("lwip: {compartment: comp2}", "lwip: {compartment: comp9}")
            .replace("  tlsf: {kconfig: [CONFIG_LIBTLSF=y]}\n", "")
            + "  uksched: {compartment: comp2, is_core: true}\n")
    _path, problems = check(tmp_path, text)
    messages = [p.message for p in problems]
    assert len(problems) == 4, messages
    assert [p.origin.line for p in problems] == sorted(p.origin.line for p in problems)
    assert any("comp2 uses fcalls but comp1 uses intel-pku" in m for m in messages)
    assert any("TLSF" in m for m in messages)
    assert any("'comp9', which is not declared" in m for m in messages)
    assert any("ukschedcoop" in m for m in messages)


# -- rules that need the source tree ------------------------------------------------
def test_library_not_in_the_tree(tmp_path, tree_libraries):
    text = BASE.replace("lwip: {compartment: comp2}", "lwipp: {compartment: comp2}")
    path, problems = check(tmp_path, text, available=tree_libraries)
    only(problems, path, 14, "library lwipp is not in the source tree (did you mean 'lwip'?); "
                             "add it under libs/lwipp or remove it")


def test_core_library_without_is_core(tmp_path, tree_libraries):
    text = BASE + "  uksched: {compartment: comp2}\n  ukschedcoop: {compartment: comp2, is_core: true}\n"
    path, problems = check(tmp_path, text, available=tree_libraries)
    only(problems, path, 15, "library uksched lives inside the Unikraft tree; add `is_core: true`")


def test_external_library_marked_core(tmp_path, tree_libraries):
    text = BASE.replace("lwip: {compartment: comp2}", "lwip: {compartment: comp2, is_core: true}")
    path, problems = check(tmp_path, text, available=tree_libraries)
    only(problems, path, 14, "library lwip is not part of the Unikraft tree (it is an external library); "
                             "remove `is_core: true`")


def test_hardening_needs_the_sanitizer_library(tmp_path, tree_libraries):
    path = tmp_path / "hardened.yaml"
    path.write_text("flexui-preset: 1\nname: hardened\napp: shop\nisolation:\n"
                    "  mechanism: {driver: intel-pku}\n  compartments: [{name: comp1, default: true}]\n"
                    "  libraries:\n    tlsf: {}\n    lwip: {harden: [kasan]}\n", encoding="utf-8")
    iso = load_preset(path).isolation
    assert validate(iso, available=tree_libraries) == []
    without_kasan = {name: info for name, info in tree_libraries.items() if name != "kasan"}
    only(validate(iso, available=without_kasan), path, 9,
         "kasan hardening of lwip needs the kasan library (CONFIG_LIBKASAN), which this tree lacks")
