"""Concurrent tills against MariaDB: separate OS processes (tests/processes.py), each with its own
connection, acting at the same moment."""

import time
from typing import ClassVar

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, today

from referral_loyalty.tests import processes
from referral_loyalty.tests.utils import (
	COMPANY,
	REFERRER_OFFER,
	ProcessTestCase,
	ensure_shop,
	make_customer,
)

PROCESSES = 8
CAP = 3


class TestConcurrentTills(ProcessTestCase):
	"""The first sales of referees of one capped code, submitted at once."""

	referees_count = PROCESSES
	period_kwargs: ClassVar[dict] = {"title": "Concurrency", "referrer_cap": CAP}

	def test_eight_tills_one_capped_code(self):
		results = self.submit_at_once()
		self.assertEqual([r for r in results if not r["ok"]], [], "no sale may fail because of the cap")
		submitted = frappe.db.count(
			"Sales Invoice", {"name": ("in", [i.name for i in self.invoices]), "docstatus": 1}
		)
		self.assertEqual(submitted, PROCESSES)
		rows = frappe.get_all("Referral", {"referrer": self.referrer.name}, ["status", "reason"])
		qualified = [r for r in rows if r.status == "Qualified"]
		rejected = [r for r in rows if r.status == "Rejected"]
		self.assertEqual(len(qualified), CAP)
		self.assertEqual(len(rejected), PROCESSES - CAP)
		self.assertTrue(all(r.reason == "REFERRER_CAP_REACHED" for r in rejected))
		self.assertEqual(
			frappe.db.count("POS Coupon", {"customer": self.referrer.name, "rl_side": "Referrer"}), CAP
		)


class TestReferrerCapAcrossCodes(ProcessTestCase):
	"""A referrer whose old code was replaced: referees of both codes qualify at busy tills, and the
	referrer's cap still holds (crediting is serialised per referrer, not only per code)."""

	period_kwargs: ClassVar[dict] = {"title": "Cap across codes", "referrer_cap": 2}

	def make_referees(self) -> list:
		old = [make_customer(code=self.code.referral_code) for _ in range(3)]
		self.code.db_set("disabled", 1)
		new_code = frappe.get_doc(
			{"doctype": "Referral Code", "customer": self.referrer.name, "company": COMPANY}
		).insert(ignore_permissions=True)
		return old + [make_customer(code=new_code.referral_code) for _ in range(3)]

	def test_six_tills_two_codes_one_cap(self):
		results = self.submit_at_once()
		self.assertTrue(all(r["ok"] for r in results), results)
		rows = frappe.get_all(
			"Referral", {"referrer": self.referrer.name}, ["status", "reason", "referral_code"]
		)
		self.assertEqual(len({r.referral_code for r in rows}), 2)
		self.assertEqual(sum(r.status == "Qualified" for r in rows), 2, rows)
		self.assertEqual(sum(r.reason == "REFERRER_CAP_REACHED" for r in rows), 4, rows)


class TestMilestonesAndReleaseUnderConcurrency(ProcessTestCase):
	"""A milestone at 3 with 8 referees qualifying at once: exactly one bonus; then two release
	jobs at once pay each held reward once."""

	referees_count = PROCESSES
	period_kwargs: ClassVar[dict] = {
		"title": "Milestone at 3",
		"reward_hold_days": 1,
		"milestones": [{"qualified_referrals": 3, "reward_type": "Coupon", "offer": REFERRER_OFFER}],
	}

	def test_one_bonus_and_each_held_reward_released_once(self):
		results = self.submit_at_once()
		self.assertTrue(all(r["ok"] for r in results), results)
		self.assertEqual(
			frappe.db.count("Referral", {"referrer": self.referrer.name, "referrer_reward_status": "Held"}),
			PROCESSES,
		)
		bonuses = frappe.get_all("Referral Bonus", {"referrer": self.referrer.name}, ["status", "milestone"])
		self.assertEqual([(b.status, b.milestone) for b in bonuses], [("Held", 3)])

		start_at = time.time() + 4
		release_day = str(add_days(today(), 1))
		jobs = [processes.spawn("release", start_at=start_at, on_date=release_day) for _ in range(2)]
		released = [processes.result(job) for job in jobs]
		self.assertTrue(all(r["ok"] for r in released), released)
		frappe.db.rollback()
		coupons = {"customer": self.referrer.name}
		self.assertEqual(frappe.db.count("POS Coupon", {**coupons, "rl_side": "Referrer"}), PROCESSES)
		self.assertEqual(frappe.db.count("POS Coupon", {**coupons, "rl_side": "Bonus"}), 1)
		self.assertEqual(
			frappe.db.count("Referral", {"referrer": self.referrer.name, "referrer_reward_status": "Issued"}),
			PROCESSES,
		)
		self.assertEqual(sum(r["counts"]["referrals"] for r in released), PROCESSES)


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
