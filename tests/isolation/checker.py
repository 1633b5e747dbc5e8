"""The isolation checker: for every viewer and every discovered route, prove foreign rows stay invisible.

A *viewer* is a world user in one role (or an anonymous visitor). Which rows are *foreign* to it is
decided here, from the product rules in issue 2 — not by asking the scope code under test:

- provider staff see the MSPs their provider serves under an active agreement, and only covered clients;
- MSP staff see their MSP (a limited technician only its listed clients);
- client people see their client; a client user only the rows that are their own (`tenant_own_path`).

Checks (each reports problems instead of stopping at the first):

1. reads — every GET page/operation, with path parameters filled with foreign ids/slugs (and with
   query strings aimed at foreign rows), must never contain a *marker* of a foreign row (any text
   "FOREIGN", and the names/e-mails of rows foreign to this viewer); a distinctive foreign id must
   answer 404/403/401/405/400/422 or a redirect to a sign-in page;
2. differential — adding a flood of foreign rows must not change a byte of any parameter-free page or
   operation (after masking CSRF tokens, CSP nonces and clock times): no leaked counts or pages;
3. writes — POST/PUT/PATCH/DELETE aimed at foreign ids, or with foreign ids in the body, must leave
   every foreign row exactly as it was, and must not link the viewer's rows to foreign ones;
4. coverage — a route whose parameters the checker cannot fill fails the run with instructions.
"""

from __future__ import annotations

import html
import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlencode, urlsplit

import time_machine
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.test import Client as HttpClient
from django.urls import Resolver404, get_resolver
from django.utils import timezone

from offload.accounts.choices import MSP_ROLES, PROVIDER_ROLES, Role
from offload.accounts.models import Membership, User
from offload.accounts.testing import World
from offload.tenancy.models import MSP, Brand, Client, PortalHost, Provider, ServiceAgreement
from offload.tenancy.scoping import is_tenant_model, system_scope
from tests.isolation import seed
from tests.isolation.routes import Route, candidate_urls, discover, known_server_error, unknown_converters

WRITE_METHODS = ("post", "put", "patch", "delete")
DENIED = {400, 401, 403, 404, 405, 410, 422}
SIGN_IN_ROUTE_NAMES = {"account_login", "login", "sign_in", "mfa_authenticate", "mfa_activate_totp"}
MARKER = "FOREIGN"
# Keys that name a row in query strings and bodies; each gets a foreign row's id of the matching model.
ID_KEYS = {
    "client": "client",
    "site": "site",
    "contact": "contact",
    "asset": "asset",
    "msp": "msp",
    "brand": "brand",
    "provider": "provider",
    "agreement": "serviceagreement",
    "user": None,
    "owner": None,
    "assignee": None,
    "parent": None,
    "id": None,
    "pk": None,
}
TEXT_KEYS = ("name", "first_name", "last_name", "title", "subject", "notes", "hostname", "email")
WRITTEN = "HACKED BY THE ISOLATION TEST"


@dataclass
class Viewer:
    """Someone using Offload, with what the product rules say they may see."""

    key: str
    user: User | None
    kind: str  # provider, msp, client, anonymous
    provider_id: int | None = None
    msp_ids: set[int] = field(default_factory=set)
    full_msp_ids: set[int] = field(default_factory=set)
    client_ids: set[int] = field(default_factory=set)
    own_contact_id: int | None = None
    own_client_id: int | None = None
    token: str | None = None

    def sees_client(self, msp_id: int | None, client_id: int | None) -> bool:
        return msp_id in self.full_msp_ids or client_id in self.client_ids


