"""Units of work that must not share the sale's transaction.

Crediting a referral counts the Referral ledger under the code's row lock. Inside the sale's
transaction those counts would have to be locking reads (a plain SELECT answers from the snapshot
taken when the sale started and misses what another till committed meanwhile), and locking range
reads take gap locks that can deadlock two tills selling for different codes — failing a sale.
So the sale commits first, then the referral work runs in a short transaction of its own whose
first statement takes the code lock: every plain read after it sees all earlier commits.
"""

from __future__ import annotations

from collections.abc import Callable

import frappe

RETRIES = 3


def after_commit(fn: Callable, *args) -> None:
	"""Run ``fn(*args)`` once the current transaction has committed, in its own transaction.

	Site tests run inside one transaction that is never committed; they set
	``frappe.flags.rl_inline`` to run the same function at once instead.
	"""
	if frappe.flags.rl_inline:
		fn(*args)
		return
	frappe.db.after_commit.add(lambda: run_in_own_transaction(fn, *args))


def run_in_own_transaction(fn: Callable, *args) -> None:
	for attempt in range(1, RETRIES + 1):
		try:
			fn(*args)
			# its own unit of work, after the sale committed
			frappe.db.commit()  # nosemgrep
			return
		except (frappe.QueryDeadlockError, frappe.QueryTimeoutError):
			frappe.db.rollback()
			if attempt == RETRIES:
				frappe.enqueue(
					"referral_loyalty.services.transactions.run_job",
					fn=f"{fn.__module__}.{fn.__qualname__}",
					args=args,
				)
		except Exception:
			frappe.db.rollback()
			frappe.log_error(title=f"Referral: {fn.__qualname__} failed")
			# keep the error log
			frappe.db.commit()  # nosemgrep
			return


def run_job(fn: str, args) -> None:
	"""Background retry of a unit of work that kept meeting lock conflicts."""
	frappe.get_attr(fn)(*args)
