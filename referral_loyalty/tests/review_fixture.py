"""Committed data for the browser check of the Desk review queue (browser-tests/review_queue.mjs):
a shop of its own (never the site tests' data), a Sales Manager who logs in, and two referrals
held for review — one whose qualifying sale already happened. Run with ``bench execute``."""

import json

import frappe
from frappe.utils import today

from referral_loyalty import demo
from referral_loyalty.tests.browser_fixture import running_period
from referral_loyalty.tests.utils import delete_periods

COMPANY = "RL Review Shop"
ABBR = "RLRS"
ITEM = "RL Review Item"
REFEREE_OFFER = "RL Review Welcome 10%"
REFERRER_OFFER = "RL Review Thanks 15%"
MANAGER = "rl-review-browser@example.com"
PASSWORD = "Review-Queue-2026!"


def prepare() -> str:
	frappe.flags.rl_quiet = True
	demo.ensure_fiscal_years(2026, 2027)
	demo.ensure_company(COMPANY, ABBR)
	demo.ensure_item(ITEM, price=40)
	demo.ensure_offer(REFEREE_OFFER, COMPANY, 10)
	demo.ensure_offer(REFERRER_OFFER, COMPANY, 15)
	delete_periods({"company": COMPANY})
	# the second enrolment on a code in a day waits for review
	frappe.get_doc(
		running_period("Review check", COMPANY, REFEREE_OFFER, REFERRER_OFFER, review_enrolments_per_day=1)
	).insert(ignore_permissions=True)
	if not frappe.db.exists("User", MANAGER):
		frappe.get_doc(
			{
				"doctype": "User",
				"email": MANAGER,
				"first_name": "Review",
				"last_name": "Manager",
				"send_welcome_email": 0,
				"new_password": PASSWORD,
			}
		).insert(ignore_permissions=True)
	frappe.get_doc("User", MANAGER).add_roles("Sales Manager", "Sales User")
	tag = frappe.generate_hash(length=5)
	referrer = _customer(f"RL Review Referrer {tag}")
	code = frappe.get_doc({"doctype": "Referral Code", "customer": referrer, "company": COMPANY}).insert(
		ignore_permissions=True
	)
	_customer(f"RL Review First {tag}", code.referral_code)  # enrolled, Pending
	with_sale = _customer(f"RL Review Bought {tag}", code.referral_code)  # Under Review
	to_reject = _customer(f"RL Review Reject {tag}", code.referral_code)  # Under Review
	invoice = frappe.get_doc(
		{
			"doctype": "Sales Invoice",
			"customer": with_sale,
			"company": COMPANY,
			"due_date": today(),
			"items": [{"item_code": ITEM, "qty": 1, "rate": 40}],
		}
	).insert(ignore_permissions=True)
	invoice.submit()
	# the browser logs in and decides: it must see the committed data
	frappe.db.commit()  # nosemgrep
	out = {
		"user": MANAGER,
		"password": PASSWORD,
		"approve": frappe.db.get_value("Referral", {"referee": with_sale}),
		"approve_name": f"RL Review Bought {tag}",
		"reject": frappe.db.get_value("Referral", {"referee": to_reject}),
		"reject_name": f"RL Review Reject {tag}",
	}
	return json.dumps(out)


def outcome(names: str) -> str:
	rows = frappe.get_all(
		"Referral",
		filters={"name": ("in", json.loads(names))},
		fields=["name", "status", "reason", "decided_by", "decision_note", "referrer_coupon"],
	)
	return json.dumps({row.name: row for row in rows}, default=str)


def _customer(name: str, code: str | None = None) -> str:
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name,
			"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name"),
			"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name"),
			"posa_referral_code": code,
			"posa_referral_company": COMPANY if code else None,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc.name
