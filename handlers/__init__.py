"""Conversations and commands, independent of any chat channel."""
