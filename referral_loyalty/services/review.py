"""A manager's decisions on a referral, each recorded with who, when and why."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime, strip_html

from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.rules import eligibility
from referral_loyalty.services import codes, coupons, ledger

NOTE_MAX = 1000


def reject(referral_name: str, note: str | None = None) -> None:
	"""Reject a referral that has not been credited: ``Rejected`` / ``MANUALLY_REJECTED``; the
	referee's unused coupon is withdrawn."""
	if not frappe.has_permission("Referral", "write", doc=referral_name):
		frappe.throw(_("Not permitted to reject referrals."), exc=ReferralNotAllowed)
	referral = _lock(referral_name)
	if referral.status != eligibility.PENDING:
		frappe.throw(
			_("Only Pending referrals can be rejected; this one is {0}.").format(_(referral.status)),
			title=_("Cannot Reject"),
		)
	referral.status = eligibility.REJECTED
	referral.reason = eligibility.MANUALLY_REJECTED
	_record_decision(referral, note)
	if referral.referee_coupon and not coupons.is_redeemed(referral.referee_coupon):
		coupons.withdraw(referral.referee_coupon)
	ledger.save(referral)


def _lock(referral_name: str):
	"""The referral under the code and referrer locks (the order every writer takes them in)."""
	code_name = frappe.db.get_value("Referral", referral_name, "referral_code")
	if not code_name:
		frappe.throw(_("Referral {0} does not exist.").format(referral_name), exc=frappe.DoesNotExistError)
	code = codes.lock_code(code_name, ("name", "customer"))
	codes.lock_customer(code.customer)
	referral = frappe.get_doc("Referral", referral_name, for_update=True)
	referral.flags.ignore_links = True
	return referral


def _record_decision(referral, note: str | None) -> None:
	referral.decided_by = frappe.session.user
	referral.decided_on = now_datetime()
	referral.decision_note = strip_html(str(note or ""))[:NOTE_MAX] or None
