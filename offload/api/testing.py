"""Test helpers for calling the API as a user (imported only by tests)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from offload.accounts.models import User
from offload.accounts.services.tokens import create_api_token

BASE = "/api/v1"


class ApiClient:
    """A test client that sends a fresh bearer token of `user` and speaks JSON."""

    def __init__(self, user: User) -> None:
        _token, self.raw_token = create_api_token(actor=user, user=user, name="tests")
        self.client = Client(headers={"Authorization": f"Bearer {self.raw_token}"})

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.get(BASE + path, params or {})

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.post(BASE + path, json.dumps(body), content_type="application/json")

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.patch(BASE + path, json.dumps(body), content_type="application/json")

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self.client.put(BASE + path, json.dumps(body), content_type="application/json")


def api_as(user: User) -> ApiClient:
    return ApiClient(user)
