"""The review queue (velocity, staff, same cashier), a manager's approve and reject, and linking
a referrer after the fact."""

import frappe

from referral_loyalty.api import referrals as api
from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.services import review
from referral_loyalty.tests.utils import (
	COMPANY,
	ReferralTestCase,
	delete_periods,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	referral_of,
)

MARCH = ("2026-03-01", "2026-03-31")


def ensure_user(email: str, *roles: str) -> str:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", email).add_roles(*roles)
	return email


class ReviewTestCase(ReferralTestCase):
	def setUp(self):
		super().setUp()
		review.clear_staff_contacts()
		self.manager = ensure_user("rl-review-manager@example.com", "Sales Manager", "Sales User")
		self.cashier = ensure_user("rl-review-cashier@example.com", "Sales User", "Accounts User")

	def tearDown(self):
		review.clear_staff_contacts()
		super().tearDown()

	def enrol(self, code, day="2026-03-05", **kw):
		with self.on(day):
			return make_customer(code=code.referral_code, **kw)


class TestSignals(ReviewTestCase):
	def test_velocity_holds_enrolments_over_the_daily_threshold(self):
		make_period(*MARCH, review_enrolments_per_day=2)
		_referrer, code = make_referrer()
		first, second, third = (self.enrol(code) for _ in range(3))
		self.assertEqual([referral_of(c.name).status for c in (first, second)], ["Pending", "Pending"])
		held = referral_of(third.name)
		self.assertEqual((held.status, held.reason), ("Under Review", "VELOCITY"))
		self.assertTrue(held.referee_coupon)  # the customer at the till gets their reward anyway
		self.assertEqual(referral_of(self.enrol(code, "2026-03-06").name).status, "Pending")  # a new day

	def test_employee_referrals_follow_the_periods_policy(self):
		frappe.get_doc(
			{
				"doctype": "Employee",
				"first_name": "Staff",
				"last_name": "Member",
				"gender": "Female",
				"date_of_birth": "1990-01-01",
				"date_of_joining": "2024-01-01",
				"company": COMPANY,
				"status": "Active",
				"cell_number": "+1 415 555 0199",
			}
		).insert(ignore_permissions=True)
		review.clear_staff_contacts()
		for policy, status in (("Review", "Under Review"), ("Reject", "Rejected"), ("Allow", "Pending")):
			delete_periods({"company": COMPANY})
			make_period(*MARCH, employee_referrals=policy)
			_referrer, code = make_referrer()
			referee = self.enrol(code, mobile="(415) 555-0199")  # the employee, typed another way
			referral = referral_of(referee.name)
			self.assertEqual(referral.status, status, policy)
			if policy != "Allow":
				self.assertEqual(referral.reason, "EMPLOYEE_REFERRAL")
		# a Desk user's e-mail counts too
		delete_periods({"company": COMPANY})
		make_period(*MARCH)
		staff_user = ensure_user("rl-desk-staff@example.com", "Sales User")
		referee = self.enrol(code, email=staff_user)
		self.assertEqual(referral_of(referee.name).reason, "EMPLOYEE_REFERRAL")

	def test_same_cashier_created_the_referrer_within_a_day(self):
		make_period(*MARCH)
		frappe.set_user(self.cashier)
		with self.on("2026-03-05"):
			referrer = make_customer()
			code = frappe.get_doc(
				{"doctype": "Referral Code", "customer": referrer.name, "company": COMPANY}
			).insert(ignore_permissions=True)
			referee = make_customer(code=code.referral_code)
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.reason, referral.enrolled_by),
			("Under Review", "SAME_CASHIER", self.cashier),
		)
		frappe.set_user("Administrator")
		other = self.enrol(code)  # another user enrols the next one
		self.assertEqual(referral_of(other.name).status, "Pending")


