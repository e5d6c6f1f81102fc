"""The benchmark shop, the same on both benchmark sites, and the helpers every benchmark script shares.

Two sites with the same data: ``rl_bench.localhost`` (erpnext, posawesome, referral_loyalty) and
``rl_bench_native.localhost`` (erpnext, posawesome only). ``setup_site`` is idempotent and tells
the two apart by the installed apps:

- both: ERPNext set up with company "Bench Shop", a non-stock item with a price, two coupon-based
  POS Offers, POS Profile "Bench Till" (Auto Fetch Coupon Gifts on), a referrer, a walk-in
  customer without any referral, a customer holding 200 gift coupons, 20,000 other customers (so
  that a filter without an index shows) and an open POS Awesome shift for the cashier;
- ours: a Referral Period running today (double-sided, on first purchase of 10 or more within 30
  days, no velocity review) and the referrer's code issued by ``services.codes.issue_code``; new POS
  customers get a code of their own (the POS Profile flag);
- native: the referrer's code in POS Awesome's own Referral Code with a customer_offer and a
  primary_offer, so its immediate double-coupon path runs; new customers get a code of their own
  (POS Awesome's company flag "auto referral").
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

COMPANY = "Bench Shop"
ABBR = "BS"
ITEM = "Bench Coffee"
PRICE = 20
REFEREE_OFFER = "Bench Welcome 10%"
REFERRER_OFFER = "Bench Thanks 15%"
PROFILE = "Bench Till"
REFERRER = "Bench Referrer"
WALK_IN = "Bench Walk-in"
COUPON_HOLDER = "Bench Coupon Holder"
COUPONS = 200
FILLER = 20_000
FILLER_PREFIX = "Bench Filler"
PERIOD_TITLE = "Bench Period"
MIN_PURCHASE = 10
APP = "referral_loyalty"


_MOBILE_BASE = int(time.time() * 10) % 10**8


def mobile(source: int, seq: int) -> str:
	"""A mobile number no earlier referee has (the duplicate-identity check compares the last nine
	digits): one digit for who makes it (``source``), eight from the clock at start plus ``seq``."""
	return f"+1{source % 10}{(_MOBILE_BASE + seq) % 10**8:08d}"


def sites_path() -> str:
	for candidate in (Path(sys.executable).parents[2] / "sites", Path.cwd() / "sites", Path.cwd()):
		if (candidate / "apps.txt").exists():
			return str(candidate)
	return "sites"


def connect(site: str) -> None:
	"""Connect to ``site`` as Administrator, as bench does (cwd = sites, so logs go to ../logs)."""
	import frappe

	path = sites_path()
	os.chdir(path)
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")


def is_ours() -> bool:
	import frappe

	return APP in frappe.get_installed_apps()


class QueryCounter:
	"""Count the SQL statements sent through ``frappe.db.sql`` (every ORM and query-builder call ends
	there, and so do commit and the savepoints) and those a report runs on connections of its own
	(``concurrent_reads``). With ``attribute``, also keep each statement with
	whether referral_loyalty's code sent it (a frame of a ``referral_loyalty.*`` module on the stack)."""

	def __init__(self, attribute: bool = False):
		self.count = 0
		self.attribute = attribute
		self.statements: list[tuple[str, bool]] = []

	def __enter__(self):
		import frappe

		db = frappe.local.db
		original = type(db).sql.__get__(db)
		counter = self

		def sql(query, *args, **kwargs):
			counter.count += 1
			if counter.attribute:
				counter.statements.append((_render(db, query, args, kwargs), _from_app()))
			return original(query, *args, **kwargs)

		db.sql = sql
		# a report's statements run side by side on connections of their own (concurrent_reads),
		# which keeps them here: counted and kept too, as the app's
		frappe.local.rl_side_lane_log = self.side_lanes = []
		return self

	def __exit__(self, *exc):
		import frappe

		frappe.local.db.__dict__.pop("sql", None)
		del frappe.local.rl_side_lane_log
		self.count += len(self.side_lanes)
		if self.attribute:
			self.statements += [(statement, True) for statement in self.side_lanes]
		return False

	@property
	def from_app(self) -> list[str]:
		return [q for q, ours in self.statements if ours]


