"""The only place that issues or withdraws referral reward coupons (POS Coupon, Gift Card)."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_days, getdate, today

from referral_loyalty.exceptions import WithdrawnCoupon
from referral_loyalty.rules import codes, rewards


def coupon_name(referral: str, side: str) -> str:
	"""Deterministic name: the idempotency key referral + side."""
	return f"{referral}-{side.upper()}"


HOLDER_FIELDS = ("customer_name", "mobile_no", "email_id")


def issue(
	referral,
	side: str,
	offer: str,
	customer: str,
	valid_upto=None,
	*,
	campaign: str | None,
	holder=None,
	fresh: bool = False,
	name: str | None = None,
):
	"""Issue (once) the coupon of one side of a referral (``campaign``: the referral code's) and
	return its ``name`` and ``coupon_code``. ``holder``: the customer's document or row when the
	caller has it (its name and contacts are copied onto the coupon). ``fresh``: the caller knows
	the side has no coupon yet (a referral inserted in this transaction, or one credited under its
	lock), so none is looked for. ``name``:
	the coupon's name when not the referral + side (a milestone bonus)."""
	name = name or coupon_name(referral.name, side)
	if not fresh and frappe.db.exists("POS Coupon", name):
		return frappe._dict(name=name, coupon_code=frappe.db.get_value("POS Coupon", name, "coupon_code"))
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
	coupon.campaign = campaign
	coupon.rl_referral = referral.name
	coupon.rl_side = side
	# What the form would fetch through its links, set here from rows already at hand; every link
	# (customer, offer, company, code, referral) was read from the database by the caller.
	if holder is None:
		holder = frappe.db.get_value("Customer", customer, HOLDER_FIELDS, as_dict=True) or {}
	for field in HOLDER_FIELDS:
		coupon.set(field, holder.get(field))
	coupon.description = frappe.get_cached_value("POS Offer", offer, "description")
	coupon.flags.ignore_links = True
	coupon.flags.rl_service = True  # reward coupons are issued here only (see overrides/pos_coupon.py)
	coupon.insert(ignore_permissions=True)
	return frappe._dict(name=coupon.name, coupon_code=coupon.coupon_code)


def rewards_on(invoice) -> list[frappe._dict]:
	"""The reward coupons applied on a sale, with their offer's type and their referral's period,
	code and enrolment day: read once for all of the sale's hooks (``invoice.flags``)."""
	if REWARDS_FLAG not in invoice.flags:
		invoice.flags[REWARDS_FLAG] = _rewards_applied(invoice)
	return invoice.flags[REWARDS_FLAG]


REWARDS_FLAG = "rl_reward_coupons"


def _rewards_applied(invoice) -> list[frappe._dict]:
	applied = [row.coupon for row in invoice.get("posa_coupons") or [] if row.get("applied") and row.coupon]
	if not applied:
		return []
	coupon, offer, referral = DocType("POS Coupon"), DocType("POS Offer"), DocType("Referral")
	return (
		frappe.qb.from_(coupon)
		.left_join(offer)
		.on(offer.name == coupon.pos_offer)
		.left_join(referral)
		.on(referral.name == coupon.rl_referral)
		.select(
			coupon.name,
			coupon.company,
			coupon.pos_offer,
			coupon.rl_side,
			coupon.creation,
			coupon.rl_referral.as_("referral"),
			offer.offer.as_("offer_kind"),
			referral.referral_period,
			referral.referral_code,
			referral.enrolled_on,
		)
		.where(coupon.name.isin(list(dict.fromkeys(applied))) & coupon.rl_side.isin(rewards.REWARD_SIDES))
		.orderby(coupon.name)
		.run(as_dict=True)
	)


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


def refuse_withdrawn(invoice) -> None:
	"""A sale carrying a withdrawn reward coupon (its referral reversed or rejected) is refused at
	submit, with nothing saved."""
	applied = [row.coupon for row in invoice.get("posa_coupons") or [] if row.get("applied") and row.coupon]
	if not applied:
		return
	withdrawn = frappe.get_all(
		"POS Coupon", filters={"name": ("in", applied), "rl_withdrawn": 1}, pluck="coupon_code"
	)
	if withdrawn:
		frappe.throw(
			_(
				"Coupon {0} was withdrawn (its referral was reversed or rejected) and cannot be used. Remove it from the sale."
			).format(", ".join(frappe.bold(codes.display(code)) for code in withdrawn)),
			exc=WithdrawnCoupon,
			title=_("Coupon Withdrawn"),
		)
