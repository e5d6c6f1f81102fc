"""The ledger holds under late, stale and hostile input (the parts that need no second process;
tests/test_faults.py and tests/test_concurrency.py run real processes)."""

import frappe

from referral_loyalty.exceptions import DuplicateReferralCode, LedgerLocked, WithdrawnCoupon
from referral_loyalty.services import codes as code_service
from referral_loyalty.services import expiry, outbox, ratelimit
from referral_loyalty.tests.utils import (
	COMPANY,
	INFLUENCER_OFFER,
	OTHER_COMPANY,
	REFEREE_OFFER,
	REFERRER_OFFER,
	ReferralTestCase,
	ReferrerTestCase,
	delete_periods,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	make_return,
	referral_of,
)

MARCH = ("2026-03-01", "2026-03-31")


class CreditTestCase(ReferrerTestCase):
	def setUp(self):
		super().setUp()
		self.period = make_period(*MARCH, title="March")

	def deferred(self):
		"""Sales made while crediting waits for after the commit (as at a real till); returns a
		function that runs the queued crediting the way the sweep would, in this transaction."""
		frappe.flags.rl_inline = False

		def run_queue():
			frappe.flags.rl_inline = True
			rows = frappe.get_all(
				"Referral Outbox", {"status": "Queued"}, ["name", "referral"], order_by="creation asc"
			)
			for row in rows:
				code = frappe.db.get_value("Referral", row.referral, "referral_code")
				outbox.process(row.name, row.referral, code)
			return rows

		return run_queue


class TestOutbox(CreditTestCase):
	def test_the_sale_writes_its_intent_and_the_credit_marks_it_done(self):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		row = frappe.get_all("Referral Outbox", {"invoice": inv.name}, ["status", "outcome", "referral"])
		self.assertEqual(len(row), 1)
		self.assertEqual((row[0].status, row[0].outcome), ("Done", "qualified"))
		self.assertEqual(referral_of(referee.name).status, "Qualified")

	def test_a_sale_of_a_customer_without_a_referral_writes_nothing(self):
		customer = make_customer()
		inv = self.buy(customer, 100, "2026-03-06")
		self.assertFalse(frappe.db.exists("Referral Outbox", {"invoice": inv.name}))

	def test_processing_twice_credits_once(self):
		run_queue = self.deferred()
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		row = frappe.db.get_value(
			"Referral Outbox", {"invoice": inv.name}, ["name", "referral"], as_dict=True
		)
		run_queue()
		self.assertEqual(outbox.process(row.name, row.referral, self.code.name), "done already")
		self.assertEqual(
			frappe.db.count("POS Coupon", {"rl_referral": row.referral, "rl_side": "Referrer"}), 1
		)
		self.assertEqual(frappe.db.get_value("Referral Outbox", row.name, "attempts"), 1)


