"""Checks on the POS Offers used as referral rewards."""

import frappe
from frappe import _

from referral_loyalty.exceptions import InvalidPeriodOffer


def validate_reward_offer(offer: str, company: str, label: str) -> None:
	row = frappe.db.get_value("POS Offer", offer, ["company", "coupon_based", "disable"], as_dict=True)
	if not row:
		frappe.throw(
			_("{0}: POS Offer {1} does not exist.").format(label, frappe.bold(offer)), exc=InvalidPeriodOffer
		)
	if not row.coupon_based:
		frappe.throw(
			_("{0}: POS Offer {1} must be coupon-based, so it can be issued as a POS Coupon.").format(
				label, frappe.bold(offer)
			),
			exc=InvalidPeriodOffer,
		)
	if row.company != company:
		frappe.throw(
			_("{0}: POS Offer {1} belongs to company {2}, not {3}.").format(
				label, frappe.bold(offer), row.company, company
			),
			exc=InvalidPeriodOffer,
		)
	if row.disable:
		frappe.throw(
			_("{0}: POS Offer {1} is disabled.").format(label, frappe.bold(offer)), exc=InvalidPeriodOffer
		)
