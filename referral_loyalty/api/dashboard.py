"""Numbers for the "Referrals" workspace cards (Number Cards of type Custom).

Each method takes the card's ``filters`` (a dict, or a JSON string of one; ``company`` is the only
key read). With a company, the card counts that company; without one, it sums over every company
the user may read. It answers in the shape Frappe's number card expects (``{"value", "fieldtype",
"route", "route_options"}``) and names what it counted in ``company_label`` (shown under the number
by public/js/referral_cards.js): the company, or "All companies (n)".

Every count is answered from an index of the table it counts (see the Referral's
``on_doctype_update`` and ``install.INDEXES``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import flt, getdate, today

from referral_loyalty.rules import eligibility
from referral_loyalty.services import access, reporting
from referral_loyalty.services.periods import period_on


@dataclass(frozen=True)
class Companies:
	"""The companies a card counts, and how the card names them."""

	names: tuple[str, ...]
	chosen: str | None

	@property
	def label(self) -> str:
		if not any(self.names):
			return _("No company")
		if self.chosen or len(self.names) == 1:
			return self.chosen or self.names[0]
		return _("All companies ({0})").format(len(self.names))

	def route_options(self, **options) -> dict:
		company = self.chosen or (self.names[0] if len(self.names) == 1 else None)
		return {**options, **({"company": company} if company else {})}


MODULE = "Referral Loyalty"


def add_cards_to_boot(bootinfo) -> None:
	"""boot_session: the definitions of this app's number cards the user may read, so that the
	workspace's cards ask the server for their numbers only (public/js/referral_cards.js), not
	for their definitions first, one request each."""
	if frappe.session.user == "Guest":
		return
	bootinfo.rl_number_cards = {
		card.name: card for card in frappe.get_list("Number Card", filters={"module": MODULE}, fields=["*"])
	}


def clear_boot_cards(doc=None, method=None) -> None:
	"""doc_events of Number Card: a card of this app changed, the users' cached boot is stale."""
	if doc is None or doc.get("module") == MODULE:
		frappe.cache.delete_key("bootinfo")


@frappe.whitelist(methods=["GET", "POST"])
def active_codes(filters: str | dict | None = None) -> dict:
	"""Enabled referral codes."""
	companies = _companies(filters, "Referral Code")
	code = DocType("Referral Code")
	value = _count(frappe.qb.from_(code).where((code.disabled == 0) & code.company.isin(companies.names)))
	return _card(value, companies, "Referral Code", {"disabled": 0})


@frappe.whitelist(methods=["GET", "POST"])
def pending_referrals(filters: str | dict | None = None) -> dict:
	"""Referrals waiting for the referee's qualifying purchase."""
	return _status_card(filters, eligibility.PENDING)


@frappe.whitelist(methods=["GET", "POST"])
def under_review(filters: str | dict | None = None) -> dict:
	"""The review queue: referrals whose referrer reward waits for a manager's decision."""
	return _status_card(filters, eligibility.UNDER_REVIEW)


def _status_card(filters, status: str) -> dict:
	companies = _companies(filters, "Referral")
	referral = DocType("Referral")
	value = _count(
		frappe.qb.from_(referral)
		.force_index(reporting.COMPANY_STATUS_INDEX)
		.where(referral.company.isin(companies.names) & (referral.status == status))
	)
	return _card(value, companies, "Referral", {"status": status})


@frappe.whitelist(methods=["GET", "POST"])
def qualified_this_period(filters: str | dict | None = None) -> dict:
	"""Referrals credited (and still qualified) to the referral periods running today."""
	companies = _companies(filters, "Referral")
	periods = current_periods(companies.names)
	count = 0
	if periods:
		referral = DocType("Referral")
		count = _count(
			frappe.qb.from_(referral).where(
				(referral.status == eligibility.QUALIFIED) & referral.referral_period.isin(periods)
			)
		)
	route_options = {"status": eligibility.QUALIFIED}
	if len(periods) == 1:
		route_options["referral_period"] = periods[0]
	return _card(count, companies, "Referral", route_options)


