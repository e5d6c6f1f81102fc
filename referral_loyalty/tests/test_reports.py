"""The three reports on known data made through the real flows (enrolment, sale, cancel, redemption)."""

from types import SimpleNamespace

import frappe
from frappe.desk.query_report import run

from referral_loyalty.referral_loyalty.report.referral_funnel import referral_funnel as funnel_report
from referral_loyalty.rules import codes
from referral_loyalty.tests.utils import (
	COMPANY,
	ITEM,
	REFEREE_OFFER,
	REFERRER_OFFER,
	ReferralTestCase,
	ensure_offer,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	referral_of,
)

ITEM_OFFER = "RL Item 20%"


def ensure_item_offer() -> str:
	"""A coupon-based item offer (POS Awesome "Item Price"): 20% off the test item."""
	if not frappe.db.exists("POS Offer", ITEM_OFFER):
		ensure_offer(ITEM_OFFER, percent=20)
		frappe.db.set_value(
			"POS Offer", ITEM_OFFER, {"apply_on": "Item Code", "item": ITEM, "offer": "Item Price"}
		)
	return ITEM_OFFER


def redeem_grand_total(customer: str, coupon: str, amount: float, percent: float, day: str, **kw):
	"""A sale on which POS Awesome applied a "Grand Total" coupon offer: the invoice's additional
	discount, with the coupon and offer rows POS Awesome writes (``kw``: make_invoice's)."""
	row = frappe.db.get_value("POS Coupon", coupon, ["coupon_code", "pos_offer"], as_dict=True)
	return make_invoice(
		customer,
		amount,
		day,
		additional_discount_percentage=percent,
		**kw,
		posa_coupons=[
			{
				"coupon": coupon,
				"coupon_code": row.coupon_code,
				"pos_offer": row.pos_offer,
				"customer": customer,
				"type": "Gift Card",
				"applied": 1,
			}
		],
		posa_offers=[
			{
				"offer_name": row.pos_offer,
				"offer": "Grand Total",
				"apply_on": "Transaction",
				"coupon": coupon,
				"coupon_based": 1,
				"offer_applied": 1,
				"row_id": "rl-offer-gt",
			}
		],
	)


def redeem_item_offer(customer: str, coupon: str, qty: int, price: float, percent: float, day: str):
	"""A sale on which POS Awesome applied an "Item Price" coupon offer to one line."""
	row = frappe.db.get_value("POS Coupon", coupon, ["coupon_code", "pos_offer"], as_dict=True)
	invoice = make_invoice(customer, price * qty, day, qty=qty, submit=False)
	line = invoice.items[0]
	line.update(
		{
			"price_list_rate": price,
			"discount_percentage": percent,
			"discount_amount": price * percent / 100,
			"rate": price * (100 - percent) / 100,  # POS Awesome sends the discounted rate
			"posa_row_id": "rl-line-1",
			"posa_offers": '["rl-offer-item"]',
		}
	)
	invoice.append(
		"posa_coupons",
		{
			"coupon": coupon,
			"coupon_code": row.coupon_code,
			"pos_offer": row.pos_offer,
			"customer": customer,
			"type": "Gift Card",
			"applied": 1,
		},
	)
	invoice.append(
		"posa_offers",
		{
			"offer_name": row.pos_offer,
			"offer": "Item Price",
			"apply_on": "Item Code",
			"coupon": coupon,
			"coupon_based": 1,
			"offer_applied": 1,
			"row_id": "rl-offer-item",
			"items": '["rl-line-1"]',
		},
	)
	invoice.save(ignore_permissions=True)
	invoice.submit()
	return invoice


