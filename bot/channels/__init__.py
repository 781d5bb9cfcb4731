"""Channel adapters: each translates events in and messages out, and nothing else."""
