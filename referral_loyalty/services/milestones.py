"""Milestone bonuses ("bring 3 friends, get a bonus"): one Referral Bonus per referrer, period and
milestone (a unique key in the database), traceable to the referral that reached it.

Runs under the referrer lock the crediting and reversal hold, so the count of the referrer's
referrals Qualified and credited to the period is exact. A bonus reached during a hold waits with
the referral that reached it; a reversal that takes the count back under a milestone withdraws its
bonus (an unused coupon or unspent points; a used one is recorded as Redeemed); reached again, the
bonus is paid again on the same row.
"""

from __future__ import annotations

import frappe
from frappe.utils import getdate, today

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.rules.rewards import Reward
from referral_loyalty.services import payouts
from referral_loyalty.services.codes import count_referrals

BONUS_FIELDS = ("name", "status", "coupon", "points_entry", "release_on", "reward_type")


def milestones_of(period: str) -> list:
	"""The period's milestones, from the cached period document (frappe clears it on save)."""
	return sorted(
		frappe.get_cached_doc("Referral Period", period).milestones, key=lambda m: m.qualified_referrals
	)


def on_count_changed(referrer: str, period, referral=None) -> None:
	"""After a referral of ``referrer`` was credited to ``period`` (``referral``) or reversed:
	pay the bonuses the count reached, withdraw those it fell under."""
	if not period:
		return
	steps = milestones_of(period.name)
	if not steps:
		return
	qualified = count_referrals(
		locking=True, referrer=referrer, referral_period=period.name, status=eligibility.QUALIFIED
	)
	by_number = {step.qualified_referrals: step for step in steps}
	for number in rewards.milestones_reached(by_number, qualified):
		_reach(referrer, period, by_number[number], referral)
	for number in rewards.milestones_lost(by_number, qualified):
		_lose(referrer, period.name, number)


def _existing(referrer: str, period: str, number: int):
	return frappe.db.get_value(
		"Referral Bonus",
		{"referrer": referrer, "referral_period": period, "milestone": number},
		BONUS_FIELDS,
		as_dict=True,
		for_update=True,
	)


def _reach(referrer: str, period, step, referral) -> None:
	existing = _existing(referrer, period.name, step.qualified_referrals)
	if existing and existing.status != rewards.WITHDRAWN:
		return  # paid (or held) once: the idempotency key is referrer + period + milestone
	if not referral:
		return  # reached again only by a credit, which names the referral
	bonus = frappe.get_doc("Referral Bonus", existing.name) if existing else frappe.new_doc("Referral Bonus")
	release_on = (
		referral.get("reward_release_on") if referral.get("referrer_reward_status") == rewards.HELD else None
	)
	bonus.update(
		{
			"referrer": referrer,
			"company": period.company,
			"referral_period": period.name,
			"milestone": step.qualified_referrals,
			"referral": referral.name,
			"reward_type": step.reward_type or rewards.COUPON,
			"points": step.points if step.reward_type == rewards.POINTS else 0,
			"coupon": None,
			"points_entry": None,
			"withdrawn_on": None,
			"release_on": release_on,
			"status": rewards.HELD,
		}
	)
	bonus.flags.rl_service = True
	bonus.flags.ignore_links = True
	if existing:
		bonus.save(ignore_permissions=True)
	else:
		bonus.insert(ignore_permissions=True)
	if rewards.is_due(getdate(release_on) if release_on else None, getdate(today())):
		release(bonus.name, referral, step)


def release(bonus_name: str, referral=None, step=None) -> bool:
	"""Pay a held bonus (under the referrer lock); True when it was paid now."""
	bonus = frappe.get_doc("Referral Bonus", bonus_name, for_update=True)
	if bonus.status != rewards.HELD:
		return False
	if step is None:
		step = next(
			(s for s in milestones_of(bonus.referral_period) if s.qualified_referrals == bonus.milestone),
			None,
		)
	if step is None:  # the milestone was removed from the period since
		_set(bonus, status=rewards.WITHDRAWN, withdrawn_on=today())
		return False
	referral = referral or frappe.get_doc("Referral", bonus.referral)
	reward = Reward(points=step.points) if step.reward_type == rewards.POINTS else Reward(offer=step.offer)
	attempt = frappe.db.count("POS Coupon", {"name": ("like", f"{bonus.name}-BONUS%")})
	paid = payouts.pay(
		referral,
		rewards.BONUS,
		reward,
		bonus.referrer,
		program=frappe.db.get_value("Referral Period", bonus.referral_period, "loyalty_program"),
		coupon_name=f"{bonus.name}-BONUS-{attempt + 1}",
	)
	_set(
		bonus,
		status=rewards.ISSUED,
		coupon=paid.coupon.name if paid.coupon else None,
		points_entry=paid.points_entry,
	)
	return True


def _lose(referrer: str, period: str, number: int) -> None:
	existing = _existing(referrer, period, number)
	if not existing or existing.status in (rewards.WITHDRAWN, rewards.REDEEMED):
		return
	bonus = frappe.get_doc("Referral Bonus", existing.name)
	if existing.status == rewards.HELD:
		_set(bonus, status=rewards.WITHDRAWN, withdrawn_on=today())
		return
	outcome = payouts.take_back(existing.coupon, existing.points_entry)
	_set(bonus, status=outcome, withdrawn_on=today() if outcome == rewards.WITHDRAWN else None)


def _set(bonus, **values) -> None:
	bonus.update(values)
	bonus.flags.rl_service = True
	bonus.flags.ignore_links = True
	bonus.save(ignore_permissions=True)
