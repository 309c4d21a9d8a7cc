"""Textual screens: render model state, send user intent back."""
