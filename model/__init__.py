"""flexui's model: everything the product knows, with no user interface."""
