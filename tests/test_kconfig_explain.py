from kconfig_fixture import load_fixture, node

from flexui.model.kconfig import state as ks
from flexui.model.kconfig.explain import explain, fix_goal, plan_fix, plan_label


def apply(kconf, plan):
    for name, value in plan.assignments:
        kconf.syms[name].set_value(value)


def test_hidden_symbol_names_the_unmet_term_and_plans_the_chain():
    kconf = load_fixture()
    why = explain(node(kconf, "LWIP"))
    assert not why.editable
    (blocker,) = why.blockers
    assert blocker.message == "Hidden: its prompt needs"
    assert [(t.text, t.met) for t in blocker.terms] == [("NET(=n)", False)]
    plan = plan_fix(node(kconf, "LWIP"))
    assert plan.goal == "enable" and plan.reached
    assert plan.assignments == (("NET", "y"), ("LWIP", "y"))
    preview = {c.name: c.new for c in plan.changes}
    assert preview["SCHED"] == "y" and preview["TIMER_WHEEL"] == "y"  # the cascade is previewed
    assert plan_label(node(kconf, "LWIP"), plan) == "enable LWIP (2 assignments)"


def test_planning_leaves_the_configuration_untouched():
    kconf = load_fixture()
    before_values, before_state = ks.values(kconf), ks.capture(kconf)
    for name in ("LWIP", "BACKEND_EPT", "DRIVER_VIRTIO", "FEATURE_LOG_LEVEL"):
        plan_fix(node(kconf, name))
    assert ks.values(kconf) == before_values
    assert ks.capture(kconf) == before_state
    assert kconf.named_choices["BACKEND"].user_selection is None


def test_applying_the_plan_reaches_the_goal_with_exactly_the_previewed_changes():
    kconf = load_fixture()
    kconf.syms["MODULES"].set_value(0)
    target = node(kconf, "DRIVER_VIRTIO")
    terms = {t.text: t.met for t in explain(target).blockers[0].terms}
    assert terms == {"NET(=n)": False, "MODULES(=n)": False}
    plan = plan_fix(target)
    before = ks.values(kconf)
    apply(kconf, plan)
    assert kconf.syms["DRIVER_VIRTIO"].str_value == "y"
    assert tuple(ks.diff(before, ks.values(kconf))) == plan.changes


def test_choice_entry_behind_a_dependency_is_chosen():
    kconf = load_fixture()
    plan = plan_fix(node(kconf, "BACKEND_EPT"))
    apply(kconf, plan)
    assert kconf.named_choices["BACKEND"].selection is kconf.syms["BACKEND_EPT"]


def test_entry_of_a_hidden_choice_names_what_the_choice_needs():
    kconf = load_fixture()
    target = node(kconf, "LOG_SINK_BUFFER")
    hidden, choice = explain(target).blockers
    assert [t.text for t in hidden.terms] == ['<choice "Log destination">(=n)']
    assert choice.message == 'Its choice "Log destination" is hidden: it needs'
    assert [t.text for t in choice.terms] == ["FEATURE_LOG(=n)", "FEATURES(=n)"]
    plan = plan_fix(target)
    assert plan.assignments == (("FEATURES", "y"), ("FEATURE_LOG", "y"), ("LOG_SINK_BUFFER", "y"))


def test_hidden_int_is_unhidden_without_touching_its_value():
    kconf = load_fixture()
    target = node(kconf, "FEATURE_LOG_LEVEL")
    assert fix_goal(target) == "show"
    plan = plan_fix(target)
    assert plan.assignments == (("FEATURES", "y"), ("FEATURE_LOG", "y"))
    apply(kconf, plan)
    assert explain(target).editable


def test_selected_symbol_explains_the_select_and_plans_turning_selectors_off():
    kconf = load_fixture()
    for name in ("NET", "LWIP", "BACKEND_MPK"):
        kconf.syms[name].set_value(2)
    target = node(kconf, "SCHED")
    why = explain(target)
    assert why.blockers[0].message == "Forced to y: selected by"
    assert [t.text for t in why.blockers[0].terms] == ["LWIP(=y) && NET(=y)",
                                                       'BACKEND_MPK(=y) && <choice "Isolation backend">(=y)']
    plan = plan_fix(target)
    assert plan.goal == "disable" and plan.reached
    apply(kconf, plan)
    assert kconf.syms["SCHED"].str_value == "n"
    assert kconf.syms["LWIP"].str_value == "n"
    assert kconf.named_choices["BACKEND"].selection.name == "BACKEND_NONE"  # the default


def test_tristate_capped_at_m_by_its_dependency():
    kconf = load_fixture()
    kconf.syms["NET"].set_value(2)
    kconf.syms["LWIP"].set_value(1)
    target = node(kconf, "LWIP_IPV6")
    why = explain(target)
    assert why.editable  # n and m are still possible
    assert why.blockers[0].message == "Limited to m: a dependency is m"
    plan = plan_fix(target)
    assert plan.assignments == (("LWIP", "y"), ("LWIP_IPV6", "y"))


def test_entries_without_a_fix_say_so():
    kconf = load_fixture()
    counter = explain(node(kconf, "INTERNAL_COUNTER"))
    assert counter.blockers[0].message.startswith("No prompt")
    assert not plan_fix(node(kconf, "INTERNAL_COUNTER")).reached
    assert not plan_fix(node(kconf, "ALWAYS_ON")).reached  # promptless, on by default
    assert explain(node(kconf, "NET")).editable
    assert explain(node(kconf, "NET")).blockers == ()


def test_hidden_menu_explains_its_visible_if():
    kconf = load_fixture()
    hidden = next(n for n in kconf.menus if n.prompt[0] == "Hidden menu")
    why = explain(hidden)
    assert why.blockers[0].message == "Hidden: it is visible only if"
    assert why.blockers[0].terms[0].text == "EXPERT(=n)"
    plan = plan_fix(hidden)
    assert plan.assignments == (("EXPERT", "y"),)
