import datetime

import factory

from offload.tenancy import models
from offload.tenancy.choices import AgreementService, AgreementStatus
from offload.tenancy.testing import ScopedFactory


class ProviderFactory(ScopedFactory):
    class Meta:
        model = models.Provider

    name = factory.Sequence(lambda n: f"Provider {n}")
    slug = factory.Sequence(lambda n: f"provider-{n}")


class MSPFactory(ScopedFactory):
    class Meta:
        model = models.MSP

    name = factory.Sequence(lambda n: f"MSP {n}")
    slug = factory.Sequence(lambda n: f"msp-{n}")
    ticket_prefix = factory.Sequence(lambda n: f"M{n:03d}")


class BrandFactory(ScopedFactory):
    class Meta:
        model = models.Brand

    msp = factory.SubFactory(MSPFactory)
    name = factory.LazyAttribute(lambda o: f"{o.msp.name} Support")
    sender_name = factory.LazyAttribute(lambda o: o.name)
    sender_email = factory.LazyAttribute(lambda o: f"support@{o.msp.slug}.example")
    support_email = factory.LazyAttribute(lambda o: f"support@{o.msp.slug}.example")
    portal_slug = factory.LazyAttribute(lambda o: o.msp.slug)


class ClientFactory(ScopedFactory):
    class Meta:
        model = models.Client

    msp = factory.SubFactory(MSPFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    email_domains = factory.LazyAttribute(lambda o: [f"{o.name.lower().replace(' ', '')}.example"])


class SiteFactory(ScopedFactory):
    class Meta:
        model = models.Site

    client = factory.SubFactory(ClientFactory)
    msp = factory.LazyAttribute(lambda o: o.client.msp)
    name = factory.Sequence(lambda n: f"Site {n}")
    time_zone = "Europe/Berlin"


class ContactFactory(ScopedFactory):
    class Meta:
        model = models.Contact

    client = factory.SubFactory(ClientFactory)
    msp = factory.LazyAttribute(lambda o: o.client.msp)
    first_name = factory.Sequence(lambda n: f"Person{n}")
    last_name = "Example"
    email = factory.LazyAttribute(lambda o: f"{o.first_name.lower()}@{o.client.email_domains[0]}")


class AssetFactory(ScopedFactory):
    class Meta:
        model = models.Asset

    client = factory.SubFactory(ClientFactory)
    msp = factory.LazyAttribute(lambda o: o.client.msp)
    name = factory.Sequence(lambda n: f"PC-{n:04d}")
    hostname = factory.LazyAttribute(lambda o: o.name.lower())


class ServiceAgreementFactory(ScopedFactory):
    class Meta:
        model = models.ServiceAgreement

    provider = factory.SubFactory(ProviderFactory)
    msp = factory.SubFactory(MSPFactory)
    name = "Help desk and NOC"
    services = factory.LazyFunction(lambda: [AgreementService.HELP_DESK, AgreementService.NOC_MONITORING])
    status = AgreementStatus.ACTIVE
    starts_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    covers_all_clients = True

    @factory.post_generation
    def clients(self, create, extracted, **kwargs):
        if create and extracted:
            self.clients.set(extracted)
