"""The routing tests' fixtures serve triage too."""

from offload.noc.tests.routing.conftest import acting_as, catalog

__all__ = ["acting_as", "catalog"]
