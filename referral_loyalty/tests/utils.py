"""Shared set-up for the site tests: one test shop (company, item, coupon-based offers), and
helpers that create periods, customers and invoices the way a shop would."""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import ClassVar
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, getdate, today

from referral_loyalty import demo
from referral_loyalty.services.periods import forget_periods

COMPANY = "RL Test Shop"
ABBR = "RLTS"
OTHER_COMPANY = "RL Other Shop"
ITEM = "RL Test Item"
REFEREE_OFFER = "RL Welcome 10%"
REFERRER_OFFER = "RL Thanks 15%"
INFLUENCER_OFFER = "RL Influencer 25%"
POS_PROFILE = "RL Test Till"


def ensure_offer(title: str, company: str = COMPANY, percent: float = 10, coupon_based: int = 1) -> str:
	return demo.ensure_offer(title, company, percent, coupon_based)


def ensure_pos_profile() -> str:
	return demo.ensure_pos_profile(POS_PROFILE, COMPANY)


def open_till(profile: str = POS_PROFILE, user: str = "Administrator"):
	"""An open POS Opening Entry for the profile (ERPNext refuses POS Invoices without one)."""
	existing = frappe.db.get_value(
		"POS Opening Entry", {"pos_profile": profile, "user": user, "status": "Open", "docstatus": 1}
	)
	if existing:
		return existing
	entry = frappe.get_doc(
		{
			"doctype": "POS Opening Entry",
			"pos_profile": profile,
			"company": COMPANY,
			"user": user,
			"period_start_date": frappe.utils.now_datetime(),
			"posting_date": frappe.utils.today(),
			"balance_details": [{"mode_of_payment": "Cash", "opening_amount": 0}],
		}
	).insert(ignore_permissions=True)
	entry.submit()
	return entry.name


def ensure_shop() -> None:
	"""Idempotent base data, committed once so parallel processes see it too."""
	if frappe.db.exists("POS Profile", POS_PROFILE):
		return
	demo.ensure_fiscal_years(2025, 2026, 2027)
	demo.ensure_company(COMPANY, ABBR)
	demo.ensure_company(OTHER_COMPANY, "RLOS")
	demo.ensure_item(ITEM)
	ensure_offer(REFEREE_OFFER, percent=10)
	ensure_offer(REFERRER_OFFER, percent=15)
	ensure_offer("RL Not Coupon", coupon_based=0)
	ensure_offer("RL Other Company Offer", company=OTHER_COMPANY)
	ensure_offer(INFLUENCER_OFFER, percent=25)
	ensure_pos_profile()
	# base test data must be visible to the parallel-process tests
	frappe.db.commit()  # nosemgrep


def delete_periods(filters: dict) -> None:
	"""Delete periods behind the documents' back (test set-up), and what the site cached of them."""
	frappe.db.delete("Referral Period", filters)
	forget_periods()


