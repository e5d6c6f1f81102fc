"""Loading Referral Periods for the rules core."""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType
from frappe.utils import getdate

from referral_loyalty.rules.periods import PeriodSpan, active_period

PERIOD_FIELDS = (
	"name",
	"title",
	"company",
	"enabled",
	"from_date",
	"to_date",
	"campaign",
	"reward_mode",
	"qualification",
	"min_purchase_amount",
	"qualify_within_days",
	"referee_offer",
	"referrer_offer",
	"referrer_cap",
	"referee_reward_limit",
	"referee_reward_type",
	"referrer_reward_type",
	"referee_points",
	"referrer_points",
	"loyalty_program",
	"reward_hold_days",
	"review_enrolments_per_day",
	"employee_referrals",
	"link_within_days",
)


def span_of(row) -> PeriodSpan:
	return PeriodSpan(row.name, row.company, getdate(row.from_date), getdate(row.to_date), bool(row.enabled))


def period_on(company: str, day):
	"""The enabled period of the company active on ``day`` (a row with PERIOD_FIELDS), or None."""
	day = getdate(day)
	period = DocType("Referral Period")
	rows = (  # a system read on the (company, from_date) index, without get_all's permission layer
		frappe.qb.from_(period)
		.select(*PERIOD_FIELDS)
		.where(
			(period.company == company)
			& (period.enabled == 1)
			& (period.from_date <= day)
			& (period.to_date >= day)
		)
		.run(as_dict=True)
	)
	found = active_period([span_of(r) for r in rows], company, day)
	return next((r for r in rows if found and r.name == found.name), None)


def get_period(name: str | None):
	if not name:
		return None
	return frappe.db.get_value("Referral Period", name, PERIOD_FIELDS, as_dict=True)


def copy_for(period: str, language: str | None = None):
	"""The period's copy in ``language``, else its base language (``es`` for ``es-MX``), else English,
	else the first row."""
	rows = frappe.get_all(
		"Referral Period Copy",
		filters={"parent": period, "parenttype": "Referral Period"},
		fields=["language", "title", "description", "terms", "image_url"],
		order_by="idx asc",
	)
	if not rows:
		return None
	language = language or frappe.local.lang or "en"
	by_language = {r.language: r for r in rows}
	for candidate in (language, language.split("-")[0], "en"):
		if candidate in by_language:
			return by_language[candidate]
	return rows[0]
