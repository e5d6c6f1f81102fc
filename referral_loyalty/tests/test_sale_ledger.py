"""The sales ledger (Referral Sale Entry) on the ROI scenario of test_roi: what each submitted
sale writes, what a return and a cancel do, that only the programme writes it, and that the
back-fill of sales made before it existed records exactly what the hook records."""

import frappe

from referral_loyalty.exceptions import LedgerLocked
from referral_loyalty.services import reporting, sales
from referral_loyalty.tests.test_roi import APRIL, roi_scenario
from referral_loyalty.tests.utils import (
	COMPANY,
	REFERRER_OFFER,
	ReferralTestCase,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	make_return,
	referral_of,
)


def ledger(*customers) -> list[frappe._dict]:
	"""The ledger's rows of these customers' sales, every column of it (amounts to the cent)."""
	rows = frappe.get_all(
		"Referral Sale Entry",
		filters={"customer": ("in", customers)},
		fields=list(sales.COLUMNS),
		order_by="posting_date, entry_type, invoice",
	)
	return [
		frappe._dict({k: round(v, 2) if isinstance(v, float) else v for k, v in row.items()}) for row in rows
	]


def pick(rows, *fields) -> list[tuple]:
	return [tuple(str(row[f]) if f.endswith("_on") else row[f] for f in fields) for row in rows]


class TestSaleLedger(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.s = roi_scenario(self)
		self.p1, self.p2, self.p3 = self.s.referees

	def test_each_referee_sale_and_each_reward_coupon_has_its_row(self):
		p1, p2 = self.p1.name, self.p2.name
		rows = ledger(p1, p2, *(w.name for w in self.s.walk_ins))
		referee_sales = [row for row in rows if row.entry_type == "Referee Sale"]
		self.assertEqual(
			pick(
				referee_sales, "customer", "enrolled_on", "days_after_enrolment", "net_sales", "gross_profit"
			),
			[
				(p1, "2026-04-02", 3, 200, 80),
				(p2, "2026-04-02", 4, 100, 40),
				(p1, "2026-04-02", 18, 90, 30),
				(p1, "2026-04-02", 121, 100, 40),  # after the ROI's 90 days
			],
		)
		referral = referral_of(p1)
		issued = str(frappe.db.get_value("POS Coupon", referral.referee_coupon, "creation").date())
		discounts = [row for row in rows if row.entry_type == "Reward Discount"]
		self.assertEqual(
			pick(
				discounts, "invoice", "referral", "referral_period", "coupon", "side", "issued_on", "discount"
			),
			[
				(
					self.s.redeemed.name,
					referral.name,
					self.s.period.name,
					referral.referee_coupon,
					"Referee",
					issued,
					10,
				)
			],
		)

	def test_a_return_counts_negative_and_cancelling_it_takes_it_back(self):
		with self.on("2026-04-12"):
			original = frappe.get_doc("Sales Invoice", self.s.p2_sale)
			returned = make_return(original, 1)
		rows = [row for row in ledger(self.p2.name) if row.invoice == returned.name]
		self.assertEqual(
			pick(rows, "entry_type", "days_after_enrolment", "net_sales", "gross_profit"),
			[("Referee Sale", 10, -100, -40)],
		)
		roi = reporting.roi(reporting.Scope.of(APRIL))[0][0]
		self.assertEqual((roi.buyers, round(roi.net_sales, 2), round(roi.gross_profit, 2)), (2, 290, 110))
		with self.on("2026-04-13"):
			returned.reload()
			returned.cancel()
		self.assertFalse([row for row in ledger(self.p2.name) if row.invoice == returned.name])
		self.assertEqual(round(reporting.roi(reporting.Scope.of(APRIL))[0][0].net_sales, 2), 390)

	def test_a_cancelled_sale_leaves_the_ledger(self):
		with self.on("2026-04-25"):
			self.s.redeemed.reload()
			self.s.redeemed.cancel()
		self.assertFalse([row for row in ledger(self.p1.name) if row.invoice == self.s.redeemed.name])
		self.assertEqual(len(ledger(self.p1.name)), 2)

	def test_only_the_programme_writes_the_ledger(self):
		name = frappe.db.get_value("Referral Sale Entry", {"customer": self.p2.name}, "name")
		with self.assertRaises(LedgerLocked):
			frappe.get_doc(
				{
					"doctype": "Referral Sale Entry",
					"entry_type": "Referee Sale",
					"company": self.s.period.company,
					"invoice_type": "Sales Invoice",
					"invoice": self.s.p2_sale,
					"posting_date": "2026-04-06",
					"net_sales": 1000,
				}
			).insert()
		with self.assertRaises(LedgerLocked):
			frappe.delete_doc("Referral Sale Entry", name)
		self.assertTrue(frappe.db.exists("Referral Sale Entry", name))

	def test_the_back_fill_records_what_the_hook_recorded_and_only_once(self):
		customers = (self.p1.name, self.p2.name, *(w.name for w in self.s.walk_ins))
		before = ledger(*customers)
		invoices = {row.invoice for row in before}
		frappe.db.delete("Referral Sale Entry", {"invoice": ("in", list(invoices))})
		self.assertEqual(ledger(*customers), [])
		self.assertGreaterEqual(sales.backfill(), len(invoices))
		self.assertEqual(ledger(*customers), before)
		self.assertEqual(sales.backfill(), 0)
		self.assertEqual(ledger(*customers), before)


class TestRewardsSharingASale(ReferralTestCase):
	def test_two_reward_coupons_on_one_sale_count_it_once_and_share_its_discount(self):
		make_period("2026-03-01", "2026-03-31", title="March")
		referrer, code = make_referrer()
		with self.on("2026-03-05"):
			referees = [make_customer(code=code.referral_code) for _ in range(2)]
		for referee in referees:
			with self.on("2026-03-10"):
				make_invoice(referee.name, 100, "2026-03-10")
		coupons = [referral_of(referee.name).referrer_coupon for referee in referees]
		self.assertTrue(all(coupons))
		with self.on("2026-03-20"):
			# the referrer's two 15% coupons on one sale of 200: POS Awesome's one additional discount
			sale = make_invoice(
				referrer.name,
				200,
				"2026-03-20",
				additional_discount_percentage=15,
				posa_coupons=[
					{"coupon": c, "coupon_code": c, "pos_offer": REFERRER_OFFER, "customer": referrer.name}
					| {"type": "Gift Card", "applied": 1}
					for c in coupons
				],
				posa_offers=[
					{"offer_name": REFERRER_OFFER, "offer": "Grand Total", "apply_on": "Transaction"}
					| {"coupon": c, "coupon_based": 1, "offer_applied": 1, "row_id": f"rl-gt-{i}"}
					for i, c in enumerate(coupons)
				],
			)
		self.assertEqual(sale.base_discount_amount, 30)
		rows = [row for row in ledger(referrer.name) if row.entry_type == "Reward Discount"]
		self.assertEqual(
			sorted(pick(rows, "coupon", "sale_count", "discount")),
			[(min(coupons), 1, 15), (max(coupons), 0, 15)],
		)
		cost = reporting.reward_cost(
			reporting.Scope.of({"company": COMPANY, "from_date": "2026-03-01", "to_date": "2026-03-31"})
		)
		referrer_row = next(row for row in cost if row.side == "Referrer" and row.reward_type == "Coupon")
		self.assertEqual((referrer_row.invoices, round(referrer_row.discount, 2)), (1, 30))
