import frappe

from referral_loyalty.install import CUSTOM_FIELDS, INDEXES, PROPERTY_SETTERS
from referral_loyalty.tests.utils import COMPANY, ReferralTestCase, recorded_sql


class TestInstall(ReferralTestCase):
	def test_custom_fields_property_setters_and_indexes_are_in_place(self):
		for doctype, fields in CUSTOM_FIELDS.items():
			for field in fields:
				self.assertTrue(
					frappe.db.exists("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]}),
					f"{doctype}.{field['fieldname']}",
				)
		for doctype, fieldname, prop, value, _type in PROPERTY_SETTERS:
			self.assertEqual(
				frappe.db.get_value(
					"Property Setter",
					{"doc_type": doctype, "field_name": fieldname, "property": prop},
					"value",
				),
				value,
			)
		for doctype, _columns, index_name in INDEXES:
			self.assertTrue(frappe.db.has_index(f"tab{doctype}", index_name))

	def test_every_list_of_the_app_is_read_in_its_order_from_an_index(self):
		"""The Desk lists a DocType's newest records first by its sort field: without an index that
		starts with it, the first page of a million referrals sorts the whole table."""
		doctypes = frappe.get_all(
			"DocType", {"module": "Referral Loyalty", "istable": 0, "issingle": 0}, pluck="name"
		)
		self.assertIn("Referral", doctypes)
		for doctype in doctypes:
			sort_field = frappe.get_meta(doctype).sort_field or "creation"
			first_columns = {
				row.Column_name
				for row in frappe.db.sql(f"SHOW INDEX FROM `tab{doctype}`", as_dict=True)  # nosemgrep
				if row.Seq_in_index == 1
			}
			self.assertIn(sort_field, first_columns, f"{doctype} sorts its list by {sort_field}")

	def test_referral_code_offer_is_optional(self):
		self.assertFalse(frappe.get_meta("Referral Code").get_field("customer_offer").reqd)

	def test_hooks_wire_invoices_by_doc_events_not_class_override(self):
		from frappe import get_hooks

		overrides = get_hooks("override_doctype_class")
		self.assertNotIn("referral_loyalty", str(overrides.get("POS Invoice", [])))
		events = get_hooks("doc_events")
		self.assertIn("referral_loyalty.events.invoice.on_submit", events["POS Invoice"]["on_submit"])

	def test_erpnext_month_sales_sum_is_answered_from_the_apps_index(self):
		"""Every submitted sale runs ERPNext's sum of the company's month of sales (Selling
		Settings' "Each Transaction"): the statement it sends can be answered from
		``rl_month_sales_index`` alone (every column it reads is in the index)."""
		from erpnext.setup.doctype.company.company import update_company_current_month_sales

		with recorded_sql() as sent:
			update_company_current_month_sales(COMPANY)
		summing = [q for q in sent if "tabSales Invoice" in q and "sum(" in q.lower()]
		self.assertEqual(len(summing), 1, sent)
		# the planner's choice on a few test rows is its own; what must hold is that it may use it
		plan = frappe.db.sql(
			f"EXPLAIN {summing[0]}",  # nosemgrep: a statement ERPNext sent, explained
			as_dict=True,
		)
		self.assertIn("rl_month_sales_index", plan[0].possible_keys or "", plan)
		forced = frappe.db.sql(
			"EXPLAIN "  # nosemgrep: the same statement, the index forced, to read its plan
			+ summing[0].replace(
				"`tabSales Invoice`", "`tabSales Invoice` FORCE INDEX (`rl_month_sales_index`)", 1
			),
			as_dict=True,
		)
		self.assertIn("Using index", forced[0].Extra or "", forced)
		self.assertEqual(forced[0].type, "range", forced)
