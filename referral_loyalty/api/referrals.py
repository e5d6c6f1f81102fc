"""Whitelisted endpoints for the till and the Desk: typed, permission-checked, rate-limited."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import strip_html, today

from referral_loyalty.rules import referrer_search
from referral_loyalty.rules.codes import display
from referral_loyalty.services import access, ratelimit, sharing
from referral_loyalty.services.codes import resolve_code, used_count
from referral_loyalty.services.enrolment import region_of
from referral_loyalty.services.periods import copy_for, period_on
from referral_loyalty.services.referrer_search import find_referrers
from referral_loyalty.services.sharing import referral_summary

CODE_CHECKS_PER_MINUTE = 30
REFERRER_SEARCHES_PER_MINUTE = 20


@frappe.whitelist(methods=["GET", "POST"])
@ratelimit.per_user(limit=CODE_CHECKS_PER_MINUTE, seconds=60)
def check_code(code: str, company: str | None = None) -> dict:
	"""Live check while the cashier types: valid or not, the referrer's first name only, and what
	the new customer will get (the active period's copy in the user's language). Without a
	company, the company of the POS the user has open."""
	company = company or access.open_pos_company()
	access.require_till_user(company)
	try:
		row = resolve_code(code, company)
	except frappe.ValidationError as e:
		frappe.clear_messages()
		return {"valid": False, "message": strip_html(str(e))}
	referrer = frappe.db.get_value("Customer", row.customer, "customer_name") or ""
	out = {
		"valid": True,
		"code": display(row.referral_code),
		"referrer_first_name": referrer.split()[0] if referrer.split() else "",
		"message": _("Valid code from {0}.").format(
			referrer.split()[0] if referrer.split() else _("a customer")
		),
	}
	if row.rl_usage_limit and used_count(row.name) >= row.rl_usage_limit:
		out.update(valid=False, message=_("This referral code has reached its usage limit."))
		return out
	period = period_on(row.company, today())
	if period:
		copy = copy_for(period.name, frappe.local.lang)
		out["offer"] = {
			"title": copy.title if copy else period.title,
			"description": copy.description if copy else "",
			"terms": copy.terms if copy else "",
			"image_url": copy.image_url if copy else "",
		}
	elif not (row.customer_offer or row.primary_offer):
		out["message"] = _("Valid code, but no referral promotion is running today.")
	return out


@frappe.whitelist(methods=["GET", "POST"])
def customer_referral_info(customer: str, company: str | None = None) -> dict:
	"""A customer's own code, "X of Y used" and referral status (for the till and the Customer
	form), only for a company the user may read."""
	access.require_customer_read(customer)
	company = company or access.open_pos_company()
	if company:
		access.require_company_read(company)
		return referral_summary(customer, company)
	return referral_summary(customer, companies=access.readable_companies())


@frappe.whitelist(methods=["POST"])
def create_code_for_customer(customer: str, company: str | None = None) -> dict:
	"""Give one customer a code now (the till's "create code" button)."""
	access.require_customer_read(customer)
	company = company or access.open_pos_company()
	if not company:
		frappe.throw(_("Open the POS or choose a company first."))
	access.require_company_read(company)
	if not frappe.has_permission("Referral Code", "create"):
		frappe.throw(_("Not permitted to create referral codes."), frappe.PermissionError)
	from referral_loyalty.services.codes import issue_code

	issue_code(customer, company)
	return referral_summary(customer, company)


@frappe.whitelist(methods=["GET", "POST"])
@ratelimit.per_user(limit=REFERRER_SEARCHES_PER_MINUTE, seconds=60)
def find_referrer(query: str, company: str | None = None) -> list[dict]:
	"""The referrer of a customer who came without their code: for a full mobile number or at
	least three letters of a name, up to five customers of the company with an enabled code, each
	as ``{code, label, hint}`` ("7KQ4-M2XD-9", "Maria G.", the mobile's last two digits). Nothing
	else of them, ever. See services/referrer_search.py for what a name matches. Without a
	company, the company of the POS the user has open."""
	company = company or access.open_pos_company()
	access.require_till_user(company)
	if not company:
		frappe.throw(_("Open the POS or choose a company first."), title=_("Company Required"))
	if not isinstance(query, str):
		frappe.throw(_("Type a mobile number or a name."))
	read = referrer_search.read_query(query, region_of(company))
	if read.problem == referrer_search.TOO_LONG:
		frappe.throw(
			_("Type at most {0} characters: a mobile number or a name.").format(
				referrer_search.MAX_QUERY_LENGTH
			)
		)
	if read.problem:
		frappe.throw(
			_("Type a full mobile number or at least {0} letters of a name.").format(
				referrer_search.MIN_NAME_LETTERS
			)
		)
	return find_referrers(read, company, region_of(company))


@frappe.whitelist(methods=["GET", "POST"])
def share_message(customer: str, company: str | None = None) -> dict | None:
	"""The ready message a customer sends to friends, in the customer's language (the running
	period's offer and their code), with its WhatsApp link and QR, for the till's card; only for
	a company the user may read. None when the customer has no code for the company."""
	access.require_customer_read(customer)
	company = company or access.open_pos_company()
	if not company:
		frappe.throw(_("Open the POS or choose a company first."), title=_("Company Required"))
	access.require_company_read(company)
	return sharing.share_message(customer, company)


@frappe.whitelist(methods=["POST"])
def approve_referral(referral: str, note: str | None = None) -> dict:
	"""A manager approves a referral held for review (recorded with who, when and why)."""
	from referral_loyalty.services import review

	review.approve(referral, note)
	return {"referral": referral, "status": frappe.db.get_value("Referral", referral, "status")}


@frappe.whitelist(methods=["POST"])
def reject_referral(referral: str, note: str | None = None) -> dict:
	"""A manager rejects a referral that has not been credited (recorded with who, when and why)."""
	from referral_loyalty.services import review

	review.reject(referral, note)
	return {"referral": referral, "status": frappe.db.get_value("Referral", referral, "status")}


@frappe.whitelist(methods=["POST"])
def link_referrer(customer: str, code: str, note: str | None = None) -> dict:
	"""A Sales Manager links a customer to a referrer after the fact (within the period's
	``link_within_days`` of the customer's creation); the usual enrolment rules apply."""
	from referral_loyalty.services.enrolment import link_referrer as link

	access.require_role("Sales Manager", "System Manager")
	access.require_customer_read(customer)
	frappe.has_permission("Customer", "write", doc=customer, throw=True)
	return link(customer, code, note).as_dict()
