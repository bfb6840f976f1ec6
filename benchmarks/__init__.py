"""Benchmarks at NUS-WIDE scale, run on demand: `python -m benchmarks` (see benchmarks/run.py)."""
