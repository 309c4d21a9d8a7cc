"""Kconfig: loading a tree like Unikraft's Makefile, the menu, search, explanations and `.config`."""
