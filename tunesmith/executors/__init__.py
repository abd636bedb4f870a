"""Trial executors: local process pool and Ray (see the executors issue)."""