_APPS = ("referral_loyalty.", "posawesome.", "erpnext.")


def _from_app() -> bool:
	"""Whether the innermost app frame (frappe's own frames skipped) on the stack is ours: a query
	frappe sends for a document referral_loyalty inserts counts as ours, one ERPNext sends while
	saving a customer does not."""
	frame = sys._getframe(2)
	while frame is not None:
		module = frame.f_globals.get("__name__", "")
		if module.startswith(_APPS):
			return module.startswith(APP + ".")
		frame = frame.f_back
	return False


def _render(db, query, args, kwargs) -> str:
	values = args[0] if args else kwargs.get("values")
	text = str(query)
	try:
		if values:
			text = db._cursor.mogrify(text, values) if hasattr(db._cursor, "mogrify") else text
	except Exception:
		pass
	return " ".join(str(text).split())


@contextmanager
def stopwatch():
	box = {"ms": 0.0}
	started = time.perf_counter()
	try:
		yield box
	finally:
		box["ms"] = (time.perf_counter() - started) * 1000


def leaf(doctype: str, fallback: str) -> str:
	import frappe

	return frappe.db.get_value(doctype, {"is_group": 0}, "name", order_by="lft asc") or fallback


def profile_json() -> str:
	"""The POS Profile as the POS sends it (``pos_profile_doc``)."""
	import json

	import frappe

	return json.dumps(frappe.get_doc("POS Profile", PROFILE).as_dict(), default=str)


def ensure_customer(name: str, mobile: str | None = None, **fields) -> str:
	import frappe

	existing = frappe.db.get_value("Customer", {"customer_name": name})
	if existing:
		return existing
	return (
		frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": "Individual",
				"customer_group": leaf("Customer Group", "All Customer Groups"),
				"territory": leaf("Territory", "All Territories"),
				"mobile_no": mobile,
				**fields,
			}
		)
		.insert(ignore_permissions=True)
		.name
	)


def referrer_code() -> str:
	"""The referrer's Referral Code (document name)."""
	import frappe

	referrer = frappe.db.get_value("Customer", {"customer_name": REFERRER})
	return frappe.db.get_value("Referral Code", {"customer": referrer, "company": COMPANY, "disabled": 0})


def native_code(customer: str) -> str:
	"""A Referral Code in POS Awesome's own doctype, with both offers (its double-coupon path)."""
	import frappe

	doc = frappe.get_doc(
		{
			"doctype": "Referral Code",
			"customer": customer,
			"company": COMPANY,
			"customer_offer": REFEREE_OFFER,
			"primary_offer": REFERRER_OFFER,
		}
	).insert(ignore_permissions=True)
	return doc.name


