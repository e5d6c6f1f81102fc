"""Daily: Pending referrals past their qualifying window become Expired."""

from __future__ import annotations

import frappe
from frappe.utils import getdate, today

from referral_loyalty.rules import eligibility


def expire_pending_referrals(on_date=None) -> int:
	"""Idempotent: only Pending rows whose window closed before ``on_date`` move. Returns the count."""
	day = getdate(on_date or today())
	names = frappe.get_all(
		"Referral",
		filters={"status": eligibility.PENDING, "qualify_by": ("<", day)},
		pluck="name",
	)
	for name in names:
		referral = frappe.get_doc("Referral", name, for_update=True)
		if referral.status == eligibility.PENDING and eligibility.is_expired(
			getdate(referral.qualify_by), day
		):
			referral.status = eligibility.EXPIRED
			referral.reason = eligibility.QUALIFY_WINDOW_EXPIRED
			referral.save(ignore_permissions=True)
	return len(names)
