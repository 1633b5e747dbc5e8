"""Test helpers shared by every app (imported only by tests)."""

from __future__ import annotations

import factory

from offload.tenancy.scoping import system_scope


class ScopedFactory(factory.django.DjangoModelFactory):
    """Creates rows (and their post-generation relations) under a system scope, as loaders do."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @classmethod
    def _generate(cls, strategy, params):
        with system_scope("test data"):
            return super()._generate(strategy, params)
