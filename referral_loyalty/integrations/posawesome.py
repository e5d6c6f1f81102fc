"""Wrappers of POS Awesome's whitelisted methods (hooked through override_whitelisted_methods).

They call POS Awesome's own code and add what the referral program needs: one enrolment per
customer (an offline replay returns the customer created the first time), the cashier told the
outcome, "Auto Fetch Coupon Gifts" honoured, and no coupon or contact data of one customer
returned for another.
"""

from __future__ import annotations

import json

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from frappe.utils import getdate, nowdate
from posawesome.posawesome.api import customers as posa_customers
from posawesome.posawesome.api import offers as posa_offers
from pypika.terms import ExistsCriterion

from referral_loyalty.services import access
from referral_loyalty.services.codes import find_code

CUSTOMER_COUPONS_INDEX = "rl_customer_company_index"  # POS Coupon (customer, company): install.INDEXES

COUPON_FIELDS_FOR_TILL = (
	"name",
	"coupon_code",
	"coupon_type",
	"pos_offer",
	"customer",
	"company",
	"valid_from",
	"valid_upto",
	"used",
	"maximum_use",
)


def _profile_name(pos_profile_doc) -> str | None:
	if not pos_profile_doc:
		return None
	if isinstance(pos_profile_doc, str):
		try:
			pos_profile_doc = json.loads(pos_profile_doc)
		except ValueError:
			return pos_profile_doc if frappe.db.exists("POS Profile", pos_profile_doc) else None
	return pos_profile_doc.get("name") if isinstance(pos_profile_doc, dict) else None


def _typed_code(referral_code: str):
	"""The code row for what the cashier typed (kept for the customer's own validation in this
	request: one look-up, not two), or None when it is no code."""
	try:
		code = find_code(referral_code)
	except frappe.ValidationError:
		return None  # the customer's validation says what is wrong with it
	if code:
		frappe.flags.rl_typed_code = (referral_code, code)
	return code


def _replayed_customer(customer_name, code, mobile_no, email_id):
	"""The customer an earlier call already created from the same dialog data, if any."""
	filters = {"customer_name": customer_name, "posa_referral_code": code.referral_code}
	if mobile_no:
		filters["mobile_no"] = mobile_no
	if email_id:
		filters["email_id"] = email_id
	return frappe.db.get_value("Customer", filters, "name")


def _allows_duplicate_names(profile: str | None) -> bool:
	return bool(
		profile and frappe.get_cached_value("POS Profile", profile, "posa_allow_duplicate_customer_names")
	)


def _replay(customer: str):
	frappe.flags.rl_typed_code = None
	frappe.has_permission("Customer", "read", doc=customer, throw=True)
	return _with_referral(frappe.get_doc("Customer", customer))


