"""The service-desk API: tickets, thread, time and categories, per role and across tenants."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest

from offload.accounts.choices import Role
from offload.accounts.tests.factories import MembershipFactory, UserFactory
from offload.api.testing import api_as
from offload.servicedesk.choices import EntryKind, Priority, TicketStatus, Visibility
from offload.servicedesk.models import Category, Ticket, TicketEntry, TimeEntry
from offload.servicedesk.tests import factories as sf
from offload.tenancy.scoping import system_scope

pytestmark = pytest.mark.django_db


@dataclass
class Desk:
    """Tickets of the world: the client user's own at a1, a colleague's at a1, one at a2, foreign ones."""

    own: Ticket  # a1, requested by the client user
    colleague: Ticket  # a1, requested by the client admin
    other_client: Ticket  # a2
    foreign: Ticket  # MSP B's client b2: nobody at MSP A sees it
    category: Category
    foreign_category: Category


@pytest.fixture
def desk(world) -> Desk:
    with system_scope("service-desk rows for the API tests"):
        a1, a2, b2 = world.clients["a1"], world.clients["a2"], world.clients["b2"]
        own = sf.TicketFactory(client=a1, contact=world.contacts["a1"][1], subject="Own printer jam")
        sf.TicketEntryFactory(ticket=own, body="We are looking at it")
        sf.TicketEntryFactory(
            ticket=own, kind=EntryKind.NOTE, visibility=Visibility.MSP_INTERNAL, body="Secret staff note"
        )
        colleague = sf.TicketFactory(
            client=a1, contact=world.contacts["a1"][0], subject="Colleague laptop", priority=Priority.P1
        )
        other_client = sf.TicketFactory(client=a2, subject="Alpha Two mail down")
        foreign = sf.TicketFactory(client=b2, subject="FOREIGN Bravo outage")
        category = sf.CategoryFactory(msp=world.msp_a, name="Hardware", path="Hardware")
        foreign_category = sf.CategoryFactory(msp=world.msp_b, name="FOREIGN Cat", path="FOREIGN Cat")
    return Desk(own, colleague, other_client, foreign, category, foreign_category)


def _subjects(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["subject"] for item in response.json()["items"])


def _count(model, **lookup) -> int:
    with system_scope("count rows in a test"):
        return model.objects.filter(**lookup).count()


# --- Listing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("msp_owner", ["Alpha Two mail down", "Colleague laptop", "Own printer jam"]),
        ("noc_agent", ["Alpha Two mail down", "Colleague laptop", "Own printer jam"]),
        ("technician_limited", ["Colleague laptop", "Own printer jam"]),
        ("client_admin", ["Colleague laptop", "Own printer jam"]),
        ("client_user", ["Own printer jam"]),
    ],
)
def test_ticket_list_shows_exactly_what_the_role_may_see(world, desk, role, expected):
    """Each role lists the tickets its scope allows, and never another tenant's."""
    assert _subjects(api_as(world.user(role)).get("/tickets")) == expected


def test_ticket_list_filters(world, desk):
    """Status, client, priority, assignee and search (reference or subject) narrow the list."""
    api = api_as(world.user("msp_owner"))
    a2 = world.clients["a2"].pk
    assert _subjects(api.get("/tickets", {"client": a2})) == ["Alpha Two mail down"]
    assert _subjects(api.get("/tickets", {"priority": "p1"})) == ["Colleague laptop"]
    assert _subjects(api.get("/tickets", {"q": "printer"})) == ["Own printer jam"]
    assert _subjects(api.get("/tickets", {"q": desk.other_client.reference})) == ["Alpha Two mail down"]
    assert _subjects(api.get("/tickets", {"status": "resolved"})) == []
    assert _subjects(api.get("/tickets", {"client": world.clients["b2"].pk})) == []
    tech = world.user("technician")
    assert api.post(f"/tickets/{desk.own.pk}/assign", {"assignee_id": tech.pk}).status_code == 200
    assert _subjects(api.get("/tickets", {"assignee": tech.pk})) == ["Own printer jam"]
    assert api.get("/tickets", {"status": "bogus"}).status_code == 422


