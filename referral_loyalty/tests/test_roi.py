"""Referral ROI, Referrals by Cashier, Reward Cost with points, bonuses and held rewards, and the
workspace cards, on a hand-made data set whose every figure is known.

April 2026, double-sided: the referee gets a 10% coupon (Grand Total), the referrer 100 loyalty
points (a point is worth 0.5), and a bonus of 40 points at 2 qualified referrals. A stock item
bought in at 60 sells at 100 (sales move stock, so each line carries its valuation of 60).

- p1 (enrolled 2 April by the cashier at the till): buys 2 on 5 April (net 200, gross profit 80),
  then 1 with the welcome coupon on 20 April (net 90 after 10% off, gross profit 30, discount 10),
  and 1 on 1 August, outside the 90 days (not counted);
- p2 (enrolled 2 April by the cashier): buys 1 on 6 April (net 100, gross profit 40): the second
  qualified referral reaches the 40-point bonus;
- p3 (enrolled 2 April by Administrator): never buys;
- w1, w2: new customers of 3 April without a referral; w1 buys 1 on 10 April (net 100, gross
  profit 40).

Referees: 3 enrolled, 2 qualified, 2 buyers, net sales 390, gross profit 150; reward cost = 10
(coupon) + 2 x 100 x 0.5 (referrer points) + 40 x 0.5 (bonus) = 130; net return 20; ROI 15.4 %.
"""

import random
import zlib
from types import SimpleNamespace

import frappe
from frappe.desk.query_report import run

from referral_loyalty.api import dashboard
from referral_loyalty.services import reporting
from referral_loyalty.tests.test_reports import redeem_grand_total
from referral_loyalty.tests.test_review import ensure_user
from referral_loyalty.tests.utils import (
	ABBR,
	COMPANY,
	LOYALTY_PROGRAM,
	OTHER_COMPANY,
	REFEREE_OFFER,
	ReferralTestCase,
	ensure_loyalty_program,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	recorded_sql,
	referral_of,
)

STOCK_ITEM = "RL Stock Item"
WAREHOUSE = f"Stores - {ABBR}"
APRIL = {"company": COMPANY, "from_date": "2026-04-01", "to_date": "2026-04-30"}


def ensure_stock(day: str, qty: int = 20, rate: float = 60) -> None:
	"""The stock item, and ``qty`` of it received at ``rate`` on ``day``."""
	if not frappe.db.exists("Item", STOCK_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": STOCK_ITEM,
				"item_name": STOCK_ITEM,
				"item_group": frappe.db.get_value("Item Group", {"is_group": 0}, "name"),
				"stock_uom": "Nos",
				"is_stock_item": 1,
				"is_sales_item": 1,
				"valuation_method": "Moving Average",
			}
		).insert(ignore_permissions=True)
	entry = frappe.get_doc(
		{
			"doctype": "Stock Entry",
			"stock_entry_type": "Material Receipt",
			"company": COMPANY,
			"posting_date": day,
			"set_posting_time": 1,
			"items": [{"item_code": STOCK_ITEM, "qty": qty, "basic_rate": rate, "t_warehouse": WAREHOUSE}],
		}
	)
	entry.insert(ignore_permissions=True)
	entry.submit()


def sell(test, customer: str, qty: int, day: str, **kw):
	with test.on(day):
		return make_invoice(customer, 100 * qty, day, qty=qty, item=STOCK_ITEM, warehouse=WAREHOUSE, **kw)


