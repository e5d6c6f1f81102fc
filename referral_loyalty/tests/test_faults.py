"""Faults with real processes against MariaDB: a till killed right after its sale commits, a
credit that raises, a lock wait that times out, the sweep and a till crediting one referral at
the same moment. Each child process commits like a web request; the set-up is committed so the
children see it, and removed again afterwards."""

import time
from datetime import timedelta
from typing import ClassVar

import frappe
from frappe.utils import add_days, now_datetime, today

from referral_loyalty.services import points
from referral_loyalty.services.periods import (
	PERIOD_ON_CACHE,
	PERIOD_ON_CACHE_SECONDS,
	forget_periods,
	period_on,
)
from referral_loyalty.tests import processes
from referral_loyalty.tests.utils import (
	COMPANY,
	LOYALTY_PROGRAM,
	ProcessTestCase,
	ensure_loyalty_program,
	make_invoice,
	make_period,
)


class FaultTestCase(ProcessTestCase):
	period_kwargs: ClassVar[dict] = {"title": "Faults"}

	def referral(self, referee):
		frappe.db.rollback()  # a fresh snapshot: see what the children committed
		return frappe.get_doc("Referral", {"referee": referee.name})

	def outbox_row(self, invoice):
		frappe.db.rollback()
		return frappe.db.get_value(
			"Referral Outbox",
			{"invoice": invoice.name},
			["name", "status", "attempts", "outcome", "last_error"],
			as_dict=True,
		)

	def sale_entries(self, invoice) -> int:
		"""The sale's rows in the sales ledger, as committed."""
		frappe.db.rollback()
		return frappe.db.count("Referral Sale Entry", {"invoice": invoice.name, "entry_type": "Referee Sale"})

	def referrer_coupons(self):
		frappe.db.rollback()
		return frappe.db.count("POS Coupon", {"customer": self.referrer.name, "rl_side": "Referrer"})

	def act(self, action: str, invoice) -> None:
		done = processes.result(processes.spawn(action, doctype="Sales Invoice", name=invoice.name))
		self.assertTrue(done["ok"], done)

	def act_while_locked(self, action: str, invoice) -> None:
		"""``action`` on ``invoice`` in a process of its own while another holds the referral's row
		lock: it must neither wait for it nor fail."""
		holder = processes.spawn(
			"hold_referral_lock", referral=self.referral(self.referees[0]).name, seconds=15
		)
		time.sleep(4)  # the lock is held
		started = time.time()
		self.act(action, invoice)
		self.assertLess(time.time() - started, 10, f"{action} waited for the referral's lock")
		self.assertTrue(processes.result(holder)["ok"])

	def sweep(self):
		result = processes.result(processes.spawn("sweep"))
		self.assertTrue(result["ok"], result)
		return result["counts"][0]


class TestCrashAfterCommit(FaultTestCase):
	def test_a_till_killed_right_after_the_commit_is_credited_by_the_sweep_once(self):
		invoice, referee = self.invoices[0], self.referees[0]
		result = processes.result(
			processes.spawn(
				"submit_invoice", doctype="Sales Invoice", name=invoice.name, kill_after_commit=True
			)
		)
		self.assertFalse(result["ok"])  # it died: no RESULT line
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, "docstatus"), 1)
		self.assertEqual(self.referral(referee).status, "Pending")  # the credit never ran
		self.assertEqual(self.outbox_row(invoice).status, "Queued")  # but its intent was committed
		self.assertEqual(self.sale_entries(invoice), 1)  # and its row of the sales ledger

		self.assertEqual(self.sweep(), {"rows": 1, "done": 1, "failed": 0})
		referral = self.referral(referee)
		self.assertEqual((referral.status, referral.qualifying_invoice), ("Qualified", invoice.name))
		self.assertEqual(self.sweep(), {"rows": 0, "done": 0, "failed": 0})  # twice: nothing more
		self.assertEqual(self.referrer_coupons(), 1)
		self.assertEqual(self.sale_entries(invoice), 1)