class TestLateCrediting(CreditTestCase):
	"""Whenever the credit runs after the sale, it re-reads the sale under the lock."""

	def test_a_sale_cancelled_before_its_credit_lands_is_never_rewarded(self):
		run_queue = self.deferred()
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		with self.on("2026-03-06"):
			inv.reload()
			inv.cancel()
		run_queue()
		referral = referral_of(referee.name)
		self.assertEqual(referral.status, "Pending")
		self.assertIsNone(referral.referrer_coupon)
		self.assertEqual(
			frappe.db.get_value("Referral Outbox", {"invoice": inv.name}, "outcome"),
			"no credit: the sale was cancelled",
		)

	def test_a_sale_returned_under_the_minimum_before_its_credit_lands_is_not_rewarded(self):
		run_queue = self.deferred()
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06", qty=10)
		with self.on("2026-03-06"):
			make_return(inv, 6)  # keeps 40 < 50
		run_queue()
		self.assertEqual(referral_of(referee.name).status, "Pending")

	def test_a_credit_that_landed_after_the_cancel_began_is_still_reversed(self):
		run_queue = self.deferred()
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		run_queue()  # credited
		with self.on("2026-03-07"):
			inv.reload()
			inv.cancel()
		self.assertEqual(referral_of(referee.name).status, "Reversed")

	def test_only_sales_of_the_referrals_company_count(self):
		referee = self.enrol()
		other = self.buy(referee, 500, "2026-03-06", company=OTHER_COMPANY)
		self.assertFalse(frappe.db.exists("Referral Outbox", {"invoice": other.name}))
		self.assertEqual(referral_of(referee.name).status, "Pending")
		self.buy(referee, 100, "2026-03-07")
		self.assertEqual(referral_of(referee.name).status, "Qualified")

	def test_a_late_synced_sale_dated_inside_the_window_qualifies_an_expired_referral(self):
		referee = self.enrol("2026-03-01")  # window to 2026-03-31
		with self.on("2026-04-02"):
			self.assertEqual(expiry.expire_pending_referrals("2026-04-02"), 1)
		self.assertEqual(referral_of(referee.name).status, "Expired")
		with self.on("2026-04-03"):  # an offline till syncs a sale of 20 March
			inv = make_invoice(referee.name, 100, "2026-03-20")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.reason, referral.qualifying_invoice, str(referral.qualified_on)),
			("Qualified", None, inv.name, "2026-03-20"),
		)
		self.assertTrue(referral.referrer_coupon)

	def test_a_sale_dated_after_the_window_leaves_an_expired_referral_expired(self):
		referee = self.enrol("2026-03-01")
		expiry.expire_pending_referrals("2026-04-02")
		inv = self.buy(referee, 100, "2026-04-03")
		self.assertFalse(frappe.db.exists("Referral Outbox", {"invoice": inv.name}))
		self.assertEqual(referral_of(referee.name).status, "Expired")


class TestWithdrawnCoupons(CreditTestCase):
	def coupon_line(self, coupon):
		row = frappe.db.get_value("POS Coupon", coupon, ["name", "coupon_code", "pos_offer"], as_dict=True)
		return {"coupon": row.name, "coupon_code": row.coupon_code, "pos_offer": row.pos_offer, "applied": 1}

	def test_a_withdrawn_reward_coupon_is_refused_at_submit(self):
		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		referral = referral_of(referee.name)
		with self.on("2026-03-07"):
			inv.reload()
			inv.cancel()
		self.assertTrue(frappe.db.get_value("POS Coupon", referral.referrer_coupon, "rl_withdrawn"))
		for doctype in ("Sales Invoice", "POS Invoice"):
			kw = {"posa_coupons": [self.coupon_line(referral.referrer_coupon)]}
			if doctype == "POS Invoice":
				from referral_loyalty.tests.utils import POS_PROFILE, open_till

				with self.on("2026-03-08"):
					open_till()
				kw.update(pos_profile=POS_PROFILE, payments=[{"mode_of_payment": "Cash", "amount": 100}])
			with self.on("2026-03-08"):
				draft = make_invoice(
					self.referrer.name, 100, "2026-03-08", doctype=doctype, submit=False, **kw
				)
				with self.assertRaises(WithdrawnCoupon):
					draft.submit()
			self.assertEqual(frappe.db.get_value(doctype, draft.name, "docstatus"), 0)
		self.assertEqual(frappe.db.get_value("POS Coupon", referral.referrer_coupon, "used"), 0)

	def test_a_used_reward_whose_referral_was_reversed_is_withdrawn_when_its_sale_is_cancelled(self):
		"""Used, then its referral reversed: recorded Redeemed. Cancelling the sale that used it
		gives the coupon back to POS Awesome's count; the reward is taken back then, not issued
		again, and the coupon is refused from then on."""
		from referral_loyalty.tests.test_reports import redeem_grand_total

		referee = self.enrol()
		inv = self.buy(referee, 100, "2026-03-06")
		coupon = referral_of(referee.name).referrer_coupon
		with self.on("2026-03-07"):
			used_on = redeem_grand_total(self.referrer.name, coupon, 100, 15, "2026-03-07")
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Redeemed")
		with self.on("2026-03-08"):
			inv.reload()
			inv.cancel()
		referral = referral_of(referee.name)
		self.assertEqual((referral.status, referral.referrer_reward_status), ("Reversed", "Redeemed"))
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, ["used", "rl_withdrawn"]), (1, 0))

		with self.on("2026-03-09"):
			used_on.reload()
			used_on.cancel()
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Withdrawn")
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, ["used", "rl_withdrawn"]), (0, 1))
		with self.on("2026-03-10"):
			again = redeem_grand_total(self.referrer.name, coupon, 100, 15, "2026-03-10", submit=False)
			with self.assertRaises(WithdrawnCoupon):
				again.submit()
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, "used"), 0)

	def test_a_used_reward_of_a_qualified_referral_is_issued_again_when_its_sale_is_cancelled(self):
		from referral_loyalty.tests.test_reports import redeem_grand_total

		referee = self.enrol()
		self.buy(referee, 100, "2026-03-06")
		coupon = referral_of(referee.name).referrer_coupon
		with self.on("2026-03-07"):
			used_on = redeem_grand_total(self.referrer.name, coupon, 100, 15, "2026-03-07")
		with self.on("2026-03-09"):
			used_on.reload()
			used_on.cancel()
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Issued")
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, ["used", "rl_withdrawn"]), (0, 0))
		with self.on("2026-03-10"):
			again = redeem_grand_total(self.referrer.name, coupon, 100, 15, "2026-03-10")
		self.assertEqual(again.docstatus, 1)
		self.assertEqual(referral_of(referee.name).referrer_reward_status, "Redeemed")


