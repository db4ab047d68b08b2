"""Every controlled-substance page × every persona × GET/POST, from the permission matrix; what
the pages show; the log's bounded query count; and refused posts writing nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kitclinic.accounts.roles import PERMISSIONS, Action, Role
from kitclinic.substances.models import SubstanceLogEntry
from kitclinic.substances.services import counts, dispensing
from tests.substances.helpers import receive
from tests.support.personas import ROLES
from tests.support.rows import rolled_back, row_counts

pytestmark = pytest.mark.django_db

PERSONAS = [*ROLES, "other_org"]
PERSONA_ROLE = {**{r: Role(r) for r in ROLES}, "other_org": Role.PHYSICIAN}


@dataclass(frozen=True)
class Ctx:
    world: object
    lot: object
    sister: object
    count_id: int
    line_id: int
    sess: object


@dataclass(frozen=True)
class Page:
    name: str
    action: Action
    post: Callable[[Ctx, str], dict[str, str]] | None = None
    kwargs: Callable[[Ctx], dict[str, int]] = lambda ctx: {}
    query: Callable[[Ctx], str] = lambda ctx: ""
    on_object: bool = False  # another clinic's object: 404 for other_org
    label: str = ""
    # The posted form names this clinic's lot: another organization's user is shown the form
    # again with the choice refused (422), and nothing is written.
    uses_lot: bool = False


def _witness(ctx: Ctx, persona: str) -> str:
    other = "nurse" if persona == "physician" else "physician"
    return str(ctx.world.users[other].pk)


PAGES = [
    Page("substance-log", Action.SUBSTANCE_LOG_VIEW),
    Page(
        "substance-receive",
        Action.SUBSTANCE_RECEIVE,
        post=lambda ctx, p: {
            "drug": "ketamine hydrochloride",
            "strength_mg_per_ml": "50",
            "vial_volume_ml": "10",
            "vials": "5",
            "supplier": "Example Pharma Supply",
            "lot_number": "NEW-1",
            "expiry_date": str(timezone.localdate() + dt.timedelta(days=300)),
        },
    ),
    Page(
        "substance-dispense",
        Action.SUBSTANCE_DISPENSE,
        uses_lot=True,
        post=lambda ctx, p: {
            "lot": str(ctx.lot.pk),
            "quantity_mg": "35",
            "session": str(ctx.sess.pk),
        },
    ),
    Page(
        "substance-waste",
        Action.SUBSTANCE_DISPENSE,
        uses_lot=True,
        post=lambda ctx, p: {
            "lot": str(ctx.lot.pk),
            "quantity_mg": "15",
            "witness": _witness(ctx, p),
            "reason": "Remainder of the syringe",
        },
    ),
    Page(
        "substance-transfer",
        Action.SUBSTANCE_RECEIVE,
        uses_lot=True,
        post=lambda ctx, p: {"lot": str(ctx.lot.pk), "to_clinic": str(ctx.sister.pk), "vials": "1"},
    ),
    Page(
        "substance-adjust",
        Action.SUBSTANCE_RECONCILE,
        uses_lot=True,
        post=lambda ctx, p: {
            "lot": str(ctx.lot.pk),
            "change_mg": "-2.5",
            "witness": _witness(ctx, p),
            "reason": "Count short",
        },
    ),
    Page(
        "substance-adjust",
        Action.SUBSTANCE_RECONCILE,
        query=lambda ctx: f"?line={ctx.line_id}",
        on_object=True,
        label="-resolve",
        post=lambda ctx, p: {
            "lot": str(ctx.lot.pk),
            "change_mg": "-10",
            "witness": _witness(ctx, p),
            "reason": "Broken vial",
        },
    ),
    Page(
        "substance-reconcile",
        Action.SUBSTANCE_RECONCILE,
        uses_lot=True,
        post=lambda ctx, p: {f"lot_{ctx.lot.pk}_vials": "1", f"lot_{ctx.lot.pk}_partial_ml": "9.8"},
    ),
    Page(
        "substance-reconciliation",
        Action.SUBSTANCE_LOG_VIEW,
        kwargs=lambda ctx: {"reconciliation_id": ctx.count_id},
        on_object=True,
    ),
    Page("substance-report", Action.SUBSTANCE_REPORT),
]
CASES = [
    pytest.param(i, method, id=f"{page.name}{page.label}-{method}")
    for i, page in enumerate(PAGES)
    for method in ("GET", "POST")
    if method == "GET" or page.post is not None
]


@pytest.fixture
def ctx(world, lot, sister_clinic, sess) -> Ctx:
    """The lot (1000 mg) and a count that found 990 mg (an open discrepancy of -10 mg)."""
    reconciliation = counts.reconciliation_record(
        actor=world.actor("nurse"), counts_mg={lot: Decimal("990")}
    )
    line = reconciliation.lines.get()
    return Ctx(world, lot, sister_clinic, reconciliation.pk, line.pk, sess)


def _url(page: Page, ctx: Ctx) -> str:
    return reverse(page.name, kwargs=page.kwargs(ctx)) + page.query(ctx)


def _expected(page: Page, persona: str, method: str) -> int:
    if persona == "anonymous":
        return 302
    if persona == "other_org" and page.on_object:
        return 404
    if PERSONA_ROLE[persona] not in PERMISSIONS[page.action]:
        return 403
    if persona == "other_org" and method == "POST" and page.uses_lot:
        return 422
    return 200 if method == "GET" else 302


@pytest.mark.parametrize(("index", "method"), CASES)
def test_page_answers_each_persona_as_the_permission_matrix_says(
    subtests, login, ctx, index, method
):
    """Every persona against one built set of records: each request runs in a savepoint rolled
    back after its check, so every persona meets the same rows; each persona is its own subtest,
    named in the report when it fails."""
    page = PAGES[index]
    url = _url(page, ctx)
    for persona in [*PERSONAS, "anonymous"]:
        with subtests.test(persona=persona), rolled_back():
            client = login(persona)  # logging in is audited: count after it
            before = row_counts()
            if method == "GET":
                response = client.get(url)
            else:
                assert page.post is not None
                response = client.post(url, page.post(ctx, persona))
            expected = _expected(page, persona, method)
            assert response.status_code == expected, (persona, response.content[:800])
            if persona == "anonymous":
                assert response["Location"].startswith(reverse("login") + "?next=")
            if expected != 302 or persona == "anonymous":
                assert row_counts() == before, f"{persona}: a refused request or a view wrote"
            else:
                assert row_counts() != before, f"{persona}: an allowed write wrote nothing"


def test_every_substance_url_is_in_the_matrix():
    from kitclinic.substances.urls import urlpatterns

    assert {p.name for p in urlpatterns} == {page.name for page in PAGES}


def test_other_organizations_lot_is_404_on_every_form_and_writes_nothing(world, login, lot):
    """A physician of another organization posting this clinic's lot id gets a 404."""
    client = login("other_org")
    witness = str(world.users["physician"].pk)
    posts = {
        "substance-dispense": {"lot": lot.pk, "quantity_mg": "5", "session": "1"},
        "substance-waste": {"lot": lot.pk, "quantity_mg": "5", "witness": witness, "reason": "x"},
        "substance-adjust": {"lot": lot.pk, "change_mg": "-5", "witness": witness, "reason": "x"},
    }
    before = row_counts()
    for name, data in posts.items():
        # The lot is not offered in the form, so the form refuses the choice (422 with errors)
        # before any service is called; nothing is written either way.
        response = client.post(reverse(name), data)
        assert response.status_code == 422
        assert "Select a valid choice" in response.content.decode()
    assert row_counts() == before


