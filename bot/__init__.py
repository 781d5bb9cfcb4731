"""Wiring: configuration, channel adapters, workers, scheduler and the command line."""