class TestLedgerIsNotEditableByHand(CreditTestCase):
	def setUp(self):
		super().setUp()
		manager = "rl-manager@example.com"
		if not frappe.db.exists("User", manager):
			frappe.get_doc(
				{"doctype": "User", "email": manager, "first_name": "Manager", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", manager).add_roles("Sales Manager", "Sales User")
		self.manager = manager

	def test_a_manager_cannot_qualify_a_referral_by_saving_it(self):
		referee = self.enrol()
		name = referral_of(referee.name).name
		frappe.set_user(self.manager)
		referral = frappe.get_doc("Referral", name)
		referral.status = "Qualified"
		referral.qualified_on = "2026-03-06"
		with self.assertRaises(LedgerLocked):
			referral.save()
		with self.assertRaises(LedgerLocked):  # the REST path: PUT /api/resource/Referral/<name>
			frappe.client.set_value("Referral", name, "status", "Qualified")
		frappe.set_user("Administrator")
		with self.assertRaises(LedgerLocked):  # even past permissions (an import by an administrator)
			frappe.get_doc(
				{
					"doctype": "Referral",
					"referee": self.referrer.name,
					"referrer": referee.name,
					"referral_code": self.code.name,
					"company": COMPANY,
				}
			).insert(ignore_permissions=True)
		with self.assertRaises(LedgerLocked):
			frappe.delete_doc("Referral", name)
		self.assertEqual(referral_of(referee.name).status, "Pending")

	def test_reject_is_an_explicit_action_recorded_with_who_and_why(self):
		referee = self.enrol()
		referral = referral_of(referee.name)
		frappe.set_user(self.manager)
		with self.on("2026-03-07"):
			referral.reject(note="Same household as the referrer")
		frappe.set_user("Administrator")
		referral = referral_of(referee.name)
		self.assertEqual(
			(referral.status, referral.reason, referral.decided_by, referral.decision_note),
			("Rejected", "MANUALLY_REJECTED", self.manager, "Same household as the referrer"),
		)
		self.assertTrue(referral.decided_on)
		self.assertTrue(frappe.db.get_value("POS Coupon", referral.referee_coupon, "rl_withdrawn"))

	def test_reward_coupons_keep_their_owner_offer_and_referral(self):
		referee = self.enrol()
		coupon = frappe.get_doc("POS Coupon", referral_of(referee.name).referee_coupon)
		for field, value in (
			("customer", self.referrer.name),
			("pos_offer", REFERRER_OFFER),
			("rl_referral", None),
			("rl_withdrawn", 1),
		):
			coupon.reload()
			coupon.set(field, value)
			with self.assertRaises(LedgerLocked, msg=field):
				coupon.save()
		coupon.reload()
		coupon.used = 1  # POS Awesome counts use on submit: that still works
		coupon.save()
		with self.assertRaises(LedgerLocked):
			frappe.get_doc(
				{
					"doctype": "POS Coupon",
					"coupon_name": "RL hand-made reward",
					"coupon_type": "Gift Card",
					"customer": referee.name,
					"company": COMPANY,
					"pos_offer": REFEREE_OFFER,
					"rl_referral": referral_of(referee.name).name,
					"rl_side": "Referrer",
				}
			).insert()
		with self.assertRaises(LedgerLocked):
			frappe.delete_doc("POS Coupon", coupon.name)


class TestOneEnabledCode(ReferralTestCase):
	def test_the_database_refuses_a_second_enabled_code(self):
		customer, code = make_referrer()
		second = frappe.get_doc({"doctype": "Referral Code", "customer": customer.name, "company": COMPANY})
		second.flags.rl_checked_no_other_code = True  # skip the friendly read: the key must hold alone
		with self.assertRaises(DuplicateReferralCode):
			second.insert()
		self.assertEqual(code_service.issue_code(customer.name, COMPANY), code.name)
		code.db_set("disabled", 1)  # a disabled code no longer counts
		self.assertNotEqual(code_service.issue_code(customer.name, COMPANY), code.name)
		self.assertEqual(frappe.db.count("Referral Code", {"customer": customer.name, "disabled": 0}), 1)
		# another company is another key
		self.assertTrue(code_service.issue_code(customer.name, OTHER_COMPANY))


class TestOwnOffers(CreditTestCase):
	def test_offers_of_a_posawesome_code_do_not_replace_the_running_period(self):
		self.code.customer_offer = INFLUENCER_OFFER
		self.code.save()
		referee = self.enrol()
		coupon = referral_of(referee.name).referee_coupon
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, "pos_offer"), REFEREE_OFFER)

	def test_own_offers_replace_the_period_when_the_code_says_so(self):
		self.code.customer_offer = INFLUENCER_OFFER
		self.code.rl_own_offers = 1
		self.code.save()
		referee = self.enrol()
		coupon = referral_of(referee.name).referee_coupon
		self.assertEqual(frappe.db.get_value("POS Coupon", coupon, "pos_offer"), INFLUENCER_OFFER)

	def test_with_no_period_running_a_codes_own_offers_still_reward(self):
		delete_periods({"company": COMPANY})
		self.code.customer_offer = INFLUENCER_OFFER
		self.code.save()
		referee = self.enrol()
		referral = referral_of(referee.name)
		self.assertEqual(referral.status, "Pending")
		self.assertEqual(
			frappe.db.get_value("POS Coupon", referral.referee_coupon, "pos_offer"), INFLUENCER_OFFER
		)


