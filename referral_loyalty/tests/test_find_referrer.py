"""The till's "Find referrer": a customer who came without their friend's code finds it by the
friend's mobile number or name; the till sees a first name, a last initial, two digits and the code."""

import json

import frappe

from referral_loyalty.api import referrals as api
from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.rules import codes
from referral_loyalty.services import ratelimit
from referral_loyalty.services.codes import issue_code
from referral_loyalty.tests.test_pos_api import CASHIER, ensure_cashier
from referral_loyalty.tests.utils import (
	COMPANY,
	OTHER_COMPANY,
	ReferralTestCase,
	make_customer,
	make_referrer,
)

ACTION = "referral_loyalty.api.referrals.find_referrer"
SECOND_CASHIER = "rl.cashier2@example.com"


def ensure_user(email: str, *roles: str) -> str:
	if not frappe.db.exists("User", email):
		frappe.get_doc(
			{"doctype": "User", "email": email, "first_name": email.split("@")[0], "send_welcome_email": 0}
		).insert(ignore_permissions=True)
	if roles:
		frappe.get_doc("User", email).add_roles(*roles)
	return email


class FindReferrerTestCase(ReferralTestCase):
	def setUp(self):
		super().setUp()
		ensure_cashier()
		ensure_user(SECOND_CASHIER, "Sales User", "Accounts User")
		for user in ("Administrator", CASHIER, SECOND_CASHIER):
			ratelimit.reset(ACTION, user)
		self.addCleanup(
			lambda: [ratelimit.reset(ACTION, u) for u in ("Administrator", CASHIER, SECOND_CASHIER)]
		)
		self.maria, self.maria_code = make_referrer(
			name="Quintessa Maria Lopez Garcia", mobile="+1 (202) 555-0143", email="quintessa.m@example.com"
		)

	def find(self, query, company=COMPANY):
		return api.find_referrer(query, company)

	def codes_of(self, found):
		return [row["code"] for row in found]


