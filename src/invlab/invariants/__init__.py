"""Fixed invariant representations."""
