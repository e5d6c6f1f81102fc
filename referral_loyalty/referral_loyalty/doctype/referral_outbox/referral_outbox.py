# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document


class ReferralOutbox(Document):
	"""Rows are written and processed by ``referral_loyalty.services.outbox`` only."""

	def validate(self):
		if not self.flags.rl_service:
			frappe.throw(frappe._("Referral Outbox rows are kept by the referral programme itself."))

	@frappe.whitelist()
	def retry(self):
		"""Queue a Failed row again (System Manager): the next sweep processes it."""
		from referral_loyalty.services import outbox

		frappe.only_for("System Manager")
		outbox.requeue(self.name)


def on_doctype_update():
	from referral_loyalty.install import ensure_sort_index

	frappe.db.add_index("Referral Outbox", ["status", "creation"])
	ensure_sort_index("Referral Outbox")  # the Desk's list of it, newest first
	# one row per sale (frappe's add_unique looks the constraint up in every database of the server)
	if not frappe.db.has_index("tabReferral Outbox", "unique_invoice"):
		# constant DDL: frappe has no API for a unique index over several columns of this database
		frappe.db.sql_ddl(  # nosemgrep
			"ALTER TABLE `tabReferral Outbox` ADD UNIQUE INDEX `unique_invoice` (`invoice`, `invoice_type`)"
		)
