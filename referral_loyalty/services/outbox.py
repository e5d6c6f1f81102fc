"""Crediting that follows a committed sale or enrolment, durably: the outbox.

The intent to credit is a ``Referral Outbox`` row written inside the sale's (or the enrolment's)
own transaction, so it commits or rolls back with it. Right after the commit the row is processed
in a short transaction of its own; a process that dies before that (a deploy, an OOM kill, a
recycled worker) leaves the row queued, and the scheduled sweep finishes it. Whoever comes first
does the work: each unit takes the code lock, then the referrer's, then the row itself, and marks
it done in the same transaction as the credit, so a second runner finds it done.

Why not in the sale's transaction: crediting counts the Referral ledger against caps under the
code lock. Inside the sale those counts would have to be locking range reads, whose gap locks can
deadlock two tills selling for different codes, failing a sale. After the commit, the unit starts
a fresh transaction whose first statement is the lock, so every plain read after it sees every
earlier commit.

Failures never roll the request's transaction back (``frappe.db.rollback()`` would also drop
every later after-commit callback of the request: webhooks, realtime, other apps' jobs): the unit
is undone to a savepoint, the error is logged with the referral and the invoice named, and the
row stays queued for the sweep (marked Failed after ``MAX_ATTEMPTS``).
"""

from __future__ import annotations

import random
import time
import traceback
from functools import partial

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.utils import add_to_date, now, now_datetime

from referral_loyalty.services import codes, notifications

QUEUED, DONE, FAILED = "Queued", "Done", "Failed"
MAX_ATTEMPTS = 10
RETRIES = 3  # lock conflicts retried at once before the row is left to the sweep
SWEEP_BATCH = 500
SWEEP_MIN_AGE_SECONDS = 60  # younger rows are normally being done by the till that wrote them
SAVEPOINT = "rl_outbox_unit"


def record(
	referral: str,
	referral_code: str,
	invoice_type: str | None = None,
	invoice: str | None = None,
	reopen: bool = False,
):
	"""Write the intent to credit ``referral`` (by ``invoice``, or on enrolment when None) in the
	current transaction, and have it done right after the commit. One row per invoice; ``reopen``:
	a row of that invoice done already is queued again (a manager approved its referral)."""
	name = frappe.generate_hash(length=12)
	stamp, user = now(), frappe.session.user
	row = {
		"name": name,
		"creation": stamp,
		"modified": stamp,
		"owner": user,
		"modified_by": user,
		"referral": referral,
		"invoice_type": invoice_type,
		"invoice": invoice,
		"status": QUEUED,
		"attempts": 0,
	}
	(
		frappe.qb.into(DocType("Referral Outbox"))
		.columns(*row)
		.insert(*row.values())
		.ignore()  # a replayed submit event: the row of that invoice is there already
		.run()
	)
	if reopen and invoice:
		outbox = DocType("Referral Outbox")
		name = frappe.db.get_value(
			"Referral Outbox", {"invoice": invoice, "invoice_type": invoice_type}, "name", for_update=True
		)
		frappe.qb.update(outbox).set(outbox.status, QUEUED).set(outbox.attempts, 0).set(
			outbox.referral, referral
		).set(outbox.modified, stamp).where(outbox.name == name).run()
	if frappe.flags.rl_inline:
		# site tests run in one transaction that never commits: do the unit now, in it
		process(name, referral, referral_code)
	else:
		frappe.db.after_commit.add(partial(run, name, referral, referral_code))
	return name


def process(name: str, referral: str, referral_code: str) -> str:
	"""The unit of work, in the caller's transaction; returns what happened, in words."""
	from referral_loyalty.services import qualification

	code = codes.lock_code(referral_code, qualification.CODE_FIELDS_FOR_CREDIT)
	if not code:
		return _finish(name, f"referral code {referral_code} no longer exists")
	codes.lock_customer(code.customer)  # the referrer
	row = frappe.db.get_value(
		"Referral Outbox", name, ["status", "invoice_type", "invoice"], as_dict=True, for_update=True
	)
	if not row or row.status == DONE:
		return "done already"
	if row.invoice:
		outcome = qualification.credit_sale(referral, code, row.invoice_type, row.invoice)
	else:
		outcome = qualification.credit_enrolment(referral, code)
	return _finish(name, outcome)