def setup_site() -> None:
	import frappe
	from frappe.utils import add_days, getdate, today

	from referral_loyalty import demo

	ours = is_ours()
	started = time.monotonic()
	demo.complete_setup_wizard(COMPANY, ABBR)
	year = getdate(today()).year
	demo.ensure_fiscal_years(year, year + 1)
	demo.ensure_company(COMPANY, ABBR)
	demo.ensure_item(ITEM, price=PRICE)
	demo.ensure_offer(REFEREE_OFFER, COMPANY, 10)
	demo.ensure_offer(REFERRER_OFFER, COMPANY, 15)
	demo.ensure_pos_profile(PROFILE, COMPANY)
	frappe.db.set_value("POS Profile", PROFILE, "posa_fetch_coupon", 1)

	referrer = ensure_customer(REFERRER, "5550009999")
	ensure_customer(WALK_IN, "5550009998")
	if ours:
		from referral_loyalty.services.codes import issue_code
		from referral_loyalty.services.periods import period_on

		running = period_on(COMPANY, today())
		if running:
			_no_velocity_review(running.name)
		else:
			frappe.get_doc(
				{
					"doctype": "Referral Period",
					"title": f"{PERIOD_TITLE} {today()}",
					"company": COMPANY,
					"from_date": today(),
					"to_date": add_days(today(), 364),
					"reward_mode": "Double-sided",
					"qualification": "On first purchase",
					"min_purchase_amount": MIN_PURCHASE,
					"qualify_within_days": 30,
					"referee_offer": REFEREE_OFFER,
					"referrer_offer": REFERRER_OFFER,
					"referrer_cap": 0,
					"referee_reward_limit": 1,
					"review_enrolments_per_day": 0,
				}
			).insert(ignore_permissions=True)
		issue_code(referrer, COMPANY)
		frappe.db.set_value("POS Profile", PROFILE, "rl_auto_create_referral_code", 1)
	else:
		if not frappe.db.exists("Referral Code", {"customer": referrer, "company": COMPANY}):
			native_code(referrer)
		frappe.db.set_value(
			"Company",
			COMPANY,
			{
				"posa_auto_referral": 1,
				"posa_customer_offer": REFEREE_OFFER,
				"posa_primary_offer": REFERRER_OFFER,
			},
		)

	_ensure_open_shift()
	holder = ensure_customer(COUPON_HOLDER, "5550009997")
	have = frappe.db.count("POS Coupon", {"customer": holder})
	for i in range(have, COUPONS):
		frappe.get_doc(
			{
				"doctype": "POS Coupon",
				"coupon_name": f"BENCH-GIFT-{i:04d}",
				"coupon_type": "Gift Card",
				"customer": holder,
				"company": COMPANY,
				"pos_offer": REFEREE_OFFER,
				"maximum_use": 1,
				"valid_from": today(),
			}
		).insert(ignore_permissions=True)
	_ensure_filler()
	# a command-line set-up script owns its transaction
	frappe.db.commit()  # nosemgrep
	print(
		f"{frappe.local.site}: shop ready ({'referral_loyalty' if ours else 'POS Awesome only'}),"
		f" {frappe.db.count('Customer')} customers, in {time.monotonic() - started:.1f}s"
	)


def _no_velocity_review(period: str) -> None:
	"""The benchmark's referrer enrols hundreds of referees a day: with the period's velocity
	review on, they would all wait for a manager instead of taking the path a till takes."""
	import frappe

	if frappe.get_meta("Referral Period").has_field("review_enrolments_per_day"):
		# through the document, so that what the site cached of the period goes too
		frappe.get_doc("Referral Period", period).db_set("review_enrolments_per_day", 0)


def _ensure_open_shift() -> None:
	"""The cashier (Administrator) sells on an open POS Awesome shift, as at a real till."""
	import frappe
	from frappe.utils import now_datetime, today

	filters = {"user": "Administrator", "pos_profile": PROFILE, "status": "Open", "docstatus": 1}
	if frappe.db.exists("POS Opening Shift", filters):
		return
	shift = frappe.get_doc(
		{
			"doctype": "POS Opening Shift",
			"user": "Administrator",
			"pos_profile": PROFILE,
			"company": COMPANY,
			"period_start_date": now_datetime(),
			"posting_date": today(),
			"balance_details": [{"mode_of_payment": "Cash", "amount": 0}],
		}
	).insert(ignore_permissions=True)
	shift.submit()


def _ensure_filler() -> None:
	"""Other customers of the shop, bulk-inserted (the same rows on both sites)."""
	import frappe
	from backfill import insert_customers

	have = frappe.db.count("Customer", {"name": ("like", f"{FILLER_PREFIX} %")})
	if have >= FILLER:
		return
	insert_customers(
		(
			(
				f"{FILLER_PREFIX} {i:06d}",
				f"{FILLER_PREFIX} {i:06d}",
				f"+1666{i:07d}",
				f"filler.{i}@bench.example.com",
			)
			for i in range(have, FILLER)
		),
		chunk_size=5000,
	)


def machine() -> dict:
	cpu = "unknown"
	try:
		for line in Path("/proc/cpuinfo").read_text().splitlines():
			if line.startswith("model name"):
				cpu = line.split(":", 1)[1].strip()
				break
	except OSError:
		pass
	ram = 0.0
	try:
		for line in Path("/proc/meminfo").read_text().splitlines():
			if line.startswith("MemTotal"):
				ram = int(line.split()[1]) / 1024 / 1024
	except OSError:
		pass
	return {"nproc": os.cpu_count(), "cpu": cpu, "ram_gb": round(ram, 1)}
