"""Marshmallow schemas of every command (the boundary where outside input becomes a command)."""
