"""Benchmarks: each script runs as `uv run python bench/NAME.py`; its last line is JSON."""
