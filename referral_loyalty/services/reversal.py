"""Cancel or return of the qualifying sale → Reversed; the referrer's unused coupon withdrawn.

Runs in the cancel's (or the return's) own transaction. The referral is found and checked under
the code and referrer locks with a locking read, so a credit that landed after this transaction
began is seen (and reversed), and a credit still to come re-reads the sale and finds it cancelled.
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import flt, today

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.services import codes, ledger, milestones, payouts
from referral_loyalty.services.ledger import referral_of_referee, referral_of_sale
from referral_loyalty.services.periods import get_period


def _may_be_credited_by(row, invoice_type: str, invoice: str) -> bool:
	"""From a plain read (possibly older than a credit that just landed): could this sale be the
	referral's qualifying sale, now or once its credit lands?"""
	if not row:
		return False
	if row.status == eligibility.QUALIFIED:
		return (row.qualifying_invoice_type, row.qualifying_invoice) == (invoice_type, invoice)
	return eligibility.may_still_qualify(row.status, row.reason)


def on_cancel(invoice) -> None:
	if invoice.get("is_return"):
		return
	row = referral_of_referee(invoice.customer)
	if _may_be_credited_by(row, invoice.doctype, invoice.name):
		reverse(row, invoice.doctype, invoice.name, eligibility.INVOICE_CANCELLED)


def on_return(return_invoice) -> None:
	original = return_invoice.get("return_against")
	if not original:
		return
	row = referral_of_sale(return_invoice)
	if _may_be_credited_by(row, return_invoice.doctype, original):
		reverse(row, return_invoice.doctype, original, eligibility.RETURNED_BELOW_MINIMUM)


def _returned_below_minimum(invoice_type: str, original: str, minimum) -> bool:
	invoice = DocType(invoice_type)
	returned = (
		frappe.qb.from_(invoice)
		.select(Sum(invoice.base_net_total))
		.where((invoice.return_against == original) & (invoice.docstatus == 1) & (invoice.is_return == 1))
		.run()[0][0]
	)
	original_net = frappe.db.get_value(invoice_type, original, "base_net_total")
	return eligibility.return_reverses(
		Decimal(str(flt(original_net))), Decimal(str(flt(returned))), Decimal(str(flt(minimum)))
	)


def reverse(row, invoice_type: str, invoice: str, reason: str) -> None:
	"""Reverse the referral when ``invoice`` is (still) its qualifying sale."""
	code = codes.lock_code(row.referral_code, ("name", "customer"))
	codes.lock_customer(code.customer)
	referral = ledger.locked(row.name)  # a locking read: the latest
	if referral.status != eligibility.QUALIFIED or (
		referral.qualifying_invoice_type,
		referral.qualifying_invoice,
	) != (invoice_type, invoice):
		return
	if reason == eligibility.RETURNED_BELOW_MINIMUM and not _returned_below_minimum(
		invoice_type, invoice, referral.min_purchase_amount
	):
		return
	referral.status = eligibility.REVERSED
	referral.reason = reason
	referral.reversed_on = today()
	if referral.referrer_reward_status == rewards.HELD:
		referral.referrer_reward_status = rewards.WITHDRAWN  # held through the return window: never paid
	elif referral.referrer_coupon or referral.referrer_points_entry:
		referral.referrer_reward_status = payouts.take_back(
			referral.referrer_coupon, referral.referrer_points_entry
		)
	ledger.save(referral)
	milestones.on_count_changed(referral.referrer, get_period(referral.referral_period))
