"""The till's endpoints: POS Awesome's create_customer through the engine, coupon look-ups,
the live code check, and who may call them."""

import json

import frappe

from referral_loyalty.api import referrals as api
from referral_loyalty.integrations import posawesome as posa
from referral_loyalty.rules import codes
from referral_loyalty.tests.utils import (
	COMPANY,
	POS_PROFILE,
	REFEREE_OFFER,
	ReferralTestCase,
	make_customer,
	make_period,
	make_referrer,
	open_till,
	referral_of,
)

CASHIER = "rl.cashier@example.com"


def ensure_cashier():
	if not frappe.db.exists("User", CASHIER):
		user = frappe.get_doc(
			{
				"doctype": "User",
				"email": CASHIER,
				"first_name": "Cashier",
				"send_welcome_email": 0,
				"user_type": "System User",
			}
		).insert(ignore_permissions=True)
		user.add_roles("Sales User", "Accounts User")
	profile = frappe.get_doc("POS Profile", POS_PROFILE)
	if not any(u.user == CASHIER for u in profile.applicable_for_users):
		profile.append("applicable_for_users", {"user": CASHIER, "default": 1})
		profile.save(ignore_permissions=True)


class TestPOSCreateCustomer(ReferralTestCase):
	def setUp(self):
		super().setUp()
		ensure_cashier()
		today = frappe.utils.today()
		make_period(today, today, title="Today")
		self.referrer, self.code = make_referrer(mobile="5550001111")
		self.profile_json = json.dumps(frappe.get_doc("POS Profile", POS_PROFILE).as_dict(), default=str)

	def create(self, name, code, mobile=None):
		return posa.create_customer(
			customer_name=name,
			company=COMPANY,
			pos_profile_doc=self.profile_json,
			referral_code=code,
			mobile_no=mobile,
		)

	def test_create_customer_enrols_once_and_replay_returns_the_same(self):
		frappe.set_user(CASHIER)
		typed = codes.display(self.code.referral_code).lower()
		first = self.create("RL Walk-in Ana", typed, "5550002222")
		outcome = first["rl_referral_outcome"]
		self.assertEqual(outcome["status"], "Pending")
		self.assertTrue(outcome["referee_coupon"])
		replay = self.create("RL Walk-in Ana", typed, "5550002222")  # the offline queue sends it again
		self.assertEqual(replay["name"], first["name"])
		frappe.set_user("Administrator")
		self.assertEqual(frappe.db.count("Customer", {"customer_name": "RL Walk-in Ana"}), 1)
		self.assertEqual(frappe.db.count("Referral", {"referee": first["name"]}), 1)
		self.assertEqual(referral_of(first["name"]).source, "POS")
		self.assertEqual(referral_of(first["name"]).pos_profile, POS_PROFILE)
		# the customer was written with its referral and referrer (and the till was told them)
		self.assertEqual(
			(first["rl_referral"], first["rl_referred_by"]), (outcome["referral"], self.referrer.name)
		)
		self.assertEqual(
			frappe.db.get_value("Customer", first["name"], ["rl_referral", "rl_referred_by"]),
			(outcome["referral"], self.referrer.name),
		)
		# the profile's flag gave the new customer a code of their own at once, which it shows
		own = frappe.db.get_value("Referral Code", {"customer": first["name"], "company": COMPANY})
		self.assertTrue(own)
		self.assertEqual(first["rl_referral_code"], own)
		self.assertEqual(frappe.db.get_value("Customer", first["name"], "rl_referral_code"), own)
		# only our one coupon: POS Awesome's double-coupon path did not fire
		self.assertEqual(frappe.db.count("POS Coupon", {"referral_code": self.code.name}), 1)

	def test_pos_route_goes_through_the_override_with_the_form_dict_the_pos_sends(self):
		from frappe.handler import execute_cmd

		frappe.set_user(CASHIER)
		frappe.local.form_dict = frappe._dict(
			cmd="posawesome.posawesome.api.customers.create_customer",
			customer_name="RL Form Dict Ana",
			company=COMPANY,
			pos_profile_doc=self.profile_json,
			referral_code=self.code.referral_code,
			mobile_no="5550007777",
			customer_group="",
			territory="",
			method="create",
		)
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		frappe.local.request = Request(EnvironBuilder(method="POST", path="/api/method/x").get_environ())
		try:
			out = execute_cmd("posawesome.posawesome.api.customers.create_customer")
		finally:
			del frappe.local.request
		self.assertEqual(out["rl_referral_outcome"]["status"], "Pending")

	def test_rejection_is_told_to_the_cashier(self):
		frappe.set_user(CASHIER)
		out = self.create("RL Same Phone", self.code.referral_code, "555-000-1111")
		self.assertEqual(out["rl_referral_outcome"]["reason"], "DUPLICATE_IDENTITY")
		self.assertIn("mobile", out["rl_referral_outcome"]["message"])

	def test_a_replay_is_found_whether_the_profile_allows_a_second_customer_of_a_name_or_not(self):
		for allowed in (0, 1):
			frappe.db.set_value("POS Profile", POS_PROFILE, "posa_allow_duplicate_customer_names", allowed)
			name = f"RL Replayed {allowed}"
			frappe.set_user(CASHIER)
			first = self.create(name, self.code.referral_code, f"555000666{allowed}")
			frappe.clear_messages()  # as a new request starts
			replay = self.create(name, self.code.referral_code, f"555000666{allowed}")
			self.assertEqual(replay["name"], first["name"])
			self.assertEqual(replay["rl_referral"], first["rl_referral"])
			self.assertEqual(frappe.local.message_log, [], "the replay told the cashier of an error")
			# the same name with another mobile is another person: a second customer, or POS
			# Awesome's refusal
			if allowed:
				other = self.create(name, self.code.referral_code, "5550006669")
				self.assertNotEqual(other["name"], first["name"])
			else:
				with self.assertRaises(frappe.ValidationError):
					self.create(name, self.code.referral_code, "5550006669")
			frappe.set_user("Administrator")
			self.assertEqual(frappe.db.count("Customer", {"customer_name": name}), 1 + allowed)

	def test_a_customer_whose_enrolment_failed_after_its_insert_is_no_replay(self):
		# the welcome coupon cannot be issued: the insert is written, then the enrolment fails
		frappe.db.set_value("POS Offer", REFEREE_OFFER, "disable", 1)
		frappe.set_user(CASHIER)
		with self.assertRaises(frappe.ValidationError):
			self.create("RL Failed Enrolment", self.code.referral_code, "5550008888")

	def test_only_the_programme_links_a_customer_to_a_referral(self):
		other_referrer, other_code = make_referrer(mobile="5550003333")
		someone_elses = referral_of(make_customer(code=other_code.referral_code).name)
		forged = {
			"rl_referral": someone_elses.name,
			"rl_referred_by": other_referrer.name,
			"rl_referral_code": other_code.name,
		}
		plain = make_customer(**forged)  # e.g. an import or POST /api/resource/Customer with them
		self.assertEqual(frappe.db.get_value("Customer", plain.name, list(forged)), (None, None, None))
		referee = make_customer(code=self.code.referral_code, mobile="5550004444", **forged)
		self.assertEqual(
			frappe.db.get_value("Customer", referee.name, list(forged)),
			(referral_of(referee.name).name, self.referrer.name, None),
		)
		self.assertEqual(referral_of(referee.name).referrer, self.referrer.name)

	def test_unknown_code_saves_nothing(self):
		frappe.set_user(CASHIER)
		with self.assertRaises(frappe.ValidationError):
			self.create("RL Typo", "ZZZZ-ZZZZ-Z")
		frappe.set_user("Administrator")
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": "RL Typo"}))


