"""The release gate: licence policies, baselines, the verdict and its CI formats."""