class TestDecisions(ReviewTestCase):
	def held_referral(self, **period):
		make_period(*MARCH, review_enrolments_per_day=1, **period)
		referrer, code = make_referrer()
		self.enrol(code)
		referee = self.enrol(code)
		self.assertEqual(referral_of(referee.name).status, "Under Review")
		return referrer, code, referee

	def test_a_sale_under_review_waits_and_approval_credits_it_at_once(self):
		_referrer, _code, referee = self.held_referral()
		with self.on("2026-03-06"):
			inv = make_invoice(referee.name, 100, "2026-03-06")
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.referrer_coupon), ("Under Review", None))
		frappe.set_user(self.manager)
		with self.on("2026-03-07"):
			out = api.approve_referral(referral.name, note="Checked with the shop")
		self.assertEqual(out["status"], "Qualified")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.qualifying_invoice, referral.decided_by, referral.decision_note),
			(inv.name, self.manager, "Checked with the shop"),
		)
		self.assertTrue(referral.referrer_coupon)

	def test_a_later_or_late_sale_never_replaces_a_kept_sale_that_still_qualifies(self):
		_referrer, _code, referee = self.held_referral()
		qualify_by = referral_of(referee.name).qualify_by
		with self.on("2026-03-06"):
			first = make_invoice(referee.name, 100, "2026-03-06")
		with self.on("2026-03-07"):
			make_invoice(referee.name, 100, "2026-03-07")
		late_day = str(frappe.utils.add_days(qualify_by, 3))
		with self.on(late_day):
			make_invoice(referee.name, 100, late_day)
		self.assertEqual(referral_of(referee.name).qualifying_invoice, first.name)
		frappe.set_user(self.manager)
		with self.on(late_day):
			self.assertEqual(api.approve_referral(referral_of(referee.name).name)["status"], "Qualified")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.qualifying_invoice, str(referral.qualified_on)), (first.name, "2026-03-06")
		)

	def test_a_kept_sale_cancelled_since_is_replaced_by_the_next_that_qualifies(self):
		_referrer, _code, referee = self.held_referral()
		with self.on("2026-03-06"):
			first = make_invoice(referee.name, 100, "2026-03-06")
		with self.on("2026-03-07"):
			first.reload()
			first.cancel()
			second = make_invoice(referee.name, 100, "2026-03-07")
		self.assertEqual(referral_of(referee.name).qualifying_invoice, second.name)
		frappe.set_user(self.manager)
		with self.on("2026-03-08"):
			self.assertEqual(api.approve_referral(referral_of(referee.name).name)["status"], "Qualified")
		self.assertEqual(referral_of(referee.name).qualifying_invoice, second.name)

	def test_approval_in_a_period_that_qualifies_on_enrolment_credits_the_enrolment_not_a_sale(self):
		_referrer, _code, referee = self.held_referral(qualification="On enrolment")
		with self.on("2026-03-06"):
			inv = make_invoice(referee.name, 100, "2026-03-06")
		frappe.set_user(self.manager)
		with self.on("2026-03-07"):
			self.assertEqual(api.approve_referral(referral_of(referee.name).name)["status"], "Qualified")
		frappe.set_user("Administrator")
		referral = referral_of(referee.name)
		self.assertEqual((referral.qualifying_invoice, bool(referral.referrer_coupon)), (None, True))
		with self.on("2026-03-08"):
			inv.reload()
			inv.cancel()  # not its qualifying sale: the referral needs none
		self.assertEqual(referral_of(referee.name).status, "Qualified")

	def test_approval_without_a_sale_continues_as_pending(self):
		_referrer, _code, referee = self.held_referral()
		frappe.set_user(self.manager)
		self.assertEqual(api.approve_referral(referral_of(referee.name).name)["status"], "Pending")
		with self.on("2026-03-08"):
			make_invoice(referee.name, 100, "2026-03-08")
		self.assertEqual(referral_of(referee.name).status, "Qualified")

	def test_reject_under_review_and_who_may_decide(self):
		_referrer, _code, referee = self.held_referral()
		name = referral_of(referee.name).name
		frappe.set_user(self.cashier)
		with self.assertRaises(ReferralNotAllowed):
			api.approve_referral(name)
		with self.assertRaises(ReferralNotAllowed):
			api.reject_referral(name, "no")
		frappe.set_user(self.manager)
		api.reject_referral(name, "Family of the referrer")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.reason, referral.decided_by, referral.decision_note),
			("Rejected", "MANUALLY_REJECTED", self.manager, "Family of the referrer"),
		)
		self.assertTrue(frappe.db.get_value("POS Coupon", referral.referee_coupon, "rl_withdrawn"))
		with self.assertRaises(frappe.ValidationError):
			api.approve_referral(name)  # only a referral under review


class TestLinkReferrer(ReviewTestCase):
	def test_a_sale_since_the_customers_creation_qualifies_the_link_at_once(self):
		make_period(*MARCH, link_within_days=14)
		referrer, code = make_referrer()
		with self.on("2026-03-05"):
			customer = make_customer()
		with self.on("2026-03-06"):
			inv = make_invoice(customer.name, 100, "2026-03-06")
		frappe.set_user(self.manager)
		with self.on("2026-03-10"):
			out = api.link_referrer(customer.name, code.referral_code, note="Named Ann at the till")
		referral = referral_of(customer.name)
		self.assertEqual(
			(out["status"], referral.status, referral.source, referral.qualifying_invoice, referral.referrer),
			("Pending", "Qualified", "Linked", inv.name, referrer.name),
		)
		self.assertEqual(
			(referral.decided_by, referral.decision_note), (self.manager, "Named Ann at the till")
		)
		self.assertEqual(
			frappe.db.get_value("Customer", customer.name, "posa_referral_code"), code.referral_code
		)

	def test_linking_has_a_window_a_role_and_happens_once(self):
		make_period(*MARCH, link_within_days=3)
		_referrer, code = make_referrer()
		with self.on("2026-03-05"):
			customer = make_customer()
		frappe.set_user(self.cashier)
		with self.assertRaises(frappe.PermissionError):
			api.link_referrer(customer.name, code.referral_code)
		frappe.set_user(self.manager)
		with self.on("2026-03-09"), self.assertRaises(frappe.ValidationError):
			api.link_referrer(customer.name, code.referral_code)
		with self.on("2026-03-07"):
			api.link_referrer(customer.name, code.referral_code)
			with self.assertRaises(frappe.ValidationError):
				api.link_referrer(customer.name, code.referral_code)
		self.assertEqual(frappe.db.count("Referral", {"referee": customer.name}), 1)
