"""Committed data for the browser check of the cashier flow (browser-tests/pos_referral.mjs):
a shop of its own so the site tests' savepoints never see it. Run with ``bench execute``."""

import json

import frappe
from frappe.utils import add_days, today

from referral_loyalty import demo

COMPANY = "RL Browser Shop"
ABBR = "RLBS"
PROFILE = "RL Browser Till"
ITEM = "RL Browser Item"
REFEREE_OFFER = "RL Browser Welcome 10%"
REFERRER_OFFER = "RL Browser Thanks 15%"


def prepare(auto_fetch: int = 1) -> str:
	demo.ensure_fiscal_years(2026, 2027)
	demo.ensure_company(COMPANY, ABBR)
	demo.ensure_item(ITEM, price=40)
	demo.ensure_offer(REFEREE_OFFER, COMPANY, 10)
	demo.ensure_offer(REFERRER_OFFER, COMPANY, 15)
	for offer in (REFEREE_OFFER, REFERRER_OFFER):
		frappe.db.set_value("POS Offer", offer, "auto", 1)
	demo.ensure_pos_profile(PROFILE, COMPANY)
	frappe.db.set_value(
		"POS Profile",
		PROFILE,
		{
			"posa_fetch_coupon": int(auto_fetch),
			"rl_auto_create_referral_code": 1,
			"posa_block_sale_beyond_available_qty": 0,
		},
	)
	period = frappe.db.get_value(
		"Referral Period", {"company": COMPANY, "enabled": 1, "to_date": (">=", today())}
	)
	if not period:
		period = (
			frappe.get_doc(
				running_period(
					"Browser check",
					COMPANY,
					REFEREE_OFFER,
					REFERRER_OFFER,
					copy=[{"language": "en", "title": "10% off your first order", "description": "Welcome!"}],
				)
			)
			.insert(ignore_permissions=True)
			.name
		)
	# Each run enrols two referees on the referrer's one code: runs repeated on a site the same day
	# must not reach the review threshold (5 a day by default). This checks the cashier flow; the
	# review queue is checked by the site tests (test_review).
	# through the document (not frappe.db.set_value): the served site's cache of the period goes too
	frappe.get_doc("Referral Period", period).db_set(
		{"review_enrolments_per_day": 0, "referee_reward_type": "Coupon", "referee_points": 0}
	)
	referrer = frappe.db.get_value("Customer", {"customer_name": "RL Browser Referrer"})
	if not referrer:
		referrer = (
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": "RL Browser Referrer",
					"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}),
					"territory": frappe.db.get_value("Territory", {"is_group": 0}),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	_open_shift(PROFILE)
	from referral_loyalty.services.codes import issue_code

	code = frappe.db.get_value("Referral Code", issue_code(referrer, COMPANY), "referral_code")
	# the browser talks to the served site, which sees only committed data
	frappe.db.commit()  # nosemgrep
	from referral_loyalty.rules.codes import display

	price = frappe.db.get_value(
		"Item Price", {"item_code": ITEM, "price_list": "Standard Selling"}, "price_list_rate"
	)
	return json.dumps(
		{
			"company": COMPANY,
			"profile": PROFILE,
			"item": ITEM,
			"price": price,
			"code": display(code),
			"referrer": referrer,
		}
	)


def running_period(title: str, company: str, referee_offer: str, referrer_offer: str, **values) -> dict:
	"""A double-sided Referral Period running from yesterday for 60 days, paid on a first purchase
	of 10 or more within 30 days (``values`` add to or change that)."""
	return {
		"doctype": "Referral Period",
		"title": title,
		"company": company,
		"from_date": add_days(today(), -1),
		"to_date": add_days(today(), 60),
		"reward_mode": "Double-sided",
		"qualification": "On first purchase",
		"min_purchase_amount": 10,
		"qualify_within_days": 30,
		"referee_offer": referee_offer,
		"referrer_offer": referrer_offer,
		**values,
	}


def _open_shift(profile: str, user: str = "Administrator") -> None:
	"""The POS opens straight onto this profile: one open POS Awesome shift for the user."""
	open_shifts = frappe.get_all(
		"POS Opening Shift", {"user": user, "status": "Open", "docstatus": 1}, ["name", "pos_profile"]
	)
	if any(s.pos_profile == profile for s in open_shifts):
		return
	for shift in open_shifts:  # shifts of other profiles left open by earlier runs
		frappe.db.set_value("POS Opening Shift", shift.name, "status", "Closed")
	shift = frappe.get_doc(
		{
			"doctype": "POS Opening Shift",
			"period_start_date": frappe.utils.now_datetime(),
			"posting_date": today(),
			"company": COMPANY,
			"pos_profile": profile,
			"user": user,
			"balance_details": [{"mode_of_payment": "Cash", "amount": 0}],
		}
	).insert(ignore_permissions=True)
	shift.submit()


FOUND_REFERRER = "Quillon Brightwater"
FOUND_REFERRER_MOBILE = "+1 202 555 0187"


def prepare_find_referrer() -> str:
	"""The shop of ``prepare`` and a referrer the cashier finds by name ("Find referrer"): a name
	no other customer of the shop starts with, so the search shows exactly one result."""
	shop = json.loads(prepare(auto_fetch=1))
	referrer = frappe.db.get_value("Customer", {"customer_name": FOUND_REFERRER})
	if not referrer:
		referrer = (
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": FOUND_REFERRER,
					"mobile_no": FOUND_REFERRER_MOBILE,
					"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}),
					"territory": frappe.db.get_value("Territory", {"is_group": 0}),
				}
			)
			.insert(ignore_permissions=True)
			.name
		)
	from referral_loyalty.rules.codes import display
	from referral_loyalty.services.codes import issue_code

	code_name = issue_code(referrer, COMPANY)
	# the browser talks to the served site, which sees only committed data
	frappe.db.commit()  # nosemgrep
	return json.dumps(
		{
			**shop,
			"query": FOUND_REFERRER.split()[0].lower(),
			"first_name": FOUND_REFERRER.split()[0],
			"label": "Quillon B.",
			"hint": FOUND_REFERRER_MOBILE[-2:],
			"code": display(frappe.db.get_value("Referral Code", code_name, "referral_code")),
			"code_name": code_name,
			"referrer": referrer,
		}
	)


