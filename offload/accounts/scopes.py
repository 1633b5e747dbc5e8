"""Turn a user's membership into the `Scope` that every query of the request runs in."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from offload.accounts.choices import MSP_ROLES, PROVIDER_ROLES, Role
from offload.accounts.models import Membership, User
from offload.tenancy.choices import AgreementStatus
from offload.tenancy.models import Contact, ServiceAgreement
from offload.tenancy.scoping import NOBODY, Scope, system_scope


def active_memberships(user: User) -> list[Membership]:
    """The user's active memberships, staff first; read across tenants to find where they belong."""
    return list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("provider", "msp", "contact")
        .order_by("id")
    )


def scope_for_membership(membership: Membership) -> Scope:
    """What `membership` may see today."""
    user_id = membership.user_id
    role = membership.role
    if role in PROVIDER_ROLES:
        assert membership.provider_id is not None  # the membership's check constraint guarantees it
        today = timezone.localdate()
        with system_scope("which MSPs a provider serves is decided across tenants"):
            agreements = list(
                ServiceAgreement.objects.filter(
                    provider_id=membership.provider_id, status=AgreementStatus.ACTIVE, starts_on__lte=today
                )
                .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
                .prefetch_related("clients")
            )
        msp_ids = frozenset(a.msp_id for a in agreements)
        full = frozenset(a.msp_id for a in agreements if a.covers_all_clients)
        clients = frozenset(c.id for a in agreements if not a.covers_all_clients for c in a.clients.all())
        return Scope(
            kind="provider",
            user_id=user_id,
            role=role,
            provider_id=membership.provider_id,
            msp_ids=msp_ids,
            full_msp_ids=full,
            client_ids=clients,
        )
    if role in MSP_ROLES:
        msp_id = membership.msp_id
        assert msp_id is not None
        limited: frozenset[int] = frozenset()
        if role == Role.TECHNICIAN:
            with system_scope("a technician's client limits are read before any scope exists"):
                limited = frozenset(membership.limited_to_clients.values_list("id", flat=True))
        if limited:
            return Scope(
                kind="msp", user_id=user_id, role=role, msp_ids=frozenset({msp_id}), client_ids=limited
            )
        return Scope(
            kind="msp",
            user_id=user_id,
            role=role,
            msp_ids=frozenset({msp_id}),
            full_msp_ids=frozenset({msp_id}),
        )
    # Client roles: the membership's contact decides the client.
    assert membership.contact_id is not None
    with system_scope("a client membership names its contact"):
        contact = Contact.objects.filter(pk=membership.contact_id, is_active=True).first()
    if contact is None:
        return NOBODY
    return Scope(
        kind="client",
        user_id=user_id,
        role=role,
        msp_ids=frozenset({contact.msp_id}),
        client_ids=frozenset({contact.client_id}),
        contact_id=contact.id if role == Role.CLIENT_USER else None,
    )