class TestCreditFailure(FaultTestCase):
	def test_a_credit_that_raises_is_logged_keeps_later_work_and_is_retried(self):
		invoice, referee = self.invoices[0], self.referees[0]
		marker = f"rl-test-marker-{frappe.generate_hash(length=8)}"
		result = processes.result(
			processes.spawn(
				"submit_invoice", doctype="Sales Invoice", name=invoice.name, fail_credit=True, marker=marker
			)
		)
		self.assertTrue(result["ok"], result)  # the sale itself never fails
		self.assertEqual(frappe.cache.get_value(marker), "ran", "a later after-commit callback was dropped")
		referral = self.referral(referee)
		self.assertEqual(referral.status, "Pending")  # undone to its savepoint: no half credit
		self.assertEqual(
			frappe.db.count("POS Coupon", {"rl_referral": referral.name, "rl_side": "Referrer"}), 0
		)
		row = self.outbox_row(invoice)
		self.assertEqual((row.status, row.attempts), ("Queued", 1))
		self.assertIn("injected fault", row.last_error)
		errors = frappe.get_all(
			"Error Log",
			{"reference_doctype": "Referral", "reference_name": referral.name},
			["method", "error"],
		)
		self.assertEqual(len(errors), 1)
		self.assertIn(invoice.name, errors[0].method)  # the title names the sale

		self.assertEqual(self.sweep(), {"rows": 1, "done": 1, "failed": 0})
		self.assertEqual(self.referral(referee).status, "Qualified")
		self.assertEqual(self.referrer_coupons(), 1)


class TestQualifiedNotification(FaultTestCase):
	def test_the_qualified_notification_is_queued_after_the_commit_and_never_for_an_undone_credit(self):
		from frappe.utils.background_jobs import get_job, is_job_enqueued

		invoice, referee = self.invoices[0], self.referees[0]
		referral = self.referral(referee).name
		job_id = f"referral_qualified::{referral}"
		self.addCleanup(lambda: (job := get_job(job_id)) and job.delete())
		result = processes.result(
			processes.spawn("submit_invoice", doctype="Sales Invoice", name=invoice.name, fail_finish=True)
		)
		self.assertTrue(result["ok"], result)
		self.assertEqual(self.referral(referee).status, "Pending")  # the unit was undone
		self.assertFalse(is_job_enqueued(job_id), "an undone credit announced the referral")

		self.assertEqual(self.sweep(), {"rows": 1, "done": 1, "failed": 0})
		self.assertEqual(self.referral(referee).status, "Qualified")
		self.assertTrue(is_job_enqueued(job_id), "the qualified referral was not announced")
		job = get_job(job_id)
		self.assertEqual(job.kwargs["method"], "referral_loyalty.services.notifications.run_qualified")
		self.assertEqual(job.kwargs["kwargs"], {"referral": referral})

	def test_a_rolled_back_credit_announces_nothing(self):
		from frappe.utils.background_jobs import is_job_enqueued

		from referral_loyalty.services import notifications

		in_test, frappe.flags.in_test = frappe.flags.in_test, False  # as a till's request
		self.addCleanup(setattr, frappe.flags, "in_test", in_test)
		notifications.referral_qualified(frappe._dict(name="rl-rolled-back"))
		self.assertEqual(frappe.flags.rl_qualified, ["rl-rolled-back"])
		frappe.db.rollback()
		self.assertIsNone(frappe.flags.rl_qualified)
		frappe.db.commit()  # nothing of the rolled-back transaction is left to announce
		self.assertFalse(is_job_enqueued("referral_qualified::rl-rolled-back"))


class TestLockWaitTimeout(FaultTestCase):
	def test_a_lock_wait_timeout_never_fails_the_sale_and_the_sweep_finishes_it(self):
		invoice, referee = self.invoices[0], self.referees[0]
		holder = processes.spawn("hold_code_lock", code=self.code.name, seconds=12)
		time.sleep(3)  # the lock is held
		started = time.time()
		result = processes.result(
			processes.spawn("submit_invoice", doctype="Sales Invoice", name=invoice.name, lock_wait_seconds=1)
		)
		self.assertTrue(result["ok"], result)
		self.assertLess(time.time() - started, 11, "the till waited for the lock beyond its limit")
		self.assertEqual(self.referral(referee).status, "Pending")
		row = self.outbox_row(invoice)
		self.assertEqual((row.status, row.attempts), ("Queued", 1))
		self.assertIn("Lock wait timeout", row.last_error)
		self.assertTrue(processes.result(holder)["ok"])  # released
		self.assertEqual(self.sweep(), {"rows": 1, "done": 1, "failed": 0})
		self.assertEqual(self.referral(referee).status, "Qualified")