def referral_scenario(test) -> SimpleNamespace:
	"""March 2026, double-sided, first purchase of 50 or more.

	Referrer A: a1 and a2 buy (qualified, rewarded), a3 never buys (pending), a4 shares A's mobile
	(rejected at enrolment); A redeems one reward on a 200 sale with 15% off (discount 30).
	Referrer B: b1 buys, then the sale is cancelled (reversed, reward withdrawn).
	Referrer C: a code whose referrer offer is a 20% item offer; c1 buys; C redeems it on 2 x 50
	(discount 20).
	"""
	march = make_period("2026-03-01", "2026-03-31", title="March")
	a, code_a = make_referrer(mobile="+1 555 010 0001", email="a.referrer@example.com")
	b, code_b = make_referrer()
	c, code_c = make_referrer()
	code_c.primary_offer = ensure_item_offer()
	code_c.rl_own_offers = 1
	code_c.save()
	with test.on("2026-03-05"):
		a1, a2, a3 = (make_customer(code=code_a.referral_code) for _ in range(3))
		a4 = make_customer(code=code_a.referral_code, mobile="555-010-0001")
		b1 = make_customer(code=code_b.referral_code)
		c1 = make_customer(code=code_c.referral_code)
	with test.on("2026-03-10"):
		for referee in (a1, a2, b1, c1):
			invoice = make_invoice(referee.name, 100, "2026-03-10")
			if referee is b1:
				b1_invoice = invoice
	with test.on("2026-03-12"):
		b1_invoice.reload()
		b1_invoice.cancel()
	with test.on("2026-03-15"):
		redeem_grand_total(a.name, referral_of(a1.name).referrer_coupon, 200, 15, "2026-03-15")
		redeem_item_offer(c.name, referral_of(c1.name).referrer_coupon, 2, 50, 20, "2026-03-15")
	return SimpleNamespace(
		period=march,
		a=a,
		b=b,
		c=c,
		code_a=code_a,
		code_b=code_b,
		code_c=code_c,
		referees=(a1, a2, a3, a4, b1, c1),
	)


