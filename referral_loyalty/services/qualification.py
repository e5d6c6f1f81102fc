"""A submitted sale → the referee's referral Qualified / Rejected / Expired (+ the referrer's coupon)."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.utils import flt, getdate

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.rules.eligibility import CapFacts, PurchaseFacts
from referral_loyalty.rules.rewards import Offers, RewardPlan
from referral_loyalty.services import coupons, notifications
from referral_loyalty.services.codes import count_referrals, used_count
from referral_loyalty.services.periods import get_period, period_on
from referral_loyalty.services.transactions import after_commit


def reward_plan_for(code, period) -> RewardPlan:
	"""Offers on the code override the period's; the period's mode decides who is rewarded."""
	period_offers = Offers(period.referee_offer, period.referrer_offer) if period else None
	offers = rewards.effective_offers(Offers(code.customer_offer, code.primary_offer), period_offers)
	return rewards.reward_plan(period.reward_mode if period else rewards.DOUBLE_SIDED, offers)


# what crediting needs of the code, read with the lock
CODE_FIELDS_FOR_CREDIT = ("name", "customer_offer", "primary_offer", "rl_usage_limit", "campaign")


def pending_referral_of(customer: str):
	"""The hot-path check on every sale: one query on the unique ``referee`` index."""
	return frappe.db.get_value(
		"Referral",
		{"referee": customer, "status": eligibility.PENDING},
		["name", "referral_code"],
		as_dict=True,
	)


def on_sale(invoice) -> None:
	pending = pending_referral_of(invoice.customer)
	if pending:
		sale = frappe._dict(
			doctype=invoice.doctype,
			name=invoice.name,
			posting_date=invoice.posting_date,
			base_net_total=invoice.base_net_total,
		)
		after_commit(qualify, pending.name, pending.referral_code, sale)


def qualify(referral_name: str, code_name: str, invoice) -> None:
	"""Runs in a transaction of its own (see services/transactions.py) whose first statement is
	the code lock, so the counts below see every earlier commit."""
	from referral_loyalty.services.enrolment import lock_code

	code = lock_code(code_name, CODE_FIELDS_FOR_CREDIT)  # lock order everywhere: code, then referral
	referral = _locked_referral(referral_name)
	if referral.status != eligibility.PENDING:
		return  # another till got there first, or a replayed submit

	outcome = eligibility.purchase_outcome(
		PurchaseFacts(
			posting_date=getdate(invoice.posting_date),
			net_amount=Decimal(str(flt(invoice.base_net_total))),
			min_purchase_amount=Decimal(str(flt(referral.min_purchase_amount))),
			qualify_by=getdate(referral.qualify_by) if referral.qualify_by else None,
		)
	)
	if outcome.status is None:
		return
	_set_invoice(referral, invoice)
	if outcome.status == eligibility.EXPIRED:
		referral.status = eligibility.EXPIRED
		referral.reason = outcome.reason
		referral.save(ignore_permissions=True)
		return
	credit(referral, code, qualified_on=getdate(invoice.posting_date), invoice=invoice)


def qualify_on_enrolment(referral_name: str, code_name: str, enrolled_on) -> None:
	"""Qualification "On enrolment": credited right after the enrolment commits, in a transaction
	of its own that starts with the code lock (see services/transactions.py)."""
	from referral_loyalty.services.enrolment import lock_code

	code = lock_code(code_name, CODE_FIELDS_FOR_CREDIT)
	referral = _locked_referral(referral_name)
	if referral.status != eligibility.PENDING:
		return
	credit(referral, code, qualified_on=enrolled_on, invoice=None)


def _locked_referral(name: str):
	referral = frappe.get_doc("Referral", name, for_update=True)
	# the links it gains here (period, invoice, coupon) are all read from the database just before:
	# saving it does not read each of its links again
	referral.flags.ignore_links = True
	return referral


def credit(referral, code, qualified_on, invoice) -> None:
	"""Credit a referral to the period active on ``qualified_on`` (under the code lock the caller
	holds), or reject it when a cap or the usage limit is reached."""
	period = period_on(referral.company, qualified_on) or get_period(referral.enrolment_period)
	referrer_cap = (period.referrer_cap or 0) if period else 0
	usage_limit = code.rl_usage_limit or 0
	caps = CapFacts(  # each count only when there is a cap or a limit to count against
		referrer_cap=referrer_cap,
		referrer_qualified_in_period=count_referrals(
			referrer=referral.referrer, referral_period=period.name, status=eligibility.QUALIFIED
		)
		if referrer_cap
		else 0,
		code_usage_limit=usage_limit,
		code_used=used_count(code.name) if usage_limit else 0,
	)
	reason = eligibility.cap_reason(caps)
	referral.referral_period = period.name if period else referral.referral_period
	if reason:
		referral.status = eligibility.REJECTED
		referral.reason = reason
		referral.save(ignore_permissions=True)
		return
	referral.status = eligibility.QUALIFIED
	referral.reason = None
	referral.qualified_on = qualified_on
	referral.save(ignore_permissions=True)
	plan = reward_plan_for(code, period)
	if plan.referrer_offer:
		coupon = coupons.issue(
			referral, rewards.REFERRER, plan.referrer_offer, referral.referrer, campaign=code.get("campaign")
		)
		referral.db_set({"referrer_coupon": coupon.name, "referrer_reward_status": "Issued"})
		notifications.referrer_rewarded(referral)


def _set_invoice(referral, invoice) -> None:
	referral.qualifying_invoice_type = invoice.doctype
	referral.qualifying_invoice = invoice.name
