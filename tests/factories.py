"""Test data factories and helpers that act as a user would."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from pwa.models import StaffUser

PASSWORD = "correct horse battery"


def make_staff(db: Database, username: str = "lan", role: str = "staff", password: str = PASSWORD) -> StaffUser:
    """Create a staff account and return it."""
    with db.write() as session:
        user = accounts.create_staff(session, username=username, password=password, role=role)
        session.expunge(user)
        return user


def token_in(html: str) -> str:
    """The CSRF token a page carries."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def login_staff(client: TestClient, username: str = "lan", password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would."""
    token = token_in(client.get("/staff/login").text)
    response = client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
