# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from referral_loyalty.rules import eligibility


class Referral(Document):
	def validate(self):
		if self.referee == self.referrer and self.status not in (eligibility.REJECTED,):
			frappe.throw(_("A customer cannot refer themselves."))

	@frappe.whitelist()
	def reject(self, note: str | None = None):
		"""A manager rejects a Pending referral (e.g. found to be fraud)."""
		if not frappe.has_permission("Referral", "write", doc=self):
			frappe.throw(_("Not permitted to reject referrals."), frappe.PermissionError)
		if self.status != eligibility.PENDING:
			frappe.throw(_("Only Pending referrals can be rejected; this one is {0}.").format(_(self.status)))
		from referral_loyalty.services.coupons import withdraw

		self.status = eligibility.REJECTED
		self.reason = eligibility.MANUALLY_REJECTED
		if self.referee_coupon and not frappe.db.get_value("POS Coupon", self.referee_coupon, "used"):
			withdraw(self.referee_coupon)
		self.save()
		if note:
			self.add_comment("Comment", note)


def on_doctype_update():
	frappe.db.add_index("Referral", ["referral_code", "status"])
	frappe.db.add_index("Referral", ["referrer", "referral_period", "status"])
	frappe.db.add_index("Referral", ["status", "qualify_by"])
	# the duplicate-identity check at enrolment: earlier referees of the code with this mobile / e-mail
	frappe.db.add_index("Referral", ["referral_code", "referee_mobile_key"])
	frappe.db.add_index("Referral", ["referral_code", "referee_email_key"])
