from django.db import models


class Role(models.TextChoices):
    PROVIDER_ADMIN = "provider_admin", "Provider admin"
    NOC_LEAD = "noc_lead", "NOC lead"
    NOC_AGENT = "noc_agent", "NOC agent"
    MSP_OWNER = "msp_owner", "Owner"
    SERVICE_MANAGER = "service_manager", "Service manager"
    TECHNICIAN = "technician", "Technician"
    FINANCE = "finance", "Finance"
    CLIENT_ADMIN = "client_admin", "Client admin"
    CLIENT_USER = "client_user", "Client user"


PROVIDER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.NOC_LEAD, Role.NOC_AGENT})
MSP_ROLES = frozenset({Role.MSP_OWNER, Role.SERVICE_MANAGER, Role.TECHNICIAN, Role.FINANCE})
CLIENT_ROLES = frozenset({Role.CLIENT_ADMIN, Role.CLIENT_USER})
STAFF_ROLES = PROVIDER_ROLES | MSP_ROLES
