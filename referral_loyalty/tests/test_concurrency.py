"""Concurrent tills against MariaDB: separate OS processes, each with its own connection, submit
the first sales of referees of one capped code at the same moment."""

import json
import os
import subprocess
import sys
import time

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today

from referral_loyalty.tests.utils import (
	COMPANY,
	REFERRER_OFFER,
	ensure_shop,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
)

PROCESSES = 8
CAP = 3

CHILD = r"""
import json, sys, time
import frappe
site, sites_path, invoice, start_at = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
frappe.init(site=site, sites_path=sites_path)
frappe.connect()
frappe.set_user("Administrator")
frappe.flags.rl_quiet = True
doc = frappe.get_doc("Sales Invoice", invoice)
time.sleep(max(0.0, start_at - time.time()))
result = {"invoice": invoice}
try:
	doc.submit()
	frappe.db.commit()
	result["ok"] = True
except Exception as e:
	frappe.db.rollback()
	result.update(ok=False, error=f"{type(e).__name__}: {e}")
finally:
	frappe.destroy()
print("RESULT " + json.dumps(result), flush=True)
"""


class TestConcurrentTills(FrappeTestCase):
	def setUp(self):
		ensure_shop()
		frappe.flags.rl_quiet = True
		frappe.db.delete("Referral Period", {"company": COMPANY})
		self.period = make_period(
			today(), today(), title="Concurrency", referrer_cap=CAP, min_purchase_amount=10
		)
		self.referrer, self.code = make_referrer()
		self.referees = [make_customer(code=self.code.referral_code) for _ in range(PROCESSES)]
		self.invoices = [make_invoice(r.name, 100, submit=False) for r in self.referees]
		# the other processes must see the set-up
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		frappe.db.rollback()
		customers = [self.referrer.name] + [r.name for r in self.referees]
		invoices = [i.name for i in self.invoices]
		referrals = frappe.get_all("Referral", {"referrer": self.referrer.name}, pluck="name")
		for doctype, filters in (
			("GL Entry", {"voucher_no": ("in", invoices)}),
			("Payment Ledger Entry", {"voucher_no": ("in", invoices)}),
			("Sales Invoice Item", {"parent": ("in", invoices)}),
			("Sales Invoice", {"name": ("in", invoices)}),
			("Referral Outbox", {"referral": ("in", referrals or [""])}),
			("Notification Log", {"document_type": "Referral", "document_name": ("in", referrals or [""])}),
			("POS Coupon", {"rl_referral": ("in", referrals or [""])}),
			("Referral", {"name": ("in", referrals or [""])}),
			("Referral Code", {"customer": self.referrer.name}),
			("Referral Period", {"name": self.period.name}),
			("Dynamic Link", {"link_doctype": "Customer", "link_name": ("in", customers)}),
			("Customer", {"name": ("in", customers)}),
		):
			frappe.db.delete(doctype, filters)
		# undo the committed set-up
		frappe.db.commit()  # nosemgrep
		frappe.flags.rl_quiet = False

	def test_eight_tills_one_capped_code(self):
		sites_path = os.path.abspath(frappe.get_site_path(".."))
		start_at = time.time() + 4  # all children connected and waiting by then
		children = [
			subprocess.Popen(
				[sys.executable, "-c", CHILD, frappe.local.site, sites_path, inv.name, str(start_at)],
				cwd=sites_path,
				stdout=subprocess.PIPE,
				stderr=subprocess.PIPE,
				text=True,
			)
			for inv in self.invoices
		]
		results = []
		for child in children:
			out, err = child.communicate(timeout=300)
			lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
			self.assertTrue(lines, f"child printed no result: {out[-2000:]} {err[-2000:]}")
			results.append(json.loads(lines[-1][len("RESULT ") :]))

		failed = [r for r in results if not r["ok"]]
		self.assertEqual(failed, [], "no sale may fail because of the referral cap")
		frappe.db.rollback()  # see the children's commits
		submitted = frappe.db.count(
			"Sales Invoice", {"name": ("in", [i.name for i in self.invoices]), "docstatus": 1}
		)
		self.assertEqual(submitted, PROCESSES)
		rows = frappe.get_all(
			"Referral", {"referrer": self.referrer.name}, ["status", "reason", "referral_period"]
		)
		qualified = [r for r in rows if r.status == "Qualified"]
		rejected = [r for r in rows if r.status == "Rejected"]
		self.assertEqual(len(qualified), CAP)
		self.assertEqual(len(rejected), PROCESSES - CAP)
		self.assertTrue(all(r.reason == "REFERRER_CAP_REACHED" for r in rejected))
		self.assertEqual(
			frappe.db.count("POS Coupon", {"customer": self.referrer.name, "rl_side": "Referrer"}), CAP
		)


