"""Benchmarks (``make bench``): measured as ratios against a baseline in the same process."""
