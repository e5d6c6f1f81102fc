"""The only place that issues or withdraws referral reward coupons (POS Coupon, Gift Card)."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate, today

from referral_loyalty.rules import codes


def coupon_name(referral: str, side: str) -> str:
	"""Deterministic name: the idempotency key referral + side."""
	return f"{referral}-{side.upper()}"


def issue(referral, side: str, offer: str, customer: str, valid_upto=None) -> str:
	"""Issue (once) the coupon of one side of a referral and return its name."""
	name = coupon_name(referral.name, side)
	if frappe.db.exists("POS Coupon", name):
		return name
	coupon = frappe.new_doc("POS Coupon")
	coupon.coupon_name = name
	coupon.coupon_type = "Gift Card"
	coupon.coupon_code = codes.generate_code()
	coupon.customer = customer
	coupon.company = referral.company
	coupon.pos_offer = offer
	coupon.maximum_use = 1
	coupon.valid_from = today()
	coupon.valid_upto = valid_upto
	coupon.referral_code = referral.referral_code
	coupon.campaign = frappe.db.get_value("Referral Code", referral.referral_code, "campaign")
	coupon.rl_referral = referral.name
	coupon.rl_side = side
	coupon.insert(ignore_permissions=True)
	return coupon.name


def is_redeemed(coupon: str) -> bool:
	return bool(frappe.db.get_value("POS Coupon", coupon, "used"))


def withdraw(coupon: str) -> None:
	"""Make an unused coupon unusable: flagged, and its validity closed yesterday so POS Awesome's
	own coupon check refuses it too."""
	yesterday = add_days(today(), -1)
	valid_from = frappe.db.get_value("POS Coupon", coupon, "valid_from")
	values = {"rl_withdrawn": 1, "valid_upto": yesterday}
	if valid_from and getdate(valid_from) > getdate(yesterday):
		values["valid_from"] = yesterday
	frappe.db.set_value("POS Coupon", coupon, values)
