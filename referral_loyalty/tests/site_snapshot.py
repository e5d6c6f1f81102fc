"""What install-app can touch on a site, as plain data, to prove uninstall-app leaves no trace
(used by scripts/check_install_cycle.sh; not a test module).

The schema part covers every table of the site's database (every column with its type and
default, every index with its columns), so a leftover anywhere shows, not only on the DocTypes
the app is known to extend."""

import json

import frappe

MODULE = "Referral Loyalty"
APP = "referral_loyalty"


def _schema() -> dict:
	columns: dict[str, list[str]] = {}
	for table, column, column_type, default, nullable in frappe.db.sql(
		"""SELECT table_name, column_name, column_type, column_default, is_nullable
		FROM information_schema.columns WHERE table_schema = DATABASE()"""
	):
		columns.setdefault(table, []).append(f"{column} {column_type} default={default} null={nullable}")
	indexes: dict[str, list[str]] = {}
	for table, index, non_unique, index_columns in frappe.db.sql(
		"""SELECT table_name, index_name, non_unique,
			GROUP_CONCAT(column_name ORDER BY seq_in_index SEPARATOR ',')
		FROM information_schema.statistics WHERE table_schema = DATABASE()
		GROUP BY table_name, index_name, non_unique"""
	):
		indexes.setdefault(table, []).append(f"{index}({index_columns}){'' if non_unique else ' unique'}")
	return {
		"tables": sorted(columns),
		"columns": {table: sorted(cols) for table, cols in columns.items()},
		"indexes": {table: sorted(idx) for table, idx in indexes.items()},
	}


def _records() -> dict:
	by_module = {
		doctype: sorted(frappe.get_all(doctype, filters={"module": MODULE}, pluck="name"))
		for doctype in ("DocType", "Report", "Workspace", "Number Card", "Print Format", "Notification")
	}
	return {
		**by_module,
		"custom_fields": sorted(frappe.get_all("Custom Field", pluck="name")),
		"property_setters": sorted(
			f"{p.name}={p.value}" for p in frappe.get_all("Property Setter", fields=["name", "value"])
		),
		"module_def": bool(frappe.db.exists("Module Def", MODULE)),
		"scheduled_jobs": sorted(
			frappe.get_all("Scheduled Job Type", filters={"method": ("like", f"{APP}.%")}, pluck="name")
		),
		"installed_apps": frappe.get_installed_apps(),
	}


def snapshot() -> str:
	return json.dumps({"schema": _schema(), "records": _records()}, sort_keys=True, default=str)
