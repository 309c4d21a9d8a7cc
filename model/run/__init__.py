"""Booting an image on QEMU/KVM and judging what the guest did."""
