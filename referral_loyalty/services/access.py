"""Who may use the till-side referral endpoints."""

import frappe
from frappe import _

from referral_loyalty.exceptions import ReferralNotAllowed


def require_till_user(company: str | None = None) -> None:
	"""A logged-in user who may sell (create POS or Sales Invoices) for the company."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Please log in."), exc=ReferralNotAllowed)
	if not (
		frappe.has_permission("POS Invoice", "create") or frappe.has_permission("Sales Invoice", "create")
	):
		frappe.throw(_("Not permitted to use referrals at the till."), exc=ReferralNotAllowed)
	if company and not frappe.has_permission("Company", "read", doc=company):
		frappe.throw(_("Not permitted for company {0}.").format(company), exc=ReferralNotAllowed)


def require_customer_read(customer: str) -> None:
	if not frappe.has_permission("Customer", "read", doc=customer):
		frappe.throw(_("Not permitted to read customer {0}.").format(customer), exc=ReferralNotAllowed)
