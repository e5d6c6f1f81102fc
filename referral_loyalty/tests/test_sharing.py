"""Sharing a code: the ready message a customer passes on, the "Referral Card" print format, the
receipt block, the till's endpoint; the referrer's reward email."""

import email
from email.header import decode_header, make_header
from urllib.parse import parse_qs, unquote, urlsplit

import frappe
from frappe.utils import today

from referral_loyalty.api import referrals as api
from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.rules import codes
from referral_loyalty.services import notifications, sharing
from referral_loyalty.services.codes import issue_code
from referral_loyalty.tests.utils import (
	COMPANY,
	OTHER_COMPANY,
	ReferralTestCase,
	ensure_loyalty_program,
	make_customer,
	make_invoice,
	make_period,
	make_referrer,
	referral_of,
)

COPY = [
	{"language": "en", "title": "Spring deal", "description": "10% off your first order"},
	{"language": "es", "title": "Oferta de primavera", "description": "10% en tu primera compra"},
]


class TestShareMessage(ReferralTestCase):
	def setUp(self):
		super().setUp()
		self.customer, self.code = make_referrer(name="Rosalind Share")
		self.shown = codes.display(self.code.referral_code)

	def message(self, language=None, customer=None):
		return sharing.share_message((customer or self.customer).name, COMPANY, language)

	def test_the_running_periods_copy_in_the_customers_language_and_the_code(self):
		make_period(today(), today(), copy=COPY)
		self.assertEqual(
			self.message("en")["text"],
			f"Spring deal: 10% off your first order. Use my code {self.shown} at {COMPANY}.",
		)
		frappe.db.set_value("Customer", self.customer.name, "language", "es")
		out = self.message()  # the customer's language
		self.assertEqual(
			out["text"],
			f"Oferta de primavera: 10% en tu primera compra. Usa mi código {self.shown} en {COMPANY}.",
		)
		self.assertEqual(out["language"], "es")
		self.assertEqual(self.message("es-MX")["text"], out["text"])  # a regional language reads its base

	def test_a_language_without_copy_gets_the_copy_of_the_fallback_in_that_one_language(self):
		make_period(today(), today(), copy=COPY)
		out = self.message("ar")
		self.assertEqual(out["language"], "en")  # copy_for's fallback; the message never mixes two
		self.assertTrue(out["text"].startswith("Spring deal: 10% off your first order. Use my code"))

	def test_without_a_running_period_or_copy_a_translated_default(self):
		self.assertEqual(
			self.message("en")["text"], f"Join me at {COMPANY} with my referral code {self.shown}."
		)
		arabic = self.message("ar")
		self.assertEqual(arabic["language"], "ar")
		self.assertIn(self.shown, arabic["text"])
		self.assertNotIn("Join me", arabic["text"])
		make_period(today(), today())  # running, but without copy
		self.assertEqual(
			self.message("es")["text"], f"Únete a {COMPANY} con mi código de recomendación {self.shown}."
		)
		make_period("2020-01-01", "2020-01-31", title="Long ago", copy=COPY)  # not running today
		self.assertNotIn("Spring", self.message("en")["text"])

	def test_a_long_description_is_left_out_rather_than_overflow(self):
		make_period(
			today(), today(), copy=[{"language": "en", "title": "Big news", "description": "word " * 80}]
		)
		text = self.message("en")["text"]
		self.assertEqual(text, f"Big news: Use my code {self.shown} at {COMPANY}.")
		self.assertLessEqual(len(text), sharing.MESSAGE_LIMIT)

	def test_whatsapp_link_carries_the_whole_message_url_encoded(self):
		make_period(
			today(),
			today(),
			copy=[
				{"language": "en", "title": "Tom & Jerry's #1 deal?", "description": "50% off + free gift"}
			],
		)
		out = self.message("en")
		url = out["whatsapp_url"]
		self.assertTrue(url.startswith("https://wa.me/?text="))
		self.assertNotIn(" ", url)
		query = urlsplit(url).query
		self.assertEqual(query.count("="), 1)  # &, #, ?, = and + of the message are encoded
		self.assertNotIn("#", url)
		self.assertEqual(parse_qs(query)["text"], [out["text"]])
		self.assertEqual(unquote(url.split("text=", 1)[1]), out["text"])
		self.assertIn("50%25%20off%20%2B%20free", url)

	def test_the_qr_is_the_qr_of_the_message(self):
		out = self.message("en")
		self.assertTrue(out["qr_svg"].startswith("<svg"))
		self.assertEqual(out["qr_svg"], sharing.referral_qr_svg(out["text"], error="M"))
		self.assertNotEqual(out["qr_svg"], sharing.referral_qr_svg(self.code.referral_code))

	def test_unicode_message_survives_link_and_qr(self):
		make_period(
			today(),
			today(),
			copy=[{"language": "ar", "title": "عرض الربيع", "description": "خصم 10% على طلبك الأول"}],
		)
		out = self.message("ar")
		self.assertTrue(out["text"].startswith("عرض الربيع: خصم 10% على طلبك الأول."))
		self.assertIn(self.shown, out["text"])
		self.assertEqual(unquote(out["whatsapp_url"].split("text=", 1)[1]), out["text"])
		self.assertIn("<svg", out["qr_svg"])

	def test_no_code_no_message(self):
		self.assertIsNone(sharing.share_message(make_customer().name, COMPANY))
		self.assertIsNone(sharing.share_message(self.customer.name, OTHER_COMPANY))


