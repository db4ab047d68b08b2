"""The second factor at log-in, taken for real (marker ``second_factor``): who must, setting up an
authenticator, the code step and its wrong turns (wrong, reused, throttled, expired), recovery
codes, replacing the app, a clinic admin's reset and the operator's command; all audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from kitclinic.accounts import second_factor as sf
from kitclinic.accounts.roles import Role
from kitclinic.audit.models import AuditAction, AuditEvent
from tests.support.clients import MODEL_BACKEND, web_client
from tests.support.personas import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.second_factor]


def _code(device: TOTPDevice, offset_steps: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps):06d}"


def _log_in(username: str) -> tuple[Client, str]:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client, response["Location"]


def _enrol(client: Client, user) -> list[str]:  # type: ignore[no-untyped-def]
    page = client.get("/account/second-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post("/account/second-factor/", {"op": "confirm", "code": _code(device)})
    assert response.status_code == 200
    return list(response.context["codes"])


@pytest.fixture
def enrolled(world):  # type: ignore[no-untyped-def]
    """The physician with a confirmed authenticator (made through the pages) and its codes."""
    client, _ = _log_in("physician")
    codes = _enrol(client, world.users["physician"])
    device = TOTPDevice.objects.get(user=world.users["physician"], confirmed=True)
    # the code just used is spent: later log-ins in the test use the next time step
    device.last_t = -1
    device.save()
    return device, codes


def test_the_rule_physicians_and_clinic_admins_always_others_when_the_organization_asks():
    assert sf.second_factor_required([Role.PHYSICIAN], False)
    assert sf.second_factor_required(["nurse", "clinic_admin"], False)
    for role in (Role.NURSE, Role.FRONT_DESK, Role.AUDITOR):
        assert not sf.second_factor_required([role], False)
        assert sf.second_factor_required([role], True)
    assert not sf.second_factor_required([], False)


def test_a_physician_without_an_app_must_set_one_up_before_anything_else(world):
    client, location = _log_in("physician")
    assert location.startswith("/")
    dashboard = client.get("/")
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith("/account/second-factor/")
    chart = client.get("/patients/")
    assert chart["Location"] == "/account/second-factor/?next=%2Fpatients%2F"
    api = client.get("/api/v1/me/")
    assert api.status_code == 401
    assert "Second factor required" in api.json()["detail"]
    fhir = client.get("/fhir/Patient")
    assert fhir.status_code == 401 and fhir["Content-Type"] == "application/fhir+json"
    assert "Second factor required" in fhir.json()["issue"][0]["diagnostics"]
    page = client.get("/account/second-factor/")
    assert b"<svg" in page.content and b"data-secret" in page.content
    assert b'aria-label="Main"' not in page.content  # no navigation before the log-in is complete


def test_setting_up_refuses_a_wrong_code_then_confirms_and_shows_ten_codes_once(world):
    physician = world.users["physician"]
    client, _ = _log_in("physician")
    client.get("/account/second-factor/")
    device = TOTPDevice.objects.get(user=physician, confirmed=False)
    wrong = f"{(int(_code(device)) + 1) % 1_000_000:06d}"
    response = client.post("/account/second-factor/", {"op": "confirm", "code": wrong})
    assert response.status_code == 200
    assert b"does not match" in response.content
    assert not TOTPDevice.objects.filter(user=physician, confirmed=True).exists()
    assert client.get("/").status_code == 302  # still in the step
    response = client.post("/account/second-factor/", {"op": "confirm", "code": _code(device)})
    codes = response.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert StaticToken.objects.filter(device__user=physician).count() == 10
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code == 200
    event = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="accounts.user").last()
    assert event is not None and "authenticator set up" in event.detail
    assert event.actor == physician


def test_log_in_asks_for_the_code_refuses_a_wrong_one_and_accepts_the_current_one(world, enrolled):
    device, _ = enrolled
    client, _ = _log_in("physician")
    assert client.get("/patients/")["Location"] == "/login/code/?next=%2Fpatients%2F"
    failures = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count()
    response = client.post("/login/code/", {"code": "000000", "next": "/patients/"})
    assert response.status_code == 200
    assert b"not right" in response.content
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED).count() == failures + 1
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # the throttle's wait has passed
    device.save()
    response = client.post("/login/code/", {"code": _code(device), "next": "/patients/"})
    assert response.status_code == 302 and response["Location"] == "/patients/"
    assert client.get("/patients/").status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.LOGIN, detail="second factor: authenticator code"
    ).exists()


def test_a_code_is_accepted_once_and_wrong_codes_in_a_row_make_the_next_try_wait(world, enrolled):
    device, _ = enrolled
    code = _code(device)
    first, _ = _log_in("physician")
    assert first.post("/login/code/", {"code": code}).status_code == 302
    second, _ = _log_in("physician")
    replay = second.post("/login/code/", {"code": code})
    assert replay.status_code == 200  # the same code again is refused
    again = second.post("/login/code/", {"code": "123456"})
    assert b"Too many wrong codes: wait" in again.content
    assert second.get("/").status_code == 302


def test_a_recovery_code_works_once_and_leads_to_replacing_the_app(world, enrolled):
    _, codes = enrolled
    client, _ = _log_in("physician")
    response = client.post("/login/code/", {"code": codes[0]})
    assert response.status_code == 302 and response["Location"] == "/account/second-factor/"
    page = client.get("/account/second-factor/")
    assert b"9</strong> of 10" in page.content
    assert AuditEvent.objects.filter(detail="second factor: recovery code (9 left)").exists()
    other, _ = _log_in("physician")
    assert other.post("/login/code/", {"code": codes[0]}).status_code == 200
    # replacing: a new app is confirmed, the old one stops working
    old = TOTPDevice.objects.get(user=world.users["physician"], confirmed=True)
    client.get("/account/second-factor/?replace=1")
    new = TOTPDevice.objects.get(user=world.users["physician"], confirmed=False)
    response = client.post("/account/second-factor/", {"op": "confirm", "code": _code(new)})
    assert response.status_code == 200 and len(response.context["codes"]) == 10
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(detail__startswith="authenticator replaced").exists()


def test_the_step_left_too_long_ends_the_session(world, enrolled, settings):
    client, _ = _log_in("physician")
    session = client.session
    began = dt.datetime.fromisoformat(session[sf.STEP_SINCE_SESSION_KEY])
    session[sf.STEP_SINCE_SESSION_KEY] = (
        began - dt.timedelta(minutes=settings.KITCLINIC_SECOND_FACTOR_STEP_MINUTES + 1)
    ).isoformat()
    session.save()
    response = client.get("/login/code/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/").status_code == 302  # logged out
    assert "_auth_user_id" not in client.session


def test_a_nurse_logs_in_with_the_password_alone_unless_the_organization_asks_everyone(world):
    client, _ = _log_in("nurse")
    assert client.get("/").status_code == 200
    organization = world.clinic.organization
    call_command("second_factor", "require-all", "--organization", organization.slug, "--on")
    client, _ = _log_in("nurse")
    assert client.get("/")["Location"].startswith("/account/second-factor/")
    assert AuditEvent.objects.filter(
        object_type="accounts.organization", changes__second_factor_for_all_staff=[False, True]
    ).exists()


def test_a_clinic_admin_resets_a_lost_device_with_a_reason(world, enrolled):
    admin = Client()
    admin.force_login(
        world.users["clinic_admin"], backend=MODEL_BACKEND
    )  # the admin's own step is not under test here
    session = admin.session
    session.pop(sf.STEP_SESSION_KEY, None)
    session.save()
    physician = world.users["physician"]
    url = "/account/second-factor/reset/"
    assert admin.get(url).status_code == 200
    events = AuditEvent.objects.count()
    response = admin.post(url, {"user": physician.pk, "reason": ""})
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(user=physician).exists()
    assert AuditEvent.objects.count() == events  # a refused reset writes nothing
    response = admin.post(url, {"user": physician.pk, "reason": "Phone lost; ID checked"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=physician, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=physician).exists()
    event = AuditEvent.objects.filter(detail__startswith="second factor reset").last()
    assert event.actor == world.users["clinic_admin"] and "Phone lost" in event.detail
    client, _ = _log_in("physician")  # must set up again
    assert client.get("/")["Location"].startswith("/account/second-factor/")
    other = world.users["other_org"]
    assert admin.post(url, {"user": other.pk, "reason": "x"}).status_code == 200  # not a choice


def test_only_a_clinic_admin_may_reset(world):
    nurse = web_client(world, "nurse")
    assert nurse.get("/account/second-factor/reset/").status_code == 403
    before = AuditEvent.objects.count()
    response = nurse.post(
        "/account/second-factor/reset/", {"user": world.users["physician"].pk, "reason": "x"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before


def test_the_operators_command_resets_and_refuses_bad_input(world, enrolled):
    with pytest.raises(CommandError) as unknown:
        call_command("second_factor", "reset", "--username", "nobody", "--reason", "lost")
    assert unknown.value.returncode == 2 and "--username" in str(unknown.value)
    with pytest.raises(CommandError) as empty:
        call_command("second_factor", "reset", "--username", "physician", "--reason", " ")
    assert empty.value.returncode == 2 and "--reason" in str(empty.value)
    assert TOTPDevice.objects.filter(user=world.users["physician"]).exists()
    call_command("second_factor", "reset", "--username", "physician", "--reason", "lost")
    assert not TOTPDevice.objects.filter(user=world.users["physician"]).exists()
    assert AuditEvent.objects.filter(
        detail="second factor reset from the command line: lost", actor=None
    ).exists()
    with pytest.raises(CommandError) as missing:
        call_command("second_factor", "require-all", "--organization", "nope", "--on")
    assert missing.value.returncode == 2