def roi_scenario(test) -> SimpleNamespace:
	program = ensure_loyalty_program()
	period = make_period(
		"2026-04-01",
		"2026-04-30",
		title="April",
		referrer_reward_type="Loyalty Points",
		referrer_points=100,
		loyalty_program=program,
		milestones=[{"qualified_referrals": 2, "reward_type": "Loyalty Points", "points": 40}],
	)
	referrer, code = make_referrer()
	with test.on("2026-03-31"):  # stock's ledger orders by creation too: made on its day
		ensure_stock("2026-03-31")
	cashier = ensure_user("rl-roi-cashier@example.com", "Sales User", "Accounts User", "Stock User")
	frappe.set_user(cashier)
	with test.on("2026-04-02"):
		p1 = make_customer(code=code.referral_code)
		p2 = make_customer(code=code.referral_code)
	frappe.set_user("Administrator")
	with test.on("2026-04-02"):
		p3 = make_customer(code=code.referral_code)
	with test.on("2026-04-03"):
		w1, w2 = make_customer(), make_customer()
	sell(test, p1.name, 2, "2026-04-05")
	sell(test, p2.name, 1, "2026-04-06")
	sell(test, w1.name, 1, "2026-04-10")
	with test.on("2026-04-20"):
		coupon = referral_of(p1.name).referee_coupon
		# one stock item with the referee's 10% Grand Total coupon, as POS Awesome submits it
		redeemed = redeem_grand_total(
			p1.name, coupon, 100, 10, "2026-04-20", item=STOCK_ITEM, warehouse=WAREHOUSE
		)
	sell(test, p1.name, 1, "2026-08-01")
	return SimpleNamespace(
		period=period,
		referrer=referrer,
		code=code,
		cashier=cashier,
		referees=(p1, p2, p3),
		walk_ins=(w1, w2),
		redeemed=redeemed,
		p2_sale=frappe.get_all("Sales Invoice", filters={"customer": p2.name, "docstatus": 1}, pluck="name")[
			0
		],
	)


def _names_of_one_checksum(prefix: str) -> tuple[str, str]:
	"""Two names with one CRC32, in sorted order: a birthday search over random names (about
	80,000 of them; names that differ in a few neighbouring characters never share one)."""
	draw, seen = random.Random(0), {}
	for _i in range(1 << 22):
		name = f"{prefix}{draw.getrandbits(64):016x}"
		other = seen.setdefault(zlib.crc32(name.encode()), name)
		if other != name:
			return tuple(sorted((other, name)))
	raise AssertionError("no two names of one checksum")