class TestCouponLookups(ReferralTestCase):
	def setUp(self):
		super().setUp()
		ensure_cashier()
		today = frappe.utils.today()
		make_period(today, today, title="Today")
		_r, code = make_referrer()
		self.referee = make_customer(code=code.referral_code, mobile="5550003333", email="c@example.com")
		self.coupon = frappe.get_doc("POS Coupon", referral_of(self.referee.name).referee_coupon)
		self.other = make_customer()

	def test_auto_fetch_honours_the_profile_flag(self):
		frappe.set_user(CASHIER)
		open_till(user=CASHIER) if frappe.db.exists("DocType", "POS Opening Entry") else None
		self.assertEqual(posa.get_active_gift_coupons(self.referee.name, COMPANY), [self.coupon.coupon_code])
		self.assertEqual(posa.get_active_gift_coupons(self.other.name, COMPANY), [])
		frappe.set_user("Administrator")
		frappe.db.set_value("POS Profile", POS_PROFILE, "posa_fetch_coupon", 0)
		frappe.set_user(CASHIER)
		self.assertEqual(posa.get_active_gift_coupons(self.referee.name, COMPANY), [])

	def test_coupon_is_not_returned_for_another_customer_nor_with_contact_data(self):
		frappe.set_user(CASHIER)
		res = posa.get_pos_coupon(self.coupon.coupon_code, self.referee.name, COMPANY)
		self.assertEqual(res["coupon"]["coupon_code"], self.coupon.coupon_code)
		self.assertNotIn("mobile_no", res["coupon"])
		self.assertNotIn("email_id", res["coupon"])
		other = posa.get_pos_coupon(self.coupon.coupon_code, self.other.name, COMPANY)
		self.assertIsNone(other["coupon"])
		with self.assertRaises(frappe.ValidationError):
			posa.get_pos_coupon(self.coupon.coupon_code, "", COMPANY)

	def test_guest_gets_nothing(self):
		frappe.set_user("Guest")
		for call in (
			lambda: posa.get_pos_coupon(self.coupon.coupon_code, self.referee.name, COMPANY),
			lambda: posa.get_active_gift_coupons(self.referee.name, COMPANY),
			lambda: api.customer_referral_info(self.referee.name, COMPANY),
			lambda: api.check_code(self.coupon.coupon_code, COMPANY),
			lambda: api.create_code_for_customer(self.referee.name, COMPANY),
		):
			with self.assertRaises(frappe.PermissionError):
				call()


