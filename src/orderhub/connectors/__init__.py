"""Connectors: each maps one external system to the canonical model and runs its flows."""
