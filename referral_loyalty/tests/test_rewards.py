"""Rewards beyond one coupon: loyalty points ERPNext counts and redeems, the hold through the
return window, and milestone bonuses."""

import re

import frappe
from frappe.utils import add_days

from referral_loyalty.services import points, release
from referral_loyalty.tests.utils import (
	COMPANY,
	LOYALTY_PROGRAM,
	OTHER_COMPANY,
	REFEREE_OFFER,
	REFERRER_OFFER,
	ReferrerTestCase,
	ensure_loyalty_program,
	make_invoice,
	make_period,
	make_return,
	referral_of,
)

MARCH = ("2026-03-01", "2026-03-31")


class RewardTestCase(ReferrerTestCase):
	def setUp(self):
		super().setUp()
		self.program = ensure_loyalty_program()

	def balance(self, customer, day):
		with self.on(day):
			return points.balance(customer, COMPANY)


class TestPointsRewards(RewardTestCase):
	def setUp(self):
		super().setUp()
		make_period(
			*MARCH,
			referrer_reward_type="Loyalty Points",
			referrer_points=100,
			referee_reward_type="Loyalty Points",
			referee_points=40,
			loyalty_program=self.program,
		)

	def test_the_referrers_balance_grows_by_exactly_the_points_and_they_can_be_redeemed(self):
		before = self.balance(self.referrer.name, "2026-03-06")
		referee = self.enrol()
		self.assertEqual(self.balance(referee.name, "2026-03-05"), 40)  # the welcome points
		self.buy(referee, 100, "2026-03-06")
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Qualified", "Issued"))
		self.assertIsNone(referral.referrer_coupon)
		self.assertEqual(self.balance(self.referrer.name, "2026-03-06"), before + 100)

		entry = frappe.get_doc("Loyalty Point Entry", referral.referrer_points_entry)
		self.assertEqual(
			(entry.loyalty_points, entry.purchase_amount, entry.loyalty_program, entry.invoice_type),
			(100, 0, LOYALTY_PROGRAM, "Sales Invoice"),
		)
		self.assertEqual(str(entry.expiry_date), str(add_days(entry.posting_date, 365)))
		self.assertEqual(entry.loyalty_program_tier, "Bronze")
		self.assertEqual(
			frappe.db.get_value("Customer", self.referrer.name, "loyalty_program"), LOYALTY_PROGRAM
		)

		# ERPNext redeems them on a sale of the referrer (100 points x 0.5 = 50)
		with self.on("2026-03-07"):
			sale = make_invoice(
				self.referrer.name,
				120,
				"2026-03-07",
				redeem_loyalty_points=1,
				loyalty_points=100,
				loyalty_program=LOYALTY_PROGRAM,
			)
		self.assertEqual(sale.docstatus, 1)
		self.assertEqual(sale.loyalty_amount, 50)
		self.assertEqual(self.balance(self.referrer.name, "2026-03-07"), before)

	def test_reversal_takes_the_points_back(self):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		before_reward = self.balance(self.referrer.name, "2026-03-05")
		with self.on("2026-03-07"):
			inv.reload()
			inv.cancel()
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Reversed", "Withdrawn"))
		self.assertEqual(self.balance(self.referrer.name, "2026-03-07"), before_reward)

	def test_points_spent_are_recorded_redeemed_and_the_rest_taken_back_also_after_the_spend_is_cancelled(
		self,
	):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		with self.on("2026-03-07"):
			spend = make_invoice(
				self.referrer.name,
				120,
				"2026-03-07",
				redeem_loyalty_points=1,
				loyalty_points=60,
				loyalty_program=LOYALTY_PROGRAM,
			)
			inv.reload()
			inv.cancel()
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Redeemed")
		self.assertEqual(self.balance(self.referrer.name, "2026-03-07"), 0)  # 100 - 60 spent - 40 back
		# the spend cancelled: the reward of a reversed referral is not spendable again
		with self.on("2026-03-08"):
			spend.reload()
			spend.cancel()  # ERPNext gives the 60 points back
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Withdrawn")
		self.assertEqual(self.balance(self.referrer.name, "2026-03-08"), 0)
		entry = referral_of(referee.name).referrer_points_entry
		self.assertEqual(points.take_back(entry), "Withdrawn")  # again: nothing left to offset
		self.assertEqual(self.balance(self.referrer.name, "2026-03-08"), 0)

	def test_a_customer_of_another_program_of_the_company_gets_the_same_value_in_theirs(self):
		other = "RL Points x2"
		ensure_loyalty_program(other)
		frappe.db.set_value("Loyalty Program", other, "conversion_factor", 1.0)  # a point is worth 1
		frappe.db.set_value("Customer", self.referrer.name, "loyalty_program", other)
		referee = self.enrol()
		self.buy(referee, 100, "2026-03-06")
		entry = frappe.get_doc("Loyalty Point Entry", referral_of(referee.name).referrer_points_entry)
		self.assertEqual((entry.loyalty_program, entry.loyalty_points), (other, 50))  # 100 x 0.5 / 1.0