class TestOneCodePerCustomerUnderConcurrency(FrappeTestCase):
	def setUp(self):
		ensure_shop()
		self.customer = make_customer()
		# the other processes must see the customer
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		frappe.db.rollback()
		frappe.db.delete("Referral Code", {"customer": self.customer.name})
		frappe.db.delete("Customer", {"name": self.customer.name})
		# undo the committed set-up
		frappe.db.commit()  # nosemgrep

	def test_four_processes_make_one_enabled_code(self):
		from referral_loyalty.tests import processes

		start_at = time.time() + 4
		children = [
			processes.spawn(action, start_at=start_at, customer=self.customer.name, company=COMPANY)
			for action in ("issue_code", "issue_code", "insert_code", "insert_code")
		]
		results = [processes.result(child) for child in children]
		frappe.db.rollback()
		codes = frappe.get_all("Referral Code", {"customer": self.customer.name, "disabled": 0}, pluck="name")
		self.assertEqual(len(codes), 1, results)
		# the till's and the backfill's issue_code always answer with the one code
		self.assertEqual({r["code"] for r in results[:2]}, set(codes), results)
		# a Desk insert that lost the race is told so in words, not with a database error
		for r in results[2:]:
			self.assertTrue(r["ok"] or "already has" in r["error"], r)


class TestReferrerCapAcrossCodes(FrappeTestCase):
	"""A referrer whose old code was replaced: referees of both codes qualify at busy tills, and the
	referrer's cap still holds (crediting is serialised per referrer, not only per code)."""

	def setUp(self):
		ensure_shop()
		frappe.flags.rl_quiet = True
		frappe.db.delete("Referral Period", {"company": COMPANY})
		self.period = make_period(
			today(), today(), title="Cap across codes", referrer_cap=2, min_purchase_amount=10
		)
		self.referrer, self.old_code = make_referrer()
		self.referees = [make_customer(code=self.old_code.referral_code) for _ in range(3)]
		self.old_code.db_set("disabled", 1)
		self.new_code = frappe.get_doc(
			{"doctype": "Referral Code", "customer": self.referrer.name, "company": COMPANY}
		).insert(ignore_permissions=True)
		self.referees += [make_customer(code=self.new_code.referral_code) for _ in range(3)]
		self.invoices = [make_invoice(r.name, 100, submit=False) for r in self.referees]
		# the other processes must see the set-up
		frappe.db.commit()  # nosemgrep

	tearDown = TestConcurrentTills.tearDown

	def test_six_tills_two_codes_one_cap(self):
		from referral_loyalty.tests import processes

		start_at = time.time() + 4
		children = [
			processes.spawn("submit_invoice", start_at=start_at, doctype="Sales Invoice", name=inv.name)
			for inv in self.invoices
		]
		results = [processes.result(child) for child in children]
		self.assertTrue(all(r["ok"] for r in results), results)
		frappe.db.rollback()
		rows = frappe.get_all(
			"Referral", {"referrer": self.referrer.name}, ["status", "reason", "referral_code"]
		)
		self.assertEqual(len(rows), 6)
		self.assertEqual(sum(r.status == "Qualified" for r in rows), 2, rows)
		self.assertEqual(sum(r.reason == "REFERRER_CAP_REACHED" for r in rows), 4, rows)


class TestMilestonesAndReleaseUnderConcurrency(FrappeTestCase):
	"""A milestone at 3 with 8 referees qualifying at once: exactly one bonus; then two release
	jobs at once pay each held reward once."""

	def setUp(self):
		ensure_shop()
		frappe.flags.rl_quiet = True
		frappe.db.delete("Referral Period", {"company": COMPANY})
		self.period = make_period(
			today(),
			today(),
			title="Milestone at 3",
			min_purchase_amount=10,
			reward_hold_days=1,
			milestones=[{"qualified_referrals": 3, "reward_type": "Coupon", "offer": REFERRER_OFFER}],
		)
		self.referrer, self.code = make_referrer()
		self.referees = [make_customer(code=self.code.referral_code) for _ in range(PROCESSES)]
		self.invoices = [make_invoice(r.name, 100, submit=False) for r in self.referees]
		# the other processes must see the set-up
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		frappe.db.rollback()
		frappe.db.delete("Referral Bonus", {"referrer": self.referrer.name})
		frappe.db.delete("POS Coupon", {"customer": self.referrer.name})
		# undo the committed set-up
		frappe.db.commit()  # nosemgrep
		TestConcurrentTills.tearDown(self)

	def test_one_bonus_and_each_held_reward_released_once(self):
		from referral_loyalty.tests import processes

		start_at = time.time() + 4
		children = [
			processes.spawn("submit_invoice", start_at=start_at, doctype="Sales Invoice", name=inv.name)
			for inv in self.invoices
		]
		results = [processes.result(child) for child in children]
		self.assertTrue(all(r["ok"] for r in results), results)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.count("Referral", {"referrer": self.referrer.name, "referrer_reward_status": "Held"}),
			PROCESSES,
		)
		bonuses = frappe.get_all("Referral Bonus", {"referrer": self.referrer.name}, ["status", "milestone"])
		self.assertEqual([(b.status, b.milestone) for b in bonuses], [("Held", 3)])

		release_day = str(frappe.utils.add_days(today(), 1))
		start_at = time.time() + 4
		jobs = [processes.spawn("release", start_at=start_at, on_date=release_day) for _ in range(2)]
		released = [processes.result(job) for job in jobs]
		self.assertTrue(all(r["ok"] for r in released), released)
		frappe.db.rollback()
		self.assertEqual(
			frappe.db.count("POS Coupon", {"customer": self.referrer.name, "rl_side": "Referrer"}), PROCESSES
		)
		self.assertEqual(
			frappe.db.count("POS Coupon", {"customer": self.referrer.name, "rl_side": "Bonus"}), 1
		)
		self.assertEqual(
			frappe.db.count("Referral", {"referrer": self.referrer.name, "referrer_reward_status": "Issued"}),
			PROCESSES,
		)
