"""Exceptions raised by referral_loyalty; each is a ValidationError so the request rolls back."""

import frappe


class ReferralError(frappe.ValidationError):
	pass


class InvalidReferralCode(ReferralError):
	"""Unknown, malformed, disabled or other-company code: nothing is saved."""


class ReferralCodeTypo(InvalidReferralCode):
	"""Nine symbols whose check symbol does not match: almost surely a typo."""


class PeriodOverlap(ReferralError):
	pass


class InvalidPeriodOffer(ReferralError):
	pass


class InvalidPeriodDates(ReferralError):
	pass


class DuplicateReferralCode(ReferralError):
	pass


class ReferralNotAllowed(frappe.PermissionError):
	pass


class LedgerLocked(ReferralError):
	"""A change of the Referral ledger (or of a reward coupon) outside the app's services."""


class WithdrawnCoupon(ReferralError):
	"""A withdrawn reward coupon on a sale."""


def refuse_unless_service(doc, message: str) -> None:
	"""A ledger row written or deleted other than by the app's services (which set
	``flags.rl_service``): refused with ``message`` (translated by the caller)."""
	if not doc.flags.rl_service:
		frappe.throw(message, exc=LedgerLocked, title=frappe._("Not Allowed"))