class TestHold(RewardTestCase):
	def setUp(self):
		super().setUp()
		make_period(*MARCH, reward_hold_days=14)

	def test_the_referrers_reward_waits_for_the_release_day(self):
		referee = self.enrol()
		self.buy(referee, 100, "2026-03-06")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.referrer_reward_status, str(referral.reward_release_on)),
			("Qualified", "Held", "2026-03-20"),
		)
		self.assertIsNone(referral.referrer_coupon)
		self.assertTrue(referral.referee_coupon)  # the new customer's reward never waits
		self.assertEqual(release.release_due("2026-03-19"), {"referrals": 0, "bonuses": 0, "failed": 0})
		with self.on("2026-03-20"):
			self.assertEqual(release.release_due("2026-03-20"), {"referrals": 1, "bonuses": 0, "failed": 0})
		referral = referral_of(referee.name)
		self.assertEqual(referral.referrer_reward_status, "Issued")
		self.assertEqual(
			frappe.db.get_value("POS Coupon", referral.referrer_coupon, "pos_offer"), REFERRER_OFFER
		)
		self.assertEqual(
			release.release_due("2026-03-21"), {"referrals": 0, "bonuses": 0, "failed": 0}
		)  # idempotent

	def test_one_failing_release_is_logged_and_the_others_are_paid(self):
		broken, fine = self.enrol(), self.enrol()
		for referee in (broken, fine):
			self.buy(referee, 100, "2026-03-06")
		broken_referral = referral_of(broken.name).name
		frappe.db.set_value("Referral", broken_referral, "referral_code", "RL-NO-SUCH-CODE")
		with self.on("2026-03-20"):
			self.assertEqual(release.release_due("2026-03-20"), {"referrals": 1, "bonuses": 0, "failed": 1})
		self.assertEqual(referral_of(fine.name).referrer_reward_status, "Issued")
		self.assertEqual(frappe.db.get_value("Referral", broken_referral, "referrer_reward_status"), "Held")
		self.assertTrue(
			frappe.db.exists(
				"Error Log", {"method": f"Referral reward release failed: Referral {broken_referral}"}
			)
		)

	def test_a_cancel_during_the_hold_means_nothing_is_ever_issued(self):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		with self.on("2026-03-10"):
			inv.reload()
			inv.cancel()
		with self.on("2026-03-20"):
			release.release_due("2026-03-20")
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Reversed", "Withdrawn"))
		self.assertIsNone(referral.referrer_coupon)
		self.assertEqual(
			frappe.db.count("POS Coupon", {"rl_referral": referral.name, "rl_side": "Referrer"}), 0
		)

	def test_a_return_under_the_minimum_during_the_hold_reverses(self):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06", qty=10)
		with self.on("2026-03-08"):
			make_return(inv, 6)
		self.assertEqual(referral_of(referee.name).status, "Reversed")


