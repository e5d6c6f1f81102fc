# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt
"""Top Referrers: per referral code, the referrals it brought by outcome and the referrer's rewards.

Qualified, pending and rejected are the referrals' current status; rewards issued counts the
referrer rewards paid (coupons or points), rewards redeemed those used on a sale. Dates bound the
enrolment date. "Show Top" keeps the first codes (most qualified, then most enrolled; 0 = all).
"""

import frappe
from frappe import _
from frappe.utils import cint

from referral_loyalty.rules.codes import display
from referral_loyalty.services import reporting

CHART_REFERRERS = 10
DEFAULT_TOP = 100


def execute(filters=None):
	scope = reporting.report_scope(filters, "Referral")
	top = cint((filters or {}).get("top", DEFAULT_TOP))
	if top < 0:
		frappe.throw(_("Show Top must be 0 (all) or more."))
	data = reporting.top_referrers(scope, top)
	for row in data:
		row.code = display(row.code or "")
	return get_columns(), data, None, get_chart(data)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "referrer",
			"label": _("Referrer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 160,
		},
		{"fieldname": "referrer_name", "label": _("Referrer Name"), "fieldtype": "Data", "width": 180},
		{"fieldname": "code", "label": _("Code"), "fieldtype": "Data", "width": 120},
		{
			"fieldname": "referral_code",
			"label": _("Referral Code"),
			"fieldtype": "Link",
			"options": "Referral Code",
			"width": 160,
		},
		{"fieldname": "enrolled", "label": _("Enrolled"), "fieldtype": "Int", "width": 100},
		{"fieldname": "pending", "label": _("Pending"), "fieldtype": "Int", "width": 100},
		{"fieldname": "qualified", "label": _("Qualified"), "fieldtype": "Int", "width": 100},
		{"fieldname": "rejected", "label": _("Rejected"), "fieldtype": "Int", "width": 100},
		{"fieldname": "rewards_issued", "label": _("Rewards Issued"), "fieldtype": "Int", "width": 130},
		{"fieldname": "rewards_redeemed", "label": _("Rewards Redeemed"), "fieldtype": "Int", "width": 140},
	]


def get_chart(data: list) -> dict:
	top = data[:CHART_REFERRERS]
	return {
		"data": {
			"labels": [row.referrer_name or row.referrer for row in top],
			"datasets": [
				{"name": _("Enrolled"), "values": [row.enrolled for row in top]},
				{"name": _("Qualified"), "values": [row.qualified for row in top]},
				{"name": _("Rewards Redeemed"), "values": [row.rewards_redeemed for row in top]},
			],
		},
		"type": "bar",
		"fieldtype": "Int",
	}
