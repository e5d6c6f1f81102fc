"""Reward point entries name the referral and side they reward (``rl_referral``, ``rl_side`` on
Loyalty Point Entry), as reward coupons do: mark the entries paid before, and their take-backs.
Referrer coupons issued before the referrer's reward had a status get one (the reports count
rewards by it)."""

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce

from referral_loyalty.install import ensure_setup


def execute():
	ensure_setup()  # the two custom fields
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	rewards = [
		*(
			(row[0], row[1], side)
			for side, field in (("Referee", "referee_points_entry"), ("Referrer", "referrer_points_entry"))
			for row in frappe.qb.from_(referral)
			.select(referral[field], referral.name)
			.where(referral[field] > "")
			.run()
		),
		*(
			(row[0], row[1], "Bonus")
			for row in frappe.qb.from_(bonus)
			.select(bonus.points_entry, bonus.referral)
			.where(bonus.points_entry > "")
			.run()
		),
	]
	lpe = DocType("Loyalty Point Entry")
	for entry, referral_name, side in rewards:
		frappe.qb.update(lpe).set(lpe.rl_referral, referral_name).set(lpe.rl_side, side).where(
			lpe.name == entry
		).run()
		# the take-back: a negative entry against the reward with no invoice (ERPNext's own
		# redemptions name the invoice that spent the points)
		frappe.qb.update(lpe).set(lpe.rl_referral, referral_name).set(lpe.rl_side, side).where(
			(lpe.redeem_against == entry)
			& (lpe.loyalty_points < 0)
			& (lpe.invoice.isnull() | (lpe.invoice == ""))
		).run()
	_referrer_reward_status()


def _referrer_reward_status() -> None:
	"""Referrals rewarded before the referrer's reward had a status: Issued, or Withdrawn when the
	coupon was withdrawn (Redeemed when it was used and the referral later reversed)."""
	referral, coupon = DocType("Referral"), DocType("POS Coupon")
	rows = (
		frappe.qb.from_(referral)
		.join(coupon)
		.on(coupon.name == referral.referrer_coupon)
		.select(referral.name, referral.status, coupon.used, coupon.rl_withdrawn)
		.where(Coalesce(referral.referrer_reward_status, "") == "")
		.run(as_dict=True)
	)
	for row in rows:
		status = "Issued"
		if row.rl_withdrawn:
			status = "Withdrawn"
		elif row.status == "Reversed" and row.used:
			status = "Redeemed"
		frappe.qb.update(referral).set(referral.referrer_reward_status, status).where(
			referral.name == row.name
		).run()
