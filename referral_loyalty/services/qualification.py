"""A submitted sale → the referee's referral Qualified / Rejected / Expired (+ the referrer's coupon).

The sale only records its intent to credit (``services/outbox.py``); the crediting itself runs
after the commit, under the code and referrer locks, and re-reads the sale then: a sale cancelled,
returned under the minimum or of another company by that time credits nothing.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import flt, getdate, today

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.rules import sales as sale_rules
from referral_loyalty.rules.eligibility import CapFacts, PurchaseFacts
from referral_loyalty.rules.rewards import Offers, Points, RewardPlan
from referral_loyalty.services import ledger, milestones, notifications, outbox, payouts, sales
from referral_loyalty.services.codes import count_referrals, used_count
from referral_loyalty.services.periods import get_period, period_on


def reward_plan_for(code, period) -> RewardPlan:
	"""The running period decides (its offers, or points for a side it pays in points); a code's
	own offers replace it when the code says so (``rl_own_offers``) or when no period runs."""
	code_offers = Offers(code.customer_offer, code.primary_offer)
	own = bool(code.get("rl_own_offers"))
	period_offers = Offers(period.referee_offer, period.referrer_offer) if period else None
	offers = rewards.effective_offers(code_offers, period_offers, own)
	points = None
	if rewards.period_decides(bool(period), code_offers, own):
		points = Points(
			referee_points=period.referee_points if period.referee_reward_type == rewards.POINTS else 0,
			referrer_points=period.referrer_points if period.referrer_reward_type == rewards.POINTS else 0,
		)
	return rewards.reward_plan(period.reward_mode if period else rewards.DOUBLE_SIDED, offers, points)


# what crediting needs of the code, read with the lock
CODE_FIELDS_FOR_CREDIT = (
	"name",
	"customer",
	"customer_offer",
	"primary_offer",
	"rl_own_offers",
	"rl_usage_limit",
	"campaign",
)


def on_sale(invoice) -> None:
	"""A submitted sale of a referee whose referral a sale can still qualify: record the intent
	to credit in the sale's own transaction (crediting follows the commit)."""
	referral = ledger.referral_of_sale(invoice)
	if not referral or not eligibility.may_still_qualify(referral.status, referral.reason):
		return
	if referral.company != invoice.company:  # only sales of the referral's company count
		return
	if referral.status == eligibility.EXPIRED and getdate(invoice.posting_date) > getdate(
		referral.qualify_by
	):
		return
	outbox.record(referral.name, referral.referral_code, invoice.doctype, invoice.name)


def credit_sale(referral_name: str, code, invoice_type: str, invoice: str) -> str:
	"""Under the code and referrer locks: what the sale, as it is now, does to the referral."""
	referral = _locked_referral(referral_name)
	if not eligibility.may_still_qualify(referral.status, referral.reason):
		# a sale that read the referral before an earlier sale's crediting committed: its rows of
		# the sales ledger were written with the period as it was then
		if referral.referral_period:
			sales.follow_period(referral.name, referral.referral_period)
		return f"no change: the referral is {referral.status}"
	facts, outcome = _sale_outcome(referral, invoice_type, invoice)
	if referral.status == eligibility.UNDER_REVIEW:
		# the sale is kept, and the referral is credited by it when a manager approves it. Only a
		# sale that qualifies is kept, and a later one never replaces a kept sale that still does
		# (a late sale, or one cancelled since, would lose the referral an earlier good sale).
		if outcome.status != eligibility.QUALIFIED:
			why = _NOTES["late"] if outcome.status == eligibility.EXPIRED else _NOTES.get(outcome.note)
			return f"under review, not kept: {why}"
		if referral.qualifying_invoice and (
			_sale_outcome(referral, referral.qualifying_invoice_type, referral.qualifying_invoice)[1].status
			== eligibility.QUALIFIED
		):
			return f"under review: {referral.qualifying_invoice} is kept"
		referral.qualifying_invoice_type = invoice_type
		referral.qualifying_invoice = invoice
		ledger.save(referral)
		return "under review: credited on approval"
	if outcome.status is None:
		return f"no credit: {_NOTES.get(outcome.note, outcome.note)}"
	referral.qualifying_invoice_type = invoice_type
	referral.qualifying_invoice = invoice
	if outcome.status == eligibility.EXPIRED:
		referral.status = eligibility.EXPIRED
		referral.reason = outcome.reason
		ledger.save(referral)
		return "expired: the sale came after the qualifying window"
	return credit(referral, code, qualified_on=facts.posting_date)


