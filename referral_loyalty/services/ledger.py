"""Writes to the Referral ledger, and the one read of it every sale makes. Its fields change only
through the app's services, which save through here; the Referral controller refuses any other
insert, change or deletion (a Desk save, ``PUT /api/resource/Referral``, a Data Import)."""

from __future__ import annotations

import frappe
from frappe.model import no_value_fields


def insert(referral) -> None:
	referral.flags.rl_service = True
	referral.insert(ignore_permissions=True)


def save(referral) -> None:
	"""Write what a service changed on a referral it read with ``locked`` (under the row lock, so
	nothing changed it meanwhile): one UPDATE of the changed fields and the modified stamp, then
	what a save does after it — the referral's ``on_change`` (Notifications on a value change,
	webhooks, other apps' hooks), its Version row (the Desk's history), the realtime update. The
	controller validates hand edits; a service's values come from the rules core."""
	referral.flags.rl_service = True
	if referral.get_doc_before_save() is None:
		referral.load_doc_before_save()  # the copy ``locked`` read (see Referral.load_doc_before_save)
	changes = {
		df.fieldname: referral.get(df.fieldname)
		for df in referral.meta.fields
		if df.fieldtype not in no_value_fields and referral.has_value_changed(df.fieldname)
	}
	if not changes:
		return
	referral.db_set(changes, notify=True)
	version = frappe.get_doc({"doctype": "Version"})  # no defaults to fill: the diff is all it holds
	if version.update_version_info(referral.get_doc_before_save(), referral):
		# the ledger's history row, written as it is (a Version has nothing to validate: it names
		# this referral, just written, and the diff frappe made of it)
		version.db_insert()


def locked(name: str):
	"""The referral under its row lock (the caller holds the code and referrer locks first), ready
	to be changed and saved once: its links were read from the database, and the copy read here is
	what the save compares with (no second read)."""
	referral = frappe.get_doc("Referral", name, for_update=True)
	referral.flags.ignore_links = True
	referral.flags.rl_locked_copy = frappe.get_doc(referral.as_dict())
	return referral


REFEREE_FIELDS = (
	"name",
	"referral_code",
	"status",
	"reason",
	"company",
	"qualify_by",
	"qualifying_invoice_type",
	"qualifying_invoice",
	"enrolled_on",
	"referral_period",
)


def referral_of_referee(customer: str):
	"""The hot-path read on every sale: the customer's one referral, if any (the unique
	``referee`` index)."""
	return frappe.db.get_value(
		"Referral",
		{"referee": customer},
		REFEREE_FIELDS,
		as_dict=True,
	)


def referral_of_sale(invoice):
	"""``referral_of_referee`` of a sale's customer, read once for all of the sale's hooks."""
	if REFERRAL_FLAG not in invoice.flags:
		invoice.flags[REFERRAL_FLAG] = (
			referral_of_referee(invoice.customer) if invoice.get("customer") else None
		)
	return invoice.flags[REFERRAL_FLAG]


REFERRAL_FLAG = "rl_referral"
