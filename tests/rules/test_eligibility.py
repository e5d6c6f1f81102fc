import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from referral_loyalty.rules import eligibility as e
from referral_loyalty.rules.eligibility import CapFacts, EnrolmentFacts, Identity, PurchaseFacts


def facts(**kw):
	base = dict(
		referee="CUST-B",
		referrer="CUST-A",
		referee_identity=Identity.of("+34 600 111 222", "b@example.com"),
		referrer_identity=Identity.of("600 999 888", "a@example.com"),
		has_active_period=True,
	)
	base.update(kw)
	return EnrolmentFacts(**base)


def test_eligible():
	assert e.enrolment_reason(facts()) is None


def test_each_reason():
	assert e.enrolment_reason(facts(referee="CUST-A")) == e.SELF_REFERRAL
	assert e.enrolment_reason(facts(already_referred=True)) == e.ALREADY_REFERRED
	assert e.enrolment_reason(facts(has_submitted_invoices=True)) == e.EXISTING_CUSTOMER
	same_mobile = Identity.of("0034-600-111-222", None)
	assert e.enrolment_reason(facts(referrer_identity=same_mobile)) == e.DUPLICATE_IDENTITY
	alias = Identity.of(None, "B+promo@Example.com")
	assert e.enrolment_reason(facts(earlier_referee_identities=(alias,))) == e.DUPLICATE_IDENTITY
	assert e.enrolment_reason(facts(code_usage_limit=3, code_used=3)) == e.CODE_USAGE_LIMIT_REACHED
	assert e.enrolment_reason(facts(code_usage_limit=3, code_used=2)) is None
	assert e.enrolment_reason(facts(has_active_period=False)) == e.NO_ACTIVE_PERIOD
	assert e.enrolment_reason(facts(has_active_period=False, code_has_own_offers=True)) is None


def test_empty_identities_never_match():
	assert not Identity.of("", "").matches(Identity.of("", ""))
	assert not Identity.of("12", "nope").matches(Identity.of("12", "nope"))


@given(st.integers(0, 20), st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))
def test_cap_reason_admits_exactly_up_to_the_limits(cap, in_period, limit, used):
	reason = e.cap_reason(CapFacts(cap, in_period, limit, used))
	over_limit = bool(limit) and used >= limit
	over_cap = bool(cap) and in_period >= cap
	assert (reason is None) == (not over_limit and not over_cap)
	if over_limit:
		assert reason == e.CODE_USAGE_LIMIT_REACHED


@given(st.integers(1, 15), st.integers(1, 40))
def test_crediting_one_at_a_time_stops_at_the_cap(cap, arrivals):
	credited = 0
	for _ in range(arrivals):
		if e.cap_reason(CapFacts(referrer_cap=cap, referrer_qualified_in_period=credited)) is None:
			credited += 1
	assert credited == min(cap, arrivals)


def test_purchase_outcome():
	day = dt.date(2026, 3, 10)
	ok = PurchaseFacts(day, Decimal("50"), Decimal("50"), dt.date(2026, 3, 10))
	assert e.purchase_outcome(ok).status == e.QUALIFIED
	small = PurchaseFacts(day, Decimal("49.99"), Decimal("50"), None)
	assert e.purchase_outcome(small).status is None
	late = PurchaseFacts(day, Decimal("500"), Decimal("50"), dt.date(2026, 3, 9))
	assert e.purchase_outcome(late) == e.QualificationOutcome(e.EXPIRED, e.QUALIFY_WINDOW_EXPIRED)


def test_return_reverses():
	assert e.return_reverses(Decimal("100"), Decimal("-60"), Decimal("50"))
	assert not e.return_reverses(Decimal("100"), Decimal("-50"), Decimal("50"))
	assert e.return_reverses(Decimal("100"), Decimal("-100"), Decimal("0"))
	assert not e.return_reverses(Decimal("100"), Decimal("-99"), Decimal("0"))


def test_expiry():
	assert e.is_expired(dt.date(2026, 1, 1), dt.date(2026, 1, 2))
	assert not e.is_expired(None, dt.date(2026, 1, 2))
