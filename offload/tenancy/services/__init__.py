"""Writes on clients and what belongs to them: one module per aggregate.

Every service takes the actor first and keyword-only arguments, checks the actor's permission by
name (the rules live in `offload.accounts.rules`), validates the row with the model's own rules
and records who made the change in the audit history.
"""
