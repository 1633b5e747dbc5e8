"""Writes of the service desk, one module per aggregate (tickets, entries, time, catalog, …).

Every service is verb-first, takes keyword-only typed arguments with the actor first, runs in one
transaction, checks `rules` permissions, and records what it did through `events`.
"""
