"""Numbers for the "Referrals" workspace cards (Number Cards of type Custom).

Each method takes the card's ``filters`` (a dict, or a JSON string of one; ``company`` is the only
key read; without it the user's default company is used) and answers in the shape Frappe's number
card expects: ``{"value", "fieldtype", "route", "route_options"}``.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import getdate, today

from referral_loyalty.rules import eligibility
from referral_loyalty.services import access, reporting
from referral_loyalty.services.periods import period_on


@frappe.whitelist(methods=["GET", "POST"])
def active_codes(filters: str | dict | None = None) -> dict:
	"""Enabled referral codes."""
	company = _company(filters)
	reporting.require_read("Referral Code", company)
	conditions = {"disabled": 0, **({"company": company} if company else {})}
	return _card(frappe.db.count("Referral Code", conditions), "Referral Code", conditions)


@frappe.whitelist(methods=["GET", "POST"])
def pending_referrals(filters: str | dict | None = None) -> dict:
	"""Referrals waiting for the referee's qualifying purchase."""
	company = _company(filters)
	reporting.require_read("Referral", company)
	conditions = {"status": eligibility.PENDING, **({"company": company} if company else {})}
	return _card(frappe.db.count("Referral", conditions), "Referral", conditions)


@frappe.whitelist(methods=["GET", "POST"])
def qualified_this_period(filters: str | dict | None = None) -> dict:
	"""Referrals credited (and still qualified) to the referral periods running today."""
	company = _company(filters)
	reporting.require_read("Referral", company)
	periods = current_periods(company)
	if not periods:
		return _card(0, "Referral", {"status": eligibility.QUALIFIED})
	referral = DocType("Referral")
	count = (
		frappe.qb.from_(referral)
		.select(Count("*"))
		.where((referral.status == eligibility.QUALIFIED) & referral.referral_period.isin(periods))
		.run()[0][0]
	)
	route_options = {"status": eligibility.QUALIFIED}
	if len(periods) == 1:
		route_options["referral_period"] = periods[0]
	return _card(count, "Referral", route_options)


@frappe.whitelist(methods=["GET", "POST"])
def reward_cost_this_period(filters: str | dict | None = None) -> dict:
	"""Discount given by the reward coupons of referrals credited to the company's period running
	today (the measure of the Reward Cost report), in company currency."""
	company = _company(filters)
	reporting.require_read("POS Coupon", company)
	if not company:
		return {"value": 0, "fieldtype": "Currency"}
	periods = current_periods(company)
	value = (
		reporting.total_discount(reporting.Scope(company=company, referral_period=periods[0]))
		if periods
		else 0.0
	)
	route_options = {"company": company, **({"referral_period": periods[0]} if periods else {})}
	return {
		"value": value,
		"fieldtype": "Currency",
		"route": ["query-report", "Reward Cost"],
		"route_options": route_options,
	}


def current_periods(company: str | None) -> list[str]:
	"""The referral periods running today: per company, the one ``services.periods.period_on``
	picks (the single definition of the period active on a date)."""
	day = getdate(today())
	companies = [company] if company else access.readable_companies()
	periods = (period_on(name, day) for name in companies)
	return [period.name for period in periods if period]


def _company(filters) -> str | None:
	if isinstance(filters, str):
		try:
			filters = json.loads(filters or "{}")
		except ValueError:
			frappe.throw(_("Filters must be a JSON object."))
	if filters and not isinstance(filters, dict):
		frappe.throw(_("Filters must be a JSON object."))
	company = (filters or {}).get("company") or frappe.defaults.get_user_default("Company")
	if company and not isinstance(company, str):
		frappe.throw(_("Company must be text."))
	if company and not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} does not exist.").format(company))
	return company or None


def _card(value: int, doctype: str, route_options: dict) -> dict:
	return {
		"value": int(value or 0),
		"fieldtype": "Int",
		"route": ["List", doctype],
		"route_options": route_options,
	}
