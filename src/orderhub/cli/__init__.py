"""The `orderhub` command line (Typer + Rich)."""
