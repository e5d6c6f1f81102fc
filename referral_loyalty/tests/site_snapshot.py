"""What install-app touches on a site, as plain data, to prove uninstall-app leaves no trace
(used by scripts/check_install_cycle.sh; not a test module)."""

import json

import frappe

TOUCHED = ("Customer", "POS Profile", "Referral Code", "POS Coupon", "Sales Invoice", "POS Invoice")


def snapshot() -> str:
	data = {
		"custom_fields": sorted(
			frappe.get_all("Custom Field", filters={"dt": ("in", TOUCHED)}, pluck="name")
		),
		"property_setters": sorted(
			frappe.get_all("Property Setter", filters={"doc_type": ("in", TOUCHED)}, pluck="name")
		),
		"doctypes": sorted(frappe.get_all("DocType", filters={"module": "Referral Loyalty"}, pluck="name")),
		"module_def": bool(frappe.db.exists("Module Def", "Referral Loyalty")),
		"reports": sorted(frappe.get_all("Report", filters={"module": "Referral Loyalty"}, pluck="name")),
		"workspaces": sorted(
			frappe.get_all("Workspace", filters={"module": "Referral Loyalty"}, pluck="name")
		),
		"number_cards": sorted(
			frappe.get_all("Number Card", filters={"module": "Referral Loyalty"}, pluck="name")
		),
		"print_formats": sorted(
			frappe.get_all("Print Format", filters={"module": "Referral Loyalty"}, pluck="name")
		),
		"notifications": sorted(
			frappe.get_all("Notification", filters={"module": "Referral Loyalty"}, pluck="name")
		),
		"columns": {dt: sorted(frappe.db.get_table_columns(dt)) for dt in TOUCHED},
		"indexes": {
			dt: sorted({row.Key_name for row in frappe.db.sql(f"SHOW INDEX FROM `tab{dt}`", as_dict=True)})
			for dt in TOUCHED
		},
		"tables": sorted(
			t for t in frappe.db.get_tables() if t.startswith("tabReferral") and t != "tabReferral Code"
		),
	}
	return json.dumps(data, sort_keys=True)
