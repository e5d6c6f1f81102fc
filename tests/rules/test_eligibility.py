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
		referee_identity=Identity.of("+34 600 111 222", "b@example.com", "ES"),
		referrer_identity=Identity.of("600 999 888", "a@example.com", "ES"),
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
	same_mobile = Identity.of("600-111-222", None, "ES")
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
	assert e.purchase_outcome(small) == e.QualificationOutcome(None, note="below_minimum")
	late = PurchaseFacts(day, Decimal("500"), Decimal("50"), dt.date(2026, 3, 9))
	assert e.purchase_outcome(late) == e.QualificationOutcome(e.EXPIRED, e.QUALIFY_WINDOW_EXPIRED)


def test_a_sale_read_late_credits_only_as_it_is_now():
	day = dt.date(2026, 3, 10)
	sale = dict(
		posting_date=day, net_amount=Decimal("100"), min_purchase_amount=Decimal("50"), qualify_by=None
	)
	assert e.purchase_outcome(PurchaseFacts(**sale, submitted=False)).note == "cancelled"
	assert e.purchase_outcome(PurchaseFacts(**sale, same_company=False)).note == "other_company"
	returned = PurchaseFacts(**sale, returned_amount=Decimal("-60"))
	assert e.purchase_outcome(returned).note == "below_minimum"
	kept = PurchaseFacts(**sale, returned_amount=Decimal("-50"))
	assert e.purchase_outcome(kept).status == e.QUALIFIED


def test_an_expired_referral_qualifies_only_by_a_sale_dated_inside_its_window():
	window_end = dt.date(2026, 3, 31)
	inside = PurchaseFacts(dt.date(2026, 3, 20), Decimal("100"), Decimal("50"), window_end)
	after = PurchaseFacts(dt.date(2026, 4, 2), Decimal("100"), Decimal("50"), window_end)
	assert e.purchase_outcome(inside, e.EXPIRED).status == e.QUALIFIED
	assert e.purchase_outcome(after, e.EXPIRED) == e.QualificationOutcome(None, note="late")
	assert e.may_still_qualify(e.EXPIRED, e.QUALIFY_WINDOW_EXPIRED)
	assert not e.may_still_qualify(e.EXPIRED, None)
	assert not e.may_still_qualify(e.REJECTED, e.REFERRER_CAP_REACHED)


@given(
	st.decimals(min_value=0, max_value=10_000, places=2),
	st.decimals(min_value=-10_000, max_value=0, places=2),
	st.decimals(min_value=0, max_value=500, places=2),
	st.booleans(),
	st.booleans(),
)
def test_a_sale_qualifies_only_when_submitted_of_the_company_and_kept_above_the_minimum(
	net, returned, minimum, submitted, same_company
):
	returned = max(returned, -net)
	facts = PurchaseFacts(dt.date(2026, 3, 1), net, minimum, None, returned, submitted, same_company)
	qualifies = e.purchase_outcome(facts).status == e.QUALIFIED
	kept = net + returned
	assert qualifies == (submitted and same_company and (kept >= minimum if minimum > 0 else kept > 0))


def test_mobile_numbers_compare_as_numbers():
	assert e.normalise_mobile("612 345 678", "ES") == "+34612345678"
	assert e.normalise_mobile("+34 612-345-678") == "+34612345678"
	assert e.normalise_mobile("0034 612 345 678", "us") == "+34612345678"
	# numbers that share their last nine digits are different numbers
	assert e.normalise_mobile("+1 212 345 678") != e.normalise_mobile("+34 212 345 678")
	# no country known and no +code: digits as typed (never a guess that could match another)
	assert e.normalise_mobile("612 345 678") == "612345678"
	assert e.normalise_mobile("12") == ""


def test_email_dots_matter_except_at_gmail():
	assert e.normalise_email("Ana.Lopez+shop@Example.com") == "ana.lopez@example.com"
	assert e.normalise_email("ana.lopez@example.com") != e.normalise_email("analopez@example.com")
	assert e.normalise_email("a.n.a@googlemail.com") == e.normalise_email("ana+x@gmail.com")
	assert e.normalise_email("no-at-sign") == ""


def test_return_reverses():
	assert e.return_reverses(Decimal("100"), Decimal("-60"), Decimal("50"))
	assert not e.return_reverses(Decimal("100"), Decimal("-50"), Decimal("50"))
	assert e.return_reverses(Decimal("100"), Decimal("-100"), Decimal("0"))
	assert not e.return_reverses(Decimal("100"), Decimal("-99"), Decimal("0"))


def test_expiry():
	assert e.is_expired(dt.date(2026, 1, 1), dt.date(2026, 1, 2))
	assert not e.is_expired(None, dt.date(2026, 1, 2))
