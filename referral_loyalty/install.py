"""Custom fields, property setters and indexes this app adds to POS Awesome's and ERPNext's
DocTypes — in on install/migrate, out again on uninstall."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

CUSTOM_FIELDS = {
	"Customer": [
		{
			"fieldname": "rl_referral_code",
			"label": "My Referral Code",
			"fieldtype": "Link",
			"options": "Referral Code",
			"insert_after": "posa_referral_company",
			"read_only": 1,
			"no_copy": 1,
			"description": "The code this customer shares with friends",
		},
		{
			"fieldname": "rl_referral",
			"label": "Referred Via",
			"fieldtype": "Link",
			"options": "Referral",
			"insert_after": "rl_referral_code",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "rl_referred_by",
			"label": "Referred By",
			"fieldtype": "Link",
			"options": "Customer",
			"insert_after": "rl_referral",
			"fetch_from": "rl_referral.referrer",
			"read_only": 1,
			"no_copy": 1,
		},
	],
	"POS Profile": [
		{
			"fieldname": "rl_referrals_section",
			"label": "Referrals",
			"fieldtype": "Section Break",
			"insert_after": "posa_fetch_coupon",
			"collapsible": 1,
		},
		{
			"fieldname": "rl_auto_create_referral_code",
			"label": "Auto Create Referral Code for New Customers",
			"fieldtype": "Check",
			"insert_after": "rl_referrals_section",
			"description": "Every customer created at the POS with this profile gets a referral code at once",
		},
	],
	"Referral Code": [
		{
			"fieldname": "rl_usage_limit",
			"label": "Usage Limit",
			"fieldtype": "Int",
			"insert_after": "disabled",
			"non_negative": 1,
			"description": "Qualified referrals over the code's life; 0 = unlimited",
		},
		{
			"fieldname": "rl_usage",
			"label": "Used",
			"fieldtype": "Data",
			"insert_after": "rl_usage_limit",
			"is_virtual": 1,
			"read_only": 1,
		},
		{
			"fieldname": "rl_display_code",
			"label": "Code as Printed",
			"fieldtype": "Data",
			"insert_after": "referral_code",
			"is_virtual": 1,
			"read_only": 1,
		},
	],
	"POS Coupon": [
		{
			"fieldname": "rl_referral",
			"label": "Referral",
			"fieldtype": "Link",
			"options": "Referral",
			"insert_after": "referral_code",
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		},
		{
			"fieldname": "rl_side",
			"label": "Referral Side",
			"fieldtype": "Select",
			"options": "\nReferee\nReferrer",
			"insert_after": "rl_referral",
			"read_only": 1,
			"no_copy": 1,
		},
		{
			"fieldname": "rl_withdrawn",
			"label": "Withdrawn",
			"fieldtype": "Check",
			"insert_after": "rl_side",
			"read_only": 1,
			"no_copy": 1,
			"description": "The referral was reversed before this reward was used",
		},
	],
}

# (doctype, fieldname, property, value, property_type)
PROPERTY_SETTERS = (
	("Referral Code", "customer_offer", "reqd", "0", "Check"),
	("Referral Code", "customer_offer", "label", "Referee Offer (overrides the period's)", "Data"),
	("Referral Code", "primary_offer", "label", "Referrer Offer (overrides the period's)", "Data"),
	("Referral Code", "referral_code", "read_only", "1", "Check"),
)

# (doctype, columns, index name): filters used at the till
INDEXES = (
	("Referral Code", ["customer", "company"], "rl_customer_company_index"),
	("POS Coupon", ["customer", "company"], "rl_customer_company_index"),
	("POS Opening Shift", ["user", "status"], "rl_user_status_index"),
	("Referral Period", ["company", "from_date"], "rl_company_from_date_index"),
)


def after_install():
	ensure_setup()


def after_migrate():
	ensure_setup()


def ensure_setup():
	create_custom_fields(CUSTOM_FIELDS, ignore_validate=True, update=True)
	for doctype, fieldname, prop, value, property_type in PROPERTY_SETTERS:
		frappe.make_property_setter(
			{
				"doctype": doctype,
				"doctype_or_field": "DocField",
				"fieldname": fieldname,
				"property": prop,
				"value": value,
				"property_type": property_type,
			},
			validate_fields_for_doctype=False,
		)
	for doctype, columns, index_name in INDEXES:
		frappe.db.add_index(doctype, columns, index_name)


def before_uninstall():
	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
	for doctype, fieldname, prop, _value, _type in PROPERTY_SETTERS:
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": fieldname, "property": prop})
	for doctype, _columns, index_name in INDEXES:
		if frappe.db.has_index(f"tab{doctype}", index_name):
			# DDL: frappe offers add_index but no drop; names come from INDEXES above, not from input
			frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` DROP INDEX `{index_name}`")  # nosemgrep
	for doctype in CUSTOM_FIELDS:
		frappe.clear_cache(doctype=doctype)
