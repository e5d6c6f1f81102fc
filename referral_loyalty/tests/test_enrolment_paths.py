"""Every path that creates a customer with a code enrols it exactly once: Desk, REST, Data Import
(POS Awesome's dialog and its offline replay are in test_pos_api)."""

import csv
import io

import frappe
from frappe.tests.utils import FrappeTestCase

from referral_loyalty.api import referrals as api
from referral_loyalty.rules import codes
from referral_loyalty.tests.utils import (
	COMPANY,
	ReferralTestCase,
	delete_periods,
	ensure_shop,
	make_customer,
	make_period,
	make_referrer,
	referral_of,
)


class TestEnrolmentPaths(ReferralTestCase):
	def setUp(self):
		super().setUp()
		today = frappe.utils.today()
		make_period(today, today, title="Today")
		self.referrer, self.code = make_referrer()

	def test_desk_form_save(self):
		referee = make_customer(code=codes.display(self.code.referral_code))
		referral = referral_of(referee.name)
		self.assertEqual((referral.source, referral.status), ("Desk", "Pending"))
		referee.reload()
		referee.save()  # saving again changes nothing
		self.assertEqual(frappe.db.count("Referral", {"referee": referee.name}), 1)

	def test_rest_insert(self):
		from werkzeug.test import EnvironBuilder
		from werkzeug.wrappers import Request

		frappe.local.request = Request(
			EnvironBuilder(method="POST", path="/api/resource/Customer").get_environ()
		)
		try:
			doc = frappe.client.insert(
				{
					"doctype": "Customer",
					"customer_name": "RL REST Referee",
					"posa_referral_code": self.code.referral_code.lower(),
					"posa_referral_company": COMPANY,
				}
			)
		finally:
			del frappe.local.request
		referral = referral_of(doc["name"])
		self.assertEqual((referral.source, referral.status), ("API", "Pending"))
		self.assertTrue(referral.referee_coupon)


class TestDataImport(FrappeTestCase):
	"""ERPNext's Data Import commits row by row, so this test commits and cleans up after itself."""

	def setUp(self):
		ensure_shop()
		frappe.flags.rl_quiet = True
		today = frappe.utils.today()
		delete_periods({"company": COMPANY})
		self.period = make_period(today, today, title="Import day")
		self.referrer, self.code = make_referrer()
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		for doctype, filters in getattr(self, "cleanup", []):
			frappe.db.delete(doctype, filters)
		if getattr(self, "file_name", None):
			frappe.delete_doc("File", self.file_name, force=True, ignore_permissions=True)
		customers = frappe.get_all("Customer", {"customer_name": ("like", "RL Imported %")}, pluck="name")
		customers.append(self.referrer.name)
		referrals = frappe.get_all("Referral", {"referee": ("in", customers)}, pluck="name") or [""]
		frappe.db.delete("POS Coupon", {"rl_referral": ("in", referrals)})
		frappe.db.delete("Referral", {"name": ("in", referrals)})
		frappe.db.delete("Referral Code", {"customer": ("in", customers)})
		delete_periods({"name": self.period.name})
		frappe.db.delete("Dynamic Link", {"link_doctype": "Customer", "link_name": ("in", customers)})
		frappe.db.delete("Customer", {"name": ("in", customers)})
		frappe.db.commit()  # nosemgrep
		frappe.flags.rl_quiet = False

	def test_data_import_enrols_valid_rows_and_refuses_bad_codes(self):
		from frappe.core.doctype.data_import.data_import import start_import

		group = frappe.db.get_value("Customer Group", {"is_group": 0})
		territory = frappe.db.get_value("Territory", {"is_group": 0})
		rows = [
			[
				"Customer Name",
				"Customer Type",
				"Customer Group",
				"Territory",
				"Referral Code",
				"Referral Company",
			],
			[
				"RL Imported One",
				"Individual",
				group,
				territory,
				codes.display(self.code.referral_code),
				COMPANY,
			],
			["RL Imported Two", "Individual", group, territory, "NOPE-NOPE-Z", COMPANY],
		]
		buffer = io.StringIO()
		csv.writer(buffer).writerows(rows)
		file_doc = frappe.get_doc(
			{
				"doctype": "File",
				"file_name": "rl_referral_import.csv",
				"content": buffer.getvalue(),
				"is_private": 1,
			}
		).insert(ignore_permissions=True)
		data_import = frappe.get_doc(
			{
				"doctype": "Data Import",
				"reference_doctype": "Customer",
				"import_type": "Insert New Records",
				"import_file": file_doc.file_url,
			}
		).insert(ignore_permissions=True)
		self.cleanup = [
			("Data Import Log", {"data_import": data_import.name}),
			("Data Import", {"name": data_import.name}),
		]
		self.file_name = file_doc.name
		frappe.db.commit()  # nosemgrep
		start_import(data_import.name)  # what the background job runs
		self.assertEqual(frappe.db.get_value("Data Import", data_import.name, "status"), "Partial Success")
		one = frappe.db.get_value("Customer", {"customer_name": "RL Imported One"})
		self.assertEqual(referral_of(one).source, "Import")
		self.assertEqual(referral_of(one).status, "Pending")
		# the row with an unknown code was refused whole: no customer, no referral
		self.assertFalse(frappe.db.exists("Customer", {"customer_name": "RL Imported Two"}))


class TestCustomerReferralInfo(ReferralTestCase):
	def test_own_code_usage_and_status(self):
		today = frappe.utils.today()
		make_period(today, today, title="Today", qualification="On enrolment")
		referrer, code = make_referrer(usage_limit=10)
		referee = make_customer(code=code.referral_code)
		info = api.customer_referral_info(referrer.name, COMPANY)
		self.assertEqual(info["code"], codes.display(code.referral_code))
		self.assertEqual(info["usage_label"], "1 of 10 used")
		self.assertIn("<svg", info["qr_svg"])
		referee_info = api.customer_referral_info(referee.name, COMPANY)
		self.assertEqual(referee_info["referral_status"], "Qualified")
		self.assertEqual(referee_info["referred_by"], referrer.customer_name)
		self.assertIsNone(referee_info["code"])
