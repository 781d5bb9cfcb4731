"""The channel-agnostic form engine: definitions as YAML data, one step at a time."""
