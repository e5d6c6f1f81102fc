"""The referral engine on a real site: enrolment, qualification, caps, reversal, expiry."""

import json

import frappe

from referral_loyalty.exceptions import InvalidReferralCode, PeriodOverlap
from referral_loyalty.rules import codes
from referral_loyalty.services import ledger
from referral_loyalty.services.expiry import expire_pending_referrals
from referral_loyalty.tests.utils import (
	COMPANY,
	INFLUENCER_OFFER,
	OTHER_COMPANY,
	POS_PROFILE,
	REFEREE_OFFER,
	REFERRER_OFFER,
	ReferralTestCase,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	make_return,
	open_till,
	referral_of,
)

MARCH = ("2026-03-01", "2026-03-31")
APRIL = ("2026-04-01", "2026-04-30")


class TestReferralPeriod(ReferralTestCase):
	def test_overlapping_enabled_periods_are_refused(self):
		make_period(*MARCH)
		with self.assertRaises(PeriodOverlap):
			make_period("2026-03-31", "2026-04-10")
		make_period("2026-03-15", "2026-04-10", enabled=0)  # disabled ones may overlap
		make_period(
			*MARCH, company=OTHER_COMPANY, referee_offer="RL Other Company Offer", reward_mode="Referee only"
		)

	def test_bad_dates_and_offers(self):
		with self.assertRaises(frappe.ValidationError):
			make_period("2026-03-10", "2026-03-01")
		with self.assertRaises(frappe.ValidationError):
			make_period(*MARCH, referee_offer="RL Not Coupon")
		with self.assertRaises(frappe.ValidationError):
			make_period(*MARCH, referrer_offer="RL Other Company Offer")
		with self.assertRaises(frappe.ValidationError):
			make_period(*MARCH, referrer_offer=None)
		self.assertFalse(frappe.db.exists("Referral Period", {"company": COMPANY}))

	def test_mode_clears_offers_it_does_not_use(self):
		period = make_period(*MARCH, reward_mode="Referee only")
		self.assertIsNone(period.referrer_offer)


class TestReferralCode(ReferralTestCase):
	def test_new_codes_are_typo_proof_and_unique_per_customer_company(self):
		_customer, code = make_referrer()
		self.assertTrue(codes.is_valid_canonical(code.referral_code))
		self.assertEqual(code.rl_display_code, codes.display(code.referral_code))
		self.assertEqual(code.rl_usage, "0 used")
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(
				{"doctype": "Referral Code", "customer": code.customer, "company": COMPANY}
			).insert()
		self.assertEqual(frappe.db.get_value("Customer", code.customer, "rl_referral_code"), code.name)

	def test_legacy_posawesome_codes_keep_working(self):
		referrer = make_customer()
		legacy = frappe.get_doc(
			{
				"doctype": "Referral Code",
				"customer": referrer.name,
				"company": COMPANY,
				"referral_code": "ab12cd34ef",
			}
		).insert()
		self.assertEqual(legacy.referral_code, "AB12CD34EF")
		with self.on("2026-03-05"):
			make_period(*MARCH)
			referee = make_customer(code="ab12cd34ef")
		self.assertEqual(referral_of(referee.name).status, "Pending")


