"""Benchmark scripts: each prints its figures against the targets (see CONTRIBUTING.md)."""
