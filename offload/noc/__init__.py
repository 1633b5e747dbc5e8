"""The NOC domain: delegation, scope, runbooks, triage. So far only the pure triage core."""
