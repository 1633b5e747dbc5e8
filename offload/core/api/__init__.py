"""The generic API toolkit: one error format, bounded input types, keyset pagination.

Nothing here knows a domain word; faces and domain routers build on it.
"""
