"""Daily: referrer rewards and milestone bonuses held through the return window are paid on their
release day, each under the code and referrer locks and in a short transaction of its own."""

from __future__ import annotations

from collections.abc import Callable

import frappe
from frappe.query_builder import DocType
from frappe.utils import getdate, today

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.services import codes, ledger, milestones, notifications


def daily() -> dict:
	"""The scheduled job: each release committed as it is done."""
	return release_due(commit=_commit)


def _commit() -> None:
	# a scheduled job committing release by release, by design
	frappe.db.commit()  # nosemgrep


def release_due(on_date=None, commit: Callable[[], None] | None = None) -> dict:
	"""Pay every held reward due on or before ``on_date`` (idempotent: a paid one is not held any
	more). Returns the counts."""
	day = getdate(on_date or today())
	referral, bonus = DocType("Referral"), DocType("Referral Bonus")
	due = (
		frappe.qb.from_(referral)
		.select(referral.name, referral.referral_code)
		.where(
			(referral.referrer_reward_status == rewards.HELD)
			& (referral.status == eligibility.QUALIFIED)
			& (referral.reward_release_on <= day)
		)
		.orderby(referral.reward_release_on)
		.run(as_dict=True)
	)
	counts = {"referrals": 0, "bonuses": 0, "failed": 0}
	for row in due:
		if _each(lambda row=row: _release_referral(row), f"Referral {row.name}", commit):
			counts["referrals"] += 1
	held_bonuses = (
		frappe.qb.from_(bonus)
		.select(bonus.name, bonus.referrer)
		.where((bonus.status == rewards.HELD) & (bonus.release_on <= day))
		.run(as_dict=True)
	)
	for row in held_bonuses:
		if _each(lambda row=row: _release_bonus(row), f"Referral Bonus {row.name}", commit):
			counts["bonuses"] += 1
	counts["failed"] = len(due) + len(held_bonuses) - counts["referrals"] - counts["bonuses"]
	return counts


def _each(fn, what: str, commit) -> bool:
	"""One release in its own unit: a failure is undone to a savepoint and logged, and the job
	goes on with the next (tomorrow's run retries it). True when something was paid."""
	if commit:
		commit()  # a fresh transaction: what is read under the locks next is the latest
	frappe.db.savepoint("rl_release")
	try:
		paid = fn()
	except Exception:
		frappe.db.rollback(save_point="rl_release")
		frappe.log_error(title=f"Referral reward release failed: {what}")
		paid = False
	if commit:
		commit()
	return paid


def _release_referral(row) -> bool:
	from referral_loyalty.services import qualification

	code = codes.lock_code(row.referral_code, qualification.CODE_FIELDS_FOR_CREDIT)
	codes.lock_customer(code.customer)
	doc = ledger.locked(row.name)
	if doc.referrer_reward_status != rewards.HELD or doc.status != eligibility.QUALIFIED:
		return False  # released by another run, or reversed meanwhile
	period = qualification.get_period(doc.referral_period)
	plan = qualification.reward_plan_for(code, period)
	if plan.referrer.kind:
		qualification.pay_referrer(doc, plan.referrer, code.get("campaign"), period)
	else:
		doc.referrer_reward_status = None
	ledger.save(doc)
	if plan.referrer.kind:
		notifications.referrer_rewarded(doc)
	return True


def _release_bonus(row) -> bool:
	codes.lock_customer(row.referrer)
	return milestones.release(row.name)
