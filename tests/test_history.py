from flexui.model.session.history import History


def test_undo_redo_walk_back_and_forth():
    h: History[int] = History()
    h.record("a", 0, 1)
    h.record("b", 1, 2)
    assert h.undo().before == 1
    assert h.undo().before == 0
    assert h.undo() is None
    assert h.redo().after == 1
    assert h.labels() == ["a"]
    assert h.can_redo


def test_new_edit_after_undo_drops_redo():
    h: History[int] = History()
    h.record("a", 0, 1)
    h.undo()
    h.record("c", 0, 5)
    assert not h.can_redo
    assert h.labels() == ["c"]


def test_limit_forgets_oldest():
    h: History[int] = History(limit=3)
    for i in range(5):
        h.record(str(i), i, i + 1)
    assert h.labels() == ["2", "3", "4"]