def test_nav_link_shows_for_the_roles_that_may_view_the_log(login, world):
    for persona in ROLES:
        html = login(persona).get(reverse("dashboard")).content.decode()
        shown = reverse("substance-log") in html
        assert shown == (Role(persona) in PERMISSIONS[Action.SUBSTANCE_LOG_VIEW]), persona


def test_log_shows_lots_balances_entries_newest_first_and_filters(sess, login, world, lot):
    nurse = world.actor("nurse")
    dispensing.substance_dispense(actor=nurse, lot=lot, quantity_mg=Decimal("35"), session=sess)
    dispensing.substance_waste(
        actor=nurse,
        lot=lot,
        quantity_mg=Decimal("12.5"),
        witness=world.users["physician"],
        reason="Remainder",
        session=sess,
    )
    client = login("auditor")
    html = client.get(reverse("substance-log")).content.decode()
    assert "KX-1001" in html and "952.5" in html  # 1000 − 35 − 12.5
    assert html.index("−12.5".replace("−", "-")) < html.index("-35")  # newest first
    filtered = client.get(reverse("substance-log"), {"kind": "waste"}).content.decode()
    assert "-12.5" in filtered and "-35" not in filtered
    assert "Receive" not in filtered.split("<h2>Lots in stock</h2>")[0].split("</h1>")[1]


def test_refused_post_shows_the_error_on_the_field_and_writes_nothing(sess, login, world, lot):
    client = login("nurse")
    before = row_counts()
    response = client.post(
        reverse("substance-waste"),
        {"lot": lot.pk, "quantity_mg": "10", "witness": "", "reason": "Remainder"},
    )
    assert response.status_code == 422
    assert 'id="id_witness_errors"' in response.content.decode()
    response = client.post(
        reverse("substance-dispense"),
        {"lot": lot.pk, "quantity_mg": "5000", "session": str(sess.pk)},
    )
    html = response.content.decode()
    assert 'id="id_quantity_mg_errors"' in html and "Only 1000 mg remain" in html
    assert row_counts() == before


