"""A report's statements side by side on several connections (services/concurrent_reads.py), and
the reports that use them on committed sales, the same as one after the other."""

import time
from typing import ClassVar
from unittest.mock import patch

import frappe
from frappe.desk.query_report import run
from frappe.tests.utils import FrappeTestCase
from frappe.utils import today

from referral_loyalty.services import concurrent_reads
from referral_loyalty.tests.utils import COMPANY, ProcessTestCase

# each statement sleeps long enough that the other lane has surely taken the next one meanwhile
SLOW = "SELECT CONNECTION_ID() AS connection, {n} AS n, SLEEP(0.3) AS slept"


def site_connection() -> int:
	return frappe.db.sql("SELECT CONNECTION_ID()")[0][0]


def connected(connection: int) -> bool:
	return bool(frappe.db.sql("SELECT 1 FROM information_schema.PROCESSLIST WHERE ID = %s", connection))


def gone(connection: int) -> bool:
	"""The server dropped ``connection`` (a closed connection leaves the process list soon after)."""
	for _attempt in range(50):
		if not connected(connection):
			return True
		time.sleep(0.1)
	return False


def with_lanes(count):
	return patch.dict(frappe.local.conf, {"referral_report_lanes": count})


class TestRunTogether(FrappeTestCase):
	def setUp(self):
		frappe.db.rollback()  # no write pending: the statements may use other connections

	def test_two_lanes_use_the_site_connection_and_one_more_then_close_it(self):
		own = site_connection()
		statements = [SLOW.format(n=n) for n in range(4)]
		frappe.local.rl_side_lane_log = log = []
		try:
			with with_lanes(2):
				results = concurrent_reads.run_together(statements)
		finally:
			del frappe.local.rl_side_lane_log
		self.assertEqual([rows[0].n for rows in results], [0, 1, 2, 3], "results in the statements' order")
		used = {rows[0].connection for rows in results}
		self.assertEqual(len(used), 2, "two lanes, each a connection")
		self.assertIn(own, used)
		(other,) = used - {own}
		on_other = [statements[rows[0].n] for rows in results if rows[0].connection == other]
		self.assertEqual(sorted(log), sorted(on_other), "the extra lane's statements are kept for a caller")
		self.assertTrue(gone(other), "the extra connection is closed after the call")
		self.assertEqual(site_connection(), own)

	def test_pending_writes_keep_every_statement_on_the_site_connection(self):
		own = site_connection()
		frappe.db.set_default("rl_concurrent_reads_probe", "uncommitted")
		self.assertTrue(frappe.db.transaction_writes)
		probe = (
			"SELECT CONNECTION_ID() AS connection, defvalue FROM tabDefaultValue "
			"WHERE defkey = 'rl_concurrent_reads_probe' AND parent = '__default'"
		)
		with with_lanes(4):
			results = concurrent_reads.run_together([probe, probe, probe])
		self.assertEqual({rows[0].connection for rows in results}, {own})
		self.assertEqual({rows[0].defvalue for rows in results}, {"uncommitted"}, "sees its own writes")
		frappe.db.rollback()

	def test_every_lane_keeps_the_requests_statement_time_limit(self):
		limit = "SELECT CONNECTION_ID() AS connection, @@SESSION.max_statement_time AS seconds, SLEEP(0.3)"
		before = frappe.db.sql("SELECT @@SESSION.max_statement_time")[0][0]
		frappe.db.sql("SET SESSION max_statement_time = 42")
		try:
			with with_lanes(2):
				results = concurrent_reads.run_together([limit, limit])
		finally:
			frappe.db.sql("SET SESSION max_statement_time = %s", before)
		self.assertEqual(len({rows[0].connection for rows in results}), 2)
		self.assertEqual([rows[0].seconds for rows in results], [42, 42])

	def test_a_refused_extra_connection_leaves_the_statements_to_the_site_connection(self):
		own = site_connection()

		def refused(limit):
			raise frappe.db.OperationalError(1040, "Too many connections")

		with with_lanes(2), patch.object(concurrent_reads, "_open", refused):
			results = concurrent_reads.run_together([SLOW.format(n=n) for n in range(2)])
		self.assertEqual([(rows[0].connection, rows[0].n) for rows in results], [(own, 0), (own, 1)])

	def test_one_lane_runs_them_one_after_the_other(self):
		own = site_connection()
		with with_lanes(1):
			results = concurrent_reads.run_together([SLOW.format(n=n) for n in range(2)])
		self.assertEqual([rows[0].connection for rows in results], [own, own])
		self.assertEqual(concurrent_reads.lanes(), 2, "two lanes when the site says nothing")

	def test_a_failing_statement_raises_and_closes_the_extra_connection(self):
		opened = []

		def open_and_note(limit):
			connection = frappe.db.create_connection()
			opened.append(connection.thread_id())
			return connection

		bad = "SELECT no_such_column FROM tabDefaultValue"
		with with_lanes(2), patch.object(concurrent_reads, "_open", open_and_note):
			# one lane meets the bad statement while the other sleeps
			with self.assertRaises(Exception) as raised:
				concurrent_reads.run_together([SLOW.format(n=0), bad, SLOW.format(n=2)])
		self.assertIn("no_such_column", str(raised.exception))
		self.assertEqual(len(opened), 1)
		self.assertTrue(gone(opened[0]))
		self.assertEqual(frappe.db.sql("SELECT 1")[0][0], 1, "the site connection is still usable")