def viewers_for(world: World, keys: Iterable[str]) -> list[Viewer]:
    """The expected visibility of each role key, written from the rules (see module docstring)."""
    with system_scope("expected visibility, from the world's shape"):
        clients_of = defaultdict(set)
        for c in Client.objects.all():
            clients_of[c.msp_id].add(c.id)
        out = [Viewer("anonymous", None, "anonymous")]
        for key in keys:
            user = world.user(key)
            m = Membership.objects.filter(user=user).first()
            assert m is not None
            if m.role in PROVIDER_ROLES:
                # P serves A (all clients) and B (b1 only) — see offload/accounts/testing.py.
                v = Viewer(
                    key,
                    user,
                    "provider",
                    provider_id=world.provider.id,
                    msp_ids={world.msp_a.id, world.msp_b.id},
                    full_msp_ids={world.msp_a.id},
                    client_ids={world.clients["b1"].id},
                )
            elif m.role in MSP_ROLES:
                limited = set(m.limited_to_clients.values_list("id", flat=True))
                v = Viewer(
                    key,
                    user,
                    "msp",
                    msp_ids={m.msp_id},
                    full_msp_ids=set() if limited else {m.msp_id},
                    client_ids=limited,
                )
            else:
                contact = m.contact
                v = Viewer(
                    key,
                    user,
                    "client",
                    msp_ids={contact.msp_id},
                    client_ids={contact.client_id},
                    own_client_id=contact.client_id,
                    own_contact_id=contact.id if m.role == Role.CLIENT_USER else None,
                )
            out.append(v)
    return out


def _key(path: str) -> str:
    return "id" if path in {"id", "pk"} else path if "__" in path else f"{path}_id"


def tenant_models(*, history: bool = True) -> list[type[models.Model]]:
    found = [m for m in apps.get_models() if is_tenant_model(m)]
    return found if history else [m for m in found if not hasattr(m, "instance_type")]


def foreign_pks(model: type[models.Model], viewer: Viewer) -> tuple[set[Any], set[Any]]:
    """(foreign, visible) primary keys of `model` for `viewer`, by the rules — not by the scope code."""
    msp_path = getattr(model, "tenant_msp_path", "msp")
    client_path = getattr(model, "tenant_client_path", None)
    own_path = getattr(model, "tenant_own_path", None)
    provider_path = getattr(model, "tenant_provider_path", None)
    keys = [
        _key(msp_path),
        _key(client_path) if client_path else None,
        _key(own_path) if own_path else None,
        f"{provider_path}_id" if provider_path else None,
    ]
    foreign, visible = set(), set()
    for pk, msp_id, client_id, own_id, provider_id in model._base_manager.values_list(
        "pk", *[k or "pk" for k in keys]
    ):
        # MSP-level rows (brand, agreements): the MSP decides; client rows: the client does.
        ok = msp_id in viewer.msp_ids if keys[1] is None else viewer.sees_client(msp_id, client_id)
        if ok and keys[2] and viewer.own_contact_id is not None:
            ok = own_id == viewer.own_contact_id
        if ok and keys[3] and viewer.kind == "provider":
            ok = provider_id == viewer.provider_id
        (visible if ok else foreign).add(pk)
    return foreign, visible


