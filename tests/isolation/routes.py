"""Discover every URL pattern (and every OpenAPI operation) and turn each into concrete requests.

Nothing here knows Offload's routes: it walks whatever URLconf is active, so a route added
tomorrow is checked tomorrow. A route whose parameters cannot be filled fails the isolation test
with instructions, unless it is in EXEMPT with a reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter, UUIDConverter
from django.urls.exceptions import Resolver404
from django.urls.resolvers import RoutePattern
from django.utils.regex_helper import normalize

# Routes the checker does not try to fill parameters for / write to, with the reviewed reason.
# Their parameter-free GET pages are still checked like every other page.
EXEMPT: dict[str, tuple[str, frozenset[str]]] = {
    # prefix: (reason, what is skipped: "params" and/or "writes")
    "accounts/": (
        "django-allauth's own pages act only on the signed-in visitor's account (sign-in, sign-out, "
        "password, e-mail, MFA); their parameters are one-time keys, not tenant ids, and posting to them "
        "would sign the viewer out or change its password mid-test. Their pages are still read once per "
        "viewer and searched for foreign markers.",
        frozenset({"params", "writes", "queries", "differential"}),
    ),
    "static/": ("static files: no tenant data.", frozenset({"params", "writes"})),
    "api/v1/openapi.json": (
        "the API's published schema: one document for everyone, read to find operations.",
        frozenset({"queries", "writes"}),
    ),
    "api/v1/docs": (
        "the API's docs page renders the published schema: the same for everyone.",
        frozenset({"queries", "writes"}),
    ),
    "media/": (
        "uploaded files are served by the web server, not Django, in production.",
        frozenset({"params", "writes"}),
    ),
}

# Server errors are not leaks (an unscoped query raises ScopeError, which answers 500), but they hide
# what a route would show, so they fail the test too — except these known bugs, each with its owner.
# Remove an entry when its bug is fixed; the test then guards the route again.
KNOWN_SERVER_ERRORS: dict[tuple[str, str], str] = {}


def known_server_error(route: Route) -> bool:
    return any(
        route.urlconf == urlconf and route.template.startswith(prefix)
        for urlconf, prefix in KNOWN_SERVER_ERRORS
    )


KNOWN_CONVERTERS = (IntConverter, StringConverter, SlugConverter, PathConverter, UUIDConverter)


@dataclass
class Route:
    """One URL pattern, with the full regex and format string of every prefix it is included under."""

    regex: str
    template: str  # "%(pk)s"-style, from django.utils.regex_helper.normalize
    params: list[str]
    converters: dict[str, Any]
    pattern: URLPattern
    urlconf: str
    host: str | None = None
    openapi_methods: set[str] = field(default_factory=set)
    openapi_query: list[dict] = field(default_factory=list)
    openapi_bodies: dict[str, dict] = field(default_factory=dict)

    @property
    def display(self) -> str:
        shown = self.template % {p: f"<{p}>" for p in self.params}
        return f"{self.host or ''}/{shown}"

    @property
    def path_prefix(self) -> str:
        return self.template.split("%(")[0]

    def exemption(self, what: str) -> str | None:
        for prefix, (reason, skipped) in EXEMPT.items():
            if self.template.startswith(prefix) and what in skipped:
                return reason
        return None

    def segment_before(self, param: str) -> str:
        """The literal path segment just before `param` ("clients" in clients/<pk>/): names its model."""
        head = self.template.split(f"%({param})s")[0].rstrip("/")
        return re.sub(r"%\([^)]*\)s", "", head.rsplit("/", 1)[-1])

    def url(self, values: dict[str, str]) -> str:
        return "/" + self.template % values


def discover(urlconf: str, host: str | None = None) -> list[Route]:
    """Every reachable URL pattern of `urlconf`, following include() (allauth, admin, ninja, ours)."""
    found: dict[str, Route] = {}

    def walk(resolver: URLResolver, prefix: str, converters: dict[str, Any]) -> None:
        for entry in resolver.url_patterns:
            regex = prefix + entry.pattern.regex.pattern.lstrip("^")
            conv = {
                **converters,
                **(entry.pattern.converters if isinstance(entry.pattern, RoutePattern) else {}),
            }
            if isinstance(entry, URLResolver):
                walk(entry, regex.removesuffix("\\Z").removesuffix("$"), conv)
                continue
            if regex in found:  # shadowed by an earlier identical pattern: unreachable, nothing to test
                continue
            template, params = normalize(regex)[0]
            found[regex] = Route(regex, template, list(params), conv, entry, urlconf, host)

    walk(get_resolver(urlconf), "", {})
    return list(found.values())


def unknown_converters(route: Route) -> list[str]:
    return [
        f"{name} ({type(conv).__module__}.{type(conv).__name__})"
        for name, conv in route.converters.items()
        if not isinstance(conv, KNOWN_CONVERTERS)
    ]


def candidate_urls(route: Route, values: Callable[[str], list[str]]) -> list[tuple[str, dict[str, str]]]:
    """Concrete URLs for `route`: each parameter takes each of its candidate values in turn (others fixed
    to their first value that resolves), keeping only URLs that really resolve to this route."""
    if not route.params:
        return [(route.url({}), {})]
    urls: list[tuple[str, dict[str, str]]] = []
    accepted: dict[str, list[str]] = {}
    for name in route.params:
        accepted[name] = [v for v in values(name) if _fits(route, name, v)]
    if not all(accepted.values()):
        return []
    base = {name: accepted[name][0] for name in route.params}
    seen = set()
    for name in route.params:
        for value in accepted[name]:
            chosen = {**base, name: value}
            url = route.url(chosen)
            if url not in seen and resolves_to(route, url):
                seen.add(url)
                urls.append((url, chosen))
    return urls


def _fits(route: Route, name: str, value: str) -> bool:
    conv = route.converters.get(name)
    if conv is not None:
        if not re.fullmatch(conv.regex, value):
            return False
        try:
            conv.to_python(value)
        except ValueError:
            return False
    return True


def resolves_to(route: Route, url: str) -> bool:
    try:
        match = get_resolver(route.urlconf).resolve(url)
    except Resolver404:
        return False
    return (
        match.func is route.pattern.callback or getattr(match, "_func_path", None) == route.pattern.lookup_str
    )
