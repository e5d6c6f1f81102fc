"""Real OS processes against MariaDB for the concurrency and fault tests (not a test module).

A test starts ``python -m referral_loyalty.tests.processes <site> <sites_path> <action> <json>``;
the child connects with its own database connection, waits for ``start_at`` (so that several
children act at the same moment), does the action, commits as a web request would, and prints one
``RESULT {...}`` line. Faults are injected into the child only: a process killed right after its
commit, a crediting step that raises, a short lock wait.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import frappe

RESULT = "RESULT "


def submit_invoice(
	doctype: str,
	name: str,
	kill_after_commit: bool = False,
	fail_credit: bool = False,
	fail_finish: bool = False,
	marker: str | None = None,
	lock_wait_seconds: int | None = None,
	credit_at: float | None = None,
) -> dict:
	"""Submit a draft invoice and commit, as a till's request does.

	``kill_after_commit``: the process dies right after the sale's COMMIT, before any after-commit
	work (a callback registered before the submit runs first and calls ``os._exit``).
	``fail_credit``: issuing the referrer's coupon raises (a bug, a full disk, ...).
	``fail_finish``: the crediting went through, marking its outbox row done raises.
	``marker``: a callback registered after the submit, so after the app's own, sets this Redis key
	— proof that later after-commit work of the request still runs.
	``lock_wait_seconds``: the app's lock wait (site config ``referral_lock_wait_seconds``).
	``credit_at``: the after-commit crediting starts at this time (a race with a sweep)."""
	if lock_wait_seconds:
		frappe.local.conf.referral_lock_wait_seconds = lock_wait_seconds
	if fail_credit:
		from referral_loyalty.services import coupons

		def broken_issue(*args, **kwargs):
			raise RuntimeError("injected fault: coupon service down")

		coupons.issue = broken_issue
	if fail_finish:
		from referral_loyalty.services import outbox

		def broken_finish(*args, **kwargs):
			raise RuntimeError("injected fault: the unit fails after the credit")

		outbox._finish = broken_finish
	doc = frappe.get_doc(doctype, name)
	if kill_after_commit:
		frappe.db.after_commit.add(lambda: os._exit(0))
	if credit_at:
		frappe.db.after_commit.add(lambda: time.sleep(max(0.0, credit_at - time.time())))
	doc.submit()
	if marker:
		frappe.db.after_commit.add(lambda: frappe.cache.set_value(marker, "ran", expires_in_sec=600))
	frappe.db.commit()
	return {"ok": True, "invoice": name}


def cancel_invoice(doctype: str, name: str) -> dict:
	"""Cancel a submitted invoice and commit, as a request does."""
	frappe.get_doc(doctype, name).cancel()
	frappe.db.commit()
	return {"ok": True, "invoice": name}


def sweep(start_at: float | None = None, rounds: int = 1) -> dict:
	from referral_loyalty.services import outbox

	counts = []
	for _ in range(rounds):
		if start_at:
			time.sleep(max(0.0, start_at - time.time()))
		counts.append(outbox.sweep(min_age_seconds=0))
		frappe.db.commit()
	return {"ok": True, "counts": counts}


def hold_code_lock(code: str, seconds: float) -> dict:
	"""Hold a referral code's row lock for ``seconds`` (a long transaction elsewhere)."""
	from referral_loyalty.services import codes

	codes.lock_code(code)
	print("LOCKED", flush=True)
	time.sleep(seconds)
	frappe.db.rollback()
	return {"ok": True}


def hold_referral_lock(referral: str, seconds: float) -> dict:
	"""Hold a referral's row lock for ``seconds`` (a credit or a reversal of it elsewhere)."""
	table = frappe.qb.DocType("Referral")
	frappe.qb.from_(table).select(table.name).where(table.name == referral).for_update().run()
	print("LOCKED", flush=True)
	time.sleep(seconds)
	frappe.db.rollback()
	return {"ok": True}


def issue_code(customer: str, company: str) -> dict:
	from referral_loyalty.services import codes

	name = codes.issue_code(customer, company)
	frappe.db.commit()
	return {"ok": True, "code": name}


def insert_code(customer: str, company: str) -> dict:
	"""A Desk-style insert of a Referral Code (its own duplicate check reads before the insert)."""
	doc = frappe.get_doc({"doctype": "Referral Code", "customer": customer, "company": company})
	doc.insert()
	frappe.db.commit()
	return {"ok": True, "code": doc.name}


def release(on_date: str) -> dict:
	"""The daily release job, as the scheduler runs it (a commit per release)."""
	from referral_loyalty.services import release as release_service

	counts = release_service.release_due(on_date, commit=frappe.db.commit)
	frappe.db.commit()
	return {"ok": True, "counts": counts}


def find_period(company: str, day: str) -> dict:
	"""The period running on ``day``, as an enrolment or a crediting of this process reads it."""
	from referral_loyalty.services.periods import period_on

	period = period_on(company, day)
	return {"ok": True, "period": period.name if period else None}


ACTIONS = {
	f.__name__: f
	for f in (
		submit_invoice,
		cancel_invoice,
		sweep,
		hold_code_lock,
		hold_referral_lock,
		issue_code,
		insert_code,
		release,
		find_period,
	)
}


def spawn(action: str, start_at: float | None = None, **kwargs) -> subprocess.Popen:
	"""Start a child process doing ``action`` on the current site."""
	sites_path = os.path.abspath(frappe.get_site_path(".."))
	return subprocess.Popen(
		[
			sys.executable,
			"-m",
			"referral_loyalty.tests.processes",
			frappe.local.site,
			sites_path,
			action,
			json.dumps({"start_at": start_at, **kwargs}),
		],
		cwd=sites_path,
		stdout=subprocess.PIPE,
		stderr=subprocess.PIPE,
		text=True,
	)


def result(child: subprocess.Popen, timeout: int = 300) -> dict:
	"""The child's RESULT (or ``{"ok": False, "exit": code}`` when it printed none, e.g. killed)."""
	out, err = child.communicate(timeout=timeout)
	lines = [line for line in out.splitlines() if line.startswith(RESULT)]
	if lines:
		return json.loads(lines[-1][len(RESULT) :])
	return {"ok": False, "exit": child.returncode, "stdout": out[-2000:], "stderr": err[-3000:]}


def main(site: str, sites_path: str, action: str, kwargs: str) -> None:
	kwargs = json.loads(kwargs)
	start_at = kwargs.pop("start_at", None)
	frappe.init(site=site, sites_path=sites_path)
	frappe.connect()
	frappe.set_user("Administrator")
	frappe.flags.rl_quiet = True
	if action != "sweep" and start_at:
		time.sleep(max(0.0, start_at - time.time()))
	elif action == "sweep":
		kwargs["start_at"] = start_at
	try:
		out = ACTIONS[action](**kwargs)
	except Exception as e:
		frappe.db.rollback()
		out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
	finally:
		frappe.destroy()
	print(RESULT + json.dumps(out, default=str), flush=True)


if __name__ == "__main__":
	main(*sys.argv[1:5])
