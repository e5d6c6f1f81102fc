"""POS Awesome's Referral Code, adopted: typo-proof codes, a usage limit and its derived use count."""

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Coalesce
from posawesome.posawesome.doctype.referral_code.referral_code import (
	ReferralCode as POSAwesomeReferralCode,
)

from referral_loyalty.exceptions import DuplicateReferralCode, InvalidReferralCode
from referral_loyalty.install import GENERATED_KEYS
from referral_loyalty.rules import codes
from referral_loyalty.services import offers as offer_checks
from referral_loyalty.services.codes import new_unique_code, used_count

UNIQUE_KEY = next(key[3] for key in GENERATED_KEYS if key[0] == "Referral Code")


class ReferralCode(POSAwesomeReferralCode):
	def autoname(self):
		if self.referral_code:
			parsed = codes.parse(self.referral_code)
			if parsed.kind == codes.CodeKind.INVALID:
				frappe.throw(
					_("Referral code {0} is not a valid code.").format(frappe.bold(self.referral_code)),
					exc=InvalidReferralCode,
				)
			self.referral_code = parsed.canonical
		else:
			self.referral_code = new_unique_code()
		super().autoname()

	def validate(self):
		super().validate()
		if (self.rl_usage_limit or 0) < 0:
			frappe.throw(_("Usage Limit cannot be negative."), exc=InvalidReferralCode)
		if not self.disabled and not self.flags.rl_checked_no_other_code:
			other = frappe.db.get_value(
				"Referral Code",
				{
					"customer": self.customer,
					"company": self.company,
					"disabled": 0,
					"name": ("!=", self.name),
				},
			)
			if other:
				self._throw_duplicate(other)
		for fieldname in ("customer_offer", "primary_offer"):
			# checked when set or changed: a code whose offer was disabled later can still be saved
			# (e.g. disabled itself)
			if self.get(fieldname) and (self.is_new() or self.has_value_changed(fieldname)):
				offer_checks.validate_reward_offer(
					self.get(fieldname), self.company, self.meta.get_label(fieldname)
				)

	def show_unique_validation_message(self, e):
		"""The database's one-enabled-code key caught a parallel insert: say it in words."""
		if UNIQUE_KEY in str(e):
			self._throw_duplicate()
		super().show_unique_validation_message(e)

	def _throw_duplicate(self, other: str | None = None):
		if other:
			message = _("Customer {0} already has referral code {1} for company {2}.").format(
				frappe.bold(self.customer), frappe.bold(other), frappe.bold(self.company)
			)
		else:
			message = _("Customer {0} already has an enabled referral code for company {1}.").format(
				frappe.bold(self.customer), frappe.bold(self.company)
			)
		frappe.throw(message, exc=DuplicateReferralCode, title=_("Duplicate Referral Code"))

	def on_update(self):
		if self.disabled or self.flags.rl_customer_shows_it:
			return
		customer = DocType("Customer")
		(  # the customer shows this code unless it shows one already (one statement)
			frappe.qb.update(customer)
			.set(customer.rl_referral_code, self.name)
			.where((customer.name == self.customer) & (Coalesce(customer.rl_referral_code, "") == ""))
		).run()

	def on_trash(self):
		frappe.db.set_value(
			"Customer", {"rl_referral_code": self.name}, "rl_referral_code", None, update_modified=False
		)

	@property
	def rl_usage(self) -> str:
		if self.is_new():
			return ""
		used = used_count(self.name)
		if self.rl_usage_limit:
			return _("{0} of {1} used").format(used, self.rl_usage_limit)
		return _("{0} used").format(used)

	@property
	def rl_display_code(self) -> str:
		return codes.display(self.referral_code or "")
