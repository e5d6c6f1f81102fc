# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model import no_value_fields
from frappe.model.document import Document

from referral_loyalty.exceptions import LedgerLocked, refuse_unless_service
from referral_loyalty.rules import eligibility


class Referral(Document):
	"""One referee's referral: a ledger row. Created and changed only by the app's services
	(``services/ledger.py`` sets the flag); a manager's decision is an explicit action."""

	def load_doc_before_save(self, *, raise_exception: bool = False):
		"""A referral the services just read under its row lock (``flags.rl_locked_copy``) is not
		read again before the save."""
		if self.flags.rl_locked_copy is not None:
			self._doc_before_save = self.flags.rl_locked_copy
			return
		super().load_doc_before_save(raise_exception=raise_exception)

	def before_insert(self):
		refuse_unless_service(
			self, _("Referrals are created by the referral programme when a customer enrols with a code.")
		)

	def validate(self):
		if not self.is_new() and not self.flags.rl_service:
			changed = [
				_(df.label)
				for df in self.meta.fields
				if df.fieldtype not in no_value_fields and self.has_value_changed(df.fieldname)
			]
			if changed:
				frappe.throw(
					_(
						"A referral is a ledger row: {0} cannot be changed by hand. Use the Reject action to reject a pending referral."
					).format(", ".join(changed)),
					exc=LedgerLocked,
					title=_("Not Allowed"),
				)
		if self.referee == self.referrer and self.status not in (eligibility.REJECTED,):
			frappe.throw(_("A customer cannot refer themselves."))

	def on_trash(self):
		refuse_unless_service(self, _("A referral is a ledger row and cannot be deleted."))

	@frappe.whitelist(methods=["POST"])
	def reject(self, note: str | None = None):
		"""A manager rejects a referral that has not been credited (e.g. found to be fraud)."""
		from referral_loyalty.services import review

		review.reject(self.name, note)

	@frappe.whitelist(methods=["POST"])
	def approve(self, note: str | None = None):
		"""A manager approves a referral held for review."""
		from referral_loyalty.services import review

		review.approve(self.name, note)


def on_doctype_update():
	from referral_loyalty.install import ensure_sort_index

	ensure_sort_index("Referral")  # the Desk's list of it, newest first
	frappe.db.add_index("Referral", ["referral_code", "status"])
	frappe.db.add_index("Referral", ["referrer", "referral_period", "status"])
	frappe.db.add_index("Referral", ["status", "qualify_by"])
	# the review queue's velocity signal (enrolments on a code today) and the hold's release job
	frappe.db.add_index("Referral", ["referral_code", "enrolled_on"])
	frappe.db.add_index("Referral", ["referrer_reward_status", "reward_release_on"])
	# the duplicate-identity check at enrolment: earlier referees of the code with this mobile / e-mail
	frappe.db.add_index("Referral", ["referral_code", "referee_mobile_key"])
	frappe.db.add_index("Referral", ["referral_code", "referee_email_key"])
	# the reports and the workspace cards, answered from these indexes alone (no row is read): the
	# funnel and the ROI by enrolment date, the cashiers' enrolments, the referrers' counts
	frappe.db.add_index(
		"Referral",
		[
			"company",
			"enrolled_on",
			"referral_period",
			"referral_code",
			"status",
			"reason",
			"qualified_on",
			"qualifying_invoice_type",
			"referrer_reward_status",
		],
		"rl_report_enrolled_index",
	)
	frappe.db.add_index(
		"Referral",
		["company", "enrolled_on", "enrolled_by", "pos_profile", "status", "qualified_on"],
		"rl_report_cashier_index",
	)
	# the workspace cards: the company's referrals by status (pending, under review), the running
	# periods' qualified referrals and referrers
	frappe.db.add_index("Referral", ["company", "status"], "rl_company_status_index")
	frappe.db.add_index("Referral", ["referral_period", "status", "referrer"], "rl_period_status_index")
	frappe.db.add_index("Referral", ["referral_period", "referrer"], "rl_period_referrer_index")
	# Reward Cost: the referrer rewards held through the return window, by period and code
	frappe.db.add_index(
		"Referral",
		["referrer_reward_status", "company", "qualified_on", "referral_period", "referral_code"],
		"rl_report_held_index",
	)
	# Top Referrers: a company's referrals code by code (grouped in index order, no temporary table)
	frappe.db.add_index(
		"Referral",
		["company", "referral_code", "enrolled_on", "status", "referrer_reward_status"],
		"rl_report_code_index",
	)