class TestExpiryInBatches(CreditTestCase):
	def test_commits_batch_by_batch(self):
		referees = [self.enrol("2026-03-01") for _ in range(5)]
		commits = []
		moved = expiry.expire_pending_referrals("2026-04-02", batch=2, commit=lambda: commits.append(1))
		self.assertEqual(moved, 5)
		self.assertEqual(len(commits), 3)  # 2 + 2 + 1
		self.assertTrue(all(referral_of(r.name).status == "Expired" for r in referees))
		self.assertEqual(expiry.expire_pending_referrals("2026-04-02", commit=lambda: None), 0)


class TestEndpoints(CreditTestCase):
	def make_user(self, email, *roles, company=None):
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": email.split("@")[0],
					"send_welcome_email": 0,
				}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", email).add_roles(*roles)
		if company:
			frappe.get_doc(
				{"doctype": "User Permission", "user": email, "allow": "Company", "for_value": company}
			).insert(ignore_permissions=True)
		return email

	def test_code_check_rate_limit_is_per_user_not_per_ip(self):
		from referral_loyalty.api import referrals

		action = "referral_loyalty.api.referrals.check_code"
		first = self.make_user("rl-till-1@example.com", "Sales User", "Accounts User")
		second = self.make_user("rl-till-2@example.com", "Sales User", "Accounts User")
		for user in (first, second):
			ratelimit.reset(action, user)
		self.addCleanup(lambda: [ratelimit.reset(action, u) for u in (first, second)])
		frappe.set_user(first)
		for _ in range(referrals.CODE_CHECKS_PER_MINUTE):
			referrals.check_code(self.code.referral_code, COMPANY)
		with self.assertRaises(frappe.RateLimitExceededError):
			referrals.check_code(self.code.referral_code, COMPANY)
		frappe.set_user(second)  # the till beside it, same IP address
		self.assertTrue(referrals.check_code(self.code.referral_code, COMPANY)["valid"])

	def test_codes_and_referral_info_only_for_readable_companies(self):
		from referral_loyalty.api import referrals
		from referral_loyalty.exceptions import ReferralNotAllowed

		user = self.make_user("rl-shop-a@example.com", "Sales Manager", "Sales User", company=COMPANY)
		customer = make_customer()
		code_service.issue_code(customer.name, OTHER_COMPANY)
		frappe.set_user(user)
		with self.assertRaises(ReferralNotAllowed):
			referrals.create_code_for_customer(customer.name, OTHER_COMPANY)
		with self.assertRaises(ReferralNotAllowed):
			referrals.customer_referral_info(customer.name, OTHER_COMPANY)
		self.assertIsNone(referrals.customer_referral_info(customer.name)["code"])  # B's code not shown
		self.assertTrue(referrals.create_code_for_customer(customer.name, COMPANY)["code"])


