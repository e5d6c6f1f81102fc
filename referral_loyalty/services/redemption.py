"""A paid referrer reward or milestone bonus is recorded ``Redeemed`` when the customer uses it:
a reward coupon applied on a submitted sale, or reward points spent on one (ERPNext's redemption
entries against the reward's entry). Cancelling that sale makes it ``Issued`` again, unless the
referral was reversed meanwhile (a used reward stays recorded as used). The ledger then answers
"was the reward used?" from its own rows, which the reports count from an index.

Runs in the sale's own transaction but never waits for a row another transaction holds (a credit
or a reversal of the same referral at that moment): such a row is skipped here, and the daily
``reconcile`` records it from the coupons and entries themselves. A sale never fails or waits
because of this.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_days, now_datetime

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.services import coupons as reward_coupons

SIDES = (rewards.REFERRER, rewards.BONUS)


def on_sale(invoice) -> None:
	"""The reward coupons applied and reward points spent on a sale just submitted."""
	coupons, entries = _used_on(invoice)
	if coupons or entries:
		_record(coupons, entries, rewards.ISSUED, rewards.REDEEMED)


def before_cancel(invoice) -> None:
	"""Before ERPNext deletes the sale's point redemptions: which reward entries it spent."""
	invoice.flags.rl_spent_rewards = _used_on(invoice)[1]


def on_cancel(invoice) -> None:
	"""The sale that used them is cancelled: used nowhere else any more → Issued again."""
	coupons, entries = _used_on(invoice)
	entries = invoice.flags.rl_spent_rewards or entries
	coupons = [c for c in coupons if not _applied_elsewhere(c, invoice)]
	entries = [e for e in entries if not _spent_elsewhere(e, invoice)]
	if coupons or entries:
		_record(coupons, entries, rewards.REDEEMED, rewards.ISSUED)


def _used_on(invoice) -> tuple[list[str], list[str]]:
	"""Reward coupons (referrer or bonus) applied on the sale, and reward point entries it spent."""
	coupons = [row.name for row in reward_coupons.rewards_on(invoice) if row.rl_side in SIDES]
	entries = []
	if invoice.get("redeem_loyalty_points"):
		spend, reward = DocType("Loyalty Point Entry"), DocType("Loyalty Point Entry").as_("reward")
		entries = (
			frappe.qb.from_(spend)
			.join(reward)
			.on(reward.name == spend.redeem_against)
			.select(reward.name)
			.distinct()
			.where(
				(spend.invoice_type == invoice.doctype)
				& (spend.invoice == invoice.name)
				& (spend.loyalty_points < 0)
				& reward.rl_side.isin(SIDES)
			)
			.run(pluck=True)
		)
	return coupons, entries


def _applied_elsewhere(coupon_name: str, invoice) -> bool:
	applied = DocType("POS Coupon Detail")
	for doctype in ("Sales Invoice", "POS Invoice"):
		sale = DocType(doctype)
		found = (
			frappe.qb.from_(applied)
			.join(sale)
			.on(sale.name == applied.parent)
			.select(applied.name)
			.where(
				(applied.coupon == coupon_name)
				& (applied.parenttype == doctype)
				& (applied.applied == 1)
				& (sale.docstatus == 1)
				& ~((applied.parenttype == invoice.doctype) & (applied.parent == invoice.name))
			)
			.limit(1)
			.run()
		)
		if found:
			return True
	return False


def _spent_elsewhere(entry: str, invoice) -> bool:
	lpe = DocType("Loyalty Point Entry")
	return bool(
		frappe.qb.from_(lpe)
		.select(lpe.name)
		.where(
			(lpe.redeem_against == entry)
			& (lpe.loyalty_points < 0)
			& (Coalesce(lpe.rl_side, "") == "")  # a take-back is not a spend
			& ~((lpe.invoice_type == invoice.doctype) & (lpe.invoice == invoice.name))
		)
		.limit(1)
		.run()
	)


def _record(coupons: list[str], entries: list[str], before: str, after: str) -> int:
	"""``before`` → ``after`` on the referrals and bonuses paid with these rewards; returns how many."""
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	paid_with = []
	if coupons:
		paid_with.append((referral.referrer_coupon.isin(coupons), bonus.coupon.isin(coupons)))
	if entries:
		paid_with.append((referral.referrer_points_entry.isin(entries), bonus.points_entry.isin(entries)))
	return sum(
		_set_unlocked(referral, referral.referrer_reward_status, on_referral, before, after)
		+ _set_unlocked(bonus, bonus.status, on_bonus, before, after)
		for on_referral, on_bonus in paid_with
	)


def _set_unlocked(table, status_field, paid_with, before: str, after: str) -> int:
	"""``before`` → ``after`` on the rows paid with these rewards that no other transaction holds
	(SKIP LOCKED); a referral reversed meanwhile keeps its used reward recorded. Returns how many."""
	query = (
		frappe.qb.from_(table)
		.select(table.name)
		.where(paid_with & (status_field == before))
		.for_update(skip_locked=True)
	)
	if table.get_table_name() == "tabReferral" and after == rewards.ISSUED:
		query = query.where(table.status == eligibility.QUALIFIED)
	names = query.run(pluck=True)
	if names:
		frappe.qb.update(table).set(status_field, after).set(table.modified, now_datetime()).where(
			table.name.isin(names)
		).run()
	return len(names)


def daily() -> int:
	"""The scheduled job."""
	return reconcile()


def reconcile(days: int = 2) -> int:
	"""The daily catch-up: referrer rewards and bonuses paid with a coupon that was used (or spent
	points) but still ``Issued`` — a row another transaction held when its sale was submitted.
	Looks at the reward coupons and point entries changed in the last ``days`` days; returns how
	many it recorded."""
	since = add_days(now_datetime(), -days)
	coupon, lpe = DocType("POS Coupon"), DocType("Loyalty Point Entry")
	used = (
		frappe.qb.from_(coupon)
		.select(coupon.name)
		.where((coupon.modified >= since) & coupon.rl_side.isin(SIDES) & (coupon.used > 0))
		.run(pluck=True)
	)
	spend = DocType("Loyalty Point Entry").as_("spend")
	spent = (
		frappe.qb.from_(lpe)
		.join(spend)
		.on(spend.redeem_against == lpe.name)
		.select(lpe.name)
		.distinct()
		.where(
			(spend.creation >= since)
			& (spend.loyalty_points < 0)
			& (Coalesce(spend.rl_side, "") == "")
			& lpe.rl_side.isin(SIDES)
		)
		.run(pluck=True)
	)
	return _record(used, spent, rewards.ISSUED, rewards.REDEEMED) if used or spent else 0