class TestShareEndpoint(ReferralTestCase):
	def test_the_till_gets_the_message_only_for_a_readable_company(self):
		from referral_loyalty.tests.test_pos_api import CASHIER, ensure_cashier

		ensure_cashier()
		customer, code = make_referrer(name="Tillie Share")
		issue_code(customer.name, OTHER_COMPANY)
		frappe.set_user(CASHIER)
		out = api.share_message(customer.name)  # the company of the cashier's POS
		self.assertIn(codes.display(code.referral_code), out["text"])
		self.assertEqual(set(out), {"text", "whatsapp_url", "qr_svg", "language"})
		frappe.set_user("Administrator")
		user = "rl-share-shop-a@example.com"
		if not frappe.db.exists("User", user):
			frappe.get_doc(
				{"doctype": "User", "email": user, "first_name": "Shop A", "send_welcome_email": 0}
			).insert(ignore_permissions=True)
		frappe.get_doc("User", user).add_roles("Sales User")
		frappe.get_doc(
			{"doctype": "User Permission", "user": user, "allow": "Company", "for_value": COMPANY}
		).insert(ignore_permissions=True)
		frappe.set_user(user)
		with self.assertRaises(ReferralNotAllowed):
			api.share_message(customer.name, OTHER_COMPANY)
		frappe.set_user("Guest")
		with self.assertRaises(frappe.PermissionError):
			api.share_message(customer.name, COMPANY)


class PrintTestCase(ReferralTestCase):
	def assert_print_formats_can_reach_the_message(self):
		method = "referral_loyalty.services.sharing.referral_share_message"
		self.assertIn(
			method, frappe.get_hooks("jinja").get("methods", []), f"hooks.py: jinja methods need {method}"
		)


