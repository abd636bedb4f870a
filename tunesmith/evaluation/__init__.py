"""Benchmarks: Bayesmark and a Kaggle-style task suite (see the evaluation issue)."""
