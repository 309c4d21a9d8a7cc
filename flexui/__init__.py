"""flexui: the configurator for FlexOS."""

__version__ = "0.1.0"
