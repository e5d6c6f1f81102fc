# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt
"""Referrals by Cashier: per user who created the referred customer and POS Profile, the referrals
enrolled, the share rejected and under review, and those that qualified. A cashier whose
enrolments are often rejected or held for review is where a manager looks first. Dates bound the
enrolment date. See services/reporting.py.
"""

import frappe
from frappe import _

from referral_loyalty.services import reporting

CHART_CASHIERS = 15


def execute(filters=None):
	scope = reporting.report_scope(filters, "Referral")
	data = reporting.by_cashier(scope)
	names = _full_names({row.enrolled_by for row in data if row.enrolled_by})
	for row in data:
		row.user_name = names.get(row.enrolled_by) or row.enrolled_by
		row.rejected_share = _share(row.rejected, row.enrolled)
		row.review_share = _share(row.under_review, row.enrolled)
		row.qualified_share = _share(row.qualified, row.enrolled)
	return get_columns(), data, None, get_chart(data)


def _share(part: int, whole: int) -> float:
	return round(100.0 * part / whole, 1) if whole else 0.0


def _full_names(users: set) -> dict:
	if not users:
		return {}
	return dict(
		frappe.get_all(
			"User", filters={"name": ("in", list(users))}, fields=["name", "full_name"], as_list=True
		)
	)


def get_columns() -> list[dict]:
	return [
		{
			"fieldname": "enrolled_by",
			"label": _("User"),
			"fieldtype": "Link",
			"options": "User",
			"width": 180,
		},
		{"fieldname": "user_name", "label": _("Name"), "fieldtype": "Data", "width": 150},
		{
			"fieldname": "pos_profile",
			"label": _("POS Profile"),
			"fieldtype": "Link",
			"options": "POS Profile",
			"width": 140,
		},
		{"fieldname": "enrolled", "label": _("Enrolled"), "fieldtype": "Int", "width": 90},
		{"fieldname": "rejected", "label": _("Rejected"), "fieldtype": "Int", "width": 90},
		{"fieldname": "rejected_share", "label": _("Rejected %"), "fieldtype": "Percent", "width": 100},
		{"fieldname": "under_review", "label": _("Under Review"), "fieldtype": "Int", "width": 110},
		{"fieldname": "review_share", "label": _("Under Review %"), "fieldtype": "Percent", "width": 120},
		{"fieldname": "qualified", "label": _("Qualified"), "fieldtype": "Int", "width": 90},
		{"fieldname": "qualified_share", "label": _("Qualified %"), "fieldtype": "Percent", "width": 100},
	]


def get_chart(data: list) -> dict:
	top = data[:CHART_CASHIERS]
	return {
		"data": {
			"labels": [f"{row.user_name or _('Unknown')} · {row.pos_profile or _('Desk')}" for row in top],
			"datasets": [
				{"name": _("Enrolled"), "values": [row.enrolled for row in top]},
				{"name": _("Rejected"), "values": [row.rejected for row in top]},
				{"name": _("Under Review"), "values": [row.under_review for row in top]},
				{"name": _("Qualified"), "values": [row.qualified for row in top]},
			],
		},
		"type": "bar",
		"fieldtype": "Int",
	}
