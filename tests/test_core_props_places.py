"""Properties of the place parsers: opening hours, old addresses, communes, topics, push subscriptions."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from pwa import admin_units, topics
from pwa.errors import Invalid
from pwa.offices import hours, search
from pwa.pickups import address
from pwa.push import subscriptions
from pwa.push.vapid import b64url

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PROVINCE = 19  # Thái Nguyên, the office's province
nasty_text = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789:;,-+ ²١٢٣０１commune:MoTuSaPHoff/\x00\n", max_size=30),
)

# --- Opening hours ---

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


@st.composite
def clock_ranges(draw: st.DrawFn) -> str:
    start = draw(st.integers(min_value=0, max_value=23 * 60 + 59))
    end = start + draw(st.integers(min_value=1, max_value=48 * 60 - start))  # the syntax goes up to 48:00
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@st.composite
def opening_rules(draw: st.DrawFn) -> str:
    """A rule of the OSM grammar a post office would write: days, times, `off`, public holidays."""
    first = draw(st.integers(min_value=0, max_value=6))
    last = draw(st.integers(min_value=first, max_value=6))
    days = DAYS[first] if first == last else f"{DAYS[first]}-{DAYS[last]}"
    if draw(st.booleans()) and first == last:
        return f"{days} off"
    times = ",".join(draw(st.lists(clock_ranges(), min_size=1, max_size=3)))
    return f"{days} {times}"


opening_hours = st.one_of(
    st.lists(opening_rules(), min_size=1, max_size=4).map("; ".join),
    st.lists(opening_rules(), min_size=1, max_size=3).map(lambda r: "; ".join([*r, "PH off"])),
    st.just("24/7"),
)


@given(st.one_of(nasty_text, opening_hours))
@example("Mo-Fr 07:00-11:30,13:30-17:00; Sa 07:00-11:30")
def test_opening_hours_are_valid_or_have_a_message(text: str) -> None:
    why = hours.problem(text)
    assert why is None or "OpenStreetMap" in why


@cache
def _minutes(span: str) -> tuple[int, int]:
    begin, end = span.split("–")
    h1, m1 = begin.split(":")
    h2, m2 = end.split(":")
    return int(h1) * 60 + int(m1), int(h2) * 60 + int(m2)


@given(opening_hours, st.dates(min_value=date(2025, 1, 1), max_value=date(2030, 12, 31)), st.data())
def test_the_week_shown_agrees_with_open_now(text: str, first: date, data: st.DataObject) -> None:
    """Whatever moment of the week: "open now" exactly when the week's list has a span around it."""
    assert hours.problem(text) is None
    week = hours.week(text, first, VN)
    assert [d.day for d in week] == [first + timedelta(days=i) for i in range(7)]
    offset = data.draw(st.integers(min_value=0, max_value=7 * 24 * 60 - 1))
    moment = datetime.combine(first, time(0, 0), VN) + timedelta(minutes=offset)
    state = hours.at(text, moment, VN)
    minute = moment.hour * 60 + moment.minute
    spans = week[offset // (24 * 60)].spans
    inside = any(b <= minute < e for b, e in map(_minutes, spans))
    assert state.open is inside, (moment, spans)
    if state.next_change is not None:
        assert moment < state.next_change <= moment + hours.HORIZON
    assert hours.describe(state, moment, VN)


@given(nasty_text)
def test_any_text_accepted_as_opening_hours_can_be_shown(text: str) -> None:
    if hours.problem(text) is None:
        moment = datetime(2026, 11, 25, 9, 30, tzinfo=VN)
        assert hours.describe(hours.at(text.strip(), moment, VN), moment, VN)
        assert len(hours.week(text.strip(), moment.date(), VN)) == 7


# --- Communes, wards and where people are ---


@given(nasty_text)
@example("²")
@example("١٢")
def test_a_ward_code_in_a_query_or_cookie_is_a_number_or_nothing(raw: str) -> None:
    text = raw.strip()
    assert search.parse_ward(raw) == (int(text) if re.fullmatch(r"[0-9]{1,8}", text) else None)


@given(st.floats(-90, 90), st.floats(-180, 180))
def test_near_round_trips(lat: float, lon: float) -> None:
    assert search.parse_near(f"{lat!r},{lon!r}") == (lat, lon)


@given(nasty_text)
def test_near_and_ward_filters_are_values_or_invalid(raw: str) -> None:
    try:
        search.filters(raw, raw)
    except Invalid as exc:
        assert set(exc.fields) <= {"near", "ward_code"}


@given(nasty_text)
def test_folding_is_idempotent_and_accent_free(text: str) -> None:
    folded = admin_units.fold(text)
    assert admin_units.fold(folded) == folded
    assert search.needle(search.needle(text)) == search.needle(text)


@given(st.sampled_from(admin_units.communes(PROVINCE)))
def test_a_commune_name_typed_without_accents_finds_it(commune: admin_units.Commune) -> None:
    assert commune in admin_units.search(PROVINCE, admin_units.fold(commune.name).upper(), limit=200)


@cache
def _old_communes() -> list[dict[str, str]]:
    from vietnamadminunits.database import query

    rows = query("SELECT DISTINCT ward, district, wardShort FROM admin_units_legacy WHERE provinceCode = '06'")
    return sorted(rows, key=lambda r: (r["district"], r["ward"]))


def test_the_former_bac_kan_has_its_108_communes() -> None:
    assert len(_old_communes()) == 108


@given(st.data(), st.sampled_from(["Thôn Nà Pài", "Số 12 đường Trường Chinh", ""]), st.booleans())
def test_every_old_bac_kan_address_reads_as_one_commune_of_today(
    data: st.DataObject, street: str, folded: bool
) -> None:
    old = data.draw(st.sampled_from(_old_communes()))
    text = ", ".join(p for p in (street, old["ward"], old["district"], "Bắc Kạn") if p)
    found = address.suggest(admin_units.fold(text) if folded else text, PROVINCE)
    assert found is not None, text
    assert admin_units.commune(found.ward_code) is not None
    assert found.ward_code in {c.code for c in admin_units.communes(PROVINCE)}
    assert old["ward"] in found.old_address or folded
    if not folded:
        assert address.suggest(text, PROVINCE) == found  # deterministic
        assert found.ward_code in search.communes_by_old_name(old["wardShort"], PROVINCE) or _ambiguous(old)


def _ambiguous(old: dict[str, str]) -> bool:
    """A short name several old communes share: the search then names several of today's communes, or none."""
    return sum(o["wardShort"] == old["wardShort"] for o in _old_communes()) > 1


@given(nasty_text)
def test_any_typed_address_is_a_commune_of_the_province_or_no_suggestion(text: str) -> None:
    found = address.suggest(text, PROVINCE)
    assert found is None or admin_units.commune(found.ward_code).province_code == PROVINCE  # type: ignore[union-attr]


# --- Topics and push subscriptions ---


@given(st.sampled_from(admin_units.communes(PROVINCE)))
def test_a_commune_topic_round_trips(commune: admin_units.Commune) -> None:
    topic = topics.commune(commune.code)
    assert topics.valid(topic) and topics.commune_code(topic) == commune.code
    assert subscriptions.valid_topics([topic, "news", topic]) == [topic, "news"]


@given(st.lists(nasty_text.map(lambda t: t if t.startswith("commune:") else "commune:" + t), max_size=3))
@example(["commune:²"])
def test_any_topic_list_is_checked_or_invalid(wanted: list[str]) -> None:
    try:
        clean = subscriptions.valid_topics(wanted)
    except Invalid as exc:
        assert set(exc.fields) == {"topics"}
        return
    for topic in clean:
        code = topics.commune_code(topic)
        assert code is not None and admin_units.commune(code) is not None and topic == topics.commune(code)


keys = st.builds(
    lambda point, auth: (b64url(b"\x04" + point), b64url(auth)),
    st.binary(min_size=64, max_size=64),
    st.binary(min_size=16, max_size=16),
)
push_hosts = st.sampled_from(["fcm.googleapis.com", "updates.push.services.mozilla.com", "web.push.apple.com"])


@given(keys, push_hosts, st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=200))
def test_a_browser_subscription_round_trips(pair: tuple[str, str], host: str, path: str) -> None:
    p256dh, auth = pair
    endpoint = f"https://{host}/wp/{path}"
    body = {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}
    assert subscriptions.parse(body, production=True) == (endpoint, p256dh, auth)
    padded = {**body, "keys": {"p256dh": p256dh + "=" * (-len(p256dh) % 4), "auth": auth}}
    assert subscriptions.parse(padded, production=False)[0] == endpoint


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | nasty_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=8,
)


@given(
    st.one_of(
        json_values,
        st.fixed_dictionaries({"endpoint": st.one_of(nasty_text, json_values), "keys": json_values}),
        st.fixed_dictionaries({"endpoint": st.sampled_from(["http://[", "https://[::1", "https://a:b@[x]/"])}),
    ),
    st.booleans(),
)
@example({"endpoint": "http://[", "keys": {}}, False)
def test_any_posted_subscription_is_stored_or_invalid(body: object, production: bool) -> None:
    try:
        endpoint, p256dh, auth = subscriptions.parse(body, production=production)
    except Invalid as exc:
        assert exc.fields and all(name.startswith("subscription") for name in exc.fields)
        return
    assert re.match(r"https?://", endpoint) and len(endpoint) <= 1000
    assert (production and endpoint.startswith("https://")) or not production