class TestEnrolment(ReferralTestCase):
	def enrol(self, code, day="2026-03-05", **kw):
		with self.on(day):
			return make_customer(code=code, **kw)

	def test_typed_code_is_normalised_and_referee_coupon_issued(self):
		make_period(*MARCH)
		referrer, code = make_referrer()
		typed = codes.display(code.referral_code).lower().replace("1", "l").replace("0", "o")
		referee = self.enrol(f" {typed} ")
		self.assertEqual(referee.posa_referral_code, code.referral_code)
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.referrer, referral.source), ("Pending", referrer.name, "Desk")
		)
		self.assertEqual(str(referral.qualify_by), "2026-04-04")
		coupon = frappe.get_doc("POS Coupon", referral.referee_coupon)
		self.assertEqual(
			(coupon.customer, coupon.pos_offer, coupon.coupon_type, coupon.maximum_use),
			(referee.name, REFEREE_OFFER, "Gift Card", 1),
		)
		self.assertIsNone(referral.referrer_coupon)
		# POS Awesome's immediate double-coupon path never fired: only our one coupon exists
		self.assertEqual(frappe.db.count("POS Coupon", {"referral_code": code.name}), 1)
		self.assertEqual(frappe.db.get_value("Customer", referee.name, "rl_referral"), referral.name)

	def test_hard_errors_save_nothing(self):
		make_period(*MARCH)
		_referrer, code = make_referrer()
		_other_referrer, other_code = make_referrer(company=OTHER_COMPANY)
		body = code.referral_code
		typo = body[:3] + ("X" if body[3] != "X" else "Y") + body[4:]
		_disabled_ref, disabled = make_referrer()
		disabled.db_set("disabled", 1)
		before = frappe.db.count("Customer"), frappe.db.count("Referral")
		for bad, exc in (
			(typo, InvalidReferralCode),
			("NOPE-NOPE-Z", InvalidReferralCode),
			("ZZZZZZZZZZ", InvalidReferralCode),
			(disabled.referral_code, InvalidReferralCode),
			("'; DROP TABLE `tabCustomer`; --", InvalidReferralCode),
			("x" * 10_000, InvalidReferralCode),
			("كود-١٢٣", InvalidReferralCode),
		):
			with self.assertRaises(exc, msg=bad):
				self.enrol(bad)
		with self.assertRaises(InvalidReferralCode):
			self.enrol(other_code.referral_code)  # other company's code for this company's customer
		self.assertEqual((frappe.db.count("Customer"), frappe.db.count("Referral")), before)

	def test_rejections_save_customer_and_referral_with_reason(self):
		make_period(*MARCH)
		referrer, code = make_referrer(mobile="+1 555 000 1111", email="ann@example.com")
		dup = self.enrol(code.referral_code, mobile="555-000-1111")
		self.assertEqual(
			(referral_of(dup.name).status, referral_of(dup.name).reason), ("Rejected", "DUPLICATE_IDENTITY")
		)
		self.assertIsNone(referral_of(dup.name).referee_coupon)

		first = self.enrol(code.referral_code, email="bob@example.com")
		again = self.enrol(code.referral_code, email="Bob+x@Example.com")
		self.assertEqual(referral_of(first.name).status, "Pending")
		self.assertEqual(referral_of(again.name).reason, "DUPLICATE_IDENTITY")
		# an earlier referee's mobile typed another way (the shop is in the United States)
		first_mobile = self.enrol(code.referral_code, mobile="+1 (415) 555-0134")
		again_mobile = self.enrol(code.referral_code, mobile="415.555.0134")
		self.assertEqual(referral_of(first_mobile.name).status, "Pending")
		self.assertEqual(referral_of(again_mobile.name).reason, "DUPLICATE_IDENTITY")

		# self-referral: the referrer edits their own record to use their code
		with self.on("2026-03-05"):
			referrer.reload()
			referrer.posa_referral_code = code.referral_code
			referrer.posa_referral_company = COMPANY
			referrer.save()
		self.assertEqual(referral_of(referrer.name).reason, "SELF_REFERRAL")

		# existing customer who has bought before
		buyer = make_customer()
		with self.on("2026-03-02"):
			make_invoice(buyer.name, 100, "2026-03-02")
		with self.on("2026-03-05"):
			buyer.reload()
			buyer.posa_referral_code = code.referral_code
			buyer.posa_referral_company = COMPANY
			buyer.save()
		self.assertEqual(referral_of(buyer.name).reason, "EXISTING_CUSTOMER")

	def test_already_referred_keeps_the_first_referral(self):
		make_period(*MARCH)
		_r1, code1 = make_referrer()
		_r2, code2 = make_referrer()
		referee = self.enrol(code1.referral_code)
		first = referral_of(referee.name)
		with self.on("2026-03-06"):
			referee.reload()
			referee.posa_referral_code = code2.referral_code
			referee.save()
			self.assertEqual(frappe.flags.rl_last_enrolment.reason, "ALREADY_REFERRED")
		self.assertEqual(frappe.db.count("Referral", {"referee": referee.name}), 1)
		self.assertEqual(referral_of(referee.name).name, first.name)

	def test_no_active_period_unless_code_has_own_offers(self):
		_r, code = make_referrer()
		referee = self.enrol(code.referral_code)
		self.assertEqual(referral_of(referee.name).reason, "NO_ACTIVE_PERIOD")
		_r2, influencer = make_referrer()
		influencer.customer_offer = INFLUENCER_OFFER
		influencer.save()
		fan = self.enrol(influencer.referral_code)
		referral = referral_of(fan.name)
		self.assertEqual(referral.status, "Pending")
		self.assertEqual(
			frappe.db.get_value("POS Coupon", referral.referee_coupon, "pos_offer"), INFLUENCER_OFFER
		)

	def test_code_offers_override_period_offers(self):
		make_period(*MARCH)
		_r, code = make_referrer()
		code.customer_offer = INFLUENCER_OFFER
		code.rl_own_offers = 1  # an influencer's code: its offers replace the period's
		code.save()
		referee = self.enrol(code.referral_code)
		self.assertEqual(
			frappe.db.get_value("POS Coupon", referral_of(referee.name).referee_coupon, "pos_offer"),
			INFLUENCER_OFFER,
		)

	def test_usage_limit_at_enrolment(self):
		make_period(*MARCH, qualification="On enrolment")
		_r, code = make_referrer(usage_limit=1)
		first = self.enrol(code.referral_code)
		self.assertEqual(referral_of(first.name).status, "Qualified")
		second = self.enrol(code.referral_code)
		self.assertEqual(referral_of(second.name).reason, "CODE_USAGE_LIMIT_REACHED")
		code.reload()
		self.assertEqual(code.rl_usage, "1 of 1 used")