class ReferralTestCase(FrappeTestCase):
	"""Each test runs inside a savepoint that is rolled back afterwards."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		ensure_shop()

	def setUp(self):
		frappe.set_user("Administrator")
		frappe.flags.rl_quiet = True
		frappe.flags.rl_inline = True  # no commit ever happens in a site test: run after-commit work at once
		frappe.db.savepoint("rl_test")
		delete_periods({"company": ("in", (COMPANY, OTHER_COMPANY))})

	def on(self, day):
		"""Run as on ``day`` (the clock ticks, so modified timestamps stay distinct)."""
		return self.freeze_time(f"{day} 10:00:00", tick=True)

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback(save_point="rl_test")
		forget_periods()  # the periods of the test are gone (a savepoint's rollback runs no callbacks)
		frappe.flags.rl_quiet = False
		frappe.flags.rl_inline = False


class ReferrerTestCase(ReferralTestCase):
	"""A referrer with a code, and the two things every scenario does: a new customer enrols with
	the code, a customer buys."""

	def setUp(self):
		super().setUp()
		self.referrer, self.code = make_referrer()

	def enrol(self, day="2026-03-05", **kw):
		with self.on(day):
			return make_customer(code=self.code.referral_code, **kw)

	def buy(self, customer, amount, day, **kw):
		with self.on(day):
			return make_invoice(customer.name, amount, day, **kw)


def make_period(from_date, to_date, company: str = COMPANY, **kw):
	values = {
		"doctype": "Referral Period",
		"title": kw.pop("title", f"Period {from_date}"),
		"company": company,
		"enabled": 1,
		"from_date": from_date,
		"to_date": to_date,
		"reward_mode": "Double-sided",
		"qualification": "On first purchase",
		"min_purchase_amount": 50,
		"qualify_within_days": 30,
		"referee_offer": REFEREE_OFFER,
		"referrer_offer": REFERRER_OFFER,
		"referrer_cap": 0,
		"referee_reward_limit": 1,
		# the tests enrol many referees on one code in a day; the review queue's own tests set it
		"review_enrolments_per_day": 0,
	}
	values.update(kw)
	return frappe.get_doc(values).insert(ignore_permissions=True)


def make_customer(
	name: str | None = None, code: str | None = None, mobile=None, email=None, company=COMPANY, **fields
):
	doc = frappe.get_doc(
		{
			"doctype": "Customer",
			"customer_name": name or f"RL Customer {frappe.generate_hash(length=8)}",
			"customer_type": "Individual",
			"customer_group": frappe.db.get_value("Customer Group", {"is_group": 0}, "name")
			or "All Customer Groups",
			"territory": frappe.db.get_value("Territory", {"is_group": 0}, "name") or "All Territories",
			"mobile_no": mobile,
			"email_id": email,
			"posa_referral_code": code,
			"posa_referral_company": company if code else None,
			**fields,
		}
	)
	doc.insert(ignore_permissions=True)
	return doc


def make_referrer(usage_limit: int = 0, **kw):
	customer = make_customer(**kw)
	code = frappe.get_doc(
		{
			"doctype": "Referral Code",
			"customer": customer.name,
			"company": kw.get("company", COMPANY),
			"rl_usage_limit": usage_limit,
		}
	).insert(ignore_permissions=True)
	return customer, code


def make_invoice(
	customer: str,
	amount: float,
	posting_date=None,
	submit=True,
	doctype="Sales Invoice",
	company=COMPANY,
	qty=1,
	item=ITEM,
	warehouse=None,
	**kw,
):
	"""A sale of ``qty`` x ``item`` for ``amount``; with ``warehouse``, one that moves stock (as a
	POS sale does), so its lines carry their valuation."""
	posting_date = getdate(posting_date or frappe.utils.today())
	line = {"item_code": item, "qty": qty, "rate": amount / qty}
	if warehouse:
		line["warehouse"] = warehouse
		kw.setdefault("update_stock", 1)
	inv = frappe.get_doc(
		{
			"doctype": doctype,
			"customer": customer,
			"company": company,
			"posting_date": posting_date,
			"set_posting_time": 1,
			"due_date": add_days(posting_date, 30),
			"currency": "USD",
			"items": [line],
			**kw,
		}
	)
	inv.insert(ignore_permissions=True)
	if submit:
		inv.submit()
	return inv


def make_return(original, qty: float, submit=True):
	"""Return ``qty`` units of the original's first line."""
	from erpnext.controllers.sales_and_purchase_return import make_return_doc

	ret = make_return_doc(original.doctype, original.name)
	ret.set_posting_time = 1
	ret.posting_date = frappe.utils.today()
	ret.posting_time = frappe.utils.nowtime()
	ret.items[0].qty = -qty
	ret.insert(ignore_permissions=True)
	if submit:
		ret.submit()
	return ret


@contextmanager
def recorded_sql():
	"""Every statement sent through ``frappe.db.sql`` inside the block, with its values, into the
	list it yields; each is still run (nothing is stubbed)."""
	sent, real_sql = [], frappe.db.sql

	def recording(query, *args, **kwargs):
		sent.append(frappe.db.mogrify(query, args[0] if args else kwargs.get("values")))
		return real_sql(query, *args, **kwargs)

	with patch.object(frappe.db, "sql", side_effect=recording):
		yield sent


def referral_of(customer: str):
	name = frappe.db.get_value("Referral", {"referee": customer})
	return frappe.get_doc("Referral", name) if name else None


LOYALTY_PROGRAM = "RL Points"


