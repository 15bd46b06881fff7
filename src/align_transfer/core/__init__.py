"""What every phase shares: the config and its settings, files written whole, where every file lies and
how models are named, loading models and data, resumable training state, seeded samples, config checks."""