class TestReportsSideBySide(ProcessTestCase):
	"""Referral ROI, Referral Funnel and Reward Cost over committed first sales of referees: their
	statements on two connections give what they give on one."""

	referees_count = 3
	period_kwargs: ClassVar[dict] = {"title": "Reports side by side"}

	def setUp(self):
		super().setUp()
		for invoice in self.invoices:
			invoice.submit()
		frappe.db.commit()  # nosemgrep: the sales, then their crediting after the commit

	def report(self, name: str, lanes: int):
		opened = []

		def open_and_count(limit):
			opened.append(1)
			return frappe.db.create_connection()

		frappe.db.rollback()  # a fresh snapshot, no write pending
		filters = {"company": COMPANY, "from_date": today(), "to_date": today()}
		with with_lanes(lanes), patch.object(concurrent_reads, "_open", open_and_count):
			rows = run(name, filters=filters)["result"]
		return [row for row in rows if isinstance(row, dict)], len(opened)

	def side_by_side(self, name: str) -> list[dict]:
		alone, extra_alone = self.report(name, 1)
		together, extra_together = self.report(name, 2)
		self.assertEqual((extra_alone, extra_together), (0, 1), name)
		self.assertEqual(together, alone, name)
		return together

	def test_referral_roi(self):
		rows = self.side_by_side("Referral ROI")
		period_row = next(row for row in rows if row.get("referral_period") == self.period.name)
		self.assertEqual(
			[period_row[field] for field in ("enrolled", "qualified", "buyers")],
			[self.referees_count] * 3,
		)
		self.assertEqual(round(period_row["net_sales"], 2), 100 * self.referees_count)
		self.assertTrue(any(row.get("is_walk_in") for row in rows))

	def test_referral_funnel(self):
		rows = self.side_by_side("Referral Funnel")
		period_row = next(row for row in rows if row.get("referral_period") == self.period.name)
		self.assertEqual(
			[period_row[stage] for stage in ("enrolled", "pending", "qualified", "rewarded")],
			[self.referees_count] * 4,
		)

	def test_reward_cost(self):
		rows = self.side_by_side("Reward Cost")
		issued = {row.get("side"): row.get("issued") for row in rows if row.get("pos_offer")}
		# every referee's welcome coupon and every referrer's reward, issued today
		self.assertGreaterEqual(issued.get("Referee", 0), self.referees_count)
		self.assertGreaterEqual(issued.get("Referrer", 0), self.referees_count)
