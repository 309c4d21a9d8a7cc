"""A FlexOS work directory under git: pinned repositories, the toolchain's rewriting, per-job trees."""