class TestRewardModes(ReferralTestCase):
	def run_mode(self, mode, qualification):
		make_period(*MARCH, reward_mode=mode, qualification=qualification)
		referrer, code = make_referrer()
		with self.on("2026-03-05"):
			referee = make_customer(code=code.referral_code)
			if qualification == "On first purchase":
				make_invoice(referee.name, 80, "2026-03-05")
		return referrer, referral_of(referee.name)

	def test_double_sided_on_first_purchase(self):
		referrer, referral = self.run_mode("Double-sided", "On first purchase")
		self.assertEqual(referral.status, "Qualified")
		self.assertTrue(referral.referee_coupon and referral.referrer_coupon)
		coupon = frappe.get_doc("POS Coupon", referral.referrer_coupon)
		self.assertEqual((coupon.customer, coupon.pos_offer), (referrer.name, REFERRER_OFFER))
		self.assertEqual(referral.referrer_reward_status, "Issued")

	def test_referrer_only_on_enrolment(self):
		_referrer, referral = self.run_mode("Referrer only", "On enrolment")
		self.assertEqual(referral.status, "Qualified")
		self.assertIsNone(referral.referee_coupon)
		self.assertTrue(referral.referrer_coupon)

	def test_referee_only_on_first_purchase(self):
		_referrer, referral = self.run_mode("Referee only", "On first purchase")
		self.assertEqual(referral.status, "Qualified")
		self.assertTrue(referral.referee_coupon)
		self.assertIsNone(referral.referrer_coupon)

	def test_double_sided_on_enrolment(self):
		_referrer, referral = self.run_mode("Double-sided", "On enrolment")
		self.assertEqual(referral.status, "Qualified")
		self.assertTrue(referral.referee_coupon and referral.referrer_coupon)