class TestLiveCodeCheck(ReferralTestCase):
	def setUp(self):
		super().setUp()
		ensure_cashier()
		today = frappe.utils.today()
		period = make_period(today, today, title="Today")
		period.append(
			"copy",
			{
				"language": "es",
				"title": "¡Bienvenido! 10% de descuento",
				"description": "En tu primera compra",
			},
		)
		period.append(
			"copy", {"language": "en", "title": "Welcome! 10% off", "description": "On your first purchase"}
		)
		period.save()
		self.referrer, self.code = make_referrer(name="Maria Lopez Garcia", mobile="5550004444")

	def test_valid_code_shows_first_name_only_and_the_offer_copy(self):
		frappe.set_user(CASHIER)
		out = api.check_code(codes.display(self.code.referral_code).lower(), COMPANY)
		self.assertTrue(out["valid"])
		self.assertEqual(out["referrer_first_name"], "Maria")
		self.assertNotIn("Lopez", json.dumps(out))
		self.assertNotIn("5550004444", json.dumps(out))
		self.assertEqual(out["offer"]["title"], "Welcome! 10% off")
		frappe.local.lang = "es"
		try:
			self.assertEqual(
				api.check_code(self.code.referral_code, COMPANY)["offer"]["title"],
				"¡Bienvenido! 10% de descuento",
			)
		finally:
			frappe.local.lang = "en"

	def test_invalid_codes_answer_clearly(self):
		frappe.set_user(CASHIER)
		for bad in ("ZZZZ-ZZZZ-Z", "x" * 10_000, "' OR 1=1 --", ""):
			out = api.check_code(bad, COMPANY)
			self.assertFalse(out["valid"])
			self.assertTrue(out["message"])

	def test_rate_limited(self):
		from frappe.exceptions import RateLimitExceededError
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		frappe.set_user(CASHIER)
		frappe.local.request = Request(
			EnvironBuilder(method="GET", path="/api/method/check_code").get_environ()
		)
		frappe.local.request_ip = "127.0.0.77"
		try:
			frappe.cache.delete_keys("rl:")
			calls = 0
			with self.assertRaises(RateLimitExceededError):
				for _ in range(api.CODE_CHECKS_PER_MINUTE + 2):
					api.check_code(self.code.referral_code, COMPANY)
					calls += 1
			self.assertEqual(calls, api.CODE_CHECKS_PER_MINUTE)
		finally:
			frappe.cache.delete_keys("rl:")
			del frappe.local.request