def text_values(model: type[models.Model], pks: set[Any]) -> dict[str, set[Any]]:
    """Text field values of the given rows, each with the MSPs whose rows hold it."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField))
        and not f.choices
        and f.name not in {"history_type", "history_change_reason", "time_zone", "country", "password"}
    ]
    defaults = {f.get_default() for f in fields}
    msp_key = _key(getattr(model, "tenant_msp_path", "msp"))
    out: dict[str, set[Any]] = defaultdict(set)
    for row in model._base_manager.filter(pk__in=pks).values_list(msp_key, *[f.attname for f in fields]):
        for value in row[1:]:
            if isinstance(value, str) and value not in defaults:
                out[value].add(row[0])
    return out


def markers_for(viewer: Viewer) -> list[str]:
    """Texts of rows foreign to `viewer` that appear in no row it may see (so any occurrence is a leak).

    Values that several MSPs' rows share (a default colour, a common job title) identify nobody and
    are not markers; the literal "FOREIGN" always is."""
    foreign_text: dict[str, set[Any]] = defaultdict(set)
    visible_text: set[str] = set()
    for model in tenant_models(history=False):
        foreign, visible = foreign_pks(model, viewer)
        for value, msps in text_values(model, foreign).items():
            foreign_text[value] |= msps
        visible_text |= set(text_values(model, visible))
    # People of foreign organisations, and providers the viewer does not belong to.
    for m in Membership.objects.select_related("user"):
        if (m.msp_id and m.msp_id not in viewer.msp_ids) or (
            m.provider_id and m.provider_id != viewer.provider_id
        ):
            foreign_text[m.user.email].add(m.msp_id)
    # MSP staff know the providers their MSP works with (the delegation panel names them); client
    # people and everyone else must never see a provider's name.
    known_providers = {viewer.provider_id or 0}
    if viewer.kind == "msp":
        known_providers |= set(
            ServiceAgreement._base_manager.filter(msp_id__in=viewer.msp_ids).values_list(
                "provider_id", flat=True
            )
        )
    for name in Provider.objects.exclude(id__in=known_providers).values_list("name", flat=True):
        foreign_text[name].add(None)
    visible_blob = "\n".join(visible_text)
    if viewer.user is not None:
        visible_blob += f"\n{viewer.user.email}\n{viewer.user.get_full_name()}"
    markers = {
        t
        for t, msps in foreign_text.items()
        if len(t) >= 6 and re.search("[A-Za-z]", t) and len(msps) == 1 and t not in visible_blob
    }
    return sorted(markers | {MARKER}, key=len, reverse=True)


def public_identity(values: Iterable[str], host: str | None) -> list[str]:
    """A brand addressed by the URL (portal slug or host) shows its public face: name, sender, support."""
    with system_scope("which brand a portal URL addresses"):
        brands = list(Brand.objects.filter(portal_slug__in=list(values)))
        if host:
            brands += [h.brand for h in PortalHost.objects.select_related("brand").filter(hostname=host)]
        texts: list[str] = []
        for b in brands:
            texts += [
                b.name,
                b.sender_name,
                b.sender_email,
                b.support_email,
                b.support_phone,
                b.portal_slug,
                b.primary_color,
                b.accent_color,
            ]
            texts += list(MSP.objects.filter(id=b.msp_id).values_list("name", flat=True))
            texts += list(PortalHost.objects.filter(brand=b).values_list("hostname", flat=True))
    return sorted({t for t in texts if t}, key=len, reverse=True)


def snapshot(viewer: Viewer) -> dict[str, dict[Any, tuple]]:
    """Every field of every row foreign to `viewer` (history excluded: it only grows with live rows)."""
    with system_scope("snapshot of foreign rows"):
        out = {}
        for model in tenant_models(history=False):
            foreign, _ = foreign_pks(model, viewer)
            fields = [f.attname for f in model._meta.concrete_fields if f.name != "updated_at"]
            out[model._meta.label] = {
                r[0]: r for r in model._base_manager.filter(pk__in=foreign).values_list(*fields)
            }
        out["users"] = {
            u.pk: (u.email, u.password, u.is_active)
            for u in User.objects.filter(memberships__msp__isnull=False).exclude(
                memberships__msp__in=viewer.msp_ids
            )
        }
    return out


VOLATILE = [
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r"\b[A-Za-z0-9]{64}\b"), "<token>"),  # masked CSRF tokens
    (re.compile(r"\b[A-Za-z0-9]{32}\b"), "<token32>"),  # session keys and unmasked CSRF secrets
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?"), "<datetime>"),
    (re.compile(r"\b\d{1,2}:\d\d(:\d\d)?(\s?[ap]\.?m\.?)?", re.I), "<time>"),
]


def normalised(body: str) -> str:
    for pattern, replacement in VOLATILE:
        body = pattern.sub(replacement, body)
    return body


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    requests: int = 0
    routes: list[Route] = field(default_factory=list)
    positive: int = 0  # param routes that answered 200 for the viewer's own row (the probes reach views)
    api_answers: int = 0  # API operations that answered 200 to a signed-in viewer (the token works)

    def add(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


@dataclass
class Values:
    """What to put into URL parameters, query strings and bodies for one viewer.

    A parameter's model is guessed from its name (`client_id`) or the path segment before it
    (`clients/<pk>/`); it then gets that model's foreign rows (a distinctive seeded one first, then one of
    the world's) and one of the viewer's own rows as a positive control. Parameters naming no model get
    one foreign row of every tenant model, slugs of foreign MSPs and brands, and a few odd values."""

    foreign: dict[str, list[str]]
    own: dict[str, list[str]]
    distinct: set[str]  # ids that name a foreign row and no row the viewer may see, of any model
    general: list[str]
    words: list[str]
    aliases: dict[str, str]
    slugs: list[str]  # foreign MSPs' and brands' slugs, then the viewer's own (a positive control)
    references: list[str] = field(default_factory=list)  # foreign tickets' references, then an own one

    @classmethod
    def of(cls, viewer: Viewer) -> Values:
        with system_scope("foreign ids for URL parameters"):
            foreign: dict[str, list[str]] = {}
            own: dict[str, list[str]] = {}
            visible_ids: set[str] = set()
            general: list[str] = []
            aliases: dict[str, str] = {}
            for model in tenant_models():
                f, v = foreign_pks(model, viewer)
                visible_ids |= {str(pk) for pk in v}
                ranked = sorted(f, key=lambda pk: (-int(pk) if str(pk).isdigit() else 0, str(pk)))
                picks = list(dict.fromkeys([*ranked[:1], *ranked[-1:]]))
                name = model._meta.model_name
                foreign[name] = [str(pk) for pk in picks]
                own[name] = [str(pk) for pk in sorted(v)[:1]]
                if not hasattr(model, "instance_type"):
                    general += foreign[name][:1]
                if not hasattr(model, "instance_type"):
                    aliases[name] = name
                    aliases[model._meta.verbose_name.replace(" ", "").lower()] = name
                    aliases[str(model._meta.verbose_name_plural).replace(" ", "").lower()] = name
            slugs: list[str] = []
            own_slugs: list[str] = []
            for model, field_name in ((MSP, "slug"), (Brand, "portal_slug")):
                f, v = foreign_pks(model, viewer)
                slugs += model._base_manager.filter(pk__in=f).values_list(field_name, flat=True)
                own_slugs += model._base_manager.filter(pk__in=v).values_list(field_name, flat=True)[:1]
            words = sorted(
                {c.label for c in apps.get_app_configs()} | {m._meta.model_name for m in apps.get_models()}
            )
            # Tickets are addressed by their human reference too (ACME-12): foreign ones, then an own.
            ticket_model = apps.get_model("servicedesk", "Ticket")
            f, v = foreign_pks(ticket_model, viewer)
            references = list(
                ticket_model._base_manager.filter(pk__in=f)
                .order_by("-pk")
                .values_list("reference", flat=True)[:3]
            ) + list(ticket_model._base_manager.filter(pk__in=v).values_list("reference", flat=True)[:1])
        distinct = {pk for pks in foreign.values() for pk in pks if pk not in visible_ids}
        general = list(dict.fromkeys(general + slugs + ["0", MARKER]))
        return cls(
            foreign,
            own,
            distinct,
            general,
            words,
            aliases,
            list(dict.fromkeys(slugs + own_slugs)),
            references,
        )

    def model_for(self, route: Route, name: str) -> str | None:
        stem = re.sub(r"(_id|_pk|_slug|id|pk)$", "", name).replace("_", "").lower()
        for key in (stem, route.segment_before(name).replace("-", "").replace("_", "").lower()):
            for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
                if candidate in self.aliases:
                    return self.aliases[candidate]
        return None

    def for_param(self, route: Route, name: str) -> list[str]:
        if name == "reference":
            return self.references
        model = self.model_for(route, name)
        if model is None and "slug" in name:
            return self.slugs
        if model is None:
            return self.general
        return list(dict.fromkeys(self.foreign.get(model, []) + self.own.get(model, []) + ["0"]))

    def aimed(self, route: Route, name: str) -> list[str]:
        """Values for writes: only ids that name a foreign row and nothing the viewer may see."""
        return [v for v in self.for_param(route, name) if v in self.distinct]

    def id_for(self, key: str) -> str:
        model = self.aliases.get(key.removesuffix("_id").replace("_", ""))
        ids = self.foreign.get(model or "", []) or self.foreign.get("client", []) or ["910001"]
        return ids[0]


class Checker:
    """Runs the four checks for a set of viewers over every discovered route."""

    def __init__(
        self,
        world: World,
        viewers: list[Viewer],
        *,
        route_filter: Callable[[Route], bool] | None = None,
        urlconfs: list[tuple[str, str | None]] | None = None,
    ) -> None:
        self.world = world
        self.viewers = viewers
        self.out = Outcome()
        urlconfs = urlconfs or [(settings.ROOT_URLCONF, None)]
        routes: list[Route] = []
        for urlconf, host in urlconfs:
            routes += discover(urlconf, host)
        self.routes = [r for r in routes if route_filter is None or route_filter(r)]
        self.out.routes = self.routes
        self._value_cache: dict[str, Values] = {}
        self._marker_cache: dict[str, list[str]] = {}
        self._public_cache: dict[tuple, list[str]] = {}
        self._gated: dict[tuple, bool] = {}
        self._page_routes: dict[str, tuple[Route, str]] = {}
        self._attach_openapi(routes)

    # ---- discovery of API operations -------------------------------------------------------------

    def _attach_openapi(self, all_routes: list[Route]) -> None:
        """Read every OpenAPI schema the URLconf serves and attach methods, query and body fields."""
        schema_routes = [r for r in all_routes if r.template.endswith("openapi.json") and not r.params]
        for schema_route in schema_routes:
            response = HttpClient().get(schema_route.url({}))
            if response.status_code != 200:
                self.out.add(f"{schema_route.display}: OpenAPI schema answered {response.status_code}")
                continue
            schema = response.json()
            for path, operations in schema.get("paths", {}).items():
                probe = re.sub(r"\{[^}]+\}", "1", path)
                target = self._route_for(probe, schema_route.urlconf, all_routes)
                if target is None:
                    self.out.add(f"OpenAPI operation path {path} resolves to no URL pattern")
                    continue
                for method, op in operations.items():
                    target.openapi_methods.add(method.lower())
                    target.openapi_query += [p for p in op.get("parameters", []) if p.get("in") == "query"]
                    body = (
                        op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
                    )
                    if body:
                        target.openapi_bodies[method.lower()] = _deref(body, schema)

    def _route_for(self, path: str, urlconf: str, routes: list[Route]) -> Route | None:
        try:
            match = get_resolver(urlconf).resolve(path)
        except Resolver404:
            return None
        return next((r for r in routes if r.urlconf == urlconf and r.pattern.callback is match.func), None)

    # ---- values that aim at foreign rows -----------------------------------------------------------

    def _values(self, viewer: Viewer) -> Values:
        if viewer.key not in self._value_cache:
            self._value_cache[viewer.key] = Values.of(viewer)
        return self._value_cache[viewer.key]

    def markers(self, viewer: Viewer) -> list[str]:
        if viewer.key not in self._marker_cache:
            with system_scope("markers of foreign rows"):
                self._marker_cache[viewer.key] = markers_for(viewer)
        return self._marker_cache[viewer.key]

    def _urls(
        self, route: Route, values: Values, *, writes: bool = False
    ) -> list[tuple[str, dict[str, str]]]:
        pick = values.aimed if writes else values.for_param
        urls = candidate_urls(route, lambda name: pick(route, name))
        if route.params and not urls and not writes:
            urls = candidate_urls(route, lambda name: values.words)[:3]
        return urls

    def _query_variants(self, route: Route, viewer: Viewer) -> list[str]:
        """Query strings that try to reach foreign rows through search, filters and pagination."""
        if route.exemption("queries"):
            return [""]
        values = self._values(viewer)
        name = next(
            (m for m in self.markers(viewer) if MARKER not in m and "@" not in m and " " in m), "Bravo"
        )
        ids = {}
        for key in ("client", "site", "contact", "asset", "msp", "brand", "provider"):
            ids[key] = ids[f"{key}_id"] = values.id_for(key)
        variants = [
            {"q": MARKER, "search": MARKER},
            {"q": name},
            ids,
            {"cursor": values.id_for("client"), "page": "2", "offset": "0", "limit": "1000"},
        ]
        for param in route.openapi_query:
            pname = param.get("name", "")
            typ = param.get("schema", {}).get("type")
            variants.append(
                {pname: values.id_for(pname) if typ == "integer" or pname.endswith("id") else MARKER}
            )
        return ["", *dict.fromkeys(urlencode(v) for v in variants)]

    def _body(self, route: Route, method: str, values: Values) -> dict[str, Any]:
        body: dict[str, Any] = dict.fromkeys(TEXT_KEYS, WRITTEN)
        body["email"] = "hacked@isolation.example"
        for key in ("client", "site", "contact", "asset", "msp", "brand", "provider", "user", "id"):
            body[key] = body[f"{key}_id"] = values.id_for(key)
        schema = route.openapi_bodies.get(method)
        for pname, prop in (schema or {}).get("properties", {}).items():
            typ = prop.get("type") or next(
                (a.get("type") for a in prop.get("anyOf", []) if a.get("type") != "null"), "string"
            )
            if typ == "integer":
                body[pname] = int(values.id_for(pname))
            elif typ == "array":
                body[pname] = [int(values.id_for(pname))]
            elif typ == "boolean":
                body[pname] = True
            else:
                body.setdefault(pname, WRITTEN)
        return body

    # ---- requests ------------------------------------------------------------------------------------

    def _clients(self, viewer: Viewer) -> tuple[HttpClient, HttpClient]:
        ui = HttpClient(raise_request_exception=False)
        api = HttpClient(raise_request_exception=False)
        if viewer.user is not None:
            ui.force_login(viewer.user)
            if viewer.token is None:
                api.force_login(viewer.user)
        return ui, api

    def _send(
        self,
        viewer: Viewer,
        clients: tuple[HttpClient, HttpClient],
        route: Route,
        method: str,
        url: str,
        data: Any = None,
    ) -> Any:
        self.out.requests += 1
        ui, api = clients
        api_route = bool(route.openapi_methods)
        client = api if api_route else ui
        headers = {"Authorization": f"Bearer {viewer.token}"} if api_route and viewer.token else {}
        extra: dict[str, Any] = {"headers": headers}
        if route.host:
            extra["HTTP_HOST"] = route.host
        if method == "get":
            return self._get(client, route, url, extra)
        if api_route:
            return getattr(client, method)(
                url, data=json.dumps(data or {}), content_type="application/json", **extra
            )
        if method == "post":
            return client.post(url, data=data or {}, **extra)
        return getattr(client, method)(
            url,
            data=urlencode(data or {}, doseq=True),
            content_type="application/x-www-form-urlencoded",
            **extra,
        )

    def _get(self, client: HttpClient, route: Route, url: str, extra: dict[str, Any]) -> Any:
        """GET, following redirects by hand but not into a sign-in page (rendering it proves nothing)."""
        chain: list[tuple[str, int]] = []
        response = client.get(url, **extra)
        while response.status_code in {301, 302, 303, 307, 308} and len(chain) < 5:
            location = response["Location"]
            chain.append((location, response.status_code))
            target = urlsplit(location)
            if target.netloc and target.netloc not in {"testserver", route.host}:
                break
            if self._sign_in_path(target.path, route):
                response.signed_in_page = True
                break
            response = client.get(target.path + (f"?{target.query}" if target.query else ""), **extra)
        response.redirect_chain = chain
        return response

    def _sign_in_path(self, path: str, route: Route) -> bool:
        try:
            match = get_resolver(route.urlconf).resolve(path)
        except Resolver404:
            return False
        return match.url_name in SIGN_IN_ROUTE_NAMES

    def _text(self, response: Any) -> str:
        parts = [f"{k}: {v}" for k, v in response.items() if k.lower() in {"location", "content-disposition"}]
        parts += [url for url, _ in getattr(response, "redirect_chain", [])]
        body = (
            b"".join(response.streaming_content)
            if getattr(response, "streaming", False)
            else response.content
        )
        return "\n".join(parts) + "\n" + body.decode("utf-8", errors="replace")

    def _public(self, values: dict[str, str], host: str | None) -> list[str]:
        key = (tuple(sorted(values.values())), host)
        if key not in self._public_cache:
            self._public_cache[key] = public_identity(values.values(), host)
        return self._public_cache[key]

    def _leaks(
        self, text: str, markers: list[str], url: str, route: Route, values: dict[str, str]
    ) -> list[str]:
        # What the requester sent (path, query) may be echoed back (a sign-in page's ?next=, a search box),
        # and a brand addressed by the URL may show its public face: neither is a leak.
        text = unquote_plus(unquote_plus(html.unescape(text)))
        sent = unquote_plus(url)
        echoes = {sent, *re.split(r"[/?&=]", sent)}
        for echo in sorted(echoes, key=len, reverse=True):
            if len(echo) > 2:
                text = text.replace(echo, "")
        for public in self._public(values, route.host):
            text = text.replace(public, "")
        return [m for m in markers if m in text]

    def _signed_in_page(self, response: Any, route: Route) -> bool:
        if getattr(response, "signed_in_page", False):
            return True
        request = response.wsgi_request
        return request is not None and self._sign_in_path(request.path, route)

    # ---- the checks ----------------------------------------------------------------------------------

    def check_coverage(self) -> None:
        for route in self.routes:
            if not route.params or route.exemption("params"):
                continue
            strange = unknown_converters(route)
            if strange:
                self.out.add(
                    f"{route.display}: cannot fill path converter(s) {', '.join(strange)}. "
                    f"Teach the isolation test: add the converter to KNOWN_CONVERTERS in "
                    f"tests/isolation/routes.py (if its values are ids or slugs), or exempt the route "
                    f"in EXEMPT there with a reviewed reason."
                )

    def check_reads(self, viewer: Viewer) -> None:
        """Every GET with foreign ids in the path or query shows no foreign marker, and denies foreign ids."""
        markers = self.markers(viewer)
        values = self._values(viewer)
        clients = self._clients(viewer)
        for route in self.routes:
            if (route.params and route.exemption("params")) or unknown_converters(route):
                continue  # unknown converters are reported by check_coverage
            urls = self._urls(route, values)
            if route.params and not urls:
                self.out.add(
                    f"{route.display}: no foreign id, slug or known word fits its parameters "
                    f"{route.params}, so the isolation test cannot exercise it. Teach the test (Values "
                    f"in tests/isolation/checker.py) or exempt it in tests/isolation/routes.py EXEMPT "
                    f"with a reason."
                )
                continue
            for url, chosen in urls:
                if self._read(viewer, clients, route, url, chosen, markers, values) == "gated":
                    break  # the route wants a sign-in this viewer lacks: other ids answer the same

    def _read(
        self,
        viewer: Viewer,
        clients: Any,
        route: Route,
        url: str,
        chosen: dict[str, str],
        markers: list[str],
        values: Values,
    ) -> str:
        queries = self._query_variants(route, viewer) if not route.params else [""]
        for i, query in enumerate(queries):
            full = f"{url}?{query}" if query else url
            response = self._send(viewer, clients, route, "get", full)
            status = response.status_code
            if status >= 500:
                if not known_server_error(route):
                    self.out.add(
                        f"[{viewer.key}] GET {route.host or ''}{full} answered {status} (server error)"
                    )
                continue
            leaks = self._leaks(self._text(response), markers, full, route, chosen)
            if leaks:
                self.out.add(f"[{viewer.key}] GET {full} shows foreign data: {leaks[:3]}")
            named = [v for v in chosen.values() if v in values.distinct]
            signed_in_page = self._signed_in_page(response, route)
            if named and status not in DENIED and not signed_in_page:
                self.out.add(
                    f"[{viewer.key}] GET {full} answered {status} for a foreign row "
                    f"(expected 404 like a missing row, 403, or a sign-in page)"
                )
            if status == 200 and not named and not signed_in_page and viewer.user is not None:
                if route.params:
                    self.out.positive += 1
                if route.openapi_methods:
                    self.out.api_answers += 1
            if i == 0 and (signed_in_page or status == 405):
                self._gated[(viewer.key, route.urlconf, route.host, route.regex)] = True
                return "gated"  # query strings cannot change a sign-in page or a method refusal
        return "ok"

    def parameter_free_gets(self) -> list[Route]:
        return [r for r in self.routes if not r.params and not unknown_converters(r)]

    def render_all(
        self, viewer: Viewer, queries: bool = True, only: Callable[[Route], bool] | None = None
    ) -> dict[str, tuple[int, str]]:
        clients = self._clients(viewer)
        pages = {}
        for route in self.parameter_free_gets():
            if (only and not only(route)) or route.exemption("differential"):
                continue
            variants = self._query_variants(route, viewer) if queries else [""]
            for i, query in enumerate(variants):
                url = route.url({}) + (f"?{query}" if query else "")
                response = self._send(viewer, clients, route, "get", url)
                pages[f"{route.host or ''}{url}"] = (response.status_code, normalised(self._text(response)))
                self._page_routes[f"{route.host or ''}{url}"] = (route, url)
                if i == 0 and (self._signed_in_page(response, route) or response.status_code == 405):
                    break
        return pages

    def check_differential(self, viewer: Viewer) -> None:
        """Foreign rows added between two identical requests change nothing in the answers."""
        self.markers(viewer)
        self._values(viewer)
        # The clock stands still while the two passes run: a page that says "3 minutes ago" or
        # "12 m held" must not differ only because a slow run crossed a minute.
        with time_machine.travel(timezone.now(), tick=False):
            # A first pass absorbs what the test's own API calls change (a token's last-used time).
            self.render_all(viewer, queries=False, only=lambda r: bool(r.openapi_methods))
            before = self.render_all(viewer)
            sid = transaction.savepoint_create()
            try:
                seed.flood(
                    client_ids=viewer.client_ids | self._clients_of(viewer.full_msp_ids),
                    full_msp_ids=viewer.full_msp_ids,
                    own_client_id=viewer.own_client_id if viewer.own_contact_id else None,
                )
                after = self.render_all(viewer)
            finally:
                transaction.savepoint_rollback(sid)
        for url, (status, body) in before.items():
            status2, body2 = after.get(url, (0, ""))
            if (status, body) != (status2, body2):
                self.out.add(
                    f"[{viewer.key}] GET {url} changed when foreign rows were added: "
                    f"{_first_difference(body, body2)} (status {status} -> {status2})"
                )

    def _clients_of(self, msp_ids: set[int]) -> set[int]:
        with system_scope("the clients of fully visible MSPs"):
            return set(Client.objects.filter(msp_id__in=msp_ids).values_list("id", flat=True))

    def _is_gated(self, viewer: Viewer, clients: Any, route: Route, url: str) -> bool:
        """Does a GET of this route land on a sign-in page for this viewer? Then writes need a sign-in too."""
        key = (viewer.key, route.urlconf, route.host, route.regex)
        if key not in self._gated:
            response = self._send(viewer, clients, route, "get", url)
            self._gated[key] = self._signed_in_page(response, route)
        return self._gated[key]

    def check_writes(self, viewer: Viewer) -> None:
        """Writes aimed at foreign rows (in the path or the body) leave every foreign row unchanged."""
        values = self._values(viewer)
        markers = self.markers(viewer)
        before = snapshot(viewer)
        sid = transaction.savepoint_create()
        try:
            clients = self._clients(viewer)
            for route in self.routes:
                if route.exemption("writes") or unknown_converters(route):
                    continue
                urls = self._urls(route, values, writes=True) if route.params else [(route.url({}), {})]
                if not urls or self._is_gated(viewer, clients, route, urls[0][0]):
                    continue
                for method in WRITE_METHODS:
                    for url, chosen in urls:
                        response = self._send(
                            viewer, clients, route, method, url, self._body(route, method, values)
                        )
                        if response.status_code >= 500 and not known_server_error(route):
                            self.out.add(
                                f"[{viewer.key}] {method.upper()} {url} answered {response.status_code}"
                            )
                        leaks = self._leaks(self._text(response), markers, url, route, chosen)
                        if leaks:
                            self.out.add(
                                f"[{viewer.key}] {method.upper()} {url} shows foreign data: {leaks[:3]}"
                            )
                        if viewer.user is not None and "_auth_user_id" not in clients[0].session:
                            clients = self._clients(viewer)  # a sign-out route was hit: sign in again
                        if response.status_code in {405, 401}:
                            break  # method not allowed here: other ids answer the same
            after = snapshot(viewer)
            for label, rows in before.items():
                changed = {
                    pk for pk in rows.keys() | after[label].keys() if rows.get(pk) != after[label].get(pk)
                }
                if changed:
                    self.out.add(f"[{viewer.key}] writes changed foreign {label} rows {sorted(changed)[:5]}")
            # Own rows must not have been linked to foreign ones: their pages would now show them.
            for key, (_, body) in self.render_all(viewer, queries=False).items():
                route, url = self._page_routes[key]
                leaks = self._leaks(body, markers, url, route, {})
                if leaks:
                    self.out.add(f"[{viewer.key}] after writes, GET {key} shows foreign data: {leaks[:3]}")
        finally:
            transaction.savepoint_rollback(sid)


def _first_difference(a: str, b: str) -> str:
    i = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"…{a[max(0, i - 60) : i + 60]!r} vs …{b[max(0, i - 60) : i + 60]!r}"


def _deref(schema: dict, root: dict) -> dict:
    ref = schema.get("$ref")
    if ref:
        node: Any = root
        for part in ref.lstrip("#/").split("/"):
            node = node[part]
        return node
    return schema
