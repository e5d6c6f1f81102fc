"""The sales ledger (Referral Sale Entry) on the ROI scenario of test_roi: what each submitted
sale writes, what a return and a cancel do, that only the programme writes it, and that the
back-fill of sales made before it existed records exactly what the hook records."""

import frappe

from referral_loyalty.exceptions import LedgerLocked
from referral_loyalty.services import reporting, sales
from referral_loyalty.tests.test_roi import APRIL, roi_scenario
from referral_loyalty.tests.utils import ReferralTestCase, make_return, referral_of

FIELDS = (
	"entry_type",
	"invoice",
	"customer",
	"referral",
	"enrolled_on",
	"days_after_enrolment",
	"net_sales",
	"gross_profit",
	"coupon",
	"pos_offer",
	"side",
	"issued_on",
	"discount",
)


def ledger(*customers) -> list[tuple]:
	rows = frappe.get_all(
		"Referral Sale Entry",
		filters={"customer": ("in", customers)},
		fields=FIELDS,
		order_by="posting_date, entry_type, invoice",
	)
	return [
		tuple(round(v, 2) if isinstance(v, float) else v for v in (row[f] for f in FIELDS)) for row in rows
	]


class TestSaleLedger(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.s = roi_scenario(self)
		self.p1, self.p2, self.p3 = self.s.referees

	def test_each_referee_sale_and_each_reward_coupon_has_its_row(self):
		p1, p2 = self.p1.name, self.p2.name
		rows = ledger(p1, p2, *(w.name for w in self.s.walk_ins))
		sales_rows = [(r[0], r[2], str(r[4]), r[5], r[6], r[7]) for r in rows if r[0] == "Referee Sale"]
		self.assertEqual(
			sales_rows,
			[
				("Referee Sale", p1, "2026-04-02", 3, 200, 80),
				("Referee Sale", p2, "2026-04-02", 4, 100, 40),
				("Referee Sale", p1, "2026-04-02", 18, 90, 30),
				("Referee Sale", p1, "2026-04-02", 121, 100, 40),  # after the ROI's 90 days
			],
		)
		coupon = referral_of(p1).referee_coupon
		discounts = [r for r in rows if r[0] == "Reward Discount"]
		issued = frappe.db.get_value("POS Coupon", coupon, "creation").date()
		self.assertEqual(len(discounts), 1)
		entry = discounts[0]
		self.assertEqual(
			(entry[1], entry[3], entry[8], entry[10], entry[11], entry[12]),
			(self.s.redeemed.name, referral_of(p1).name, coupon, "Referee", issued, 10),
		)

	def test_a_return_counts_negative_and_cancelling_it_takes_it_back(self):
		with self.on("2026-04-12"):
			original = frappe.get_doc("Sales Invoice", self.s.p2_sale)
			returned = make_return(original, 1)
		row = [r for r in ledger(self.p2.name) if r[1] == returned.name]
		self.assertEqual([(r[0], r[5], r[6], r[7]) for r in row], [("Referee Sale", 10, -100, -40)])
		roi = reporting.roi(reporting.Scope.of(APRIL))[0]
		self.assertEqual((roi.buyers, round(roi.net_sales, 2), round(roi.gross_profit, 2)), (2, 290, 110))
		with self.on("2026-04-13"):
			returned.reload()
			returned.cancel()
		self.assertFalse([r for r in ledger(self.p2.name) if r[1] == returned.name])
		self.assertEqual(round(reporting.roi(reporting.Scope.of(APRIL))[0].net_sales, 2), 390)

	def test_a_cancelled_sale_leaves_the_ledger(self):
		with self.on("2026-04-25"):
			self.s.redeemed.reload()
			self.s.redeemed.cancel()
		self.assertFalse([r for r in ledger(self.p1.name) if r[1] == self.s.redeemed.name])
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
		invoices = {row[1] for row in before}
		frappe.db.delete("Referral Sale Entry", {"invoice": ("in", list(invoices))})
		self.assertEqual(ledger(*customers), [])
		self.assertGreaterEqual(sales.backfill(), len(invoices))
		self.assertEqual(ledger(*customers), before)
		self.assertEqual(sales.backfill(), 0)
		self.assertEqual(ledger(*customers), before)
