"""A paid referrer reward or milestone bonus is recorded ``Redeemed`` when the customer uses it:
a reward coupon applied on a submitted sale, or reward points spent on one (ERPNext's redemption
entries against the reward's entry). Cancelling that sale makes it ``Issued`` again while it is
still earned; a reward no longer earned by then (its referral reversed or rejected, its milestone
lost while it was used, when it could only be recorded as used) is taken back at that moment,
since the cancel gives it back to the customer. The ledger then answers "was the reward used?"
from its own rows, which the reports count from an index.

Runs in the sale's own transaction but never waits for a row another transaction holds (a credit
or a reversal of the same referral at that moment): such a row is skipped here, and the daily
``reconcile`` records it from the coupons and entries themselves. A sale never fails or waits
because of this.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import Criterion, DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import add_days, now_datetime, today
from pypika.terms import ExistsCriterion

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.services import coupons as reward_coupons
from referral_loyalty.services import payouts
from referral_loyalty.services.codes import count_referrals

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
	"""The sale that used them is cancelled: no longer earned → taken back; used nowhere else any
	more → Issued again."""
	coupons, entries = _used_on(invoice)
	entries = invoice.flags.rl_spent_rewards or entries
	coupons = [c for c in coupons if not _applied_elsewhere(c, invoice)]
	_released(coupons, entries, [e for e in entries if not _spent_elsewhere(e, invoice)])


def _released(coupons: list[str], entries: list[str], unspent: list[str]) -> int:
	"""Rewards given back to the customer: these coupons, unused again, and the points of these
	entries whose spends were cancelled (``unspent``: those spent nowhere else any more). No longer
	earned → taken back; used nowhere else any more → Issued again. Returns how many."""
	if not (coupons or entries):
		return 0
	taken = _take_back_unearned(coupons, entries)
	if coupons or unspent:
		taken += _record(coupons, unspent, rewards.REDEEMED, rewards.ISSUED)
	return taken


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


def _take_back_unearned(coupons: list[str], entries: list[str]) -> int:
	"""Rewards recorded ``Redeemed`` on these coupons (used on no submitted sale any more) or point
	entries (whose spends on the cancelled sale ERPNext has deleted) that are no longer earned: the
	referrer's reward of a referral that is not Qualified any more, a bonus whose referrer has fewer
	qualified referrals in its period than its milestone. They are taken back as they would have
	been had they not been used (POS Awesome's own cancel hook, which runs before the app's, has
	counted the coupon unused); rows another transaction holds are left to ``reconcile``. Returns
	how many."""
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	rows = [
		row
		for paid_with in _paid_with(
			referral.referrer_coupon, referral.referrer_points_entry, coupons, entries
		)
		for row in frappe.qb.from_(referral)
		.select(
			referral.name,
			referral.referrer_coupon.as_("coupon"),
			referral.referrer_points_entry.as_("points_entry"),
		)
		.where(paid_with)
		.where(
			(referral.referrer_reward_status == rewards.REDEEMED) & (referral.status != eligibility.QUALIFIED)
		)
		.for_update(skip_locked=True)
		.run(as_dict=True)
	]
	for row in rows:
		outcome = payouts.take_back(row.coupon, row.points_entry)
		frappe.qb.update(referral).set(referral.referrer_reward_status, outcome).set(
			referral.modified, now_datetime()
		).where(referral.name == row.name).run()
	bonuses = [
		row
		for paid_with in _paid_with(bonus.coupon, bonus.points_entry, coupons, entries)
		for row in frappe.qb.from_(bonus)
		.select(
			bonus.name,
			bonus.referrer,
			bonus.referral_period,
			bonus.milestone,
			bonus.coupon,
			bonus.points_entry,
		)
		.where(paid_with & (bonus.status == rewards.REDEEMED))
		.for_update(skip_locked=True)
		.run(as_dict=True)
	]
	lost = [
		row
		for row in bonuses
		if rewards.milestones_lost(
			(row.milestone,),
			count_referrals(
				referrer=row.referrer, referral_period=row.referral_period, status=eligibility.QUALIFIED
			),
		)
	]
	for row in lost:
		outcome = payouts.take_back(row.coupon, row.points_entry)
		update = frappe.qb.update(bonus).set(bonus.status, outcome).set(bonus.modified, now_datetime())
		if outcome == rewards.WITHDRAWN:
			update = update.set(bonus.withdrawn_on, today())
		update.where(bonus.name == row.name).run()
	return len(rows) + len(lost)


def _paid_with(coupon_field, entry_field, coupons: list[str], entries: list[str]) -> list[Criterion]:
	"""The rows paid with these coupons, then those paid with these point entries: a condition
	each, so that each statement reads one index (an OR of the two could read the whole table)."""
	return [
		*([coupon_field.isin(coupons)] if coupons else []),
		*([entry_field.isin(entries)] if entries else []),
	]


def _record(coupons: list[str], entries: list[str], before: str, after: str) -> int:
	"""``before`` → ``after`` on the referrals and bonuses paid with these rewards; returns how many."""
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	return sum(
		_set_unlocked(referral, referral.referrer_reward_status, paid_with, before, after)
		for paid_with in _paid_with(
			referral.referrer_coupon, referral.referrer_points_entry, coupons, entries
		)
	) + sum(
		_set_unlocked(bonus, bonus.status, paid_with, before, after)
		for paid_with in _paid_with(bonus.coupon, bonus.points_entry, coupons, entries)
	)


def _set_unlocked(table, status_field, paid_with, before: str, after: str) -> int:
	"""``before`` → ``after`` on the rows paid with these rewards that no other transaction holds
	(SKIP LOCKED); only a Qualified referral's reward is ``Issued`` again. Returns how many."""
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
	points) but still ``Issued`` — a row another transaction held when its sale was submitted —
	and those still ``Redeemed`` with a coupon unused again or points no longer spent, held when
	that sale was cancelled (taken back, or ``Issued`` again, as the cancel would have done). Looks
	at the reward coupons and spends changed in the last ``days`` days, and at every points reward
	recorded Redeemed; returns how many it recorded."""
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
	recorded = _record(used, spent, rewards.ISSUED, rewards.REDEEMED) if used or spent else 0
	# coupons of rewards recorded Redeemed whose sale was cancelled while another transaction held
	# the reward's row: unused again now
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	unused = [
		name
		for table, status, paid_with in (
			(referral, referral.referrer_reward_status, referral.referrer_coupon),
			(bonus, bonus.status, bonus.coupon),
		)
		for name in frappe.qb.from_(coupon)
		.join(table)
		.on(paid_with == coupon.name)
		.select(coupon.name)
		.where(
			(coupon.modified >= since)
			& coupon.rl_side.isin(SIDES)
			& (Coalesce(coupon.used, 0) == 0)
			& (coupon.rl_withdrawn == 0)
			& (status == rewards.REDEEMED)
		)
		.run(pluck=True)
	]
	unspent = _unspent_points()
	return recorded + _released(unused, unspent, unspent)


def _unspent_points() -> list[str]:
	"""Point entries of rewards recorded ``Redeemed`` that no spend is against any more: the sale
	that spent them was cancelled (ERPNext deleted its spend) while another transaction held the
	reward's row. A deleted spend leaves no date to look from, so every points reward recorded
	Redeemed is looked at (through the reward's points-entry index, then ERPNext's spends of it)."""
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	spend = DocType("Loyalty Point Entry")
	spends = (
		frappe.qb.from_(spend)
		.select(spend.name)
		.where((spend.loyalty_points < 0) & (Coalesce(spend.rl_side, "") == ""))  # a take-back is no spend
	)
	return [
		name
		for status, paid_with in (
			(referral.referrer_reward_status, referral.referrer_points_entry),
			(bonus.status, bonus.points_entry),
		)
		for name in frappe.qb.from_(paid_with.table)
		.select(paid_with)
		.where((paid_with > "") & (status == rewards.REDEEMED))
		.where(ExistsCriterion(spends.where(spend.redeem_against == paid_with)).negate())
		.run(pluck=True)
	]