@frappe.whitelist(methods=["POST"])
def create_customer(
	customer_name: str,
	company: str,
	pos_profile_doc,
	customer_id: str | None = None,
	tax_id: str | None = None,
	mobile_no: str | None = None,
	email_id: str | None = None,
	referral_code: str | None = None,
	birthday: str | None = None,
	customer_group: str | None = None,
	territory: str | None = None,
	customer_type: str | None = None,
	gender: str | None = None,
	method: str = "create",
	address_line1: str | None = None,
	city: str | None = None,
	country: str | None = None,
):
	"""POS Awesome's create_customer (same signature), enrolling through the referral rules once.

	An offline till may send the same new customer twice: the second call gets the customer the
	first one created. Where the profile refuses a second customer of the same name, POS Awesome's
	own check finds it (nothing written yet) and only then is it looked up; where it allows one,
	it is looked up first."""
	frappe.flags.rl_typed_code = None
	profile = _profile_name(pos_profile_doc)
	code = _typed_code(referral_code) if method == "create" and referral_code else None
	if code and _allows_duplicate_names(profile):
		if replayed := _replayed_customer(customer_name, code, mobile_no, email_id):
			return _replay(replayed)

	frappe.flags.rl_source = "POS"
	frappe.flags.rl_pos_profile = profile
	frappe.flags.rl_last_enrolment = None
	writes = frappe.db.transaction_writes
	try:
		customer = posa_customers.create_customer(
			customer_name=customer_name,
			company=company,
			pos_profile_doc=pos_profile_doc,
			customer_id=customer_id,
			tax_id=tax_id,
			mobile_no=mobile_no,
			email_id=email_id,
			referral_code=referral_code,
			birthday=birthday,
			customer_group=customer_group,
			territory=territory,
			customer_type=customer_type,
			gender=gender,
			method=method,
			address_line1=address_line1,
			city=city,
			country=country,
		)
	except frappe.ValidationError:
		replayed = (
			code
			and frappe.db.transaction_writes == writes  # refused before anything was written
			and _replayed_customer(customer_name, code, mobile_no, email_id)
		)
		if not replayed:
			raise
		frappe.clear_messages()  # POS Awesome's "Customer already exists": it is the same one
		return _replay(replayed)
	finally:
		frappe.flags.rl_source = None
		frappe.flags.rl_pos_profile = None
		frappe.flags.rl_typed_code = None
	return _with_referral(customer)


def _with_referral(customer):
	"""The customer as POS Awesome's own call answers it (no empty fields), with the enrolment's
	outcome for the cashier."""
	out = customer.as_dict(no_nulls=True)
	result = frappe.flags.rl_last_enrolment
	if result is None and customer.get("rl_referral"):
		row = frappe.db.get_value(
			"Referral", customer.rl_referral, ["name", "status", "reason"], as_dict=True
		)
		out["rl_referral_outcome"] = row
	elif result is not None:
		out["rl_referral_outcome"] = result.as_dict()
	return out


@frappe.whitelist()
def get_active_gift_coupons(customer: str, company: str):
	"""POS Awesome's coupon auto-fetch, for a till user who may read the customer, honouring the
	"Auto Fetch Coupon Gifts" of the profile the user sells on (which POS Awesome itself never
	reads) and leaving out withdrawn reward coupons: one query, as POS Awesome's own."""
	access.require_till_user(company)
	access.require_customer_read(customer)
	coupon, profile = DocType("POS Coupon"), DocType("POS Profile")
	auto_fetch = (
		frappe.qb.from_(profile)
		.select(profile.name)
		.where((profile.name == access.till_profile(company)) & (profile.posa_fetch_coupon == 1))
	)
	rows = (
		frappe.qb.from_(coupon)
		# the customer's coupons of the company, whatever the planner guesses of a small table
		.force_index(CUSTOMER_COUPONS_INDEX)
		.select(coupon.coupon_code, coupon.valid_from, coupon.valid_upto)
		.where(
			(coupon.company == company)
			& (coupon.coupon_type == "Gift Card")
			& (coupon.customer == customer)
			& (coupon.used == 0)
			& (Coalesce(coupon.rl_withdrawn, 0) == 0)
		)
		.where(ExistsCriterion(auto_fetch))
		.run(as_dict=True)
	)
	today = getdate(nowdate())
	return [row.coupon_code for row in rows if posa_offers._is_coupon_active(row, today)]


@frappe.whitelist()
def get_pos_coupon(coupon: str, customer: str, company: str):
	"""POS Awesome's coupon check, for a named customer only, without contact data."""
	access.require_till_user(company)
	if not customer:
		frappe.throw(_("Select the customer before applying a coupon."))
	access.require_customer_read(customer)
	res = posa_offers.get_pos_coupon(coupon, customer, company)
	found = res.get("coupon")
	if found is not None:
		if found.get("rl_withdrawn"):
			return {"coupon": None, "msg": _("Sorry, this coupon code is no longer valid")}
		res["coupon"] = {field: found.get(field) for field in COUPON_FIELDS_FOR_TILL}
	return res
