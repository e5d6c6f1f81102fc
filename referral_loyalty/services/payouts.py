"""Paying and taking back one reward — a coupon (``services/coupons.py``) or loyalty points
(``services/points.py``) — for a side of a referral or a milestone bonus."""

from __future__ import annotations

import frappe

from referral_loyalty.rules import rewards
from referral_loyalty.rules.rewards import Reward
from referral_loyalty.services import coupons, points


def pay(
	referral,
	side: str,
	reward: Reward,
	customer: str,
	*,
	program: str | None,
	campaign: str | None = None,
	valid_upto=None,
	holder=None,
	fresh: bool = False,
	coupon_name: str | None = None,
) -> frappe._dict:
	"""Pay ``reward`` to ``customer``; returns ``coupon`` (name and code) or ``points_entry``."""
	if reward.kind == rewards.POINTS:
		if not program:
			frappe.throw(frappe._("A loyalty program is needed to reward in points."))
		entry = points.award(
			customer,
			referral.company,
			program,
			reward.points,
			referral.get("pos_profile"),
			referral=referral.name,
			side=side,
		)
		return frappe._dict(points_entry=entry, coupon=None)
	coupon = coupons.issue(
		referral,
		side,
		reward.offer,
		customer,
		valid_upto,
		campaign=campaign,
		holder=holder,
		fresh=fresh,
		name=coupon_name,
	)
	return frappe._dict(coupon=coupon, points_entry=None)


def take_back(coupon: str | None, points_entry: str | None) -> str:
	"""Withdraw an issued reward: an unused coupon or the unspent points. Returns ``Withdrawn``, or
	``Redeemed`` when it was already used (which is then only recorded)."""
	if coupon:
		if coupons.is_redeemed(coupon):
			return rewards.REDEEMED
		coupons.withdraw(coupon)
		return rewards.WITHDRAWN
	if points_entry:
		return points.take_back(points_entry)
	return rewards.WITHDRAWN
