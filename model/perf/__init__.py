"""Performance: the benchmark database and the estimator built on it."""
