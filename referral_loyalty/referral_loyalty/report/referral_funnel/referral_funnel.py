# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt
"""Referral Funnel: how far referrals got, per referral period and campaign.

A referral counts in every stage it reached: enrolled (a customer created with a valid code),
pending (passed the enrolment checks), qualified (credited to a period, even if later reversed),
rewarded (the referrer's coupon was issued), redeemed (that coupon was used on a sale). Dates bound
the enrolment date.
"""

from frappe import _

from referral_loyalty.services import reporting


def execute(filters=None):
	scope = reporting.report_scope(filters, "Referral")
	data = reporting.funnel(scope)
	for row in data:
		row.conversion = round(100.0 * row.qualified / row.enrolled, 1) if row.enrolled else 0.0
	return get_columns(), data, None, get_chart(data)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "referral_period",
			"label": _("Referral Period"),
			"fieldtype": "Link",
			"options": "Referral Period",
			"width": 130,
		},
		{"fieldname": "period_title", "label": _("Period Title"), "fieldtype": "Data", "width": 180},
		{
			"fieldname": "campaign",
			"label": _("Campaign"),
			"fieldtype": "Link",
			"options": "Campaign",
			"width": 150,
		},
		{"fieldname": "enrolled", "label": _("Enrolled"), "fieldtype": "Int", "width": 100},
		{"fieldname": "pending", "label": _("Pending"), "fieldtype": "Int", "width": 100},
		{"fieldname": "qualified", "label": _("Qualified"), "fieldtype": "Int", "width": 100},
		{"fieldname": "rewarded", "label": _("Rewarded"), "fieldtype": "Int", "width": 100},
		{"fieldname": "redeemed", "label": _("Redeemed"), "fieldtype": "Int", "width": 100},
		{
			"fieldname": "conversion",
			"label": _("Qualified / Enrolled %"),
			"fieldtype": "Percent",
			"width": 150,
		},
	]


def get_chart(data: list) -> dict:
	labels = [_("Enrolled"), _("Pending"), _("Qualified"), _("Rewarded"), _("Redeemed")]
	totals = [sum(row[stage] for row in data) for stage in reporting.FUNNEL_STAGES]
	return {
		"data": {"labels": labels, "datasets": [{"name": _("Referrals"), "values": totals}]},
		"type": "bar",
		"fieldtype": "Int",
	}