class TestReports(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.s = referral_scenario(self)
		self.filters = {"company": COMPANY, "referral_period": self.s.period.name}

	def run_report(self, name, **filters):
		out = run(name, filters={**self.filters, **filters})
		rows = [row for row in out["result"] if isinstance(row, dict)]  # without the total row
		return rows, out["columns"], out["chart"]

	def test_scenario_is_what_the_reports_describe(self):
		statuses = sorted(referral_of(r.name).status for r in self.s.referees)
		self.assertEqual(statuses, ["Pending", "Qualified", "Qualified", "Qualified", "Rejected", "Reversed"])
		self.assertEqual(
			frappe.db.get_value("POS Coupon", referral_of(self.s.referees[0].name).referrer_coupon, "used"), 1
		)

	def test_referral_funnel(self):
		rows, columns, chart = self.run_report("Referral Funnel")
		self.assertEqual(len(rows), 1)
		row = rows[0]
		self.assertEqual(row["referral_period"], self.s.period.name)
		stages = [row[s] for s in ("enrolled", "pending", "qualified", "rewarded", "redeemed")]
		# 6 enrolled; a4 rejected at enrolment; a1, a2, c1 and b1 (later reversed) qualified and
		# rewarded; A's and C's rewards redeemed
		self.assertEqual(stages, [6, 5, 4, 4, 2])
		self.assertAlmostEqual(row["conversion"], 66.7)
		self.assertEqual(chart["data"]["datasets"][0]["values"], stages)
		self.assertIn("enrolled", [c["fieldname"] for c in columns])

	def test_funnel_filters(self):
		self.assertEqual(self.run_report("Referral Funnel", from_date="2026-04-01")[0], [])
		rows = self.run_report("Referral Funnel", from_date="2026-03-01", to_date="2026-03-31")[0]
		self.assertEqual(rows[0]["enrolled"], 6)
		campaign = frappe.get_doc({"doctype": "Campaign", "campaign_name": "RL Spring"}).insert().name
		self.assertEqual(self.run_report("Referral Funnel", campaign=campaign)[0], [])
		self.s.period.db_set("campaign", campaign)
		self.assertEqual(self.run_report("Referral Funnel", campaign=campaign)[0][0]["campaign"], campaign)
		with self.assertRaises(frappe.ValidationError):  # a company is required
			funnel_report.execute(frappe._dict(referral_period=self.s.period.name))

	def test_top_referrers(self):
		rows, _columns, chart = self.run_report("Top Referrers")
		by_referrer = {r["referrer"]: r for r in rows}
		a = by_referrer[self.s.a.name]
		self.assertEqual(a["code"], codes.display(self.s.code_a.referral_code))
		self.assertEqual(
			[
				a[k]
				for k in (
					"enrolled",
					"pending",
					"qualified",
					"rejected",
					"rewards_issued",
					"rewards_redeemed",
				)
			],
			[4, 1, 2, 1, 2, 1],
		)
		b = by_referrer[self.s.b.name]
		self.assertEqual(
			[b[k] for k in ("enrolled", "qualified", "rewards_issued", "rewards_redeemed")], [1, 0, 1, 0]
		)
		c = by_referrer[self.s.c.name]
		self.assertEqual(
			[c[k] for k in ("enrolled", "qualified", "rewards_issued", "rewards_redeemed")], [1, 1, 1, 1]
		)
		self.assertEqual(rows[0]["referrer"], self.s.a.name)  # most qualified first
		self.assertEqual(chart["data"]["labels"][0], self.s.a.customer_name)

	def test_top_referrers_show_top_ranks_as_the_whole_list_does(self):
		numbers = ("referrer", "enrolled", "pending", "qualified", "rejected", "rewards_issued")
		every = [tuple(r[k] for k in numbers) for r in self.run_report("Top Referrers", top=0)[0]]
		self.assertGreaterEqual(len(every), 3)
		self.assertEqual(
			[(r[3], r[1]) for r in every], sorted(((r[3], r[1]) for r in every), reverse=True)
		)  # the most qualified first, then the most enrolled
		for top in (1, 2, 100):
			shown = [tuple(r[k] for k in numbers) for r in self.run_report("Top Referrers", top=top)[0]]
			self.assertEqual(shown, every[:top])
		with self.assertRaises(frappe.ValidationError):
			self.run_report("Top Referrers", top=-1)

	def test_reward_cost(self):
		rows, _columns, chart = self.run_report("Reward Cost")
		by_key = {(r["pos_offer"], r["offer_side"]): r for r in rows}
		self.assertEqual(
			set(by_key), {(REFEREE_OFFER, "Referee"), (REFERRER_OFFER, "Referrer"), (ITEM_OFFER, "Referrer")}
		)
		referee = by_key[(REFEREE_OFFER, "Referee")]
		# a1, a2, a3, b1: C's code has offers of its own, with none for the referee
		self.assertEqual([referee[k] for k in ("issued", "redeemed", "withdrawn")], [4, 0, 0])
		self.assertEqual(referee["discount"], 0)
		referrer = by_key[(REFERRER_OFFER, "Referrer")]
		self.assertEqual([referrer[k] for k in ("issued", "redeemed", "withdrawn", "invoices")], [3, 1, 1, 1])
		self.assertAlmostEqual(referrer["discount"], 30)  # 15% of 200, the invoice's additional discount
		item = by_key[(ITEM_OFFER, "Referrer")]
		self.assertEqual([item[k] for k in ("issued", "redeemed", "invoices")], [1, 1, 1])
		self.assertAlmostEqual(item["discount"], 20)  # (50 - 40) x 2 on the offer's line
		self.assertAlmostEqual(sum(chart["data"]["datasets"][0]["values"]), 50)

	def test_reward_cost_leaves_out_cancelled_sales(self):
		redemption = frappe.get_all(
			"POS Coupon Detail",
			filters={"parenttype": "Sales Invoice", "pos_offer": REFERRER_OFFER},
			pluck="parent",
		)[0]
		with self.on("2026-03-16"):
			frappe.get_doc("Sales Invoice", redemption).cancel()
		rows = self.run_report("Reward Cost")[0]
		referrer = next(r for r in rows if r["pos_offer"] == REFERRER_OFFER)
		self.assertEqual((referrer["redeemed"], referrer["discount"]), (0, 0))

	def test_a_used_reward_is_recorded_redeemed_until_its_sale_is_cancelled(self):
		a1, a2 = self.s.referees[0], self.s.referees[1]
		self.assertEqual(referral_of(a1.name).referrer_reward_status, "Redeemed")
		self.assertEqual(referral_of(a2.name).referrer_reward_status, "Issued")  # A used one of two
		redemption = frappe.get_all(
			"POS Coupon Detail",
			filters={"parenttype": "Sales Invoice", "pos_offer": REFERRER_OFFER},
			pluck="parent",
		)[0]
		with self.on("2026-03-16"):
			frappe.get_doc("Sales Invoice", redemption).cancel()
		self.assertEqual(referral_of(a1.name).referrer_reward_status, "Issued")
		self.assertEqual(self.run_report("Referral Funnel")[0][0]["redeemed"], 1)  # C's only

	def test_the_daily_reconcile_records_a_use_the_sale_could_not(self):
		from referral_loyalty.services import redemption

		a1 = self.s.referees[0]
		frappe.db.set_value("Referral", referral_of(a1.name).name, "referrer_reward_status", "Issued")
		with self.on("2026-03-16"):
			self.assertEqual(redemption.reconcile(), 1)
			self.assertEqual(redemption.reconcile(), 0)
		self.assertEqual(referral_of(a1.name).referrer_reward_status, "Redeemed")
