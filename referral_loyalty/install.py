"""Custom fields, property setters, indexes and keys this app adds to POS Awesome's and ERPNext's
DocTypes — in on install/migrate, out again on uninstall (their columns and indexes included)."""

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields


def _reward_fields(insert_after: str) -> list[dict]:
	"""The referral and side a reward belongs to, on reward coupons and reward point entries."""
	return [
		{
			"fieldname": "rl_referral",
			"label": "Referral",
			"fieldtype": "Link",
			"options": "Referral",
			"insert_after": insert_after,
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
		},
		{
			"fieldname": "rl_side",
			"label": "Referral Side",
			"fieldtype": "Select",
			"options": "\nReferee\nReferrer\nBonus",
			"insert_after": "rl_referral",
			"read_only": 1,
			"no_copy": 1,
		},
	]


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
			"fieldname": "rl_own_offers",
			"label": "Own offers replace the period's",
			"fieldtype": "Check",
			"default": "0",
			"insert_after": "primary_offer",
			"description": "On (an influencer's code): this code's offers replace the running period's rewards. "
			"Off: the running period decides; the code's own offers reward only when no period runs.",
		},
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
			"fieldname": "rl_first_referral_on",
			"label": "First Referral On",
			"fieldtype": "Date",
			"insert_after": "rl_usage",
			"read_only": 1,
			"no_copy": 1,
			"description": "The day this code first brought a new customer",
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
		*_reward_fields(insert_after="referral_code"),
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
	"Loyalty Point Entry": _reward_fields(insert_after="redeem_against"),
}

# (doctype, fieldname, property, value, property_type)
PROPERTY_SETTERS = (
	("Referral Code", "customer_offer", "reqd", "0", "Check"),
	("Referral Code", "customer_offer", "label", "Referee Offer (overrides the period's)", "Data"),
	("Referral Code", "primary_offer", "label", "Referrer Offer (overrides the period's)", "Data"),
	("Referral Code", "referral_code", "read_only", "1", "Check"),
)

# (doctype, columns, index name): filters used at the till, and the reports' covering indexes on
# other apps' tables (the Referral's own are in its on_doctype_update)
INDEXES = (
	("Referral Code", ["customer", "company"], "rl_customer_company_index"),
	("POS Coupon", ["customer", "company"], "rl_customer_company_index"),
	("POS Opening Shift", ["user", "status"], "rl_user_status_index"),
	("Referral Period", ["company", "from_date"], "rl_company_from_date_index"),
	# Reward Cost: reward coupons of a company issued in a date range, counted from the index alone
	(
		"POS Coupon",
		["company", "rl_side", "pos_offer", "creation", "used", "rl_withdrawn"],
		"rl_reward_offer_index",
	),
	# the sales a reward coupon was applied on (POS Awesome's posa_coupons rows)
	("POS Coupon Detail", ["coupon", "parenttype"], "rl_coupon_index"),
	# reward points of a company in a date range; what was spent or taken back of an entry
	("Loyalty Point Entry", ["company", "rl_side", "posting_date"], "rl_reward_points_index"),
	("Loyalty Point Entry", ["redeem_against"], "rl_redeem_against_index"),
	# Referral ROI: the new customers of a date range who came without a referral
	("Customer", ["creation", "rl_referral"], "rl_new_customers_index"),
	# the workspace cards: enabled codes of a company; the reports: codes with a campaign
	("Referral Code", ["company", "disabled", "rl_first_referral_on"], "rl_company_sharing_index"),
	("Referral Code", ["campaign"], "rl_campaign_index"),
	# Reward Cost: the few codes whose own offers replace the period's
	("Referral Code", ["rl_own_offers", "primary_offer"], "rl_own_offers_index"),
	# a referee's first sale at the till: ERPNext sums the company's month of sales on every
	# submit (Selling Settings' "Each Transaction", its default) over a range of posting_date alone,
	# reading each of the month's invoices; this index answers that sum from its own pages
	(
		"Sales Invoice",
		["company", "docstatus", "posting_date", "base_grand_total"],
		"rl_month_sales_index",
	),
)


# One enabled code per (customer, company), held by the database: a unique index over a generated
# column that is NULL for disabled codes (NULLs never collide; MariaDB has no partial indexes).
# (doctype, column, expression, unique index name)
GENERATED_KEYS = (
	(
		"Referral Code",
		"rl_enabled_key",
		"IF(`disabled` = 0, CONCAT(`customer`, '\\n', `company`), NULL)",
		"rl_one_enabled_code",
	),
)