class TestSweepRacesTill(FaultTestCase):
	referees_count = 4

	def test_the_sweep_and_tills_crediting_the_same_referrals_at_once_credit_each_once(self):
		credit_at = time.time() + 8  # the tills' sales are committed by then; both start crediting
		tills = [
			processes.spawn("submit_invoice", doctype="Sales Invoice", name=inv.name, credit_at=credit_at)
			for inv in self.invoices
		]
		sweeper = processes.spawn("sweep", start_at=credit_at, rounds=3)
		results = [processes.result(t) for t in tills]
		self.assertTrue(all(r["ok"] for r in results), results)
		swept = processes.result(sweeper)
		self.assertTrue(swept["ok"], swept)
		for referee, invoice in zip(self.referees, self.invoices, strict=True):
			referral = self.referral(referee)
			self.assertEqual((referral.status, referral.qualifying_invoice), ("Qualified", invoice.name))
			self.assertEqual(self.outbox_row(invoice).status, "Done")
			self.assertEqual(self.sale_entries(invoice), 1)
		self.assertEqual(self.referrer_coupons(), len(self.referees))


class TestRedemptionNeverWaits(FaultTestCase):
	def setUp(self):
		super().setUp()
		referee_sale = processes.result(
			processes.spawn("submit_invoice", doctype="Sales Invoice", name=self.invoices[0].name)
		)
		self.assertTrue(referee_sale["ok"], referee_sale)
		self.coupon = self.referral(self.referees[0]).referrer_coupon

	def reward_sale(self):
		"""A draft sale of the referrer with the reward coupon applied (committed)."""
		from referral_loyalty.tests.test_reports import redeem_grand_total

		sale = redeem_grand_total(self.referrer.name, self.coupon, 100, 15, today(), submit=False)
		self.invoices.append(sale)  # removed with the set-up
		frappe.db.commit()  # nosemgrep
		return sale

	def tearDown(self):
		frappe.db.rollback()
		for child in ("POS Coupon Detail", "POS Offer Detail"):
			frappe.db.delete(child, {"parent": ("in", [i.name for i in self.invoices])})
		frappe.db.commit()  # nosemgrep
		super().tearDown()

	def test_a_reward_used_while_its_referral_is_locked_neither_waits_nor_fails_the_sale(self):
		from referral_loyalty.services import redemption

		referral = self.referral(self.referees[0])
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Qualified", "Issued"))
		self.act_while_locked("submit_invoice", self.reward_sale())
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Issued")  # skipped
		self.assertEqual(redemption.reconcile(), 1)  # the daily job records it
		frappe.db.commit()  # nosemgrep
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Redeemed")

	def test_a_reversed_rewards_sale_cancelled_while_its_referral_is_locked_is_taken_back_by_the_daily_job(
		self,
	):
		from referral_loyalty.services import redemption

		sale = self.reward_sale()
		self.act("submit_invoice", sale)
		self.act("cancel_invoice", self.invoices[0])  # the referee's sale: the referral is reversed
		referral = self.referral(self.referees[0])
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Reversed", "Redeemed"))
		self.act_while_locked("cancel_invoice", sale)
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Redeemed")  # skipped
		self.assertEqual(frappe.db.get_value("POS Coupon", self.coupon, ["used", "rl_withdrawn"]), (0, 0))
		self.assertEqual(redemption.reconcile(), 1)  # the daily job takes it back
		frappe.db.commit()  # nosemgrep
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Withdrawn")
		self.assertEqual(frappe.db.get_value("POS Coupon", self.coupon, "rl_withdrawn"), 1)
		self.assertEqual(redemption.reconcile(), 0)


class TestPointsRedemptionNeverWaits(FaultTestCase):
	"""The same for a reward paid in loyalty points: the cancel of the sale that spent them gives
	them back (ERPNext deletes its spend), which leaves no date for the daily job to look from."""

	period_kwargs: ClassVar[dict] = {
		"title": "Faults, points",
		"referrer_reward_type": "Loyalty Points",
		"referrer_points": 100,
		"loyalty_program": LOYALTY_PROGRAM,
	}

	def setUp(self):
		self.made_program = not frappe.db.exists("Loyalty Program", LOYALTY_PROGRAM)
		ensure_loyalty_program()
		super().setUp()
		self.act("submit_invoice", self.invoices[0])  # the referee's first sale: 100 points paid

	def tearDown(self):
		frappe.db.rollback()
		customers = [self.referrer.name, *(r.name for r in self.referees)]
		frappe.db.delete("Loyalty Point Entry", {"customer": ("in", customers)})
		if self.made_program:
			frappe.delete_doc("Loyalty Program", LOYALTY_PROGRAM, force=True, ignore_permissions=True)
		frappe.db.commit()  # nosemgrep
		super().tearDown()

	def balance(self) -> float:
		frappe.db.rollback()
		return points.balance(self.referrer.name, COMPANY)

	def test_a_reversed_rewards_spend_cancelled_while_its_referral_is_locked_is_taken_back_by_the_daily_job(
		self,
	):
		from referral_loyalty.services import redemption

		frappe.db.rollback()  # a fresh snapshot: the 100 points the referee's sale paid
		spend = make_invoice(
			self.referrer.name,
			120,
			today(),
			submit=False,
			redeem_loyalty_points=1,
			loyalty_points=60,
			loyalty_program=LOYALTY_PROGRAM,
		)
		self.invoices.append(spend)  # removed with the set-up
		frappe.db.commit()  # nosemgrep
		self.act("submit_invoice", spend)
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Redeemed")
		self.act("cancel_invoice", self.invoices[0])  # the referee's sale: the unspent 40 taken back
		referral = self.referral(self.referees[0])
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Reversed", "Redeemed"))
		self.assertEqual(self.balance(), 0)
		self.act_while_locked("cancel_invoice", spend)
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Redeemed")  # skipped
		self.assertEqual(self.balance(), 60, "ERPNext gave the spent points back")
		self.assertEqual(redemption.reconcile(), 1)  # the daily job takes them back
		frappe.db.commit()  # nosemgrep
		self.assertEqual(self.referral(self.referees[0]).referrer_reward_status, "Withdrawn")
		self.assertEqual(self.balance(), 0)
		self.assertEqual(redemption.reconcile(), 0)


