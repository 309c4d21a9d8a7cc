"""The menuconfig screen and its dialogs."""
