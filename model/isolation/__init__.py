"""The isolation configuration: compartments, hardening, kraft.yaml, and what makes it buildable."""