def _sale_outcome(referral, invoice_type: str, invoice: str):
	"""The sale as it is now (re-read) and what it does to the referral (one under review is
	judged as Pending)."""
	sale = _read_sale(invoice_type, invoice)
	facts = PurchaseFacts(
		posting_date=getdate(sale.posting_date) if sale else getdate(),
		net_amount=Decimal(str(flt(sale.base_net_total))) if sale else Decimal(0),
		min_purchase_amount=Decimal(str(flt(referral.min_purchase_amount))),
		qualify_by=getdate(referral.qualify_by) if referral.qualify_by else None,
		returned_amount=Decimal(str(flt(sale.returned))) if sale else Decimal(0),
		submitted=bool(sale and sale.docstatus == 1 and sale.customer == referral.referee),
		same_company=bool(sale and sale.company == referral.company),
	)
	status = eligibility.PENDING if referral.status == eligibility.UNDER_REVIEW else referral.status
	return facts, eligibility.purchase_outcome(facts, status)


def credit_enrolment(referral_name: str, code) -> str:
	"""Qualification "On enrolment": credited right after the enrolment commits."""
	referral = _locked_referral(referral_name)
	if referral.status == eligibility.UNDER_REVIEW:
		return "under review: credited on approval"
	if referral.status != eligibility.PENDING:
		return f"no change: the referral is {referral.status}"
	return credit(referral, code, qualified_on=getdate(referral.enrolled_on))


_NOTES = {
	"cancelled": "the sale was cancelled",
	"other_company": "a sale of another company",
	"below_minimum": "under the minimum purchase",
	"late": "the sale came after the qualifying window",
}


def _read_sale(invoice_type: str, invoice: str):
	"""The sale as it is now, with the net total of its submitted returns (one query)."""
	if invoice_type not in sale_rules.INVOICE_DOCTYPES:
		return None
	sale, returns = DocType(invoice_type), DocType(invoice_type).as_("returns")
	returned = (
		frappe.qb.from_(returns)
		.select(Coalesce(Sum(returns.base_net_total), 0))
		.where((returns.return_against == sale.name) & (returns.docstatus == 1) & (returns.is_return == 1))
	)
	rows = (
		frappe.qb.from_(sale)
		.select(
			sale.docstatus,
			sale.company,
			sale.customer,
			sale.posting_date,
			sale.base_net_total,
			returned.as_("returned"),
		)
		.where(sale.name == invoice)
		.run(as_dict=True)
	)
	return rows[0] if rows else None


def _locked_referral(name: str):
	# the links it gains here (period, invoice, coupon) are all read from the database just before
	return ledger.locked(name)


def credit(referral, code, qualified_on) -> str:
	"""Credit a referral to the period active on ``qualified_on`` (under the code and referrer
	locks the caller holds), or reject it when a cap or the usage limit is reached. The referrer's
	reward is paid now, or held until the period's hold has passed."""
	period = period_on(referral.company, qualified_on) or get_period(referral.enrolment_period)
	referrer_cap = (period.referrer_cap or 0) if period else 0
	usage_limit = code.rl_usage_limit or 0
	caps = CapFacts(  # each count only when there is a cap or a limit to count against
		referrer_cap=referrer_cap,
		referrer_qualified_in_period=count_referrals(
			locking=True,
			referrer=referral.referrer,
			referral_period=period.name,
			status=eligibility.QUALIFIED,
		)
		if referrer_cap
		else 0,
		code_usage_limit=usage_limit,
		code_used=used_count(code.name, locking=True) if usage_limit else 0,
	)
	reason = eligibility.cap_reason(caps)
	if period and period.name != referral.referral_period:
		referral.referral_period = period.name
		sales.follow_period(referral.name, period.name)  # its sales' rows follow it
	if reason:
		referral.status = eligibility.REJECTED
		referral.reason = reason
		ledger.save(referral)
		return f"rejected: {reason}"
	referral.status = eligibility.QUALIFIED
	referral.reason = None
	referral.qualified_on = qualified_on
	plan = reward_plan_for(code, period)
	paid = False
	if plan.referrer.kind:
		release_on = rewards.release_date(
			getdate(qualified_on), (period.reward_hold_days or 0) if period else 0
		)
		referral.reward_release_on = release_on
		if rewards.is_due(release_on, getdate(today())):
			# paid before the status is saved, so whatever reacts to "Qualified" sees the reward
			pay_referrer(referral, plan.referrer, code.get("campaign"), period)
			paid = True
		else:
			referral.referrer_reward_status = rewards.HELD
	ledger.save(referral)
	milestones.on_count_changed(referral.referrer, period, referral)
	if paid:
		notifications.referrer_rewarded(referral)
	notifications.referral_qualified(referral)
	return "qualified" if not referral.referrer_reward_status == rewards.HELD else "qualified: reward held"


def pay_referrer(referral, reward, campaign: str | None, period) -> None:
	paid = payouts.pay(
		referral,
		rewards.REFERRER,
		reward,
		referral.referrer,
		program=period.loyalty_program if period else None,
		campaign=campaign,
		holder={"customer_name": referral.referrer_name},
		fresh=True,  # under the referral's lock, with no referrer reward yet: nothing to look for
	)
	referral.referrer_coupon = paid.coupon.name if paid.coupon else None
	referral.referrer_points_entry = paid.points_entry
	referral.referrer_reward_status = rewards.ISSUED
