"""The routing tests' fixtures serve triage too."""

from offload.noc.tests.routing.conftest import catalog

__all__ = ["catalog"]
