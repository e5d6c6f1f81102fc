"""Who may be enrolled, and what a purchase does to a pending referral. Frappe-free.

Reason codes are stable identifiers: they are stored on the Referral, shown (translated) at the
till and grouped in reports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers

SELF_REFERRAL = "SELF_REFERRAL"
DUPLICATE_IDENTITY = "DUPLICATE_IDENTITY"
ALREADY_REFERRED = "ALREADY_REFERRED"
EXISTING_CUSTOMER = "EXISTING_CUSTOMER"
CODE_USAGE_LIMIT_REACHED = "CODE_USAGE_LIMIT_REACHED"
NO_ACTIVE_PERIOD = "NO_ACTIVE_PERIOD"
REFERRER_CAP_REACHED = "REFERRER_CAP_REACHED"
QUALIFY_WINDOW_EXPIRED = "QUALIFY_WINDOW_EXPIRED"
MANUALLY_REJECTED = "MANUALLY_REJECTED"
INVOICE_CANCELLED = "INVOICE_CANCELLED"
RETURNED_BELOW_MINIMUM = "RETURNED_BELOW_MINIMUM"
# review signals: the referral waits for a manager (status Under Review)
VELOCITY = "VELOCITY"
EMPLOYEE_REFERRAL = "EMPLOYEE_REFERRAL"
SAME_CASHIER = "SAME_CASHIER"
REVIEW_REASONS = (VELOCITY, EMPLOYEE_REFERRAL, SAME_CASHIER)

ENROLMENT_REASONS = (
	SELF_REFERRAL,
	ALREADY_REFERRED,
	EXISTING_CUSTOMER,
	DUPLICATE_IDENTITY,
	CODE_USAGE_LIMIT_REACHED,
	NO_ACTIVE_PERIOD,
)
REVERSAL_REASONS = (INVOICE_CANCELLED, RETURNED_BELOW_MINIMUM)
ALL_REASONS = (
	*ENROLMENT_REASONS,
	REFERRER_CAP_REACHED,
	QUALIFY_WINDOW_EXPIRED,
	MANUALLY_REJECTED,
	*REVERSAL_REASONS,
	*REVIEW_REASONS,
)

PENDING = "Pending"
UNDER_REVIEW = "Under Review"
QUALIFIED = "Qualified"
REJECTED = "Rejected"
REVERSED = "Reversed"
EXPIRED = "Expired"

# Mailbox providers that ignore dots in the local part (elsewhere a dot is part of the address).
DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
_MIN_DIGITS = 6


def normalise_mobile(value: str | None, region: str | None = None) -> str:
	"""E.164 (``+34612345678``) when the number parses for ``region`` (the shop's country, ISO
	3166 alpha-2) or carries its own country code; digits only otherwise. Two spellings of one
	number meet; numbers that only share their last digits do not."""
	text = (value or "").strip()
	digits = re.sub(r"\D", "", text)
	if len(digits) < _MIN_DIGITS:
		return ""
	if text.startswith("00"):
		text = "+" + text[2:]
	try:
		parsed = phonenumbers.parse(text, (region or "").upper() or None)
	except phonenumbers.NumberParseException:
		parsed = None
	if parsed is not None and phonenumbers.is_possible_number(parsed):
		return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
	return digits


def normalise_email(value: str | None) -> str:
	"""Lower-case with a ``+tag`` dropped; dots in the local part dropped only where the provider
	ignores them (gmail.com, googlemail.com)."""
	value = (value or "").strip().lower()
	if "@" not in value:
		return ""
	local, _, domain = value.rpartition("@")
	local = local.split("+", 1)[0]
	if domain in DOTLESS_DOMAINS:
		local, domain = local.replace(".", ""), "gmail.com"
	return f"{local}@{domain}" if local and domain else ""


@dataclass(frozen=True)
class Identity:
	mobile: str = ""
	email: str = ""

	@classmethod
	def of(cls, mobile: str | None, email: str | None, region: str | None = None) -> Identity:
		return cls(normalise_mobile(mobile, region), normalise_email(email))

	def matches(self, other: Identity) -> bool:
		return bool(
			(self.mobile and self.mobile == other.mobile) or (self.email and self.email == other.email)
		)


@dataclass(frozen=True)
class EnrolmentFacts:
	referee: str
	referrer: str
	referee_identity: Identity
	referrer_identity: Identity
	earlier_referee_identities: tuple[Identity, ...] = ()
	already_referred: bool = False
	has_submitted_invoices: bool = False
	code_usage_limit: int = 0  # 0 = unlimited
	code_used: int = 0  # qualified referrals of the code
	has_active_period: bool = False
	code_has_own_offers: bool = False


def enrolment_reason(facts: EnrolmentFacts) -> str | None:
	"""None when the referee may be enrolled, else the reason code (first that applies)."""
	if facts.referee == facts.referrer:
		return SELF_REFERRAL
	if facts.already_referred:
		return ALREADY_REFERRED
	if facts.has_submitted_invoices:
		return EXISTING_CUSTOMER
	if facts.referee_identity.matches(facts.referrer_identity) or any(
		facts.referee_identity.matches(other) for other in facts.earlier_referee_identities
	):
		return DUPLICATE_IDENTITY
	if facts.code_usage_limit and facts.code_used >= facts.code_usage_limit:
		return CODE_USAGE_LIMIT_REACHED
	if not facts.has_active_period and not facts.code_has_own_offers:
		return NO_ACTIVE_PERIOD
	return None


@dataclass(frozen=True)
class PurchaseFacts:
	"""A sale as read when it is credited (possibly long after it was made)."""

	posting_date: dt.date
	net_amount: Decimal  # company currency, net of discounts, before tax
	min_purchase_amount: Decimal
	qualify_by: dt.date | None  # None = no window
	returned_amount: Decimal = Decimal(0)  # net total of submitted returns against it (<= 0)
	submitted: bool = True  # False: cancelled (or gone) since
	same_company: bool = True  # a sale of the referral's company


@dataclass(frozen=True)
class CapFacts:
	referrer_cap: int = 0  # 0 = no cap; per referrer, in the credited period
	referrer_qualified_in_period: int = 0
	code_usage_limit: int = 0  # 0 = unlimited; over the code's life
	code_used: int = 0


@dataclass(frozen=True)
class QualificationOutcome:
	status: str | None  # None: the sale changes nothing (``note`` says why)
	reason: str | None = None
	note: str = ""  # "cancelled", "other_company", "below_minimum", "late"


def may_still_qualify(status: str | None, reason: str | None) -> bool:
	"""A referral a sale can still qualify: Pending, Under Review (credited once approved), or
	Expired only because its window closed."""
	return status in (PENDING, UNDER_REVIEW) or (status == EXPIRED and reason == QUALIFY_WINDOW_EXPIRED)


def purchase_outcome(purchase: PurchaseFacts, status: str = PENDING) -> QualificationOutcome:
	"""What a sale does to a referral that is ``status`` (Pending, or Expired by its window).
	Caps are checked afterwards, under the lock.

	A sale cancelled since, or of another company, does nothing; nor does one whose returns took
	it under the minimum (another sale may still qualify). A sale dated after the window expires a
	Pending referral. A sale dated inside the window qualifies even when it arrives after the
	window closed (an offline till syncing late)."""
	if not purchase.submitted:
		return QualificationOutcome(None, note="cancelled")
	if not purchase.same_company:
		return QualificationOutcome(None, note="other_company")
	if purchase.qualify_by and purchase.posting_date > purchase.qualify_by:
		if status == PENDING:
			return QualificationOutcome(EXPIRED, QUALIFY_WINDOW_EXPIRED)
		return QualificationOutcome(None, note="late")
	if return_reverses(purchase.net_amount, purchase.returned_amount, purchase.min_purchase_amount):
		return QualificationOutcome(None, note="below_minimum")
	return QualificationOutcome(QUALIFIED)


def cap_reason(caps: CapFacts) -> str | None:
	"""With the counts read under a lock: may one more referral be credited?"""
	if caps.code_usage_limit and caps.code_used >= caps.code_usage_limit:
		return CODE_USAGE_LIMIT_REACHED
	if caps.referrer_cap and caps.referrer_qualified_in_period >= caps.referrer_cap:
		return REFERRER_CAP_REACHED
	return None


ALLOW, REVIEW, REJECT = "Allow", "Review", "Reject"  # a period's policy on employee referrals


@dataclass(frozen=True)
class ReviewFacts:
	"""Signals at enrolment that hold an otherwise eligible referral for a manager."""

	enrolments_today: int = 0  # earlier enrolments on the code today
	enrolments_per_day: int = 0  # the period's threshold; 0 = never
	staff_involved: bool = False  # referrer or referee matches an employee or a Desk user
	employee_policy: str = REVIEW
	same_cashier: bool = False  # the referrer was created by this user in the last 24 hours


def review_outcome(facts: ReviewFacts) -> tuple[str | None, str | None]:
	"""``(status, reason)``: ``(None, None)`` when nothing calls for review; ``Under Review`` with
	the signal; ``Rejected`` / EMPLOYEE_REFERRAL when the period rejects employee referrals."""
	if facts.staff_involved and facts.employee_policy != ALLOW:
		return (REJECTED if facts.employee_policy == REJECT else UNDER_REVIEW), EMPLOYEE_REFERRAL
	if facts.enrolments_per_day and facts.enrolments_today >= facts.enrolments_per_day:
		return UNDER_REVIEW, VELOCITY
	if facts.same_cashier:
		return UNDER_REVIEW, SAME_CASHIER
	return None, None


def is_expired(qualify_by_date: dt.date | None, today: dt.date) -> bool:
	return bool(qualify_by_date and today > qualify_by_date)


def return_reverses(original_net: Decimal, returned_net: Decimal, min_purchase_amount: Decimal) -> bool:
	"""A return reverses the referral when what the referee kept falls under the minimum.

	``returned_net`` is the sum of the (negative) net totals of submitted returns. With no
	minimum, only a full return reverses.
	"""
	kept = original_net + returned_net
	if min_purchase_amount > 0:
		return kept < min_purchase_amount
	return kept <= 0