class TestQualification(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.march = make_period(*MARCH, title="March")
		self.referrer, self.code = make_referrer()

	def enrol(self, day="2026-03-05"):
		with self.on(day):
			return make_customer(code=self.code.referral_code)

	def buy(self, customer, amount, day, **kw):
		with self.on(day):
			return make_invoice(customer.name, amount, day, **kw)

	def test_below_minimum_stays_pending_then_qualifies(self):
		referee = self.enrol()
		self.buy(referee, 49, "2026-03-06")
		self.assertEqual(referral_of(referee.name).status, "Pending")
		inv = self.buy(referee, 50, "2026-03-07")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.qualifying_invoice, referral.referral_period),
			("Qualified", inv.name, self.march.name),
		)
		self.assertEqual(str(referral.qualified_on), "2026-03-07")

	def test_a_crediting_is_in_the_referrals_history_and_fires_value_change_notifications(self):
		frappe.get_doc(
			{
				"doctype": "Notification",
				"name": "RL Test Status Changed",
				"subject": "Referral {{ doc.name }} is {{ doc.status }}",
				"document_type": "Referral",
				"event": "Value Change",
				"value_changed": "status",
				"channel": "System Notification",
				"recipients": [{"receiver_by_role": "System Manager"}],
				"enabled": 1,
			}
		).insert(ignore_permissions=True)
		# after the test's rollback: the Desk's cache of the doctype's notifications
		self.addCleanup(frappe.cache.hdel, "notifications", "Referral")
		referee = self.enrol()
		referral = referral_of(referee.name)
		self.buy(referee, 100, "2026-03-06")
		history = frappe.get_all(
			"Version", {"ref_doctype": "Referral", "docname": referral.name}, pluck="data"
		)
		changed = [json.loads(data)["changed"] for data in history]
		self.assertIn(["status", "Pending", "Qualified"], [c for rows in changed for c in rows])
		self.assertTrue(
			frappe.db.exists(
				"Notification Log",
				{
					"document_type": "Referral",
					"document_name": referral.name,
					"subject": f"Referral {referral.name} is Qualified",
				},
			),
			"the status change did not reach the shop's Value Change notification",
		)

	def test_minimum_is_net_of_discounts_before_tax(self):
		referee = self.enrol()
		self.buy(referee, 60, "2026-03-06", additional_discount_percentage=20)  # net 48
		self.assertEqual(referral_of(referee.name).status, "Pending")

	def test_enrol_in_one_period_buy_in_the_next_is_credited_to_the_next(self):
		april = make_period(*APRIL, title="April")
		referee = self.enrol("2026-03-25")
		self.buy(referee, 100, "2026-04-02")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.enrolment_period, referral.referral_period),
			("Qualified", self.march.name, april.name),
		)
		# the sales ledger's row of the sale, written before the crediting, follows it to April
		self.assertEqual(self.ledger_periods(referee), [april.name])

	def ledger_periods(self, referee) -> list:
		return frappe.get_all(
			"Referral Sale Entry",
			filters={"customer": referee.name},
			pluck="referral_period",
			order_by="creation",
		)

	def test_a_sale_that_read_the_referral_before_its_crediting_follows_it_too(self):
		april = make_period(*APRIL, title="April")
		referee = self.enrol("2026-03-25")
		# a second till reads the referral while the first sale's crediting has not committed yet
		as_read_before = ledger.referral_of_referee(referee.name)
		self.buy(referee, 100, "2026-04-02")
		with self.on("2026-04-02"):
			second = make_invoice(referee.name, 100, "2026-04-02", submit=False)
			second.flags.rl_referral = as_read_before
			second.submit()
		self.assertEqual(as_read_before.referral_period, self.march.name)
		self.assertEqual(self.ledger_periods(referee), [april.name, april.name])

	def test_purchase_after_window_expires(self):
		referee = self.enrol("2026-03-01")
		self.buy(referee, 100, "2026-04-15")
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.reason), ("Expired", "QUALIFY_WINDOW_EXPIRED"))
		self.assertIsNone(referral.referrer_coupon)

	def test_cap_two_third_is_rejected_counts_exact(self):
		self.march.referrer_cap = 2
		self.march.save()
		referees = [self.enrol() for _ in range(3)]
		for referee in referees:
			self.buy(referee, 100, "2026-03-10")
		statuses = [(referral_of(r.name).status, referral_of(r.name).reason) for r in referees]
		self.assertEqual(
			statuses, [("Qualified", None), ("Qualified", None), ("Rejected", "REFERRER_CAP_REACHED")]
		)
		self.assertEqual(
			frappe.db.count("Referral", {"referrer": self.referrer.name, "status": "Qualified"}), 2
		)
		self.assertEqual(
			frappe.db.count("POS Coupon", {"customer": self.referrer.name, "rl_side": "Referrer"}), 2
		)
		self.code.reload()
		self.assertEqual(self.code.rl_usage, "2 used")

	def test_usage_limit_at_qualification(self):
		self.code.rl_usage_limit = 1
		self.code.save()
		a, b = self.enrol(), self.enrol()
		self.buy(a, 100, "2026-03-10")
		self.buy(b, 100, "2026-03-10")
		self.assertEqual(referral_of(b.name).reason, "CODE_USAGE_LIMIT_REACHED")

	def test_pos_invoice_qualifies_and_cancel_reverses(self):
		referee = self.enrol()
		with self.on("2026-03-08"):
			open_till()
			inv = make_invoice(
				referee.name,
				100,
				"2026-03-08",
				doctype="POS Invoice",
				pos_profile=POS_PROFILE,
				payments=[{"mode_of_payment": "Cash", "amount": 100}],
			)
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.qualifying_invoice_type, referral.qualifying_invoice),
			("Qualified", "POS Invoice", inv.name),
		)
		entry = {"invoice_type": "POS Invoice", "invoice": inv.name, "entry_type": "Referee Sale"}
		self.assertEqual(frappe.db.get_value("Referral Sale Entry", entry, "net_sales"), 100)
		inv.reload()
		inv.cancel()
		self.assertEqual(referral_of(referee.name).status, "Reversed")
		self.assertFalse(frappe.db.exists("Referral Sale Entry", entry))

	def test_replays_create_nothing_twice(self):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-10")
		referral = referral_of(referee.name)
		from referral_loyalty.events import invoice as invoice_events
		from referral_loyalty.services import enrolment

		with self.on("2026-03-10"):
			invoice_events.on_submit(inv)  # a re-run submit hook
			enrolment.enrol(frappe.get_doc("Customer", referee.name), self.code.referral_code)
			expire_pending_referrals()
		self.assertEqual(frappe.db.count("Referral", {"referee": referee.name}), 1)
		self.assertEqual(frappe.db.count("POS Coupon", {"rl_referral": referral.name}), 2)
		self.assertEqual(referral_of(referee.name).modified, referral.modified)


