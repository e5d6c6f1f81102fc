"""The "Referrals" workspace cards and the form connections, on known data."""

import json

import frappe
from frappe.desk.notifications import get_open_count

from referral_loyalty.api import dashboard
from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.tests.test_reports import referral_scenario
from referral_loyalty.tests.utils import (
	COMPANY,
	OTHER_COMPANY,
	ReferralTestCase,
	make_period,
	recorded_sql,
)


class TestNumberCards(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.filters = json.dumps({"company": COMPANY})  # as the card sends them
		self.codes_before = dashboard.active_codes(self.filters)["value"]
		self.pending_before = dashboard.pending_referrals(self.filters)["value"]
		self.s = referral_scenario(self)

	def test_active_codes(self):
		card = dashboard.active_codes(self.filters)
		self.assertEqual(card["value"], self.codes_before + 3)  # A, B and C
		self.assertEqual(card["route"], ["List", "Referral Code"])
		self.s.code_b.db_set("disabled", 1)
		self.assertEqual(dashboard.active_codes({"company": COMPANY})["value"], self.codes_before + 2)

	def test_pending_referrals(self):
		card = dashboard.pending_referrals(self.filters)
		self.assertEqual(card["value"], self.pending_before + 1)  # a3
		self.assertEqual(card["route_options"], {"status": "Pending", "company": COMPANY})

	def test_status_cards_count_one_range_of_the_company_status_index(self):
		"""At a million referrals the planner intersected the status index with the company-status
		one for these counts (49 to 77 ms, against 14 to 25 ms for one range of the latter); on a
		small table it picks the latter by itself, so the statement names it."""
		for card in (dashboard.pending_referrals, dashboard.under_review):
			with recorded_sql() as sent:
				card(self.filters)
			(count,) = [q for q in sent if "COUNT(*)" in q and "`tabReferral`" in q]
			self.assertIn("FORCE INDEX (`rl_company_status_index`)", count)
			plan = frappe.db.sql(f"EXPLAIN {count}", as_dict=True)  # nosemgrep: the card's own statement
			self.assertEqual(
				[(row.key, row.type) for row in plan], [("rl_company_status_index", "ref")], count
			)

	def test_qualified_this_period(self):
		with self.on("2026-03-20"):
			card = dashboard.qualified_this_period(self.filters)
		self.assertEqual(card["value"], 3)  # a1, a2, c1; b1 was reversed
		self.assertEqual(
			card["route_options"],
			{"status": "Qualified", "referral_period": self.s.period.name, "company": COMPANY},
		)
		with self.on("2026-04-02"):  # no period running
			self.assertEqual(dashboard.qualified_this_period(self.filters)["value"], 0)
			make_period("2026-04-01", "2026-04-30", title="April")
			self.assertEqual(dashboard.qualified_this_period(self.filters)["value"], 0)

	def test_reward_cost_this_period(self):
		with self.on("2026-03-20"):
			card = dashboard.reward_cost_this_period(self.filters)
		self.assertAlmostEqual(card["value"], 50)  # 30 (grand total offer) + 20 (item offer)
		self.assertEqual((card["fieldtype"], card["route"]), ("Currency", ["query-report", "Reward Cost"]))
		with self.on("2026-03-20"):
			self.assertEqual(dashboard.reward_cost_this_period({"company": OTHER_COMPANY})["value"], 0)

	def test_cards_check_permissions_and_input(self):
		frappe.set_user("Guest")
		for method in (
			dashboard.active_codes,
			dashboard.pending_referrals,
			dashboard.qualified_this_period,
			dashboard.reward_cost_this_period,
		):
			with self.assertRaises(ReferralNotAllowed):
				method(self.filters)
		frappe.set_user("Administrator")
		for bad in ("not json", json.dumps(["a"]), json.dumps({"company": "No Such Company"})):
			with self.assertRaises(frappe.ValidationError):
				dashboard.pending_referrals(bad)


class TestConnections(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.s = referral_scenario(self)

	def counts(self, doctype, name) -> dict:
		try:
			found = get_open_count(doctype, name)["count"]["external_links_found"]
		finally:
			frappe.db.set_execution_timeout(0)  # get_open_count caps the session's statements at 1s
		return {row["doctype"]: row["count"] for row in found}

	def test_referral_code_shows_its_referrals_and_coupons(self):
		counts = self.counts("Referral Code", self.s.code_a.name)
		# a1..a4; referee coupons of a1, a2, a3 and A's rewards for a1 and a2
		self.assertEqual((counts["Referral"], counts["POS Coupon"]), (4, 5))

	def test_customer_shows_the_referrals_it_made(self):
		counts = self.counts("Customer", self.s.a.name)
		self.assertEqual((counts["Referral"], counts["Referral Code"], counts["POS Coupon"]), (4, 1, 2))
		groups = frappe.get_meta("Customer").get_dashboard_data().transactions
		self.assertEqual(sum(1 for g in groups if "Referral" in g["items"]), 1)

	def test_referral_period_shows_its_referrals(self):
		self.assertEqual(self.counts("Referral Period", self.s.period.name)["Referral"], 6)


class TestCardsInTheBoot(ReferralTestCase):
	def test_the_boot_carries_the_apps_cards_for_the_users_who_may_read_them(self):
		from frappe.boot import get_bootinfo

		boot = get_bootinfo()
		workspace = frappe.get_doc("Workspace", "Referrals")
		on_workspace = {card.number_card_name for card in workspace.number_cards}
		self.assertTrue(on_workspace)
		self.assertLessEqual(on_workspace, set(boot.rl_number_cards))
		card = boot.rl_number_cards["Pending Referrals"]
		self.assertEqual(
			(card.type, card.method), ("Custom", "referral_loyalty.api.dashboard.pending_referrals")
		)
		self.assertFalse(any(c.module != dashboard.MODULE for c in boot.rl_number_cards.values()))

		frappe.set_user("Guest")
		self.addCleanup(frappe.set_user, "Administrator")
		guest = frappe._dict()
		dashboard.add_cards_to_boot(guest)
		self.assertNotIn("rl_number_cards", guest)

	def test_a_changed_card_clears_the_cached_boots(self):
		frappe.cache.hset("bootinfo", "rl-test-user", {"cached": 1})
		self.assertIsNotNone(frappe.cache.hget("bootinfo", "rl-test-user"))
		card = frappe.get_doc("Number Card", "Pending Referrals")
		card.color = card.color or "#5e64ff"
		card.save()
		self.assertIsNone(frappe.cache.hget("bootinfo", "rl-test-user"))


class TestWorkspaceShortcuts(ReferralTestCase):
	# the ledger's tables: a million rows and more in a large shop
	LEDGER = ("Referral", "Referral Code", "POS Coupon", "POS Coupon Detail")

	def test_no_shortcut_counts_a_whole_table(self):
		"""Frappe counts the records of every DocType shortcut each time a workspace opens; with no
		filter that is every row of the table (a million referrals: the cards wait behind it). Each
		DocType shortcut of the app's workspace counts through a filter, an indexed one on a ledger
		table, and shows what it counts."""
		workspace = frappe.get_doc("Workspace", "Referrals")
		counted = [s for s in workspace.shortcuts if s.type == "DocType"]
		self.assertTrue(counted)
		for shortcut in counted:
			filters = json.loads(shortcut.stats_filter or "null")
			self.assertTrue(filters, f"{shortcut.label}: no filter, the whole table is counted")
			self.assertIn("{}", shortcut.format or "", shortcut.label)
			if shortcut.link_to not in self.LEDGER:
				continue
			# the statement frappe.desk.reportview.get_count sends for the shortcut
			query = frappe.get_all(shortcut.link_to, filters=filters, fields=["count(*)"], run=0)
			plan = frappe.db.sql(f"EXPLAIN {query}", as_dict=True)  # nosemgrep: a query frappe built
			self.assertTrue(plan[0].possible_keys, (shortcut.label, plan))
