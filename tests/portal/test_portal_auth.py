"""Sign-in: the setup link, passwords, the demo's one-time link, session cookies, throttling."""

from __future__ import annotations

from urllib.parse import urlsplit

from portal_helpers import EMAIL, PASSWORD, Portal, csrf_of, post_form
from sqlalchemy import select

from orderhub.clock import FakeClock
from orderhub.hub import Hub, build_hub
from orderhub.portal import demo_sign_in_link, setup_link
from orderhub.portal.ratelimit import SignInLimiter
from orderhub.services.users import authenticate, create_admin, user_count
from orderhub.serving import serve_in_thread
from orderhub.store import Database
from orderhub.store.tables import SignInFailureRow
from orderhub.web import create_web_app


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_pages_need_a_signed_in_user(portal: Portal) -> None:
    client = portal.client()
    answer = client.get("/orders?status=new")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/orders%3Fstatus%3Dnew"
    assert client.get("/healthz").status_code == 200
    page = client.get("/signin")
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"


def test_the_setup_link_creates_the_admin_once(portal: Portal) -> None:
    client = portal.client()
    assert "No administrator exists yet" in client.get("/signin").text
    link = setup_link(portal.hub, portal.url)
    assert link is not None
    token = link.split("token=")[1]
    assert client.get("/setup?token=forged").status_code == 403

    answer = post_form(
        client,
        "/setup",
        {"token": token, "email": EMAIL, "password": PASSWORD, "password_again": PASSWORD},
        page=path_of(link),
    )
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?email=")
    assert user_count(portal.hub) == 1
    assert authenticate(portal.hub, EMAIL, PASSWORD) is not None

    # Spent: the link now only points to the sign-in page, and a replayed POST creates nobody.
    assert setup_link(portal.hub, portal.url) is None
    assert client.get(path_of(link)).headers["location"] == "/signin"
    replay = post_form(
        client,
        "/setup",
        {
            "token": token,
            "email": "x@example.com",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        page="/signin",
    )
    assert replay.status_code == 303
    assert user_count(portal.hub) == 1


def test_setup_rejects_bad_input_next_to_the_field_and_keeps_the_email(portal: Portal) -> None:
    client = portal.client()
    link = setup_link(portal.hub, portal.url)
    assert link is not None
    token = link.split("token=")[1]
    short = post_form(
        client,
        "/setup",
        {"token": token, "email": EMAIL, "password": "short", "password_again": "short"},
        page=path_of(link),
    )
    assert short.status_code == 400
    assert 'id="e-password"' in short.text
    assert "at least 10 characters" in short.text
    assert f'value="{EMAIL}"' in short.text
    differ = post_form(
        client,
        "/setup",
        {"token": token, "email": EMAIL, "password": PASSWORD, "password_again": PASSWORD + "x"},
        page=path_of(link),
    )
    assert differ.status_code == 400
    assert 'id="e-password_again"' in differ.text
    assert user_count(portal.hub) == 0


def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_the_session(portal: Portal) -> None:
    create_admin(portal.hub, email=EMAIL, password=PASSWORD)
    client = portal.client()
    wrong = post_form(client, "/signin", {"email": EMAIL, "password": "nope", "next": "/"})
    assert wrong.status_code == 400
    assert "The email or the password is wrong." in wrong.text

    answer = post_form(client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/runs"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/runs"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert client.get("/runs").status_code == 200

    post_form(client, "/signout", {}, page="/runs")
    assert client.get("/runs").status_code == 303


def test_a_session_cookie_captured_before_sign_out_no_longer_works(portal: Portal) -> None:
    client = portal.signed_in()
    captured = client.cookies["orderhub_session"]
    assert client.get("/runs").status_code == 200
    post_form(client, "/signout", {}, page="/runs")
    thief = portal.client()
    thief.cookies.set("orderhub_session", captured)
    assert thief.get("/runs").status_code == 303
    # The merchant can sign in again, and that new session works.
    again = post_form(client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/"})
    assert again.status_code == 303
    assert client.get("/runs").status_code == 200


def test_sign_out_through_one_front_end_ends_the_session_on_another(
    portal: Portal, hub: Hub
) -> None:
    """Two front ends share only the database: the revocation must live there."""
    other_hub = build_hub(hub.settings, migrate=False)  # own engine, same database and key
    try:
        with serve_in_thread(create_web_app(other_hub)) as web:
            other = Portal(hub=other_hub, url=web.url)
            client = portal.signed_in()
            elsewhere = other.client()
            elsewhere.cookies.set("orderhub_session", client.cookies["orderhub_session"])
            assert elsewhere.get("/runs").status_code == 200
            post_form(client, "/signout", {}, page="/runs")
            assert elsewhere.get("/runs").status_code == 303
            other.close()
    finally:
        other_hub.close()


def test_the_cookie_is_secure_behind_https(proxied_portal: Portal) -> None:
    client = proxied_portal.client()
    answer = client.get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in answer.headers["set-cookie"]


def test_a_forwarded_scheme_from_a_peer_that_is_no_trusted_proxy_is_ignored(
    portal: Portal,
) -> None:
    answer = portal.client().get("/signin", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in answer.headers["set-cookie"]


def test_a_tampered_cookie_signs_nobody_in(portal: Portal) -> None:
    client = portal.signed_in()
    value = client.cookies["orderhub_session"]
    client.cookies.clear()
    client.cookies.set("orderhub_session", "A" + value[1:])
    assert client.get("/").status_code == 303


def test_sign_in_never_redirects_off_site(portal: Portal) -> None:
    create_admin(portal.hub, email=EMAIL, password=PASSWORD)
    client = portal.client()
    answer = post_form(
        client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "//evil.example/"}
    )
    assert answer.headers["location"] == "/"


def test_sign_in_attempts_are_throttled_per_address_and_email(portal: Portal) -> None:
    create_admin(portal.hub, email=EMAIL, password=PASSWORD)
    client = portal.client()
    for _ in range(5):
        answer = post_form(client, "/signin", {"email": EMAIL, "password": "guess", "next": "/"})
        assert answer.status_code == 400
    blocked = post_form(client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/"})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.text
    assert 1 <= int(blocked.headers["retry-after"]) <= 60
    # Another account from the same address is not locked out by these failures.
    create_admin(portal.hub, email="other@example.com", password=PASSWORD)
    other = post_form(
        client, "/signin", {"email": "other@example.com", "password": PASSWORD, "next": "/"}
    )
    assert other.status_code == 303


def test_a_forwarded_address_from_a_peer_that_is_no_trusted_proxy_is_ignored(
    portal: Portal,
) -> None:
    """A client that writes a new X-Forwarded-For on each attempt is still one address."""
    create_admin(portal.hub, email=EMAIL, password=PASSWORD)
    client = portal.client()
    for attempt in range(5):
        client.headers["X-Forwarded-For"] = f"203.0.113.{attempt + 1}"
        answer = post_form(client, "/signin", {"email": EMAIL, "password": "guess", "next": "/"})
        assert answer.status_code == 400
    client.headers["X-Forwarded-For"] = "203.0.113.99"
    blocked = post_form(client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/"})
    assert blocked.status_code == 429


def test_behind_a_trusted_proxy_each_client_is_throttled_by_its_own_address(
    proxied_portal: Portal,
) -> None:
    create_admin(proxied_portal.hub, email=EMAIL, password=PASSWORD)
    client = proxied_portal.client()
    client.headers["X-Forwarded-For"] = "203.0.113.7"
    for _ in range(5):
        answer = post_form(client, "/signin", {"email": EMAIL, "password": "guess", "next": "/"})
        assert answer.status_code == 400
    blocked = post_form(client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/"})
    assert blocked.status_code == 429
    # Another client behind the same proxy is not blocked by the first one's failures.
    client.headers["X-Forwarded-For"] = "203.0.113.8"
    other = post_form(client, "/signin", {"email": EMAIL, "password": PASSWORD, "next": "/"})
    assert other.status_code == 303


def test_the_limiter_forgets_failures_after_a_minute(database: Database) -> None:
    clock = FakeClock()
    limiter = SignInLimiter(database, now=clock.now)
    for _ in range(5):
        limiter.failed("10.0.0.1", "A@example.com")
    assert limiter.retry_after("10.0.0.1", "a@example.com") == 60
    clock.advance(59)
    assert limiter.retry_after("10.0.0.1", "a@example.com") == 1
    clock.advance(1)
    assert limiter.retry_after("10.0.0.1", "a@example.com") == 0


def test_front_ends_share_one_count_and_a_success_clears_it(database: Database) -> None:
    """Two limiters on one database (two front ends): five failures in all block both."""
    clock = FakeClock()
    first = SignInLimiter(database, now=clock.now)
    second = SignInLimiter(database, now=clock.now)
    for limiter in (first, second, first, second, first):
        limiter.failed("10.0.0.1", "a@example.com")
    assert second.retry_after("10.0.0.1", "a@example.com") == 60
    assert first.retry_after("10.0.0.2", "a@example.com") == 0  # another address
    second.succeeded("10.0.0.1", "a@example.com")
    assert first.retry_after("10.0.0.1", "a@example.com") == 0


def test_old_failures_are_deleted_as_new_ones_come(database: Database) -> None:
    clock = FakeClock()
    limiter = SignInLimiter(database, now=clock.now)
    limiter.failed("10.0.0.1", "a@example.com")
    clock.advance(61)
    limiter.failed("10.0.0.9", "b@example.com")
    with database.read_session() as session:
        rows = session.scalars(select(SignInFailureRow.key)).all()
    assert len(rows) == 1  # the first one, a minute old, is gone
    assert "a@example.com" not in rows[0]  # keys are hashes


def test_the_demo_link_signs_in_once_and_expires(portal: Portal) -> None:
    clock = FakeClock()
    portal.hub.clock = clock
    link = demo_sign_in_link(portal.hub, portal.url)
    client = portal.client()
    answer = client.get(path_of(link))
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"
    assert client.get("/").status_code == 200
    # Used: a second browser cannot use it again.
    assert portal.client().get(path_of(link)).status_code == 403
    # Expired: a fresh link older than 15 minutes is refused.
    stale = demo_sign_in_link(portal.hub, portal.url)
    clock.advance(15 * 60 + 1)
    refused = portal.client().get(path_of(stale))
    assert refused.status_code == 403
    assert "expired or was used already" in refused.text


def test_the_csrf_token_is_renewed_at_sign_in(portal: Portal) -> None:
    create_admin(portal.hub, email=EMAIL, password=PASSWORD)
    client = portal.client()
    before = csrf_of(client.get("/signin").text)
    client.post("/signin", data={"email": EMAIL, "password": PASSWORD, "csrf_token": before})
    after = csrf_of(client.get("/").text)
    assert after != before