class TestReferralROI(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.s = roi_scenario(self)

	def tearDown(self):
		frappe.set_user("Administrator")
		super().tearDown()

	def report(self, name, **filters):
		out = run(name, filters={**APRIL, **filters})
		return [row for row in out["result"] if isinstance(row, dict)], out

	def test_the_scenario_is_what_the_report_describes(self):
		p1, p2, p3 = self.s.referees
		self.assertEqual(
			[referral_of(p.name).status for p in (p1, p2, p3)], ["Qualified", "Qualified", "Pending"]
		)
		self.assertEqual(frappe.db.get_value("POS Coupon", referral_of(p1.name).referee_coupon, "used"), 1)
		self.assertEqual(
			frappe.db.get_value("Referral Bonus", {"referrer": self.s.referrer.name}, ["status", "points"]),
			("Issued", 40),
		)
		line = frappe.db.get_value(
			"Sales Invoice Item", {"parent": self.s.redeemed.name}, ["base_net_amount", "incoming_rate"]
		)
		self.assertEqual((round(line[0], 2), round(line[1], 2)), (90, 60))

	def test_every_figure_of_the_referral_roi(self):
		rows, out = self.report("Referral ROI")
		period_row, walk_in = rows
		self.assertEqual(period_row["referral_period"], self.s.period.name)
		expected = {
			"enrolled": 3,
			"qualified": 2,
			"buyers": 2,
			"net_sales": 390,
			"gross_profit": 150,
			"discount": 10,
			"points_value": 120,
			"reward_cost": 130,
			"net_return": 20,
			"roi": 15.4,
			"sales_per_buyer": 195,
			"profit_per_buyer": 75,
		}
		self.assertEqual({k: round(period_row[k], 2) for k in expected}, expected)
		self.assertEqual(walk_in["buyers"], 1)  # w2 never bought; referees and the referrer are not walk-ins
		self.assertEqual(
			[
				round(walk_in[k], 2)
				for k in ("net_sales", "gross_profit", "sales_per_buyer", "profit_per_buyer")
			],
			[100, 40, 100, 40],
		)
		self.assertEqual(out["chart"]["data"]["datasets"][0]["values"], [195, 75])
		self.assertEqual(out["chart"]["data"]["datasets"][1]["values"], [100, 40])
		self.assertEqual([s["value"] for s in out["report_summary"]], [130, 20, 75, 40])

	def test_a_codes_own_campaign_groups_its_referees(self):
		"""A period without a campaign: the referees of a code with a campaign of its own are that
		campaign's row, their sales read back from the per-referral checksums of the code."""
		campaign = frappe.get_doc({"doctype": "Campaign", "campaign_name": "RL Influencer"}).insert().name
		self.s.code.db_set("campaign", campaign)
		for filters in ({}, {"campaign": campaign}):
			row = self.report("Referral ROI", **filters)[0][0]
			self.assertEqual((row["referral_period"], row["campaign"]), (self.s.period.name, campaign))
			self.assertEqual(
				[
					round(row[k], 2)
					for k in ("enrolled", "buyers", "net_sales", "gross_profit", "reward_cost")
				],
				[3, 2, 390, 150, 130],
			)

	def test_two_period_names_of_one_checksum_give_the_same_figures(self):
		"""The referees' sums per referral carry the period as a CRC32; when two period names share
		one, the sums are grouped again by the names themselves, and the figures do not change."""
		first, second = _names_of_one_checksum("RL-CRC-")
		self.assertIsNone(reporting._checksums([first, second]))
		frappe.rename_doc("Referral Period", self.s.period.name, first, force=True)
		other = make_period("2031-01-01", "2031-01-31", title="Later")
		frappe.rename_doc("Referral Period", other.name, second, force=True)

		with recorded_sql() as sent:
			row = self.report("Referral ROI")[0][0]
		self.assertEqual((row["referral_period"], row["period_title"]), (first, "April"))
		self.assertEqual(
			[round(row[k], 2) for k in ("enrolled", "qualified", "buyers", "net_sales", "gross_profit")],
			[3, 2, 2, 390, 150],
		)
		summed = [q for q in sent if "per_referral" in q]
		self.assertEqual(len(summed), 2, summed)  # the checksums' statement, then the names'
		self.assertIn("CRC32(", summed[0])
		self.assertNotIn("CRC32(", summed[1])

	def test_gross_profit_is_erpnexts(self):
		"""The referees' gross profit equals what ERPNext's Gross Profit report says of their sales."""
		from erpnext.accounts.report.gross_profit.gross_profit import execute as gross_profit

		p1, p2, _p3 = self.s.referees
		_columns, data = gross_profit(
			frappe._dict(company=COMPANY, from_date="2026-04-01", to_date="2026-07-01", group_by="Invoice")
		)[:2]
		referees = {p1.name, p2.name}
		total = sum(
			row.get("gross_profit") or 0
			for row in data
			if isinstance(row, dict) and row.get("customer") in referees and row.get("indent") == 0
		)
		roi_row = self.report("Referral ROI")[0][0]
		self.assertAlmostEqual(total, 150)
		self.assertAlmostEqual(roi_row["gross_profit"], total)

	def test_the_window_after_enrolment_and_the_filters(self):
		rows = self.report("Referral ROI", days=200)[0]
		self.assertEqual(round(rows[0]["net_sales"], 2), 490)  # the August sale is now inside
		self.assertEqual(self.report("Referral ROI", days=3)[0][0]["net_sales"], 0)  # 2-4 April: none
		rows = self.report("Referral ROI", from_date="2026-05-01", to_date="2026-05-31")[0]
		self.assertEqual(len(rows), 1)  # only the other new customers' row, with nobody in it
		self.assertEqual(rows[0]["buyers"], 0)
		for bad in (0, -5, 99999):
			with self.assertRaises(frappe.ValidationError):
				run("Referral ROI", filters={**APRIL, "days": bad})

	def test_a_cancelled_sale_and_its_reversal_leave_the_roi(self):
		with self.on("2026-04-25"):
			frappe.get_doc("Sales Invoice", self.s.p2_sale).cancel()
		row = self.report("Referral ROI")[0][0]
		# p2's sale is gone, the referrer's 100 points for p2 and the bonus were taken back
		self.assertEqual(
			[round(row[k], 2) for k in ("qualified", "buyers", "net_sales", "gross_profit", "reward_cost")],
			[2, 1, 290, 110, 60],
		)

	def test_reward_cost_counts_points_and_bonuses_at_their_money_value(self):
		rows = self.report("Reward Cost")[0]
		by_key = {(r["reward_type"], r["pos_offer"] or "", r["side"]): r for r in rows}
		referee = by_key[("Coupon", REFEREE_OFFER, "Referee")]
		self.assertEqual([referee[k] for k in ("issued", "redeemed", "withdrawn", "invoices")], [3, 1, 0, 1])
		self.assertEqual((round(referee["discount"], 2), round(referee["cost"], 2)), (10, 10))
		referrer = by_key[("Loyalty Points", "", "Referrer")]
		self.assertEqual(
			[referrer[k] for k in ("held", "issued", "redeemed", "withdrawn", "points")], [0, 2, 0, 0, 200]
		)
		self.assertEqual(round(referrer["points_value"], 2), 100)
		bonus = by_key[("Loyalty Points", "", "Bonus")]
		self.assertEqual([bonus[k] for k in ("issued", "points")], [1, 40])
		self.assertEqual(round(sum(r["cost"] for r in rows), 2), 130)
		with self.on("2026-04-25"):
			frappe.get_doc("Sales Invoice", self.s.p2_sale).cancel()
		rows = self.report("Reward Cost")[0]
		by_key = {(r["reward_type"], r["pos_offer"] or "", r["side"]): r for r in rows}
		referrer = by_key[("Loyalty Points", "", "Referrer")]
		self.assertEqual([referrer[k] for k in ("issued", "withdrawn", "points")], [2, 1, 100])
		bonus = by_key[("Loyalty Points", "", "Bonus")]
		self.assertEqual([bonus[k] for k in ("issued", "withdrawn", "points")], [1, 1, 0])
		self.assertEqual(round(sum(r["cost"] for r in rows), 2), 60)

	def test_points_spent_are_redeemed(self):
		referrer = self.s.referrer.name
		entry = referral_of(self.s.referees[0].name).referrer_points_entry
		with self.on("2026-04-21"):
			spending = make_invoice(
				referrer,
				100,
				"2026-04-21",
				redeem_loyalty_points=1,
				loyalty_program=LOYALTY_PROGRAM,
				loyalty_points=20,
				loyalty_redemption_account=frappe.db.get_value(
					"Loyalty Program", LOYALTY_PROGRAM, "expense_account"
				),
				loyalty_redemption_cost_center=frappe.get_cached_value("Company", COMPANY, "cost_center"),
			)
		self.assertTrue(
			frappe.db.exists("Loyalty Point Entry", {"redeem_against": entry, "loyalty_points": -20})
		)
		rows = self.report("Reward Cost")[0]
		referrer_row = next(
			r for r in rows if r["reward_type"] == "Loyalty Points" and r["side"] == "Referrer"
		)
		self.assertEqual(referrer_row["redeemed"], 1)
		self.assertEqual(referrer_row["points"], 200)  # spent points stay a cost
		p1 = self.s.referees[0].name
		self.assertEqual(referral_of(p1).referrer_reward_status, "Redeemed")
		with self.on("2026-04-22"):
			frappe.get_doc("Sales Invoice", spending.name).cancel()
		self.assertEqual(referral_of(p1).referrer_reward_status, "Issued")

	def test_referrals_by_cashier(self):
		rows, out = self.report("Referrals by Cashier")
		by_user = {r["enrolled_by"]: r for r in rows}
		cashier = by_user[self.s.cashier]
		self.assertEqual(
			[cashier[k] for k in ("enrolled", "rejected", "under_review", "qualified", "qualified_share")],
			[2, 0, 0, 2, 100.0],
		)
		admin = by_user["Administrator"]
		self.assertEqual([admin[k] for k in ("enrolled", "qualified", "qualified_share")], [1, 0, 0.0])
		self.assertEqual(rows[0]["enrolled_by"], self.s.cashier)  # most enrolments first
		self.assertEqual(out["chart"]["data"]["datasets"][0]["values"][:2], [2, 1])
		rows = self.report("Referrals by Cashier", from_date="2026-05-01", to_date="2026-05-31")[0]
		self.assertEqual(rows, [])


class TestHeldRewardsInReports(ReferralTestCase):
	def test_a_held_referrer_reward_is_counted_held_until_released(self):
		make_period("2026-04-01", "2026-04-30", title="April held", reward_hold_days=14)
		_referrer, code = make_referrer()
		with self.on("2026-04-02"):
			referee = make_customer(code=code.referral_code)
		with self.on("2026-04-05"):
			make_invoice(referee.name, 100, "2026-04-05")
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Held")
		rows = run("Reward Cost", filters=APRIL)["result"]
		referrer = next(r for r in rows if isinstance(r, dict) and r["side"] == "Referrer")
		self.assertEqual((referrer["held"], referrer["issued"]), (1, 0))


class TestCompanyCards(ReferralTestCase):
	"""The cards count the company chosen, or every company the user may read, and say which."""

	def setUp(self):
		super().setUp()
		self.before = {
			company: dashboard.pending_referrals({"company": company})["value"]
			for company in (COMPANY, OTHER_COMPANY)
		}
		make_period("2026-04-01", "2026-04-30", title="April")
		make_period(
			"2026-04-01",
			"2026-04-30",
			company=OTHER_COMPANY,
			title="April other",
			referee_offer="RL Other Company Offer",
			referrer_offer="RL Other Company Offer",
		)
		_r, code = make_referrer()
		_o, other_code = make_referrer(company=OTHER_COMPANY)
		with self.on("2026-04-02"):
			self.referees = [make_customer(code=code.referral_code) for _ in range(3)]
			self.others = [
				make_customer(code=other_code.referral_code, company=OTHER_COMPANY) for _ in range(2)
			]
		with self.on("2026-04-05"):
			make_invoice(self.referees[0].name, 100, "2026-04-05")

	def test_no_company_sums_every_readable_company_and_names_them(self):
		card = dashboard.pending_referrals("{}")
		readable = frappe.get_list("Company", pluck="name", limit_page_length=0)
		total = sum(dashboard.pending_referrals({"company": c})["value"] for c in readable)
		self.assertEqual(card["value"], total)
		self.assertEqual(dashboard.pending_referrals({"company": COMPANY})["value"] - self.before[COMPANY], 2)
		self.assertEqual(
			dashboard.pending_referrals({"company": OTHER_COMPANY})["value"] - self.before[OTHER_COMPANY], 2
		)
		self.assertEqual(
			card["company_label"], readable[0] if len(readable) == 1 else f"All companies ({len(readable)})"
		)
		self.assertEqual(dashboard.pending_referrals({"company": COMPANY})["company_label"], COMPANY)
		self.assertEqual(
			dashboard.pending_referrals({"company": COMPANY})["route_options"]["company"], COMPANY
		)

	def test_a_user_of_one_company_counts_only_it(self):
		user = ensure_user("rl-cards-manager@example.com", "Sales Manager", "Sales User")
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Company", "for_value": COMPANY}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		card = dashboard.pending_referrals({})
		self.assertEqual(card["company_label"], COMPANY)
		self.assertEqual(card["value"], dashboard.pending_referrals({"company": COMPANY})["value"])
		from referral_loyalty.exceptions import ReferralNotAllowed

		with self.assertRaises(ReferralNotAllowed):
			dashboard.pending_referrals({"company": OTHER_COMPANY})

	def test_share_rate_and_viral_factor(self):
		"""Share rate: codes that ever brought a new customer / enabled codes. Viral factor: over the
		referral periods running today (April)."""
		code = frappe.db.get_value("Referral", {"referee": self.referees[0].name}, "referral_code")
		self.assertEqual(
			str(frappe.db.get_value("Referral Code", code, "rl_first_referral_on")), "2026-04-02"
		)
		with self.on("2026-04-10"):
			share = dashboard.referrer_share_rate({"company": COMPANY})
			viral = dashboard.viral_factor({"company": COMPANY})
			period = frappe.db.get_value("Referral Period", {"company": COMPANY, "title": "April"})
		codes = frappe.get_all("Referral Code", {"company": COMPANY, "disabled": 0}, pluck="name")
		referred = frappe.get_all(
			"Referral",
			filters={"referral_code": ("in", codes), "status": ("!=", "Rejected")},
			pluck="referral_code",
			distinct=True,
		)
		self.assertIn(code, referred)
		self.assertAlmostEqual(share["value"], round(100.0 * len(set(referred)) / len(codes), 1))
		self.assertEqual(share["fieldtype"], "Percent")
		in_period = frappe.get_all(
			"Referral", filters={"referral_period": period}, fields=["referrer", "status"]
		)
		qualified = [row for row in in_period if row.status == "Qualified"]
		self.assertEqual(len(qualified), 1)
		self.assertEqual(viral["value"], 1.0)  # one qualified referee for one active referrer
		self.assertEqual(viral["route_options"]["referral_period"], period)
		with self.on("2026-05-10"):  # no period running
			self.assertEqual(dashboard.viral_factor({"company": COMPANY})["value"], 0)

	def test_a_code_rejected_at_enrolment_has_not_referred_anyone(self):
		_referrer, code = make_referrer(mobile="+1 555 010 0042")
		with self.on("2026-04-03"):
			make_customer(code=code.referral_code, mobile="555-010-0042")  # the referrer's own mobile
		status, reason = frappe.db.get_value("Referral", {"referral_code": code.name}, ["status", "reason"])
		self.assertEqual(status, "Rejected")
		self.assertIn(reason, ("DUPLICATE_IDENTITY", "SELF_REFERRAL"))
		self.assertIsNone(frappe.db.get_value("Referral Code", code.name, "rl_first_referral_on"))

	def test_under_review_card(self):
		referral = referral_of(self.referees[1].name)
		before = dashboard.under_review({"company": COMPANY})["value"]
		frappe.db.set_value("Referral", referral.name, {"status": "Under Review", "reason": "VELOCITY"})
		card = dashboard.under_review({"company": COMPANY})
		self.assertEqual(card["value"], before + 1)
		self.assertEqual(card["route_options"], {"status": "Under Review", "company": COMPANY})

	def test_reward_cost_card_is_the_reports_whole_cost(self):
		with self.on("2026-04-10"):
			card = dashboard.reward_cost_this_period({"company": COMPANY})
			period = frappe.db.get_value("Referral Period", {"company": COMPANY, "title": "April"})
			expected = reporting.reward_cost_total(reporting.Scope(company=COMPANY, referral_period=period))
		self.assertAlmostEqual(card["value"], expected)
		self.assertEqual(card["company_label"], COMPANY)