def test_ticket_list_pages_with_a_cursor(world, desk):
    """Following next_cursor walks every ticket once, most recently updated first."""
    api = api_as(world.user("msp_owner"))
    seen, cursor = [], None
    while True:
        body = api.get("/tickets", {"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert body["next"].startswith("http")
        assert "cursor=" in body["next"]
    assert sorted(seen) == sorted([desk.own.pk, desk.colleague.pk, desk.other_client.pk])
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize(
    "raw",
    ["2020-01-01T00:00:00|1", "2020-01-01T00:00:00+00:00|99999999999999999999999", "x|y", "no-separator"],
)
def test_forged_ticket_cursor_is_a_400(world, desk, raw):
    """A cursor the API did not make (naive time, huge id, garbage) answers invalid_cursor, never 500."""
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = api_as(world.user("msp_owner")).get("/tickets", {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


# --- Reading one ticket -------------------------------------------------------------------------


def test_foreign_ticket_answers_like_a_missing_one(world, desk):
    """Another tenant's ticket id gets the very same 404 as an id that does not exist."""
    api = api_as(world.user("msp_owner"))
    assert api.get(f"/tickets/{desk.own.pk}").json()["reference"] == desk.own.reference
    foreign = api.get(f"/tickets/{desk.foreign.pk}")
    missing = api.get("/tickets/999999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    for path in ("entries", "time-entries"):
        assert api.get(f"/tickets/{desk.foreign.pk}/{path}").status_code == 404


def test_client_user_cannot_read_a_colleagues_ticket(world, desk):
    """A client user reads their own ticket; their colleague's is not found."""
    api = api_as(world.user("client_user"))
    assert api.get(f"/tickets/{desk.own.pk}").status_code == 200
    assert api.get(f"/tickets/{desk.colleague.pk}").status_code == 404


# --- Opening and changing -----------------------------------------------------------------------


def test_technician_opens_a_ticket(world, desk):
    """Staff open a ticket for a client they serve; it gets the MSP's next reference and source api."""
    api = api_as(world.user("technician"))
    contact = world.contacts["a1"][0]
    response = api.post(
        "/tickets",
        {
            "client_id": world.clients["a1"].pk,
            "contact_id": contact.pk,
            "category_id": desk.category.pk,
            "subject": "New starter needs a laptop",
            "impact": "high",
            "urgency": "high",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith(world.msp_a.ticket_prefix + "-")
    assert (body["source"], body["priority"], body["status"]) == ("api", "p1", "new")
    assert (body["contact_id"], body["category_id"]) == (contact.pk, desk.category.pk)


def test_client_user_opens_a_ticket_as_themselves(world, desk):
    """A client user's ticket names them as requester and ignores staff-only fields."""
    api = api_as(world.user("client_user"))
    tech = world.user("technician")
    response = api.post(
        "/tickets",
        {
            "client_id": world.clients["a1"].pk,
            "subject": "Mouse broken",
            "priority": "p1",
            "assignee_id": tech.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["contact_id"] == world.contacts["a1"][1].pk
    assert body["assignee_id"] is None
    assert body["priority"] != "p1"


@pytest.mark.parametrize("field", ["client_id", "contact_id", "category_id", "assignee_id"])
def test_foreign_ids_in_a_new_ticket_are_refused(world, desk, field):
    """Another tenant's client, contact, category or person in the body is a 422 and opens nothing."""
    foreign = {
        "client_id": world.clients["b2"].pk,
        "contact_id": world.contacts["b2"][0].pk,
        "category_id": desk.foreign_category.pk,
        "assignee_id": None,
    }
    if field == "assignee_id":
        stranger = UserFactory(email="bravo.tech@bravo.example")
        MembershipFactory(user=stranger, role=Role.TECHNICIAN, msp=world.msp_b)
        foreign["assignee_id"] = stranger.pk
    before = _count(Ticket)
    body = {"client_id": world.clients["a1"].pk, "subject": "Sneaky", field: foreign[field]}
    response = api_as(world.user("msp_owner")).post("/tickets", body)
    assert response.status_code == 422, response.content
    assert response.json()["error"]["fields"].keys() == {field}
    assert "FOREIGN" not in response.content.decode()
    assert "bravo" not in response.content.decode()
    assert _count(Ticket) == before


def test_contact_of_another_client_is_refused(world, desk):
    """A contact of the MSP's other client cannot be the requester: 422, nothing opened."""
    before = _count(Ticket)
    body = {"client_id": world.clients["a1"].pk, "contact_id": world.contacts["a2"][0].pk, "subject": "Mixed"}
    response = api_as(world.user("msp_owner")).post("/tickets", body)
    assert response.status_code == 422
    assert _count(Ticket) == before


@pytest.mark.parametrize("role", ["finance", "provider_admin"])
def test_roles_that_do_not_raise_tickets_get_403(world, desk, role):
    """Finance and provider admins read the desk but cannot open tickets."""
    body = {"client_id": world.clients["a1"].pk, "subject": "Not mine to raise"}
    response = api_as(world.user(role)).post("/tickets", body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_staff_patch_ticket_fields(world, desk):
    """A PATCH changes only the fields sent; a new impact and urgency re-rate the priority."""
    api = api_as(world.user("technician"))
    response = api.patch(f"/tickets/{desk.own.pk}", {"impact": "low", "urgency": "low", "subject": "Renamed"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["subject"], body["priority"], body["contact_id"]) == ("Renamed", "p4", desk.own.contact_id)


def test_patch_refuses_clients_foreign_ids_and_foreign_tickets(world, desk):
    """Clients may not edit fields; foreign categories are 422; foreign tickets are 404."""
    assert (
        api_as(world.user("client_user")).patch(f"/tickets/{desk.own.pk}", {"subject": "x"}).status_code
        == 403
    )
    api = api_as(world.user("msp_owner"))
    response = api.patch(f"/tickets/{desk.own.pk}", {"category_id": desk.foreign_category.pk})
    assert response.status_code == 422
    assert api.patch(f"/tickets/{desk.foreign.pk}", {"subject": "x"}).status_code == 404
    with system_scope("re-read"):
        assert Ticket.objects.get(pk=desk.foreign.pk).subject == "FOREIGN Bravo outage"
        assert Ticket.objects.get(pk=desk.own.pk).category_id is None


# --- Workflow -----------------------------------------------------------------------------------


def test_transitions_follow_the_workflow(world, desk):
    """A named transition moves the ticket; one its status does not allow answers the domain's code."""
    api = api_as(world.user("technician"))
    url = f"/tickets/{desk.own.pk}/transitions"
    refused = api.post(url, {"transition": "reopen"})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "transition_not_allowed"
    assert api.post(url, {"transition": "triage"}).json()["status"] == TicketStatus.TRIAGED
    resolved = api.post(url, {"transition": "resolve", "reason": "Fixed the feeder"}).json()
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"]
    assert api.post(url, {"transition": "dance"}).status_code == 422


def test_client_may_close_but_not_work_their_ticket(world, desk):
    """A client user can close their own ticket but cannot move it through staff steps."""
    api = api_as(world.user("client_user"))
    url = f"/tickets/{desk.own.pk}/transitions"
    assert api.post(url, {"transition": "start_work"}).status_code == 403
    assert api.post(url, {"transition": "close"}).json()["status"] == "closed"
    assert api.post(f"/tickets/{desk.colleague.pk}/transitions", {"transition": "close"}).status_code == 404


def test_assign_gives_the_ticket_to_a_colleague(world, desk):
    """Assigning sets the assignee and status; someone outside the client's staff is a 422 naming nobody."""
    api = api_as(world.user("service_manager"))
    tech = world.user("technician")
    body = api.post(f"/tickets/{desk.own.pk}/assign", {"assignee_id": tech.pk}).json()
    assert (body["assignee_id"], body["status"]) == (tech.pk, "assigned")
    limited = world.user("technician_limited")
    refused = api.post(f"/tickets/{desk.other_client.pk}/assign", {"assignee_id": limited.pk})
    assert refused.status_code == 422
    assert limited.email not in refused.content.decode()
    assert api.post(f"/tickets/{desk.own.pk}/assign", {"assignee_id": None}).json()["assignee_id"] is None
    assert (
        api_as(world.user("client_admin"))
        .post(f"/tickets/{desk.own.pk}/assign", {"assignee_id": tech.pk})
        .status_code
        == 403
    )


# --- Thread -------------------------------------------------------------------------------------


def test_clients_read_only_public_entries(world, desk):
    """Staff read the internal note on a ticket; its client never does."""
    staff = [
        e["body"]
        for e in api_as(world.user("technician")).get(f"/tickets/{desk.own.pk}/entries").json()["items"]
    ]
    client = [
        e["body"]
        for e in api_as(world.user("client_user")).get(f"/tickets/{desk.own.pk}/entries").json()["items"]
    ]
    assert "Secret staff note" in staff
    assert "We are looking at it" in staff
    assert client == ["We are looking at it"]


def test_replies_and_notes(world, desk):
    """Clients and staff reply publicly; only staff add internal notes."""
    client = api_as(world.user("client_user"))
    reply = client.post(f"/tickets/{desk.own.pk}/replies", {"body": "Still broken"})
    assert reply.status_code == 201, reply.content
    assert (reply.json()["kind"], reply.json()["visibility"]) == ("reply", "public")
    assert client.post(f"/tickets/{desk.own.pk}/notes", {"body": "Let me in"}).status_code == 403
    staff = api_as(world.user("technician"))
    note = staff.post(f"/tickets/{desk.own.pk}/notes", {"body": "Ordered a part"})
    assert note.status_code == 201
    assert (note.json()["kind"], note.json()["visibility"]) == ("note", "msp_internal")
    assert staff.post(f"/tickets/{desk.own.pk}/replies", {"body": ""}).status_code == 422


def test_writing_to_a_foreign_thread_is_not_found(world, desk):
    """A reply or note on another tenant's ticket is a 404 and adds nothing."""
    before = _count(TicketEntry, ticket=desk.foreign)
    api = api_as(world.user("msp_owner"))
    assert api.post(f"/tickets/{desk.foreign.pk}/replies", {"body": "hi"}).status_code == 404
    assert api.post(f"/tickets/{desk.foreign.pk}/notes", {"body": "hi"}).status_code == 404
    assert _count(TicketEntry, ticket=desk.foreign) == before


# --- Time ---------------------------------------------------------------------------------------


def test_staff_log_and_list_time_clients_see_none(world, desk):
    """A technician logs time and lists it; a client neither logs nor sees any."""
    staff = api_as(world.user("technician"))
    url = f"/tickets/{desk.own.pk}/time-entries"
    logged = staff.post(url, {"minutes": 30, "note": "Replaced feeder", "work_type": "onsite"})
    assert logged.status_code == 201, logged.content
    assert (logged.json()["minutes"], logged.json()["user_id"]) == (30, world.user("technician").pk)
    assert [t["minutes"] for t in staff.get(url).json()["items"]] == [30]
    client = api_as(world.user("client_user"))
    assert client.get(url).json()["items"] == []
    assert client.post(url, {"minutes": 5}).status_code == 403
    assert staff.post(url, {"minutes": 0}).status_code == 422


def test_time_on_another_tickets_message_is_refused(world, desk):
    """A time entry cannot point at a message of another ticket (422, nothing logged)."""
    with system_scope("a message on another ticket"):
        other_entry = sf.TicketEntryFactory(ticket=desk.colleague)
    url = f"/tickets/{desk.own.pk}/time-entries"
    response = api_as(world.user("technician")).post(url, {"minutes": 10, "entry_id": other_entry.pk})
    assert response.status_code == 422
    assert _count(TimeEntry) == 0


# --- Categories ---------------------------------------------------------------------------------


def test_categories_list_and_create(world, desk):
    """Everyone at the MSP lists its categories; only desk managers add them, under visible parents."""
    manager = api_as(world.user("service_manager"))
    created = manager.post("/categories", {"name": "Printers", "parent_id": desk.category.pk})
    assert created.status_code == 201, created.content
    assert created.json()["path"] == "Hardware / Printers"
    paths = [c["path"] for c in api_as(world.user("technician")).get("/categories").json()["items"]]
    assert paths[0] == "Hardware"
    assert len(paths) == 2
    assert not [p for p in paths if "FOREIGN" in p]
    assert api_as(world.user("technician")).post("/categories", {"name": "Mine"}).status_code == 403
    assert api_as(world.user("client_admin")).post("/categories", {"name": "Mine"}).status_code == 403
    foreign_parent = manager.post("/categories", {"name": "X", "parent_id": desk.foreign_category.pk})
    assert foreign_parent.status_code == 422
    assert manager.post("/categories", {"name": "Hardware"}).json()["error"]["code"] == "duplicate"