class TestReversalAndExpiry(ReferralTestCase):
	def setUp(self):
		super().setUp()
		make_period(*MARCH)
		self.referrer, self.code = make_referrer()
		with self.on("2026-03-05"):
			self.referee = make_customer(code=self.code.referral_code)
			self.invoice = make_invoice(self.referee.name, 100, "2026-03-05", qty=10)
		self.referral = referral_of(self.referee.name)
		self.assertEqual(self.referral.status, "Qualified")

	def test_cancel_reverses_and_withdraws_unused_coupon(self):
		self.invoice.reload()
		self.invoice.cancel()
		referral = referral_of(self.referee.name)
		self.assertEqual(
			(referral.status, referral.reason, referral.referrer_reward_status),
			("Reversed", "INVOICE_CANCELLED", "Withdrawn"),
		)
		coupon = frappe.get_doc("POS Coupon", referral.referrer_coupon)
		self.assertTrue(coupon.rl_withdrawn)
		from posawesome.posawesome.doctype.pos_coupon.pos_coupon import check_coupon_code

		self.assertIsNone(check_coupon_code(coupon.coupon_code, self.referrer.name, COMPANY)["coupon"])
		self.code.reload()
		self.assertEqual(self.code.rl_usage, "0 used")

	def test_cancel_after_referrer_used_coupon_records_redeemed(self):
		frappe.db.set_value("POS Coupon", self.referral.referrer_coupon, "used", 1)
		self.invoice.reload()
		self.invoice.cancel()
		referral = referral_of(self.referee.name)
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Reversed", "Redeemed"))
		self.assertFalse(frappe.db.get_value("POS Coupon", referral.referrer_coupon, "rl_withdrawn"))

	def test_partial_return_above_minimum_keeps_then_below_reverses(self):
		with self.on("2026-03-06"):
			make_return(self.invoice, 4)  # keeps 60 >= 50
		self.assertEqual(referral_of(self.referee.name).status, "Qualified")
		with self.on("2026-03-07"):
			make_return(self.invoice, 2)  # keeps 40 < 50
		referral = referral_of(self.referee.name)
		self.assertEqual((referral.status, referral.reason), ("Reversed", "RETURNED_BELOW_MINIMUM"))

	def test_expiry_job(self):
		_r, code = make_referrer()
		with self.on("2026-03-02"):
			idle = make_customer(code=code.referral_code)
		self.assertEqual(expire_pending_referrals("2026-04-01"), 0)  # window ends 2026-04-01 inclusive
		self.assertEqual(expire_pending_referrals("2026-04-02"), 1)
		self.assertEqual(expire_pending_referrals("2026-04-02"), 0)
		referral = referral_of(idle.name)
		self.assertEqual((referral.status, referral.reason), ("Expired", "QUALIFY_WINDOW_EXPIRED"))
		self.assertEqual(referral_of(self.referee.name).status, "Qualified")
