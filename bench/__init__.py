"""Benchmarks of the workbench against the raw libraries, measured in the same run."""
