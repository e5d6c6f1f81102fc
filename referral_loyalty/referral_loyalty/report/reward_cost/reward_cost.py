# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt
"""Reward Cost: referral reward coupons issued and redeemed per offer and side, and the discount
they gave.

The discount is read from the submitted invoices (Sales Invoice and POS Invoice) the coupon was
applied on: for a "Grand Total" offer, the invoice's additional discount; for an item offer, the
item discount on the lines POS Awesome applied the offer to. Returns are not netted off; cancelled
invoices are left out. Dates bound the day the coupon was issued. See services/reporting.py.
"""

import frappe
from frappe import _

from referral_loyalty.services import reporting


def execute(filters=None):
	scope = reporting.report_scope(filters, "POS Coupon")
	currency = frappe.get_cached_value("Company", scope.company, "default_currency")
	data = reporting.reward_cost(scope)
	for row in data:
		row.offer_side = _(row.side) if row.side else ""
		row.currency = currency
	return get_columns(), data, None, get_chart(data, currency)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "pos_offer",
			"label": _("POS Offer"),
			"fieldtype": "Link",
			"options": "POS Offer",
			"width": 180,
		},
		{"fieldname": "offer_side", "label": _("Side"), "fieldtype": "Data", "width": 100},
		{"fieldname": "issued", "label": _("Coupons Issued"), "fieldtype": "Int", "width": 130},
		{"fieldname": "redeemed", "label": _("Coupons Redeemed"), "fieldtype": "Int", "width": 140},
		{"fieldname": "withdrawn", "label": _("Coupons Withdrawn"), "fieldtype": "Int", "width": 140},
		{"fieldname": "invoices", "label": _("Invoices"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "discount",
			"label": _("Discount Given"),
			"fieldtype": "Currency",
			"options": "currency",
			"width": 140,
		},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_chart(data: list, currency: str | None) -> dict:
	return {
		"data": {
			"labels": [f"{row.pos_offer} ({row.offer_side})" for row in data],
			"datasets": [{"name": _("Discount Given"), "values": [row.discount for row in data]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"options": currency,
	}
