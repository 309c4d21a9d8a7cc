"""Presets: named isolation configurations, applied through one pipeline and compared."""