def outcome(customer_name: str) -> str:
	customer = frappe.db.get_value("Customer", {"customer_name": customer_name})
	referral = frappe.db.get_value(
		"Referral",
		{"referee": customer},
		[
			"name",
			"status",
			"reason",
			"referee_coupon",
			"referee_points_entry",
			"qualifying_invoice",
			"referral_code",
			"referrer",
		],
		as_dict=True,
	)
	used = (
		frappe.db.get_value("POS Coupon", referral.referee_coupon, "used")
		if referral and referral.referee_coupon
		else None
	)
	sale = (
		frappe.db.get_value(
			"Sales Invoice",
			referral.qualifying_invoice,
			["redeem_loyalty_points", "loyalty_points", "loyalty_amount", "docstatus"],
			as_dict=True,
		)
		if referral and referral.qualifying_invoice
		else None
	)
	from referral_loyalty.services.points import balance

	return json.dumps(
		{
			"customer": customer,
			"referral": referral,
			"referee_coupon_used": used,
			"sale": sale,
			"points_left": balance(customer, COMPANY) if customer else None,
		},
		default=str,
	)


# 80 points of 0.5 pay the whole first sale (40): POS Awesome accepts points beside cash only on a
# profile that allows partial payment (its cash check leaves the points out)
REFEREE_POINTS = 80
LOYALTY_PROGRAM = "RL Browser Points"


def prepare_points() -> str:
	"""The shop of ``prepare`` (no coupon fetched) with a period that welcomes the new customer
	with 80 loyalty points of the shop's program (a point is worth 0.5)."""
	shop = json.loads(prepare(auto_fetch=0))
	if not frappe.db.exists("Loyalty Program", LOYALTY_PROGRAM):
		frappe.get_doc(
			{
				"doctype": "Loyalty Program",
				"loyalty_program_name": LOYALTY_PROGRAM,
				"loyalty_program_type": "Single Tier Program",
				"from_date": "2025-01-01",
				"company": COMPANY,
				"conversion_factor": 0.5,
				"expiry_duration": 365,
				"expense_account": frappe.db.get_value(
					"Account", {"company": COMPANY, "root_type": "Expense", "is_group": 0}
				),
				"cost_center": frappe.get_cached_value("Company", COMPANY, "cost_center"),
				"collection_rules": [{"tier_name": "Bronze", "collection_factor": 1000, "min_spent": 0}],
			}
		).insert(ignore_permissions=True)
	period = frappe.db.get_value("Referral Period", {"company": COMPANY, "enabled": 1})
	frappe.get_doc("Referral Period", period).db_set(
		{
			"referee_reward_type": "Loyalty Points",
			"referee_points": REFEREE_POINTS,
			"loyalty_program": LOYALTY_PROGRAM,
		}
	)
	# the browser talks to the served site, which sees only committed data
	frappe.db.commit()  # nosemgrep
	return json.dumps({**shop, "points": REFEREE_POINTS, "points_value": REFEREE_POINTS * 0.5})


def desk_fixture() -> str:
	"""Names of the documents the Desk screenshots open (after the cashier flow ran)."""
	from referral_loyalty.rules.codes import display

	referrer = frappe.db.get_value("Customer", {"customer_name": "RL Browser Referrer"})
	code = frappe.db.get_value(
		"Referral Code", {"customer": referrer, "company": COMPANY}, ["name", "referral_code"], as_dict=True
	)
	period = frappe.db.get_value(
		"Referral Period", {"company": COMPANY, "enabled": 1}, ["name", "title"], as_dict=True
	)
	referral = frappe.db.get_value(
		"Referral", {"referrer": referrer, "status": "Qualified"}, "name", order_by="creation desc"
	)
	copy_title = frappe.db.get_value("Referral Period Copy", {"parent": period.name}, "title")
	return json.dumps(
		{
			"company": COMPANY,
			"referrer": referrer,
			"code_name": code.name,
			"code": display(code.referral_code),
			"period": period.name,
			"copy_title": copy_title,
			"referral": referral,
		}
	)
