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