class TestFindReferrer(FindReferrerTestCase):
	def test_a_name_finds_the_code_with_first_name_last_initial_and_two_digits(self):
		frappe.set_user(CASHIER)
		found = self.find("quintessa")
		self.assertEqual(
			found,
			[{"code": codes.display(self.maria_code.referral_code), "label": "Quintessa G.", "hint": "43"}],
		)

	def test_words_of_the_name_match_by_their_start(self):
		frappe.set_user(CASHIER)
		code = codes.display(self.maria_code.referral_code)
		for query in ("Quin", "quintessa maria lo", "Maria Lop", "maría", "garc", "GARCIA"):
			self.assertEqual(self.codes_of(self.find(query)), [code], query)
		for query in ("Lopez", "essa", "arcia"):  # a middle word, or the inside of a word: not searched
			self.assertEqual(self.find(query), [], query)

	def test_a_mobile_finds_its_owner_however_it_was_written(self):
		frappe.set_user(CASHIER)
		code = codes.display(self.maria_code.referral_code)
		for query in ("2025550143", "202-555-0143", "+12025550143", "001 202 555 0143"):
			self.assertEqual(self.codes_of(self.find(query)), [code], query)
		# numbers that only share the last digits, or a part of the number, find nobody
		self.assertEqual(self.find("+44 20 2555 0143"), [])
		self.assertEqual(self.find("5550143"), [])
		with self.assertRaises(frappe.ValidationError):
			self.find("0143")

	def test_a_mobile_finds_all_its_owners_by_name_and_no_one_else(self):
		_sibling, sibling_code = make_referrer(name="Aaron Quintessa", mobile="202 555 0143")
		make_referrer(name="Quintessa Other", mobile="202 555 0199")
		frappe.set_user(CASHIER)
		found = self.codes_of(self.find("(202) 555-0143"))
		# both owners of the number, by name; the other Quintessa (a name match) is not a mobile match
		self.assertEqual(
			found, [codes.display(sibling_code.referral_code), codes.display(self.maria_code.referral_code)]
		)
		self.assertEqual(self.find("(202) 555-0143")[0]["label"], "Aaron Q.")

	def test_name_start_first_then_later_words_at_most_five(self):
		made = {}
		for name in (
			"Zorvath Ann",
			"Bea Zorvath",
			"Zorvath Cid",
			"Zorvath Dee",
			"Eve Zorvath",
			"Zorvath Fay",
		):
			made[name] = codes.display(make_referrer(name=name)[1].referral_code)
		frappe.set_user(CASHIER)
		found = self.find("zorvath")
		self.assertEqual(
			self.codes_of(found),
			[made[n] for n in ("Zorvath Ann", "Zorvath Cid", "Zorvath Dee", "Zorvath Fay", "Bea Zorvath")],
		)
		self.assertEqual([r["label"] for r in found][-1], "Bea Z.")

	def test_a_very_common_prefix_is_searched_among_the_first_customers_in_name_order(self):
		from unittest.mock import patch

		from referral_loyalty.services import referrer_search

		for name in ("Quintessa Aab", "Quintessa Abb"):  # no code: they only fill the candidates
			make_customer(name=name)
		frappe.set_user(CASHIER)
		with patch.object(referrer_search, "CANDIDATES", 2):
			self.assertEqual(self.find("quintessa"), [])  # type more of the name …
			self.assertEqual(len(self.find("quintessa m")), 1)  # … and she is found
		self.assertEqual(len(self.find("quintessa")), 1)

	def test_only_enabled_codes_of_the_company_of_enabled_customers(self):
		other_shop = make_customer(name="Quintessa Otherstore")
		issue_code(other_shop.name, OTHER_COMPANY)
		make_customer(name="Quintessa Nocode")
		_customer, code = make_referrer(name="Quintessa Disabledcode")
		frappe.db.set_value("Referral Code", code.name, "disabled", 1)
		gone, _code = make_referrer(name="Quintessa Disabledcustomer")
		frappe.db.set_value("Customer", gone.name, "disabled", 1)
		frappe.set_user(CASHIER)
		self.assertEqual(self.find("quintessa"), self.find("quintessa maria"))
		self.assertEqual(len(self.find("quintessa")), 1)
		frappe.set_user("Administrator")
		other = api.find_referrer("quintessa", OTHER_COMPANY)
		self.assertEqual([r["label"] for r in other], ["Quintessa O."])

	def test_nothing_but_code_label_and_hint_ever(self):
		frappe.set_user(CASHIER)
		customer = frappe.get_doc("Customer", self.maria.name)
		secrets = {
			"mobile": "2025550143",
			"mobile as stored": customer.mobile_no,
			"e-mail": "quintessa.m@example.com",
			"surname": "Garcia",
			"other surname": "Lopez",
			"customer id": customer.name,
			"full name": customer.customer_name,
		}
		for query in ("quintessa", "garcia", "+1 202 555 0143"):
			found = self.find(query)
			self.assertEqual(len(found), 1, query)
			self.assertEqual(set(found[0]), {"code", "label", "hint"})
			for value in found[0].values():
				for what, secret in secrets.items():
					self.assertNotIn(secret.lower(), value.lower(), f"{query}: {what} in {value!r}")
			self.assertNotIn("quintessa.m", json.dumps(found))

	def test_stores_nothing(self):
		frappe.set_user(CASHIER)
		writes = frappe.db.transaction_writes
		self.find("quintessa")
		self.find("+1 202 555 0143")
		self.assertEqual(frappe.db.transaction_writes, writes)

	def test_bad_input_gets_a_clear_error_or_nothing(self):
		frappe.set_user(CASHIER)
		for bad in (
			"qu",
			"",
			"   ",
			"x" * 10_000,
			"___",
			"%%%",
			"😀😀😀",
			"12",
			["quintessa"],
			{"q": 1},
			42,
			None,
		):
			with self.assertRaises(frappe.ValidationError, msg=repr(bad)[:40]) as caught:
				self.find(bad)
			self.assertTrue(str(caught.exception).strip(), repr(bad)[:40])
		for harmless in (
			"Quin%",
			"Q%essa",
			"Quin_essa",
			"Quintessa'); DROP TABLE `tabCustomer`; --",
			"quintessa\\",
			"Quintessa \u0000",
			"محمد علي",
			"Ünïcödé Ñame",
		):
			self.assertEqual(self.find(harmless), [], harmless)  # wildcards taken literally
		self.assertTrue(frappe.db.exists("Customer", self.maria.name))

	def test_company_is_the_open_pos_and_must_be_allowed(self):
		shop_b = ensure_user("rl.shop-b.till@example.com", "Sales User", "Accounts User")
		if not frappe.db.exists("User Permission", {"user": shop_b, "allow": "Company"}):
			frappe.get_doc(
				{"doctype": "User Permission", "user": shop_b, "allow": "Company", "for_value": OTHER_COMPANY}
			).insert(ignore_permissions=True)
		frappe.set_user(CASHIER)  # assigned to the test till of COMPANY
		self.assertEqual(len(api.find_referrer("quintessa")), 1)
		frappe.set_user(shop_b)
		with self.assertRaises(ReferralNotAllowed):
			api.find_referrer("quintessa", COMPANY)
		with self.assertRaises(frappe.ValidationError):
			api.find_referrer("quintessa")  # no POS open and no company chosen

	def test_guests_and_users_without_till_rights_get_nothing(self):
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			api.find_referrer("quintessa", COMPANY)
		reader = ensure_user("rl.no-till@example.com")  # a desk user without sales rights
		frappe.set_user(reader)
		with self.assertRaises(frappe.PermissionError):
			api.find_referrer("quintessa", COMPANY)

	def test_rate_limited_per_user_not_per_ip(self):
		frappe.local.request_ip = "10.11.12.13"  # two tills behind one address
		self.addCleanup(lambda: setattr(frappe.local, "request_ip", None))
		frappe.set_user(CASHIER)
		for _ in range(api.REFERRER_SEARCHES_PER_MINUTE):
			self.find("quintessa")
		with self.assertRaises(frappe.RateLimitExceededError):
			self.find("quintessa")
		frappe.set_user(SECOND_CASHIER)
		self.assertEqual(len(self.find("quintessa")), 1)


class TestFindReferrerUsesIndexes(FindReferrerTestCase):
	def test_every_search_is_an_index_range(self):
		from frappe.query_builder import DocType

		customer, code = DocType("Customer"), DocType("Referral Code")
		for column, index in (
			("customer_name", "customer_name"),
			("rl_name_rest", "rl_name_rest_index"),
			("rl_name_last", "rl_name_last_index"),
			("rl_mobile_key", "rl_mobile_key_index"),
		):
			query = (
				frappe.qb.from_(customer)
				.join(code)
				.on((code.customer == customer.name) & (code.company == COMPANY) & (code.disabled == 0))
				.select(customer.name)
				.where(customer[column].like("quin%"))
			)
			plan = frappe.db.sql(f"EXPLAIN {query.get_sql()}", as_dict=True)  # nosemgrep
			keys = next(row.possible_keys or "" for row in plan if row.table == "tabCustomer")
			self.assertIn(index, keys.split(","), f"{column}: {plan}")