def test_count_page_flags_the_discrepancy_and_resolving_closes_it(login, world, lot):
    client = login("nurse")
    response = client.post(
        reverse("substance-reconcile"),
        {f"lot_{lot.pk}_vials": "1", f"lot_{lot.pk}_partial_ml": "9.5", "notes": "weekly"},
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "Open discrepancy" in detail and "-25" in detail  # 500 + 9.5 mL × 50 mg/mL = 975
    log = client.get(reverse("substance-log")).content.decode()
    assert "Open count discrepancies" in log
    line_id = int(detail.split("?line=")[1].split('"')[0])
    adjust = reverse("substance-adjust") + f"?line={line_id}"
    form = client.get(adjust).content.decode()
    assert 'value="-25.000"' in form
    response = client.post(
        adjust,
        {
            "lot": lot.pk,
            "change_mg": "-25",
            "witness": world.users["physician"].pk,
            "reason": "Spilled during draw",
        },
    )
    assert response.status_code == 302
    assert "Open count discrepancies" not in client.get(reverse("substance-log")).content.decode()
    assert client.get(adjust).status_code == 404  # nothing left to resolve


def test_log_query_count_does_not_grow_with_entries_or_lots(
    sess, login, world, django_assert_max_num_queries
):
    nurse, physician = world.actor("nurse"), world.actor("physician")
    client = login("physician")

    def add(lots: int, per_lot: int) -> None:
        for n in range(lots):
            lot = receive(nurse, vials=10, lot_number=f"Q-{SubstanceLogEntry.objects.count()}-{n}")
            for _ in range(per_lot):
                dispensing.substance_dispense(
                    actor=nurse, lot=lot, quantity_mg=Decimal("10"), session=sess
                )
                dispensing.substance_waste(
                    actor=nurse,
                    lot=lot,
                    quantity_mg=Decimal("1"),
                    witness=physician.user,
                    reason="rest",
                )

    def queries() -> int:
        with django_assert_max_num_queries(15):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse("substance-log")).status_code == 200
        return len(captured.captured_queries)

    add(1, 2)
    small = queries()
    add(4, 10)
    assert queries() == small


@pytest.mark.parametrize(
    ("index", "method"),
    [
        pytest.param(i, method, id=f"{page.name}{page.label}-{method}")
        for i, page in enumerate(PAGES)
        for method in ("GET", "POST")
        if method == "GET" or page.post is not None
    ],
)
def test_page_with_the_role_only_at_another_clinic(login, ctx, index, method):
    """A role that may do the action, held at Southside only: Northside's lots, counts and
    count lines are refused (403, nothing written); the rest is the acting clinic's own."""
    page = PAGES[index]
    role = next(Role(r) for r in ROLES if Role(r) in PERMISSIONS[page.action])
    client = login(ctx.world.elsewhere(role))
    url = _url(page, ctx)
    before = row_counts()
    if method == "GET":
        response = client.get(url)
    else:
        assert page.post is not None
        response = client.post(url, page.post(ctx, role.value))
    if page.on_object:
        assert response.status_code == 403
        assert b"no role at Northside" in response.content
    elif method == "POST" and page.uses_lot:
        # the forms offer the acting clinic's lots only: another clinic's lot is not a choice
        # (refused on the field), nor counted; the form is shown again
        assert response.status_code == 422
    else:
        assert response.status_code == (200 if method == "GET" else 302)
    if response.status_code != 302:
        assert row_counts() == before


@pytest.mark.parametrize(
    ("persona", "buttons"),
    [
        ("physician", ["Receive", "Dispense", "Waste", "Transfer", "Count", "Adjust", "Report"]),
        ("nurse", ["Receive", "Dispense", "Waste", "Transfer", "Count", "Adjust"]),
        ("clinic_admin", ["Report"]),
        ("auditor", ["Report"]),
    ],
)
def test_the_log_offers_each_role_the_buttons_of_what_it_may_do(login, persona, buttons):
    html = login(persona).get(reverse("substance-log")).content.decode()
    nav = html.split('<nav aria-label="Record"')[1].split("</nav>")[0]
    shown = [part.split("</a>")[0].rsplit(">", 1)[1] for part in nav.split('role="button"')[1:]]
    assert shown == buttons


def test_the_count_page_says_which_lines_match_are_open_or_resolved(login, world, lot):
    nurse = world.actor("nurse")
    second = receive(
        nurse, lot_number="KX-2002", occurred_at=timezone.now() - dt.timedelta(hours=1)
    )
    count = counts.reconciliation_record(
        actor=nurse, counts_mg={lot: Decimal("990"), second: Decimal("1000")}
    )
    short = count.lines.get(lot=lot)
    html = login("auditor").get(reverse("substance-reconciliation", args=[count.pk])).content
    page = html.decode()
    assert "<strong>Open discrepancy</strong>" in page and "Matches" in page
    assert f"?line={short.pk}" not in page  # an auditor may not resolve it
    adjustment = counts.substance_adjust(
        actor=nurse,
        lot=lot,
        change_mg=Decimal("-10"),
        witness=world.users["physician"],
        reason="Broken vial",
        resolves=short,
    )
    page = login("nurse").get(reverse("substance-reconciliation", args=[count.pk])).content
    assert f"Resolved by adjustment #{adjustment.pk} (Broken vial)" in page.decode()
