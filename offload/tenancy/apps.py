from django.apps import AppConfig


class TenancyConfig(AppConfig):
    """Who owns what: providers, MSPs (the tenants), clients, sites, contacts, assets, brands."""

    name = "offload.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
