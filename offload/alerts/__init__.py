"""Monitoring alerts: webhook intake from monitoring tools, normalised, deduplicated and correlated.

`offload.alerts.normalize` is the pure first stage (payload in, NormalizedAlerts out); storage,
deduplication against tickets and the webhook endpoints build on it.
"""
