"""Writes on users, memberships and API tokens."""
