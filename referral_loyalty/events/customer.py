"""Customer doc_events: every path that creates a customer with a referral code enrols it once."""

import frappe
from frappe import _

from referral_loyalty.services import codes as code_service
from referral_loyalty.services import enrolment


def before_validate(doc, method=None):
	"""Runs before POS Awesome's own validate: what was typed becomes the stored canonical code,
	or a clear error (nothing is saved). A new customer is written with the links its insert
	creates, named here after the links were checked (nothing is updated after the insert): the
	referral, if it brings a code, and its own code, if the till's profile gives one."""
	if doc.is_new():
		# only the programme links a customer to a referral, a referrer and a code of its own
		doc.rl_referral = doc.rl_referred_by = doc.rl_referral_code = None
	if doc.get("posa_referral_code") and (doc.is_new() or doc.has_value_changed("posa_referral_code")):
		company = doc.get("posa_referral_company") or None
		typed = frappe.flags.rl_typed_code  # (text, row) the POS wrapper already looked up
		found = typed[1] if typed and typed[0] == doc.posa_referral_code else None
		code = code_service.resolve_code(doc.posa_referral_code, company, found=found)
		doc.posa_referral_code = code.referral_code
		doc.flags.rl_code = code  # enrolment uses this row instead of looking it up again
		if not company:
			doc.posa_referral_company = code.company
		if doc.is_new():
			doc.rl_referral = enrolment.new_referral_name()
			doc.rl_referred_by = code.customer
	if doc.is_new() and _gets_own_code(doc):
		doc.rl_referral_code = code_service.new_code_name(doc.name)


def _gets_own_code(doc) -> bool:
	"""A customer created at a till whose POS Profile gives new customers a code of their own."""
	profile = frappe.flags.rl_pos_profile
	return bool(
		profile
		and doc.get("posa_referral_company")
		and frappe.get_cached_value("POS Profile", profile, "rl_auto_create_referral_code")
	)


def after_insert(doc, method=None):
	if doc.rl_referral_code:  # named in before_validate: the code is created with that name
		code_service.issue_code(doc.name, doc.posa_referral_company, holder=doc, name=doc.rl_referral_code)
	if doc.get("posa_referral_code"):
		_enrol(doc, new_customer=True)


def on_update(doc, method=None):
	if doc.flags.in_insert or not doc.get("posa_referral_code"):
		return
	if doc.has_value_changed("posa_referral_code"):
		_enrol(doc)


def _enrol(doc, new_customer: bool = False):
	result = enrolment.enrol(
		doc,
		doc.posa_referral_code,
		pos_profile=frappe.flags.rl_pos_profile,
		code=doc.flags.rl_code,
		new_customer=new_customer,
		name=doc.rl_referral if new_customer else None,
	)
	doc.rl_referral = doc.rl_referral or result.referral
	frappe.flags.rl_last_enrolment = result
	if not frappe.flags.rl_quiet:
		frappe.msgprint(
			result.message,
			title=_("Referral"),
			indicator="red" if result.status == "Rejected" or result.reason else "green",
			alert=True,
		)
