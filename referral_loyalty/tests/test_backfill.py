"""Backfilling referral codes for existing customers: bulk, idempotent, usable codes; the Desk
action that queues it."""

import re
from unittest.mock import patch

import frappe

from referral_loyalty.api import backfill as backfill_api
from referral_loyalty.rules import codes
from referral_loyalty.services import backfill
from referral_loyalty.tests.utils import (
	COMPANY,
	OTHER_COMPANY,
	ReferralTestCase,
	make_customer,
	make_period,
	make_referrer,
	referral_of,
)

MANAGER = "rl.sales.manager@example.com"


def enabled_codes(customer: str, company: str = COMPANY) -> list:
	return frappe.get_all(
		"Referral Code",
		filters={"customer": customer, "company": company, "disabled": 0},
		fields=["name", "referral_code", "customer_name", "email_id", "docstatus", "owner"],
	)


class TestBackfill(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.customers = [make_customer(email=f"rl.backfill.{i}@example.com") for i in range(30)]
		self.holder, self.existing = make_referrer()
		self.disabled = make_customer()
		self.disabled.db_set("disabled", 1)

	def test_each_customer_gets_exactly_one_valid_code_and_a_rerun_creates_none(self):
		missing = backfill.count_missing(COMPANY)
		self.assertGreaterEqual(missing, 30)
		progress = []
		created = backfill.backfill_codes(
			COMPANY, batch_size=7, on_progress=lambda done, total: progress.append(done)
		)
		self.assertEqual(created, missing)
		self.assertEqual(progress[-1], missing)
		self.assertGreater(len(progress), 1)  # several batches
		for customer in self.customers:
			rows = enabled_codes(customer.name)
			self.assertEqual(len(rows), 1, customer.name)
			row = rows[0]
			self.assertTrue(codes.is_valid_canonical(row.referral_code))
			self.assertRegex(row.name, rf"^{re.escape(customer.name)}-[0-9A-F]{{5}}$")
			self.assertEqual(
				(row.customer_name, row.email_id, row.docstatus),
				(customer.customer_name, customer.email_id, 0),
			)
			self.assertEqual(frappe.db.get_value("Customer", customer.name, "rl_referral_code"), row.name)
		self.assertEqual([r.name for r in enabled_codes(self.holder.name)], [self.existing.name])
		self.assertEqual(enabled_codes(self.disabled.name), [])
		self.assertEqual(backfill.count_missing(COMPANY), 0)
		self.assertEqual(backfill.backfill_codes(COMPANY), 0)
		# codes are per company: the other company's backfill still has everyone to do
		self.assertGreaterEqual(backfill.count_missing(OTHER_COMPANY), 31)

	def test_each_customer_is_looked_up_in_the_codes_customer_index(self):
		"""Left to itself, the planner may take the codes' (company, disabled) index and read every
		code of the company for each customer (a count ran for minutes that way, right after a
		company's codes were deleted): both of the backfill's queries name the (customer, company)
		index, for a company with codes and for one without."""
		backfill.backfill_codes(COMPANY)
		for company in (COMPANY, OTHER_COMPANY):
			for query in (
				backfill._count_missing_query(company),
				backfill._next_batch_query(company, "", 7),
			):
				plan = {row.table: row for row in frappe.db.sql(f"EXPLAIN {query.get_sql()}", as_dict=True)}
				self.assertEqual(
					(plan["tabReferral Code"].key, plan["tabReferral Code"].type),
					(backfill.CUSTOMER_CODE_INDEX, "ref"),
					company,
				)

	def test_backfilled_codes_are_real_referral_codes(self):
		backfill.backfill_codes(COMPANY)
		row = enabled_codes(self.customers[0].name)[0]
		doc = frappe.get_doc("Referral Code", row.name)
		self.assertEqual(doc.rl_usage, "0 used")
		self.assertEqual(doc.rl_display_code, codes.display(row.referral_code))
		make_period("2026-03-01", "2026-03-31")
		with self.on("2026-03-05"):
			referee = make_customer(code=codes.display(row.referral_code).lower())
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.referrer), ("Pending", self.customers[0].name))

	def test_unknown_company(self):
		with self.assertRaises(frappe.ValidationError):
			backfill.backfill_codes("No Such Company")


class TestStartBackfill(ReferralTestCase):
	def test_system_manager_queues_one_job_after_commit(self):
		make_customer()
		with patch("frappe.enqueue") as enqueue:
			out = backfill_api.start_backfill(COMPANY)
		self.assertTrue(out["queued"])
		enqueue.assert_called_once()
		args, kwargs = enqueue.call_args
		self.assertEqual(args[0], "referral_loyalty.services.backfill.run_backfill")
		self.assertEqual(
			{k: kwargs[k] for k in ("company", "job_id", "deduplicate", "enqueue_after_commit", "queue")},
			{
				"company": COMPANY,
				"job_id": backfill.job_id(COMPANY),
				"deduplicate": True,
				"enqueue_after_commit": True,
				"queue": "long",
			},
		)

	def test_already_running_or_nothing_to_do(self):
		make_customer()
		with (
			patch.object(backfill_api, "is_job_enqueued", return_value=True),
			patch("frappe.enqueue") as enqueue,
		):
			self.assertFalse(backfill_api.start_backfill(COMPANY)["queued"])
		backfill.backfill_codes(COMPANY)
		with patch("frappe.enqueue") as enqueue:
			self.assertFalse(backfill_api.start_backfill(COMPANY)["queued"])
		enqueue.assert_not_called()

	def test_only_system_managers(self):
		if not frappe.db.exists("User", MANAGER):
			user = frappe.get_doc(
				{"doctype": "User", "email": MANAGER, "first_name": "Manager", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
			user.add_roles("Sales Manager")
		for user in (MANAGER, "Guest"):
			frappe.set_user(user)
			with patch("frappe.enqueue") as enqueue, self.assertRaises(frappe.PermissionError):
				backfill_api.start_backfill(COMPANY)
			enqueue.assert_not_called()
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.ValidationError):
			backfill_api.start_backfill("No Such Company")
