from offload.tenancy.models.clients import Asset, Client, Contact, Site
from offload.tenancy.models.organizations import MSP, Brand, PortalHost, Provider, ServiceAgreement

__all__ = ["MSP", "Asset", "Brand", "Client", "Contact", "PortalHost", "Provider", "ServiceAgreement", "Site"]
