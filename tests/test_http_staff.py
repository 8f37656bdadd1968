"""Staff sign-in and sign-out, as a person at the counter would use them."""

from __future__ import annotations

from starlette.testclient import TestClient

from pwa import accounts
from pwa.db import Database
from tests.factories import PASSWORD, login_staff, make_staff, token_in


def test_staff_pages_need_a_login(client: TestClient) -> None:
    response = client.get("/staff/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/login")


def test_staff_can_log_in_and_out(client: TestClient, db: Database) -> None:
    make_staff(db, "lan", "admin")
    login_staff(client, "lan")
    page = client.get("/staff/")
    assert "Xin chào, lan" in page.text
    response = client.post("/staff/logout", data={"csrf_token": token_in(page.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert "Bạn đã đăng xuất" in client.get("/staff/login").text
    assert client.get("/staff/", follow_redirects=False).status_code == 303


def test_wrong_password_keeps_the_username_and_says_why(client: TestClient, db: Database) -> None:
    make_staff(db)
    token = token_in(client.get("/staff/login").text)
    response = client.post("/staff/login", data={"username": "lan", "password": "sai", "csrf_token": token})
    assert response.status_code == 401
    assert 'value="lan"' in response.text
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.text


def test_empty_fields_get_a_message_each(client: TestClient) -> None:
    token = token_in(client.get("/staff/login").text)
    response = client.post("/staff/login", data={"username": "", "password": "", "csrf_token": token})
    assert response.status_code == 422
    assert "Nhập tên đăng nhập." in response.text and "Nhập mật khẩu." in response.text
    assert 'href="#username"' in response.text  # the error summary links to the field


def test_too_many_failures_get_429_with_retry_after(client: TestClient, db: Database) -> None:
    make_staff(db)
    token = token_in(client.get("/staff/login").text)
    for _ in range(accounts.LOGIN_LIMIT.count):
        client.post("/staff/login", data={"username": "lan", "password": "x", "csrf_token": token})
    response = client.post("/staff/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "thử quá nhiều lần" in response.text


def test_only_admins_see_accounts_and_keys(client: TestClient, db: Database) -> None:
    make_staff(db, "lan", "staff")
    login_staff(client, "lan")
    assert "Tài khoản nhân viên" not in client.get("/staff/").text


def test_login_never_redirects_off_site(client: TestClient, db: Database) -> None:
    make_staff(db)
    token = token_in(client.get("/staff/login").text)
    data = {"username": "lan", "password": PASSWORD, "csrf_token": token, "next": "https://evil.example"}
    response = client.post("/staff/login", data=data, follow_redirects=False)
    assert response.headers["location"] == "/staff/"