class TestMilestones(RewardTestCase):
	def setUp(self):
		super().setUp()
		self.period = make_period(
			*MARCH,
			loyalty_program=self.program,
			milestones=[
				{"qualified_referrals": 2, "reward_type": "Coupon", "offer": REFERRER_OFFER},
				{"qualified_referrals": 3, "reward_type": "Loyalty Points", "points": 500},
			],
		)

	def bonuses(self):
		return {
			b.milestone: b
			for b in frappe.get_all(
				"Referral Bonus",
				{"referrer": self.referrer.name},
				["milestone", "status", "coupon", "points_entry", "referral"],
			)
		}

	def test_bonuses_are_paid_once_when_the_count_reaches_them(self):
		referees = [self.enrol() for _ in range(4)]
		invoices = [self.buy(r, 100, "2026-03-06") for r in referees]
		bonuses = self.bonuses()
		self.assertEqual(set(bonuses), {2, 3})
		self.assertEqual(bonuses[2].status, "Issued")
		self.assertEqual(frappe.db.get_value("POS Coupon", bonuses[2].coupon, "rl_side"), "Bonus")
		self.assertEqual(bonuses[2].referral, referral_of(referees[1].name).name)  # traceable
		self.assertEqual(
			frappe.db.get_value("Loyalty Point Entry", bonuses[3].points_entry, "loyalty_points"), 500
		)
		self.assertEqual(bonuses[3].referral, referral_of(referees[2].name).name)

		# a reversal to 3 keeps both; to 2 takes the points bonus back
		for inv in invoices[:2]:
			with self.on("2026-03-08"):
				inv.reload()
				inv.cancel()
		bonuses = self.bonuses()
		self.assertEqual((bonuses[2].status, bonuses[3].status), ("Issued", "Withdrawn"))
		self.assertEqual(self.balance(self.referrer.name, "2026-03-08"), 0)
		# the coupon bonus used, then the count falls under 2: recorded as redeemed
		frappe.db.set_value("POS Coupon", bonuses[2].coupon, "used", 1)
		with self.on("2026-03-09"):
			invoices[2].reload()
			invoices[2].cancel()
		self.assertEqual(self.bonuses()[2].status, "Redeemed")
		# qualified again up to 3: the points bonus is paid again, once, on the same row
		more = [self.enrol("2026-03-10") for _ in range(2)]
		for referee in more:
			self.buy(referee, 100, "2026-03-11")
		bonuses = self.bonuses()
		self.assertEqual(bonuses[3].status, "Issued")
		self.assertEqual(frappe.db.count("Referral Bonus", {"referrer": self.referrer.name}), 2)

	def test_a_used_bonus_whose_milestone_was_lost_is_withdrawn_when_its_sale_is_cancelled(self):
		from referral_loyalty.tests.test_reports import redeem_grand_total

		referees = [self.enrol() for _ in range(2)]
		invoices = [self.buy(r, 100, "2026-03-06") for r in referees]
		coupon = self.bonuses()[2].coupon
		with self.on("2026-03-07"):
			used_on = redeem_grand_total(self.referrer.name, coupon, 100, 15, "2026-03-07")
		self.assertEqual(self.bonuses()[2].status, "Redeemed")
		with self.on("2026-03-08"):
			invoices[0].reload()
			invoices[0].cancel()  # one qualified referral left: under the milestone of 2
		self.assertEqual(self.bonuses()[2].status, "Redeemed")
		with self.on("2026-03-09"):
			used_on.reload()
			used_on.cancel()
		self.assertEqual(self.bonuses()[2].status, "Withdrawn")
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, ["used", "rl_withdrawn"]), (0, 1))

	def test_a_used_bonus_still_reached_is_issued_again_when_its_sale_is_cancelled(self):
		from referral_loyalty.tests.test_reports import redeem_grand_total

		for referee in [self.enrol() for _ in range(2)]:
			self.buy(referee, 100, "2026-03-06")
		coupon = self.bonuses()[2].coupon
		with self.on("2026-03-07"):
			used_on = redeem_grand_total(self.referrer.name, coupon, 100, 15, "2026-03-07")
		with self.on("2026-03-09"):
			used_on.reload()
			used_on.cancel()
		self.assertEqual(self.bonuses()[2].status, "Issued")
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, ["used", "rl_withdrawn"]), (0, 0))

	def test_a_bonus_reached_during_a_hold_waits_with_the_referral(self):
		self.period.db_set("reward_hold_days", 10)
		referees = [self.enrol() for _ in range(2)]
		for referee in referees:
			self.buy(referee, 100, "2026-03-06")
		bonus = self.bonuses()[2]
		self.assertEqual(bonus.status, "Held")
		with self.on("2026-03-16"):
			self.assertEqual(release.release_due("2026-03-16"), {"referrals": 2, "bonuses": 1, "failed": 0})
		self.assertEqual(self.bonuses()[2].status, "Issued")