# Indexed virtual columns for look-ups a plain index cannot serve (MariaDB has no function
# indexes, and a leading wildcard reads the whole table): the till's "find referrer" matches a
# mobile number however it was typed (its digits reversed: the number's national digits are then a
# prefix, see rules/referrer_search.py) and the words of a name after the first and the last one.
# Virtual, so adding them to a large Customer table rewrites no rows. (doctype, column, expression,
# index name)
SEARCH_KEYS = (
	(
		"Customer",
		"rl_mobile_key",
		"NULLIF(REVERSE(REGEXP_REPLACE(`mobile_no`, '[^0-9]', '')), '')",
		"rl_mobile_key_index",
	),
	(
		"Customer",
		"rl_name_rest",
		"IF(LOCATE(' ', TRIM(`customer_name`)) > 0, "
		"TRIM(SUBSTRING(TRIM(`customer_name`), LOCATE(' ', TRIM(`customer_name`)) + 1)), NULL)",
		"rl_name_rest_index",
	),
	(
		"Customer",
		"rl_name_last",
		"IF(CHAR_LENGTH(TRIM(`customer_name`)) - CHAR_LENGTH(REPLACE(TRIM(`customer_name`), ' ', '')) > 1, "
		"SUBSTRING_INDEX(TRIM(`customer_name`), ' ', -1), NULL)",
		"rl_name_last_index",
	),
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
	for doctype, column, expression, index_name in GENERATED_KEYS:
		_ensure_generated_key(doctype, column, expression, index_name)
	for doctype, column, expression, index_name in SEARCH_KEYS:
		_ensure_search_key(doctype, column, expression, index_name)


def _ensure_generated_key(doctype: str, column: str, expression: str, index_name: str) -> None:
	table = f"tab{doctype}"
	if frappe.db.has_index(table, index_name):
		return
	if doctype == "Referral Code":
		_disable_extra_enabled_codes()
	# DDL on names and expressions defined above in this module, never on input
	frappe.db.sql_ddl(  # nosemgrep
		f"ALTER TABLE `{table}` ADD COLUMN IF NOT EXISTS `{column}` varchar(300) "
		f"AS ({expression}) PERSISTENT, ADD UNIQUE INDEX `{index_name}` (`{column}`)"
	)


def _ensure_search_key(doctype: str, column: str, expression: str, index_name: str) -> None:
	table = f"tab{doctype}"
	if frappe.db.has_index(table, index_name):
		return
	# DDL on names and expressions defined above in this module, never on input
	frappe.db.sql_ddl(  # nosemgrep
		f"ALTER TABLE `{table}` ADD COLUMN IF NOT EXISTS `{column}` varchar(140) "
		f"AS ({expression}) VIRTUAL, ADD INDEX `{index_name}` (`{column}`)"
	)
	frappe.cache.hdel("table_columns", table)


def _disable_extra_enabled_codes() -> None:
	"""Codes made before the key existed: where a customer has several enabled codes for one
	company, the oldest stays enabled and the others are disabled (with a comment saying why)."""
	code = frappe.qb.DocType("Referral Code")
	rows = (
		frappe.qb.from_(code)
		.select(code.name, code.customer, code.company)
		.where(code.disabled == 0)
		.orderby(code.customer)
		.orderby(code.company)
		.orderby(code.creation)
		.orderby(code.name)
		.run(as_dict=True)
	)
	seen = set()
	for row in rows:
		key = (row.customer, row.company)
		if key not in seen:
			seen.add(key)
			continue
		frappe.db.set_value("Referral Code", row.name, "disabled", 1, update_modified=False)
		frappe.get_doc("Referral Code", row.name).add_comment(
			"Info",
			"Disabled: the customer has an older enabled code for this company (one enabled code each).",
		)


def before_uninstall():
	"""Everything in again out: custom fields with their columns and indexes, property setters,
	named indexes, generated keys and scheduled jobs. (Frappe keeps the columns of deleted custom fields; this app
	drops them, since the DocTypes their data belongs to are dropped by uninstall-app too.)"""
	for doctype, column, _expression, index_name in (*GENERATED_KEYS, *SEARCH_KEYS):
		_drop_index(doctype, index_name)
		_drop_column(doctype, column)
	for doctype, _columns, index_name in INDEXES:
		_drop_index(doctype, index_name)
	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
			for index in _indexes_on(doctype, field["fieldname"]):
				_drop_index(doctype, index)
			_drop_column(doctype, field["fieldname"])
	for doctype, fieldname, prop, _value, _type in PROPERTY_SETTERS:
		frappe.db.delete("Property Setter", {"doc_type": doctype, "field_name": fieldname, "property": prop})
	# uninstall-app leaves the app's scheduled job types behind (frappe drops them at a later migrate)
	frappe.db.delete("Scheduled Job Type", {"method": ("like", "referral_loyalty.%")})
	for doctype in {
		*CUSTOM_FIELDS,
		*(i[0] for i in INDEXES),
		*(k[0] for k in (*GENERATED_KEYS, *SEARCH_KEYS)),
	}:
		frappe.clear_cache(doctype=doctype)


def _indexes_on(doctype: str, column: str) -> list[str]:
	"""Names of the indexes whose columns include ``column`` (a custom field's own search index)."""
	# information_schema has no DocType: a parameterised query of the current database
	return frappe.db.sql(  # nosemgrep
		"""SELECT DISTINCT index_name FROM information_schema.statistics
		WHERE table_schema = DATABASE() AND table_name = %s AND column_name = %s""",
		(f"tab{doctype}", column),
		pluck=True,
	)


def ensure_sort_index(doctype: str) -> None:
	"""An index on ``creation``, the sort field of the app's DocTypes (the Desk lists them newest
	first): frappe adds one when it alters such a table, not when it creates it, so a new site
	would sort a whole table for a list's first page. Named as frappe names its own."""
	if not frappe.db.get_column_index(f"tab{doctype}", "creation", unique=False):
		frappe.db.add_index(doctype, ["creation"], "creation")


def _drop_index(doctype: str, index_name: str) -> None:
	if frappe.db.has_index(f"tab{doctype}", index_name):
		# DDL: frappe offers add_index but no drop; names come from this module or the schema
		frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` DROP INDEX `{index_name}`")  # nosemgrep


def _drop_column(doctype: str, column: str) -> None:
	table = f"tab{doctype}"
	# information_schema has no DocType: a parameterised query of the current database
	exists = frappe.db.sql(  # nosemgrep
		"""SELECT 1 FROM information_schema.columns
		WHERE table_schema = DATABASE() AND table_name = %s AND column_name = %s""",
		(table, column),
	)
	if exists:
		frappe.db.sql_ddl(f"ALTER TABLE `{table}` DROP COLUMN `{column}`")  # nosemgrep
		frappe.cache.hdel("table_columns", table)
