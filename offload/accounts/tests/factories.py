import factory

from offload.accounts import models
from offload.tenancy.testing import ScopedFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(ScopedFactory):
    class Meta:
        model = models.User

    email = factory.Sequence(lambda n: f"user{n}@people.example")
    first_name = factory.Sequence(lambda n: f"User{n}")
    last_name = "Tester"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    class Params:
        pass

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save(update_fields=["password"])


class MembershipFactory(ScopedFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)

    @factory.post_generation
    def limited_to_clients(self, create, extracted, **kwargs):
        if create and extracted:
            self.limited_to_clients.set(extracted)