class TestReferralCard(PrintTestCase):
	def test_prints_the_code_and_its_qr(self):
		customer, code = make_referrer()
		html = frappe.get_print("Customer", customer.name, "Referral Card")
		self.assertIn(codes.display(code.referral_code), html)
		self.assertIn("<svg", html)

	def test_prints_the_message_to_pass_on_with_its_qr_and_whatsapp_link(self):
		make_period(today(), today(), copy=COPY)
		self.assert_print_formats_can_reach_the_message()
		customer, _code = make_referrer(name="Carda Bold")
		frappe.db.set_value(
			"Customer", customer.name, {"language": "es", "customer_name": "Carda <b>Bold</b>"}
		)
		share = sharing.share_message(customer.name)
		self.assertIn("Oferta de primavera", share["text"])
		html = frappe.get_print("Customer", customer.name, "Referral Card")
		self.assertIn(frappe.utils.escape_html(share["text"]), html)
		self.assertIn(share["qr_svg"], html)
		self.assertIn(frappe.utils.escape_html(share["whatsapp_url"]), html)
		self.assertNotIn("<b>Bold</b>", html)  # the customer's name is escaped

	def test_customer_without_code(self):
		customer = make_customer()
		html = frappe.get_print("Customer", customer.name, "Referral Card")
		self.assertNotIn("<svg", html)
		self.assertIn("no referral code yet", html)


class TestReceiptBlock(PrintTestCase):
	def test_a_receipt_format_includes_the_customers_code_and_qr(self):
		self.assert_print_formats_can_reach_the_message()
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
		share = sharing.share_message(customer.name, COMPANY)
		self.assertIn(frappe.utils.escape_html(share["text"]), html)
		self.assertIn(share["qr_svg"], html)
		self.assertIn(frappe.utils.escape_html(share["whatsapp_url"]), html)
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
		notifications.clear_outgoing_cache()

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

	def test_the_email_ends_with_the_referrers_message_to_pass_on(self):
		make_period(
			"2026-03-01",
			"2026-03-31",
			copy=[{"language": "es", "title": "¡Gracias!", "description": "Recomienda y gana"}],
		)
		self.referrer, code = make_referrer(email="pass.it.on@example.com")
		frappe.db.set_value("Customer", self.referrer.name, "language", "es")
		with self.on("2026-03-05"):
			referee = make_customer(code=code.referral_code)
			make_invoice(referee.name, 100, "2026-03-05")
			share = sharing.share_message(self.referrer.name, COMPANY)
		self.referral = referral_of(referee.name)
		body = self.body(self.queued()[0])
		self.assertIn("Usa mi código", share["text"])
		self.assertIn(frappe.utils.escape_html(share["text"]), body)
		self.assertIn(frappe.utils.escape_html(share["whatsapp_url"]), body)
		self.assertIn("Compartir por WhatsApp", body)
		# it is the ending: after the reward and its terms, nothing of the message follows it
		coupon = codes.display(
			frappe.db.get_value("POS Coupon", self.referral.referrer_coupon, "coupon_code")
		)
		ending = body.index("Compártelo")
		self.assertGreater(ending, body.index(coupon))
		self.assertLess(ending, body.index(frappe.utils.escape_html(share["text"])))
		self.assertNotIn(coupon, body[ending:])

	def test_a_referrer_rewarded_in_points_is_told_how_many(self):
		program = ensure_loyalty_program()
		make_period(
			"2026-03-01",
			"2026-03-31",
			referrer_reward_type="Loyalty Points",
			referrer_points=150,
			loyalty_program=program,
		)
		self.referrer, code = make_referrer(email="points.referrer@example.com")
		with self.on("2026-03-05"):
			referee = make_customer(code=code.referral_code)
			make_invoice(referee.name, 100, "2026-03-05")
		self.referral = referral_of(referee.name)
		rows = self.queued()
		self.assertEqual(len(rows), 1)
		self.assertEqual(self.subject(rows[0]), "Your referral reward: 150 loyalty points")
		self.assertIn("<b>150</b> loyalty points were added to your balance", self.body(rows[0]))

	def test_referrer_without_email_gets_nothing(self):
		self.reward()
		self.assertEqual(self.queued(), [])

	def test_no_outgoing_email_account_sends_nothing(self):
		frappe.db.delete("Email Account", {"email_account_name": "RL Test Shop Outgoing"})
		frappe.local.outgoing_email_account = {}
		notifications.clear_outgoing_cache()
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
