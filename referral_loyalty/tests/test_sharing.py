"""Sharing a code: the "Referral Card" print format; the referrer's reward email."""

import email
from email.header import decode_header, make_header

import frappe

from referral_loyalty.rules import codes
from referral_loyalty.tests.utils import (
	ReferralTestCase,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	referral_of,
)


class TestReferralCard(ReferralTestCase):
	def test_prints_the_code_and_its_qr(self):
		customer, code = make_referrer()
		html = frappe.get_print("Customer", customer.name, "Referral Card")
		self.assertIn(codes.display(code.referral_code), html)
		self.assertIn("<svg", html)

	def test_customer_without_code(self):
		customer = make_customer()
		html = frappe.get_print("Customer", customer.name, "Referral Card")
		self.assertNotIn("<svg", html)
		self.assertIn("no referral code yet", html)


class TestReceiptBlock(ReferralTestCase):
	def test_a_receipt_format_includes_the_customers_code_and_qr(self):
		frappe.get_doc(
			{
				"doctype": "Print Format",
				"name": "RL Test Receipt",
				"doc_type": "Sales Invoice",
				"module": "Referral Loyalty",
				"custom_format": 1,
				"print_format_type": "Jinja",
				"standard": "No",
				"html": '<p>{{ doc.name }}</p>{% include "referral_loyalty/templates/includes/referral_receipt_block.html" %}',
			}
		).insert(ignore_permissions=True)
		customer, code = make_referrer()
		with self.on("2026-03-05"):
			invoice = make_invoice(customer.name, 10, "2026-03-05")
		html = frappe.get_print("Sales Invoice", invoice.name, "RL Test Receipt")
		self.assertIn(codes.display(code.referral_code), html)
		self.assertIn("<svg", html)
		walk_in = make_customer()
		with self.on("2026-03-05"):
			other = make_invoice(walk_in.name, 10, "2026-03-05")
		self.assertNotIn("<svg", frappe.get_print("Sales Invoice", other.name, "RL Test Receipt"))


class TestReferrerRewardedEmail(ReferralTestCase):
	def setUp(self):
		super().setUp()
		frappe.local.outgoing_email_account = {}
		frappe.get_doc(
			{
				"doctype": "Email Account",
				"email_account_name": "RL Test Shop Outgoing",
				"email_id": "shop@rl-test.example.com",
				"enable_outgoing": 1,
				"default_outgoing": 1,
				"smtp_server": "localhost",
				"no_smtp_authentication": 1,
			}
		).insert(ignore_permissions=True)

	def tearDown(self):
		super().tearDown()
		frappe.local.outgoing_email_account = {}  # the account was rolled back

	def reward(self, **referrer):
		period = make_period("2026-03-01", "2026-03-31")
		self.referrer, code = make_referrer(**referrer)
		with self.on("2026-03-05"):
			referee = make_customer(code=code.referral_code)
			make_invoice(referee.name, 100, "2026-03-05")
		self.referral = referral_of(referee.name)
		self.assertEqual(self.referral.status, "Qualified")
		return period

	def queued(self) -> list:
		return frappe.get_all(
			"Email Queue",
			filters={"reference_doctype": "Referral", "reference_name": self.referral.name},
			fields=["name", "message", "status"],
		)

	def recipients(self, queue: str) -> list[str]:
		return frappe.get_all("Email Queue Recipient", filters={"parent": queue}, pluck="recipient")

	@staticmethod
	def subject(queue_row) -> str:
		return str(make_header(decode_header(email.message_from_string(queue_row.message)["Subject"])))

	@staticmethod
	def body(queue_row) -> str:
		message = email.message_from_string(queue_row.message)
		return "".join(
			part.get_payload(decode=True).decode()
			for part in message.walk()
			if part.get_content_type() == "text/html"
		)

	def test_referrer_with_email_gets_one_queued_email_with_the_coupon(self):
		self.reward(email="ann.referrer@example.com")
		rows = self.queued()
		self.assertEqual(len(rows), 1)
		self.assertEqual(rows[0].status, "Not Sent")  # queued; the scheduler sends it after commit
		self.assertEqual(self.recipients(rows[0].name), ["ann.referrer@example.com"])
		coupon_code = codes.display(
			frappe.db.get_value("POS Coupon", self.referral.referrer_coupon, "coupon_code")
		)
		self.assertIn(coupon_code, self.subject(rows[0]))
		self.assertIn(coupon_code, self.body(rows[0]))

	def test_subject_from_the_period_copy_in_the_customers_language(self):
		period = make_period(
			"2026-03-01",
			"2026-03-31",
			copy=[
				{"language": "en", "title": "Thanks for sharing!", "description": "You made a friend happy."},
				{
					"language": "es",
					"title": "¡Gracias por recomendarnos!",
					"description": "Hiciste feliz a un amigo.",
				},
			],
		)
		referrer, code = make_referrer(email="eva.referrer@example.com")
		frappe.db.set_value("Customer", referrer.name, "language", "es")
		with self.on("2026-03-05"):
			referee = make_customer(code=code.referral_code)
			make_invoice(referee.name, 100, "2026-03-05")
		self.referral = referral_of(referee.name)
		self.assertEqual(self.referral.referral_period, period.name)
		rows = self.queued()
		self.assertEqual(len(rows), 1)
		self.assertEqual(self.subject(rows[0]), "¡Gracias por recomendarnos!")

	def test_referrer_without_email_gets_nothing(self):
		self.reward()
		self.assertEqual(self.queued(), [])

	def test_no_outgoing_email_account_sends_nothing(self):
		frappe.db.delete("Email Account", {"email_account_name": "RL Test Shop Outgoing"})
		frappe.local.outgoing_email_account = {}
		if frappe.db.exists("Email Account", {"enable_outgoing": 1}):
			self.skipTest("this site has an outgoing email account of its own")
		self.reward(email="no.mail.set.up@example.com")
		self.assertEqual(self.queued(), [])


class TestReferralQualifiedNotification(ReferralTestCase):
	def test_sales_managers_are_notified_when_a_referral_qualifies(self):
		manager = "rl.manager@example.com"
		if not frappe.db.exists("User", manager):
			user = frappe.get_doc(
				{"doctype": "User", "email": manager, "first_name": "Manager", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
			user.add_roles("Sales Manager")
		make_period("2026-03-01", "2026-03-31")
		_referrer, code = make_referrer(name="RL Notified Referrer")
		with self.on("2026-03-05"):
			referee = make_customer(code=code.referral_code)
			make_invoice(referee.name, 100, "2026-03-05")
		self.assertEqual(referral_of(referee.name).status, "Qualified")
		subjects = frappe.get_all(
			"Notification Log", filters={"for_user": manager, "document_type": "Referral"}, pluck="subject"
		)
		self.assertTrue(any("RL Notified Referrer" in (s or "") for s in subjects), subjects)
