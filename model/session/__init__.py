"""One editing session: the state every screen and the CLI share, its undo history, what to open."""
