"""Who may use the till-side referral endpoints."""

import frappe
from frappe import _
from frappe.query_builder import DocType, Order
from frappe.query_builder.functions import Coalesce

from referral_loyalty.exceptions import ReferralNotAllowed


def require_till_user(company: str | None = None) -> None:
	"""A logged-in user who may sell (create POS or Sales Invoices) for the company."""
	if frappe.session.user == "Guest":
		frappe.throw(_("Please log in."), exc=ReferralNotAllowed)
	if not (
		frappe.has_permission("POS Invoice", "create") or frappe.has_permission("Sales Invoice", "create")
	):
		frappe.throw(_("Not permitted to use referrals at the till."), exc=ReferralNotAllowed)
	if company:
		require_company_read(company)


def require_company_read(company: str) -> None:
	if not isinstance(company, str) or not frappe.has_permission("Company", "read", doc=company):
		frappe.throw(_("Not permitted for company {0}.").format(company), exc=ReferralNotAllowed)


def readable_companies() -> list[str]:
	"""The companies the user may read (User Permissions on Company honoured)."""
	return frappe.get_list("Company", pluck="name", limit_page_length=0)


def require_customer_read(customer: str) -> None:
	if not frappe.has_permission("Customer", "read", doc=customer):
		frappe.throw(_("Not permitted to read customer {0}.").format(customer), exc=ReferralNotAllowed)


def till_profile(company: str | None = None):
	"""The POS Profile the user sells on, as one SQL expression: the profile of the user's latest
	POS Awesome shift still open (optionally for one company), else the profile the user was last
	assigned to (of that company). The one definition of "the user's till"."""
	shift = DocType("POS Opening Shift")
	open_shift = (
		frappe.qb.from_(shift)
		.select(shift.pos_profile)
		.where((shift.user == frappe.session.user) & (shift.status == "Open") & (shift.docstatus == 1))
		.orderby(shift.creation, order=Order.desc)
		.limit(1)
	)
	profile_user, pos_profile = DocType("POS Profile User"), DocType("POS Profile")
	assigned = (
		frappe.qb.from_(profile_user)
		.select(profile_user.parent)
		.where((profile_user.user == frappe.session.user) & (profile_user.parenttype == "POS Profile"))
		.orderby(profile_user.modified, order=Order.desc)
		.limit(1)
	)
	if company:
		open_shift = open_shift.where(shift.company == company)
		assigned = (
			assigned.join(pos_profile)
			.on(pos_profile.name == profile_user.parent)
			.where(pos_profile.company == company)
		)
	return Coalesce(open_shift, assigned)


def open_pos_profile(company: str | None = None) -> str | None:
	"""The user's till (see ``till_profile``), in one query."""
	return frappe.qb.select(till_profile(company)).run()[0][0] or None


def open_pos_company() -> str | None:
	profile = open_pos_profile()
	return frappe.db.get_value("POS Profile", profile, "company") if profile else None


def require_role(*roles: str) -> None:
	"""The user has one of ``roles`` (frappe.only_for is switched off in tests; this is not)."""
	if not set(roles) & set(frappe.get_roles()):
		frappe.throw(
			_("Only a user with the role {0} may do this.").format(_(roles[0])), exc=frappe.PermissionError
		)