@frappe.whitelist(methods=["GET", "POST"])
def reward_cost_this_period(filters: str | dict | None = None) -> dict:
	"""The whole reward cost (coupon discounts and points at money value; the measure of the Reward
	Cost report) of the referral periods running today, in company currency. Without a company,
	over the readable companies that share the user's default company's currency."""
	companies = _companies(filters, "POS Coupon")
	currencies = {
		name: frappe.get_cached_value("Company", name, "default_currency") for name in companies.names
	}
	default = frappe.defaults.get_user_default("Company")
	currency = currencies.get(companies.chosen or default) or next(iter(currencies.values()), None)
	same = tuple(name for name in companies.names if currencies[name] == currency)
	if same != companies.names:
		companies = Companies(same, companies.chosen)
	value = 0.0
	for company in companies.names:
		period = period_on(company, getdate(today()))
		if period:
			value += reporting.reward_cost_total(
				reporting.Scope(company=company, referral_period=period.name)
			)
	return {
		"value": flt(value),
		"fieldtype": "Currency",
		"currency": currency,
		"route": ["query-report", "Reward Cost"],
		"route_options": companies.route_options(),
		"company_label": companies.label,
	}


@frappe.whitelist(methods=["GET", "POST"])
def referrer_share_rate(filters: str | dict | None = None) -> dict:
	"""Customers with an enabled code who referred at least one new customer (a code with a first
	referral), as a share of all customers with an enabled code, in %."""
	companies = _companies(filters, "Referral Code")
	code = DocType("Referral Code")
	with_code, sharing = (  # one read of the index (company, disabled, rl_first_referral_on)
		frappe.qb.from_(code)
		.select(Count("*"), Count(code.rl_first_referral_on))
		.where((code.disabled == 0) & code.company.isin(companies.names))
		.run()[0]
	)
	return {
		"value": round(100.0 * sharing / with_code, 1) if with_code else 0.0,
		"fieldtype": "Percent",
		"route": ["query-report", "Top Referrers"],
		"route_options": companies.route_options(),
		"company_label": companies.label,
	}


@frappe.whitelist(methods=["GET", "POST"])
def viral_factor(filters: str | dict | None = None) -> dict:
	"""Qualified referees per active referrer (one with at least one qualified referral) in the
	referral periods running today."""
	companies = _companies(filters, "Referral")
	periods = current_periods(companies.names)
	referees = referrers = 0
	if periods:
		referral = DocType("Referral")
		referees, referrers = (
			frappe.qb.from_(referral)
			.select(Count("*"), Count(referral.referrer).distinct())
			.where(referral.referral_period.isin(periods) & (referral.status == eligibility.QUALIFIED))
			.run()[0]
		)
	return {
		"value": round(referees / referrers, 2) if referrers else 0.0,
		"fieldtype": "Float",
		"route": ["query-report", "Top Referrers"],
		"route_options": companies.route_options(**_period_option(periods)),
		"company_label": companies.label,
	}


def _period_option(periods: list[str]) -> dict:
	return {"referral_period": periods[0]} if len(periods) == 1 else {}


def current_periods(companies) -> list[str]:
	"""The referral periods running today: per company, the one ``services.periods.period_on``
	picks (the single definition of the period active on a date)."""
	day = getdate(today())
	periods = (period_on(name, day) for name in companies)
	return [period.name for period in periods if period]


def _companies(filters, doctype: str) -> Companies:
	"""The company of the card's filters (validated, readable), else every readable company."""
	if isinstance(filters, str):
		try:
			filters = json.loads(filters or "{}")
		except ValueError:
			frappe.throw(_("Filters must be a JSON object."))
	if filters and not isinstance(filters, dict):
		frappe.throw(_("Filters must be a JSON object."))
	company = (filters or {}).get("company")
	if company and not isinstance(company, str):
		frappe.throw(_("Company must be text."))
	if company and not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} does not exist.").format(company))
	reporting.require_read(doctype, company)
	if company:
		return Companies((company,), company)
	return Companies(tuple(access.readable_companies()) or ("",), None)


def _count(query) -> int:
	return int(query.select(Count("*")).run()[0][0] or 0)


def _card(value: int, companies: Companies, doctype: str, route_options: dict) -> dict:
	return {
		"value": int(value or 0),
		"fieldtype": "Int",
		"route": ["List", doctype],
		"route_options": companies.route_options(**route_options),
		"company_label": companies.label,
	}