class TestPeriodValidation(RewardTestCase):
	def test_points_need_their_program_and_points(self):
		with self.assertRaises(frappe.ValidationError):
			make_period(*MARCH, referrer_reward_type="Loyalty Points", referrer_points=100)
		with self.assertRaises(frappe.ValidationError):
			make_period(*MARCH, referrer_reward_type="Loyalty Points", loyalty_program=self.program)
		with self.assertRaises(frappe.ValidationError):
			make_period(
				*MARCH,
				milestones=[{"qualified_referrals": 0, "reward_type": "Coupon", "offer": REFERRER_OFFER}],
			)
		with self.assertRaises(frappe.ValidationError):
			make_period(
				*MARCH,
				milestones=[
					{"qualified_referrals": 2, "reward_type": "Coupon", "offer": REFERRER_OFFER},
					{"qualified_referrals": 2, "reward_type": "Coupon", "offer": REFERRER_OFFER},
				],
			)
		period = make_period(
			*MARCH, referrer_reward_type="Loyalty Points", referrer_points=100, loyalty_program=self.program
		)
		self.assertIsNone(period.referrer_offer)  # a side paid in points needs no offer


class TestTillShowsRewards(RewardTestCase):
	def test_the_live_check_and_the_chip_show_points_and_the_next_bonus(self):
		from referral_loyalty.api import referrals
		from referral_loyalty.services import ratelimit, sharing

		make_period(
			*MARCH,
			referee_reward_type="Loyalty Points",
			referee_points=40,
			loyalty_program=self.program,
			milestones=[{"qualified_referrals": 3, "reward_type": "Coupon", "offer": REFERRER_OFFER}],
		)
		ratelimit.reset("referral_loyalty.api.referrals.check_code")
		with self.on("2026-03-05"):
			check = referrals.check_code(self.code.referral_code, COMPANY)
		self.assertEqual(check["new_customer_gets"], "The new customer gets 40 loyalty points.")
		referee = self.enrol()
		self.buy(referee, 100, "2026-03-06")
		with self.on("2026-03-06"):
			referrer_chip = sharing.referral_summary(self.referrer.name, COMPANY)
			referee_chip = sharing.referral_summary(referee.name, COMPANY)
		self.assertEqual(
			(referrer_chip["next_bonus_in"], referrer_chip["next_bonus_label"]),
			(2, "2 more friends for a bonus"),
		)
		self.assertEqual((referee_chip["points"], referee_chip["points_label"]), (40, "40 loyalty points"))

	def test_a_coupon_reward_is_named_in_the_live_check(self):
		from referral_loyalty.api import referrals
		from referral_loyalty.services import ratelimit

		make_period(*MARCH)
		ratelimit.reset("referral_loyalty.api.referrals.check_code")
		with self.on("2026-03-05"):
			check = referrals.check_code(self.code.referral_code, COMPANY)
		self.assertTrue(check["new_customer_gets"].startswith("The new customer gets a welcome coupon"))


class TestRewardCouponsFollowTheirOffer(ReferrerTestCase):
	"""A reward coupon is checked against its offer as the offer is now (POS Awesome's checks, read
	from the cached offer): a change of the offer reaches the next coupon issued."""

	def setUp(self):
		super().setUp()
		make_period(*MARCH)
		self.enrol()  # the offer is read, and cached, once
		self.addCleanup(frappe.clear_document_cache, "POS Offer", REFEREE_OFFER)

	def test_the_coupon_ends_when_its_offer_ends(self):
		frappe.get_doc("POS Offer", REFEREE_OFFER).db_set("valid_upto", "2026-03-20")
		referee = self.enrol("2026-03-06")
		referral = referral_of(referee.name)
		self.assertEqual(str(referral.qualify_by), "2026-04-05")
		self.assertEqual(
			str(frappe.db.get_value("POS Coupon", referral.referee_coupon, "valid_upto")), "2026-03-20"
		)

	def test_an_offer_changed_since_is_refused_with_pos_awesomes_message(self):
		for field, value, message in (
			("disable", 1, "POS Offer is disable."),
			("coupon_based", 0, "Please select Coupon Code Based POS Offer."),
			("company", OTHER_COMPANY, "Please select the correct POS Offer with the same company."),
		):
			with self.subTest(field=field):
				frappe.db.savepoint("rl_offer_change")
				frappe.db.set_value("POS Offer", REFEREE_OFFER, field, value)
				with self.assertRaisesRegex(frappe.ValidationError, re.escape(message)):
					self.enrol("2026-03-06", name=f"RL Refused {field}")
				frappe.db.rollback(save_point="rl_offer_change")
				frappe.clear_document_cache("POS Offer", REFEREE_OFFER)
		self.assertEqual(referral_of(self.enrol("2026-03-07").name).status, "Pending")  # as it was
