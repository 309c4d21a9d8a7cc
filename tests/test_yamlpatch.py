"""Editing YAML text in place: comments and layout of untouched lines survive."""

import copy
import difflib

import yaml

from flexui.model.files.yamlpatch import patch_yaml, same

DOC = """\
---
# Redis with its network stack isolated
specification: '0.6'
name: redis
unikraft:
  version: staging
  kconfig:
    - CONFIG_LIBUKDEBUG=y
    # DSS: private stacks only
    - CONFIG_LIBFLEXOS_ENABLE_DSS=y
compartments:
  - name: comp1   # the default one
    mechanism:
      driver: intel-pku
    default: true
  - name: comp2
    mechanism:
      driver: intel-pku
libraries:
  newlib:
    version: staging
    compartment: comp1
  # lwip talks to the outside world
  lwip:
    version: staging
    compartment: comp2  # isolated
volumes: {}
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [ln for ln in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]


def test_unchanged_data_returns_the_text_byte_for_byte():
    assert patch_yaml(DOC, yaml.safe_load(DOC)) == DOC


def test_scalar_change_touches_only_that_value_and_keeps_its_comment():
    new = yaml.safe_load(DOC)
    new["libraries"]["lwip"]["compartment"] = "comp1"
    out = patch_yaml(DOC, new)
    assert changed_lines(DOC, out) == ["-    compartment: comp2  # isolated",
                                       "+    compartment: comp1  # isolated"]


def test_list_item_change_keeps_the_comment_between_items():
    new = yaml.safe_load(DOC)
    new["unikraft"]["kconfig"][1] = "CONFIG_LIBFLEXOS_ENABLE_DSS=n"
    out = patch_yaml(DOC, new)
    assert "    # DSS: private stacks only\n    - CONFIG_LIBFLEXOS_ENABLE_DSS=n\n" in out
    assert len(changed_lines(DOC, out)) == 2


def test_added_and_removed_entries_keep_order_and_other_comments():
    new = yaml.safe_load(DOC)
    new["compartments"].append({"name": "comp3", "mechanism": {"driver": "intel-pku"}})
    new["libraries"]["uksched"] = {"compartment": "comp3", "is_core": True}
    del new["libraries"]["newlib"]
    out = patch_yaml(DOC, new)
    assert same(yaml.safe_load(out), new)
    for comment in ("# Redis with its network stack isolated", "# the default one",
                    "# lwip talks to the outside world", "# DSS: private stacks only"):
        assert comment in out
    assert "  - name: comp3\n    mechanism:\n      driver: intel-pku\n" in out
    assert out.index("uksched:") < out.index("volumes:")


def test_new_top_level_key_goes_after_its_predecessor():
    new = {}
    for key, value in yaml.safe_load(DOC).items():
        new[key] = value
        if key == "name":
            new["arguments"] = "-p 6379"
    out = patch_yaml(DOC, new)
    assert "name: redis\narguments: -p 6379\nunikraft:" in out


def test_key_order_change_is_refused():
    data = yaml.safe_load(DOC)
    reordered = {"name": data["name"], **{k: v for k, v in data.items() if k != "name"}}
    assert patch_yaml(DOC, reordered) is None


def test_flow_style_document_is_refused_rather_than_mangled():
    text = "{name: redis, compartments: [{name: comp1}]}\n"
    new = yaml.safe_load(text)
    new["compartments"].append({"name": "comp2"})
    assert patch_yaml(text, new) is None


def test_flow_collection_inside_block_is_replaced_as_a_whole_entry():
    text = "# app\nname: redis\nlibraries: {lwip: {compartment: comp2}}  # net\nvolumes: {}\n"
    new = yaml.safe_load(text)
    new["libraries"]["lwip"]["compartment"] = "comp1"
    out = patch_yaml(text, new)
    assert out.startswith("# app\nname: redis\nlibraries:\n") and out.endswith("volumes: {}\n")
    assert same(yaml.safe_load(out), new)


def test_text_without_final_newline_gets_entries_appended_cleanly():
    text = "name: redis\nlibraries:\n  lwip: {compartment: comp2}"
    new = copy.deepcopy(yaml.safe_load(text))
    new["libraries"]["newlib"] = {"compartment": "comp1"}
    out = patch_yaml(text, new)
    assert out == "name: redis\nlibraries:\n  lwip: {compartment: comp2}\n  newlib:\n    compartment: comp1\n"


def test_same_is_strict_about_types_and_order():
    assert same({"a": 1, "b": [True]}, {"a": 1, "b": [True]})
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same({"a": 1}, {"a": True})
    assert not same(["0.6"], [0.6])
