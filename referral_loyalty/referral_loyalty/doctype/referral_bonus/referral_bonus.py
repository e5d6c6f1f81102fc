# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from referral_loyalty.exceptions import refuse_unless_service


class ReferralBonus(Document):
	"""A milestone bonus: a ledger row written by ``services/milestones.py`` only."""

	def validate(self):
		refuse_unless_service(self, _("Milestone bonuses are kept by the referral programme itself."))

	def on_trash(self):
		refuse_unless_service(self, _("A milestone bonus is a ledger row and cannot be deleted."))


def on_doctype_update():
	from referral_loyalty.install import ensure_sort_index

	# the idempotency key: one bonus per referrer, period and milestone
	if not frappe.db.has_index("tabReferral Bonus", "unique_milestone"):
		# constant DDL: frappe has no API for a unique index over several columns of this database
		frappe.db.sql_ddl(  # nosemgrep
			"ALTER TABLE `tabReferral Bonus` ADD UNIQUE INDEX `unique_milestone` (`referrer`, `referral_period`, `milestone`)"
		)
	frappe.db.add_index("Referral Bonus", ["status", "release_on"])
	ensure_sort_index("Referral Bonus")  # the Desk's list of it, newest first
