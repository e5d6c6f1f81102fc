import frappe

from referral_loyalty.install import CUSTOM_FIELDS, INDEXES, PROPERTY_SETTERS
from referral_loyalty.tests.utils import ReferralTestCase


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

	def test_referral_code_offer_is_optional(self):
		self.assertFalse(frappe.get_meta("Referral Code").get_field("customer_offer").reqd)

	def test_hooks_wire_invoices_by_doc_events_not_class_override(self):
		from frappe import get_hooks

		overrides = get_hooks("override_doctype_class")
		self.assertNotIn("referral_loyalty", str(overrides.get("POS Invoice", [])))
		events = get_hooks("doc_events")
		self.assertIn("referral_loyalty.events.invoice.on_submit", events["POS Invoice"]["on_submit"])
