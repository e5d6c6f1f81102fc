"""Daily: Pending referrals past their qualifying window become Expired, in short batches."""

from __future__ import annotations

from collections.abc import Callable

import frappe
from frappe.query_builder import DocType
from frappe.utils import getdate, now, today

from referral_loyalty.rules import eligibility

BATCH = 500


def daily() -> int:
	"""The scheduled job: each batch committed as it is done."""
	return expire_pending_referrals(commit=_commit)


def _commit() -> None:
	# a scheduled job committing batch by batch, by design: no till waits behind the job for long
	frappe.db.commit()  # nosemgrep


def expire_pending_referrals(
	on_date=None, batch: int = BATCH, commit: Callable[[], None] | None = None
) -> int:
	"""Idempotent: only Pending rows whose window closed before ``on_date`` move. Each batch is its
	own short transaction (an UPDATE by primary key of at most ``batch`` rows, then a commit), so
	no till waits behind the job for long. Returns the count moved. A referral expired here still
	qualifies when a sale dated inside its window arrives later (``rules.eligibility``).
	``commit``: called after each batch (the scheduled job commits; a caller inside a request or
	a test does not)."""
	day = getdate(on_date or today())
	referral = DocType("Referral")
	moved, after = 0, ""
	while True:
		names = (
			frappe.qb.from_(referral)
			.select(referral.name)
			.where(
				(referral.status == eligibility.PENDING)
				& (referral.qualify_by < day)
				& (referral.name > after)
			)
			.orderby(referral.name)
			.limit(batch)
			.run(pluck=True)
		)
		if not names:
			return moved
		after = names[-1]
		(
			frappe.qb.update(referral)
			.set(referral.status, eligibility.EXPIRED)
			.set(referral.reason, eligibility.QUALIFY_WINDOW_EXPIRED)
			.set(referral.modified, now())
			.where(
				referral.name.isin(names)
				& (referral.status == eligibility.PENDING)  # re-checked by the UPDATE itself
				& (referral.qualify_by < day)
			)
			.run()
		)
		# the rows the UPDATE itself changed (it re-checks the status): no query-builder form
		moved += frappe.db.sql("SELECT ROW_COUNT()")[0][0]  # nosemgrep
		if commit:
			commit()
