"""Writes to the Referral ledger. Its fields change only through the app's services, which save
through here; the Referral controller refuses any other insert, change or deletion (a Desk save,
``PUT /api/resource/Referral``, a Data Import)."""

from __future__ import annotations


def insert(referral) -> None:
	referral.flags.rl_service = True
	referral.insert(ignore_permissions=True)


def save(referral) -> None:
	referral.flags.rl_service = True
	referral.save(ignore_permissions=True)


def locked(name: str):
	"""The referral under its row lock (the caller holds the code and referrer locks first), ready
	to be changed and saved once: its links were read from the database, and the copy read here is
	what the save compares with (no second read)."""
	import frappe

	referral = frappe.get_doc("Referral", name, for_update=True)
	referral.flags.ignore_links = True
	referral.flags.rl_locked_copy = frappe.get_doc(referral.as_dict())
	return referral