class TestSmallTruths(CreditTestCase):
	def test_the_referred_customer_shows_who_referred_them(self):
		referee = self.enrol()
		self.assertEqual(frappe.db.get_value("Customer", referee.name, "rl_referred_by"), self.referrer.name)

	def test_a_code_whose_offer_was_disabled_later_can_still_be_disabled(self):
		offer = frappe.get_doc("POS Offer", INFLUENCER_OFFER)
		self.code.customer_offer = INFLUENCER_OFFER
		self.code.save()
		offer.db_set("disable", 1)
		self.addCleanup(lambda: frappe.db.set_value("POS Offer", INFLUENCER_OFFER, "disable", 0))
		self.code.reload()
		self.code.disabled = 1
		self.code.save()
		self.assertEqual(frappe.db.get_value("Referral Code", self.code.name, "disabled"), 1)

	def test_the_qualified_notification_shows_the_referrers_coupon(self):
		referee = self.enrol()
		self.buy(referee, 100, "2026-03-06")
		referral = referral_of(referee.name)
		logs = frappe.get_all(
			"Notification Log",
			filters={"document_type": "Referral", "document_name": referral.name},
			fields=["email_content", "subject"],
		)
		self.assertTrue(logs, "the Referral Qualified notification was not sent")
		self.assertTrue(all(referral.referrer_coupon in (log.email_content or "") for log in logs))

	def test_mobile_numbers_are_compared_as_numbers_of_the_shops_country(self):
		frappe.db.set_value("Company", COMPANY, "country", "Spain")
		frappe.clear_cache(doctype="Company")
		first = self.enrol(mobile="+34 612 345 678")
		again = self.enrol(mobile="612 345 678")  # the same Spanish number, typed without +34
		other = self.enrol(mobile="+1 212 345 678")  # shares the last digits, another number
		self.assertEqual(referral_of(first.name).status, "Pending")
		self.assertEqual(referral_of(again.name).reason, "DUPLICATE_IDENTITY")
		self.assertEqual(referral_of(other.name).status, "Pending")

	def test_dots_in_an_email_matter_except_at_gmail(self):
		first = self.enrol(email="ana.lopez@example.com")
		other = self.enrol(email="analopez@example.com")
		gmail = self.enrol(email="ana.lopez@gmail.com")
		gmail_again = self.enrol(email="AnaLopez+shop@gmail.com")
		self.assertEqual(referral_of(first.name).status, "Pending")
		self.assertEqual(referral_of(other.name).status, "Pending")
		self.assertEqual(referral_of(gmail.name).status, "Pending")
		self.assertEqual(referral_of(gmail_again.name).reason, "DUPLICATE_IDENTITY")
