"""Who may be enrolled, and what a purchase does to a pending referral. Frappe-free.

Reason codes are stable identifiers: they are stored on the Referral, shown (translated) at the
till and grouped in reports.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

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
)

PENDING = "Pending"
QUALIFIED = "Qualified"
REJECTED = "Rejected"
REVERSED = "Reversed"
EXPIRED = "Expired"


def normalise_mobile(value: str | None) -> str:
	"""Digits only, last 9 kept, so +34 612 345 678 and 612-345-678 are the same person."""
	digits = re.sub(r"\D", "", value or "")
	return digits[-9:] if len(digits) >= 6 else ""


def normalise_email(value: str | None) -> str:
	"""Lower-case; for the local part, dots and +tags ignored (gmail-style aliases)."""
	value = (value or "").strip().lower()
	if "@" not in value:
		return ""
	local, _, domain = value.rpartition("@")
	local = local.split("+", 1)[0].replace(".", "")
	return f"{local}@{domain}" if local and domain else ""


@dataclass(frozen=True)
class Identity:
	mobile: str = ""
	email: str = ""

	@classmethod
	def of(cls, mobile: str | None, email: str | None) -> Identity:
		return cls(normalise_mobile(mobile), normalise_email(email))

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
	posting_date: dt.date
	net_amount: Decimal  # company currency, net of discounts, before tax
	min_purchase_amount: Decimal
	qualify_by: dt.date | None  # None = no window


@dataclass(frozen=True)
class CapFacts:
	referrer_cap: int = 0  # 0 = no cap; per referrer, in the credited period
	referrer_qualified_in_period: int = 0
	code_usage_limit: int = 0  # 0 = unlimited; over the code's life
	code_used: int = 0


@dataclass(frozen=True)
class QualificationOutcome:
	status: str | None  # None: the purchase changes nothing (below the minimum)
	reason: str | None = None


def purchase_outcome(purchase: PurchaseFacts) -> QualificationOutcome:
	"""Does this purchase complete the referral's required activity? Caps are checked afterwards."""
	if purchase.qualify_by and purchase.posting_date > purchase.qualify_by:
		return QualificationOutcome(EXPIRED, QUALIFY_WINDOW_EXPIRED)
	if purchase.net_amount < purchase.min_purchase_amount:
		return QualificationOutcome(None)
	return QualificationOutcome(QUALIFIED)


def cap_reason(caps: CapFacts) -> str | None:
	"""With the counts read under a lock: may one more referral be credited?"""
	if caps.code_usage_limit and caps.code_used >= caps.code_usage_limit:
		return CODE_USAGE_LIMIT_REACHED
	if caps.referrer_cap and caps.referrer_qualified_in_period >= caps.referrer_cap:
		return REFERRER_CAP_REACHED
	return None


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