class TestPeriodsAcrossProcesses(ProcessTestCase):
	"""The running period is cached for every process (services/periods.py): a change reaches
	the other processes with its commit, and nothing uncommitted is ever served to them."""

	period_kwargs: ClassVar[dict] = {"title": "Cached"}

	def ask(self, day=None) -> str | None:
		"""What another process (a till) finds running on ``day`` (today)."""
		out = processes.result(processes.spawn("find_period", company=COMPANY, day=day or today()))
		self.assertTrue(out["ok"], out)
		return out["period"]

	def cached(self) -> bool:
		return bool(frappe.cache.hkeys(PERIOD_ON_CACHE))

	def test_a_period_change_reaches_the_other_processes_with_its_commit(self):
		self.assertEqual(self.ask(), self.period.name)
		self.assertTrue(self.cached(), "the answer was not kept for the next process")

		period = frappe.get_doc("Referral Period", self.period.name)
		period.enabled = 0
		period.save()
		self.assertFalse(self.cached())
		# before the commit the others still see the period enabled, and may cache that meanwhile
		self.assertEqual(self.ask(), self.period.name)
		self.assertIsNone(period_on(COMPANY, today()), "the writer must see its own change")
		frappe.db.commit()  # nosemgrep
		self.assertIsNone(self.ask(), "a disabled period was still served after its commit")

		period.reload()
		period.enabled = 1
		period.save()
		self.assertEqual(period_on(COMPANY, today()).name, self.period.name)  # read, never cached
		self.assertIsNone(self.ask(), "an uncommitted period was served to another process")
		frappe.db.rollback()
		self.assertIsNone(self.ask())
		forget_periods()
		self.assertIsNone(period_on(COMPANY, today()))
		self.assertTrue(self.cached(), "after its rollback the writer still read past the cache")

		period.reload()
		period.db_set("enabled", 1)  # a direct write of a field counts too
		frappe.db.commit()  # nosemgrep
		self.assertEqual(self.ask(), self.period.name)

		tomorrow = add_days(today(), 1)
		later = make_period(tomorrow, tomorrow, title="Cached tomorrow")
		frappe.db.commit()  # nosemgrep
		self.assertEqual(self.ask(tomorrow), later.name)
		frappe.delete_doc("Referral Period", later.name)
		frappe.db.commit()  # nosemgrep
		self.assertIsNone(self.ask(tomorrow), "a deleted period was still served")

	def test_a_period_written_behind_its_back_is_seen_within_ten_minutes(self):
		day = today()
		self.assertEqual(self.ask(day), self.period.name)
		frappe.db.set_value("Referral Period", self.period.name, "enabled", 0)  # no document, no hook
		frappe.db.commit()  # nosemgrep
		self.assertEqual(self.ask(day), self.period.name)  # the cached answer, for now
		asked = now_datetime()  # the system time zone's, as freeze_time takes it
		with self.freeze_time(asked + timedelta(seconds=PERIOD_ON_CACHE_SECONDS - 60)):
			self.assertEqual(period_on(COMPANY, day).name, self.period.name)
		with self.freeze_time(asked + timedelta(seconds=PERIOD_ON_CACHE_SECONDS + 60)):
			self.assertIsNone(period_on(COMPANY, day), "a cached answer outlived its ten minutes")