def ensure_loyalty_program(name: str = LOYALTY_PROGRAM, company: str = COMPANY) -> str:
	"""A single-tier loyalty program (a point is worth 0.5; a sale earns a point per 1,000 spent,
	so purchases in the tests earn none)."""
	if frappe.db.exists("Loyalty Program", name):
		return name
	expense_account = frappe.db.get_value(
		"Account", {"company": company, "root_type": "Expense", "is_group": 0}, "name"
	)
	frappe.get_doc(
		{
			"doctype": "Loyalty Program",
			"loyalty_program_name": name,
			"loyalty_program_type": "Single Tier Program",
			"from_date": "2025-01-01",
			"company": company,
			"conversion_factor": 0.5,
			"expiry_duration": 365,
			"expense_account": expense_account,
			"cost_center": frappe.get_cached_value("Company", company, "cost_center"),
			"collection_rules": [{"tier_name": "Bronze", "collection_factor": 1000, "min_spent": 0}],
		}
	).insert(ignore_permissions=True)
	return name


class ProcessTestCase(FrappeTestCase):
	"""For tests with real processes (tests/processes.py): a committed set-up the children see — a
	period running today (``period_kwargs``), a referrer with a code and ``referees_count``
	referees with draft sales of 100 — removed again afterwards."""

	referees_count = 1
	period_kwargs: ClassVar[dict] = {}

	def setUp(self):
		ensure_shop()
		frappe.flags.rl_quiet = True
		frappe.flags.rl_inline = False
		delete_periods({"company": COMPANY})
		self.period = make_period(today(), today(), **{"min_purchase_amount": 10, **self.period_kwargs})
		self.referrer, self.code = make_referrer()
		self.referees = self.make_referees()
		self.invoices = [make_invoice(r.name, 100, submit=False) for r in self.referees]
		# the child processes must see the set-up
		frappe.db.commit()  # nosemgrep

	def tearDown(self):
		frappe.db.rollback()
		customers = [self.referrer.name] + [r.name for r in self.referees]
		invoices = [i.name for i in self.invoices]
		referrals = frappe.get_all("Referral", {"referrer": self.referrer.name}, pluck="name") or [""]
		for doctype, filters in (
			("GL Entry", {"voucher_no": ("in", invoices)}),
			("Payment Ledger Entry", {"voucher_no": ("in", invoices)}),
			("Referral Sale Entry", {"invoice": ("in", invoices)}),
			("Sales Invoice Item", {"parent": ("in", invoices)}),
			("Sales Invoice", {"name": ("in", invoices)}),
			("Referral Outbox", {"referral": ("in", referrals)}),
			("Error Log", {"reference_doctype": "Referral", "reference_name": ("in", referrals)}),
			("Notification Log", {"document_type": "Referral", "document_name": ("in", referrals)}),
			("Email Queue", {"reference_doctype": "Referral", "reference_name": ("in", referrals)}),
			("Referral Bonus", {"referrer": self.referrer.name}),
			("POS Coupon", {"rl_referral": ("in", referrals)}),
			("Referral", {"name": ("in", referrals)}),
			("Referral Code", {"customer": ("in", customers)}),
			("Referral Period", {"name": self.period.name}),
			("Dynamic Link", {"link_doctype": "Customer", "link_name": ("in", customers)}),
			("Customer", {"name": ("in", customers)}),
		):
			frappe.db.delete(doctype, filters)
		# undo the committed set-up
		frappe.db.commit()  # nosemgrep
		forget_periods()
		frappe.flags.rl_quiet = False

	def make_referees(self) -> list:
		return [make_customer(code=self.code.referral_code) for _ in range(self.referees_count)]

	def submit_at_once(self, invoices=None, **kwargs) -> list[dict]:
		"""Each draft sale submitted by a process of its own, all at the same moment."""
		from referral_loyalty.tests import processes

		start_at = time.time() + 4  # every child connected and waiting by then
		children = [
			processes.spawn("submit_invoice", start_at=start_at, doctype=inv.doctype, name=inv.name, **kwargs)
			for inv in invoices or self.invoices
		]
		results = [processes.result(child) for child in children]
		frappe.db.rollback()  # a fresh snapshot: see what the children committed
		return results
