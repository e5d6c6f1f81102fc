"""Cancel or return of the qualifying sale → Reversed; the referrer's unused coupon withdrawn."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.query_builder import DocType
from frappe.query_builder.functions import Sum
from frappe.utils import flt, today

from referral_loyalty.rules import eligibility
from referral_loyalty.services import coupons


def _qualified_referral_for(invoice_type: str, invoice_name: str) -> str | None:
	return frappe.db.get_value(
		"Referral",
		{
			"qualifying_invoice": invoice_name,
			"qualifying_invoice_type": invoice_type,
			"status": eligibility.QUALIFIED,
		},
		"name",
	)


def on_cancel(invoice) -> None:
	if invoice.get("is_return"):
		return
	referral = _qualified_referral_for(invoice.doctype, invoice.name)
	if referral:
		reverse(referral, eligibility.INVOICE_CANCELLED)


def on_return(return_invoice) -> None:
	original = return_invoice.get("return_against")
	if not original:
		return
	referral_name = _qualified_referral_for(return_invoice.doctype, original)
	if not referral_name:
		return
	invoice = DocType(return_invoice.doctype)
	returned = (
		frappe.qb.from_(invoice)
		.select(Sum(invoice.base_net_total))
		.where((invoice.return_against == original) & (invoice.docstatus == 1) & (invoice.is_return == 1))
		.run()[0][0]
	)
	original_net = frappe.db.get_value(return_invoice.doctype, original, "base_net_total")
	minimum = frappe.db.get_value("Referral", referral_name, "min_purchase_amount")
	if eligibility.return_reverses(
		Decimal(str(flt(original_net))), Decimal(str(flt(returned))), Decimal(str(flt(minimum)))
	):
		reverse(referral_name, eligibility.RETURNED_BELOW_MINIMUM)


def reverse(referral_name: str, reason: str) -> None:
	from referral_loyalty.services.enrolment import lock_code

	lock_code(frappe.db.get_value("Referral", referral_name, "referral_code"))
	referral = frappe.get_doc("Referral", referral_name, for_update=True)
	if referral.status != eligibility.QUALIFIED:
		return
	referral.status = eligibility.REVERSED
	referral.reason = reason
	referral.reversed_on = today()
	if referral.referrer_coupon:
		if coupons.is_redeemed(referral.referrer_coupon):
			referral.referrer_reward_status = "Redeemed"
		else:
			coupons.withdraw(referral.referrer_coupon)
			referral.referrer_reward_status = "Withdrawn"
	referral.save(ignore_permissions=True)
