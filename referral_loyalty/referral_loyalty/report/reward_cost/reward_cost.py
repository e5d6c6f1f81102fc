# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt
"""Reward Cost: the whole cost of the referral rewards, per reward (a coupon's offer, or loyalty
points) and side (referee, referrer, milestone bonus).

Held counts referrer rewards and bonuses waiting for the end of the return window; issued, redeemed
and withdrawn count the coupons and point entries paid. The discount a coupon gave is read from the
submitted invoices it was applied on (the invoice's additional discount for a Grand Total offer,
the item discount on the offer's lines for an item offer; returns are not netted off, cancelled
invoices are left out). Points cost their money value (the program's conversion factor), less what
was taken back. Dates bound the day a reward was issued. See services/reporting.py.
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
		row.reward = row.pos_offer if row.reward_type == "Coupon" else _(row.reward_type)
		row.currency = currency
	return get_columns(), data, None, get_chart(data, currency)


def get_columns() -> list[dict]:
	money = {"fieldtype": "Currency", "options": "currency", "width": 130}
	return [
		{"fieldname": "reward", "label": _("Reward"), "fieldtype": "Data", "width": 170},
		{
			"fieldname": "pos_offer",
			"label": _("POS Offer"),
			"fieldtype": "Link",
			"options": "POS Offer",
			"width": 150,
		},
		{"fieldname": "offer_side", "label": _("Side"), "fieldtype": "Data", "width": 90},
		{"fieldname": "held", "label": _("Held"), "fieldtype": "Int", "width": 80},
		{"fieldname": "issued", "label": _("Issued"), "fieldtype": "Int", "width": 80},
		{"fieldname": "redeemed", "label": _("Redeemed"), "fieldtype": "Int", "width": 90},
		{"fieldname": "withdrawn", "label": _("Withdrawn"), "fieldtype": "Int", "width": 90},
		{"fieldname": "invoices", "label": _("Invoices"), "fieldtype": "Int", "width": 80},
		{"fieldname": "discount", "label": _("Discount Given"), **money},
		{"fieldname": "points", "label": _("Points"), "fieldtype": "Int", "width": 80},
		{"fieldname": "points_value", "label": _("Points Value"), **money},
		{"fieldname": "cost", "label": _("Reward Cost"), **money},
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
			"labels": [f"{row.reward or ''} ({row.offer_side})" for row in data],
			"datasets": [{"name": _("Reward Cost"), "values": [row.cost for row in data]}],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"options": currency,
	}