def run(name: str, referral: str, referral_code: str) -> str:
	"""``process`` in a transaction of its own, committed; lock conflicts retried, failures
	logged and left queued. Never rolls back anything but its own unit."""
	for attempt in range(1, RETRIES + 1):
		# a fresh transaction for each attempt, so that the lock taken next is its first statement
		# and every plain read after it sees what was committed meanwhile (the request's own
		# transaction is committed already; a failed attempt was undone to its savepoint)
		frappe.db.commit()  # nosemgrep
		frappe.db.savepoint(SAVEPOINT)
		try:
			outcome = process(name, referral, referral_code)
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			_undo()
			if attempt < RETRIES:
				time.sleep(random.uniform(0.05, 0.2) * attempt)
				continue
			return _failed(name, referral)
		except Exception:
			_undo()
			return _failed(name, referral)
		# the unit's own transaction, after the sale's
		frappe.db.commit()  # nosemgrep
		return outcome
	return ""


def sweep(min_age_seconds: int = SWEEP_MIN_AGE_SECONDS, limit: int = SWEEP_BATCH) -> dict:
	"""Scheduled: finish queued rows that the after-commit work did not (a crash, a failure, a lock
	conflict). Idempotent; safe beside tills crediting the same rows. Returns counts."""
	outbox, referral = DocType("Referral Outbox"), DocType("Referral")
	rows = (
		frappe.qb.from_(outbox)
		.join(referral)
		.on(referral.name == outbox.referral)
		.select(outbox.name, outbox.referral, referral.referral_code)
		.where(
			(outbox.status == QUEUED)
			& (outbox.creation <= add_to_date(now_datetime(), seconds=-min_age_seconds))
		)
		.orderby(outbox.creation)
		.limit(limit)
		.run(as_dict=True)
	)
	counts = {"rows": len(rows), "done": 0, "failed": 0}
	for row in rows:
		outcome = run(row.name, row.referral, row.referral_code)
		status = frappe.db.get_value("Referral Outbox", row.name, "status")
		counts["done" if status == DONE else "failed"] += 1
		if status != DONE:
			frappe.logger("referral_loyalty").info(f"outbox {row.name} not done: {outcome}")
	return counts


def requeue(name: str) -> None:
	outbox = DocType("Referral Outbox")
	frappe.qb.update(outbox).set(outbox.status, QUEUED).set(outbox.attempts, 0).set(
		outbox.modified, now()
	).where((outbox.name == name) & (outbox.status == FAILED)).run()


def _finish(name: str, outcome: str) -> str:
	outbox = DocType("Referral Outbox")
	(
		frappe.qb.update(outbox)
		.set(outbox.status, DONE)
		.set(outbox.outcome, outcome[:140])
		.set(outbox.attempts, outbox.attempts + 1)
		.set(outbox.processed_on, now())
		.set(outbox.modified, now())
		.where(outbox.name == name)
	).run()
	return outcome


def _failed(name: str, referral: str) -> str:
	"""Log the failure (the referral and the invoice named) and count the attempt; the row stays
	queued for the sweep until ``MAX_ATTEMPTS``."""
	error = traceback.format_exc()
	row = frappe.db.get_value("Referral Outbox", name, ["invoice_type", "invoice", "attempts"], as_dict=True)
	attempts = (row.attempts or 0) + 1 if row else 1
	sale = f"{row.invoice_type} {row.invoice}" if row and row.invoice else _("enrolment")
	frappe.log_error(
		title=_("Referral {0}: crediting {1} failed (attempt {2})").format(referral, sale, attempts),
		message=error,
		reference_doctype="Referral",
		reference_name=referral,
	)
	outbox = DocType("Referral Outbox")
	(
		frappe.qb.update(outbox)
		.set(outbox.attempts, attempts)
		.set(outbox.status, FAILED if attempts >= MAX_ATTEMPTS else QUEUED)
		.set(outbox.last_error, error[-2000:])
		.set(outbox.modified, now())
		.where(outbox.name == name)
	).run()
	# keep the error log and the attempt count (the failed unit was undone to its savepoint)
	frappe.db.commit()  # nosemgrep
	return "failed: will be retried" if attempts < MAX_ATTEMPTS else "failed"


def _undo() -> None:
	"""Undo the unit to its savepoint. After a deadlock MariaDB has already rolled the whole
	transaction back, savepoints included: then there is nothing left to undo."""
	notifications.forget_qualified()
	try:
		frappe.db.rollback(save_point=SAVEPOINT)
	except Exception:
		frappe.db.value_cache.clear()
