"""The inputs: fetched from their URLs or a mirror and checked against the lock, each source's reader,
the registry of fine-tuning tasks, and the generated mini world."""
