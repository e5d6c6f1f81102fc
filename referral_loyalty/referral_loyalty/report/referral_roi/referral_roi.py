# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt
"""Referral ROI: what the referred customers brought against what their rewards cost, per referral
period and campaign, beside the company's other new customers of the same dates.

For the referrals enrolled in the dates: referees enrolled and qualified; the referees' net sales
and gross profit (ERPNext's: net amount less the lines' valuation) in the "Days After Enrolment"
after their enrolment; the whole reward cost of those referrals (coupon discounts, points at
their money value, the milestone bonuses they reached); the net return (gross profit less reward
cost) and the ROI (net return / reward cost). The last row is the company's other new customers:
created in the dates without a referral, with their sales in the same number of days after
creation. Per-buyer figures compare the two. See services/reporting.py; its statements run side
by side on two connections (services/concurrent_reads.py).
"""

import frappe
from frappe import _
from frappe.utils import cint, flt

from referral_loyalty.services import reporting

MAX_DAYS = 3660


def execute(filters=None):
	scope = reporting.report_scope(filters, "Referral")
	days = (filters or {}).get("days")
	days = reporting.ROI_DAYS if days in (None, "") else cint(days)
	if not 0 < days <= MAX_DAYS:
		frappe.throw(_("Days After Enrolment must be between 1 and {0}.").format(MAX_DAYS))
	currency = frappe.get_cached_value("Company", scope.company, "default_currency")
	data, others = reporting.roi(scope, days)
	referred = _total(data)
	walk_in = frappe._dict(
		period_title=_("Other new customers (no referral)"),
		buyers=others.customers,
		net_sales=others.net_sales,
		gross_profit=others.gross_profit,
		reward_cost=0.0,
		is_walk_in=1,
	)
	reporting.set_returns(walk_in)
	rows = data + ([referred] if len(data) > 1 else []) + [walk_in]
	for row in rows:
		row.currency = currency
	summary = _summary(referred, walk_in, currency)
	return get_columns(), rows, None, get_chart(referred, walk_in, currency), summary


def _total(data: list) -> frappe._dict:
	total = frappe._dict(period_title=_("All referees"), is_total=1)
	for field in reporting.ROI_NUMBERS:
		total[field] = sum(flt(row.get(field)) for row in data)
	reporting.set_returns(total)
	return total


def _summary(referred, walk_in, currency) -> list[dict]:
	return [
		{
			"label": _("Reward Cost"),
			"value": referred.reward_cost,
			"datatype": "Currency",
			"currency": currency,
		},
		{
			"label": _("Net Return"),
			"value": referred.net_return,
			"datatype": "Currency",
			"currency": currency,
			"indicator": "Green" if referred.net_return >= 0 else "Red",
		},
		{
			"label": _("Gross Profit per Referee Buyer"),
			"value": referred.profit_per_buyer,
			"datatype": "Currency",
			"currency": currency,
		},
		{
			"label": _("Gross Profit per Other New Buyer"),
			"value": walk_in.profit_per_buyer,
			"datatype": "Currency",
			"currency": currency,
		},
	]


def get_columns() -> list[dict]:
	money = {"fieldtype": "Currency", "options": "currency", "width": 120}
	return [
		{
			"fieldname": "referral_period",
			"label": _("Referral Period"),
			"fieldtype": "Link",
			"options": "Referral Period",
			"width": 120,
		},
		{"fieldname": "period_title", "label": _("Period Title"), "fieldtype": "Data", "width": 170},
		{
			"fieldname": "campaign",
			"label": _("Campaign"),
			"fieldtype": "Link",
			"options": "Campaign",
			"width": 120,
		},
		{"fieldname": "enrolled", "label": _("Enrolled"), "fieldtype": "Int", "width": 90},
		{"fieldname": "qualified", "label": _("Qualified"), "fieldtype": "Int", "width": 90},
		{"fieldname": "buyers", "label": _("Buyers"), "fieldtype": "Int", "width": 80},
		{"fieldname": "net_sales", "label": _("Net Sales"), **money},
		{"fieldname": "gross_profit", "label": _("Gross Profit"), **money},
		{"fieldname": "discount", "label": _("Coupon Discounts"), **money},
		{"fieldname": "points_value", "label": _("Points Value"), **money},
		{"fieldname": "reward_cost", "label": _("Reward Cost"), **money},
		{"fieldname": "net_return", "label": _("Net Return"), **money},
		{"fieldname": "roi", "label": _("ROI %"), "fieldtype": "Percent", "width": 90},
		{"fieldname": "sales_per_buyer", "label": _("Net Sales per Buyer"), **money},
		{"fieldname": "profit_per_buyer", "label": _("Gross Profit per Buyer"), **money},
		{
			"fieldname": "currency",
			"label": _("Currency"),
			"fieldtype": "Link",
			"options": "Currency",
			"hidden": 1,
		},
	]


def get_chart(referred, walk_in, currency) -> dict:
	return {
		"data": {
			"labels": [_("Net Sales per Buyer"), _("Gross Profit per Buyer")],
			"datasets": [
				{
					"name": _("Referred customers"),
					"values": [referred.sales_per_buyer, referred.profit_per_buyer],
				},
				{
					"name": _("Other new customers"),
					"values": [walk_in.sales_per_buyer, walk_in.profit_per_buyer],
				},
			],
		},
		"type": "bar",
		"fieldtype": "Currency",
		"options": currency,
	}
