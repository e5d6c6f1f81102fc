"""The referral reports and workspace cards on a large ledger: N referrals loaded with bulk SQL on
their own site, then every Script Report and Custom Number Card of the module timed, and the
EXPLAIN of every statement they send (run by ``benchmarks/run.sh --scale N``).

	env/bin/python apps/referral_loyalty/benchmarks/scale.py --site rl_bench_scale.localhost --referrals 1000000

The data (on top of the benchmark shop of shop.py, company "Bench Shop"), every name prefixed
``SC-`` so nothing collides with what the app or the tills make:

- N/10 referrers, each a customer with an enabled Referral Code (a few referrers bring many
  referees, most bring a few; the first one, an influencer, brings one referee in ten: about
  100,000 of a million);
- N referees, each a customer with a Referral: ~40 % Qualified (with qualified_on and the period
  it is credited to), ~30 % Pending, ~20 % Rejected (with a reason), ~5 % Under Review, some
  Expired and Reversed; the referrer's reward Issued / Held / Withdrawn / Redeemed; enrolled by
  one of 20 cashiers at the shop's till, on a day of the last 365; qualified within 30 days of
  the enrolment and reversed within 10 days of that, where that day has come (a referral whose
  first purchase is still to come is Pending, one whose sale is not returned yet is Qualified);
- ~1.4·N reward POS Coupons (the referee's, the referrer's and some milestone bonuses), issued
  with their referral, some used, some withdrawn;
- four past quarterly Referral Periods before the shop's running one;
- the sales: each qualified referee's first purchase on the day it qualified (with the welcome
  coupon applied when it was used), a second one within 90 days for ~30 % (once that day has
  come), and the referrer's purchase with the reward coupon when it was redeemed (on a day
  between its issue and today): submitted POS Sales Invoices with their
  line and applied coupon, and their rows of the sales ledger (Referral Sale Entry) that the ROI
  and Reward Cost reports read, as the invoice hook would have written them.

Loading is idempotent: it goes on from the rows already there (a second run with the same N adds
nothing). Rows go in as multi-row INSERTs of a few thousand, a commit per batch.

Then, as Administrator: every Script Report of module "Referral Loyalty" (read from tabReport, so
new reports are picked up) for the last 30 days and the last year, and every Number Card of the
module of type Custom without filters and with the company, median of 3 runs; every statement
they send is EXPLAINed and a plan that reads the whole of tabReferral, tabReferral Code,
tabPOS Coupon or tabPOS Coupon Detail is flagged. The till's create_customer and coupon
auto-fetch are timed in-process on this site and on the 20,000-customer benchmark site, and
create_customer on this site with the influencer's code against a code of about ten referees.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import plans
import shop
from runners import (
	Gunicorn,
	Samples,
	Worker,
	alternate,
	index_cost,
	log,
	median,
	paired_interval,
	paired_ratio,
)
from table import fmt_ratio, index_cost_line

from referral_loyalty.services.sales import COLUMNS as SALE_ENTRY_COLUMNS

MODULE = "Referral Loyalty"
PREFIX = "SC-"
BATCH = 2000
CASHIERS = 20
INFLUENCER = 0  # the referrer (Plan.code index) who brings one referee in INFLUENCER_SHARE
INFLUENCER_SHARE = 10
REPORT_TARGETS_MS = {"30 days": 500, "year": 3000}
CARD_TARGET_MS = 100
# the Desk's list views of the large tables: their first page (newest first, by the DocType's sort
# field) and their count (capped, as the list view asks it)
LIST_DOCTYPES = ("Referral", "Referral Sale Entry", "Referral Outbox", "POS Coupon", "Referral Code")
LIST_TARGET_MS = 100
WORKSPACE_TARGET_MS = 1500
# ERPNext's own workspaces on the same site, opened the same way: one without number cards, one with
REFERENCE_WORKSPACES = ("/app/selling", "/app/accounting")
PORT = 8020
GUNICORN_WORKERS = 4
TILL_SITE = "rl_bench.localhost"

STATUSES = (  # (status, cumulative share)
	("Qualified", 0.40),
	("Pending", 0.70),
	("Rejected", 0.90),
	("Under Review", 0.95),
	("Expired", 0.98),
	("Reversed", 1.00),
)
REJECTED_AT_ENROLMENT = (
	"SELF_REFERRAL",
	"ALREADY_REFERRED",
	"EXISTING_CUSTOMER",
	"DUPLICATE_IDENTITY",
	"CODE_USAGE_LIMIT_REACHED",
)
REJECTED_LATER = ("REFERRER_CAP_REACHED", "MANUALLY_REJECTED", "QUALIFY_WINDOW_EXPIRED")
REVIEW_REASONS = ("VELOCITY", "EMPLOYEE_REFERRAL", "SAME_CASHIER")
REVERSAL_REASONS = ("INVOICE_CANCELLED", "RETURNED_BELOW_MINIMUM")
REWARD_STATUSES = (("Issued", 0.5), ("Redeemed", 0.8), ("Held", 0.9), ("Withdrawn", 1.0))
BONUS_SHARE = 0.12  # referrals whose referrer also got a milestone bonus coupon


# --- loading --------------------------------------------------------------------------------

STD = ("creation", "modified", "owner", "modified_by", "docstatus", "idx")

CUSTOMER_COLUMNS = (
	"name",
	"customer_name",
	"customer_type",
	"customer_group",
	"territory",
	"mobile_no",
	"email_id",
	"disabled",
	"rl_referral_code",
	"rl_referral",
	"rl_referred_by",
	*STD,
)
CODE_COLUMNS = (
	"name",
	"referral_name",
	"referral_code",
	"customer",
	"customer_name",
	"mobile_no",
	"email_id",
	"company",
	"customer_offer",
	"disabled",
	*STD,
)
REFERRAL_COLUMNS = (
	"name",
	"referee",
	"referee_name",
	"referral_code",
	"referrer",
	"referrer_name",
	"company",
	"status",
	"reason",
	"enrolled_on",
	"source",
	"pos_profile",
	"enrolled_by",
	"referee_mobile_key",
	"referee_email_key",
	"enrolment_period",
	"qualify_by",
	"min_purchase_amount",
	"referral_period",
	"qualified_on",
	"reversed_on",
	"referee_coupon",
	"referrer_coupon",
	"referrer_reward_status",
	"decided_by",
	"decided_on",
	*STD,
)
COUPON_COLUMNS = (
	"name",
	"coupon_name",
	"coupon_code",
	"coupon_type",
	"customer",
	"customer_name",
	"company",
	"pos_offer",
	"valid_from",
	"valid_upto",
	"maximum_use",
	"used",
	"one_use",
	"referral_code",
	"rl_referral",
	"rl_side",
	"rl_withdrawn",
	*STD,
)
PERIOD_COLUMNS = (
	"name",
	"title",
	"company",
	"enabled",
	"from_date",
	"to_date",
	"reward_mode",
	"referee_offer",
	"referrer_offer",
	"qualification",
	"min_purchase_amount",
	"qualify_within_days",
	*STD,
)


# the referees' and referrers' sales: submitted POS Sales Invoices of the shop's item, each with
# one line and, when a reward coupon was used on it, the coupon applied (POS Awesome's
# posa_coupons row) and its offer's discount on the grand total (their STD values: docstatus 1)
SALE_COLUMNS = (
	"name",
	"title",
	"customer",
	"customer_name",
	"company",
	"posting_date",
	"due_date",
	"is_pos",
	"is_return",
	"is_consolidated",
	"pos_profile",
	"currency",
	"conversion_rate",
	"selling_price_list",
	"price_list_currency",
	"plc_conversion_rate",
	"total_qty",
	"total",
	"base_total",
	"net_total",
	"base_net_total",
	"additional_discount_percentage",
	"discount_amount",
	"base_discount_amount",
	"grand_total",
	"base_grand_total",
	"paid_amount",
	"base_paid_amount",
	"status",
	*STD,
)
SALE_ITEM_COLUMNS = (
	"name",
	"parent",
	"parenttype",
	"parentfield",
	"item_code",
	"item_name",
	"uom",
	"stock_uom",
	"conversion_factor",
	"qty",
	"stock_qty",
	"price_list_rate",
	"base_price_list_rate",
	"rate",
	"base_rate",
	"amount",
	"base_amount",
	"net_rate",
	"base_net_rate",
	"net_amount",
	"base_net_amount",
	"incoming_rate",
	*STD,
)
APPLIED_COUPON_COLUMNS = (
	"name",
	"parent",
	"parenttype",
	"parentfield",
	"coupon",
	"coupon_code",
	"pos_offer",
	"customer",
	"applied",
	"type",
	*STD,
)
# the sales ledger's rows of those sales, as the invoice hook writes them (services/sales.py)
ENTRY_COLUMNS = ("name", *SALE_ENTRY_COLUMNS, *STD)
COST_SHARE = 0.6  # the item's valuation (incoming rate) against its price: the sales' gross margin
SECOND_SALE_SHARE = 0.3  # buyers who come back within the ROI's 90 days


def sale_rows(referrals: list) -> tuple[list, list, list, list]:
	"""The sales of a batch of referrals (rows of tabReferral with their coupons' use): the
	referee's first purchase on the day it qualified (with the welcome coupon when it was used),
	for some a second one within 90 days, and the referrer's purchase with the reward coupon when
	it was redeemed; and their rows of the sales ledger, reckoned by the app's own rule."""
	from referral_loyalty.rules import sales as sale_rules

	sales, items, applied, entries = [], [], [], []

	def sale(name, customer, label, day, qty, coupon=None, offer=None, percent=0, *, r, side=None):
		total = qty * shop.PRICE
		discount = round(total * percent / 100, 2)
		net = total - discount
		stamp = datetime.combine(day, datetime.min.time()) + timedelta(hours=12)
		std = (stamp, stamp, "Administrator", "Administrator", 1, 0)
		sales.append(
			(
				name,
				label,
				customer,
				label,
				shop.COMPANY,
				day,
				day,
				1,
				0,
				0,
				shop.PROFILE,
				"USD",
				1,
				"Standard Selling",
				"USD",
				1,
				qty,
				total,
				total,
				net,
				net,
				percent,
				discount,
				discount,
				net,
				net,
				net,
				net,
				"Paid",
				*std,
			)
		)
		rate = round(net / qty, 2)
		items.append(
			(
				f"{name}-1",
				name,
				"Sales Invoice",
				"items",
				shop.ITEM,
				shop.ITEM,
				"Nos",
				"Nos",
				1,
				qty,
				qty,
				shop.PRICE,
				shop.PRICE,
				shop.PRICE,
				shop.PRICE,
				total,
				total,
				rate,
				rate,
				net,
				net,
				round(shop.PRICE * COST_SHARE, 2),
				*std,
			)
		)
		if coupon:
			applied.append(
				(
					f"{name}-C",
					name,
					"Sales Invoice",
					"posa_coupons",
					coupon,
					coupon.replace("-", ""),
					offer,
					customer,
					1,
					"Gift Card",
					*std,
				)
			)
		line = sale_rules.Line(
			price_list_rate=Decimal(str(shop.PRICE)),
			rate=Decimal(str(rate)),
			qty=Decimal(qty),
			net_amount=Decimal(str(net)),
			incoming_rate=Decimal(str(round(shop.PRICE * COST_SHARE, 2))),
			stock_qty=Decimal(qty),
		)
		referral = (r.name, r.referral_period, r.referral_code, r.enrolled_on)
		entry_std = (stamp, stamp, "Administrator", "Administrator", 0, 0)  # a ledger row: not submitted
		if side is None:  # the referee's own sale
			totals = sale_rules.sale_totals([line])
			days = (day - r.enrolled_on).days
			entries.append(
				(
					*(f"{name}-E", "Referee Sale", shop.COMPANY, "Sales Invoice", name, day, customer),
					*referral,
					*(
						days,
						float(totals.net_sales),
						float(totals.gross_profit),
						None,
						None,
						None,
						None,
						0,
						0,
					),
					*entry_std,
				)
			)
		if coupon:
			given = sale_rules.coupon_discount(
				sale_rules.GRAND_TOTAL_OFFER, coupon, [line], [], Decimal(str(discount))
			)
			issued = r.referee_coupon_issued if side is None else r.referrer_coupon_issued
			entries.append(
				(
					*(f"{name}-D", "Reward Discount", shop.COMPANY, "Sales Invoice", name, day, customer),
					*referral,
					*(0, 0, 0, coupon, offer, side or "Referee", issued.date(), float(given), 1),
					*entry_std,
				)
			)

	for r in referrals:
		rng = random.Random(f"sales-{r.name}")
		n = r.name[len(f"{PREFIX}R-") :]
		if r.status in ("Qualified", "Reversed") and r.qualified_on:
			used = bool(r.referee_coupon_used)
			sale(
				f"{PREFIX}S-{n}-1",
				r.referee,
				r.referee_name,
				r.qualified_on,
				rng.randrange(1, 8),
				r.referee_coupon if used else None,
				shop.REFEREE_OFFER,
				10 if used else 0,
				r=r,
			)
			if rng.random() < SECOND_SALE_SHARE:
				later = r.qualified_on + timedelta(days=rng.randrange(1, 90))
				if later <= date.today():  # a second purchase still to come is not there yet
					sale(f"{PREFIX}S-{n}-2", r.referee, r.referee_name, later, rng.randrange(1, 8), r=r)
		if r.referrer_coupon and r.referrer_coupon_used and r.qualified_on:
			# a redeemed reward was used on a day between its issue and today
			day = r.qualified_on + timedelta(
				days=rng.randrange(0, min(30, (date.today() - r.qualified_on).days + 1))
			)
			sale(
				f"{PREFIX}S-{n}-R",
				r.referrer,
				r.referrer_name,
				day,
				rng.randrange(1, 8),
				r.referrer_coupon,
				shop.REFERRER_OFFER,
				15,
				r=r,
				side="Referrer",
			)
	return sales, items, applied, entries


def referrals_for_sales(start: int, stop: int) -> list:
	"""The loaded referrals ``start`` to ``stop`` with whether their reward coupons were used."""
	import frappe

	# constant names; the bounds are parameters
	return frappe.db.sql(  # nosemgrep
		"""SELECT r.name, r.referee, r.referee_name, r.referrer, r.referrer_name, r.status,
			r.qualified_on, r.referee_coupon, r.referrer_coupon, r.enrolled_on, r.referral_period,
			r.referral_code, e.used AS referee_coupon_used, f.used AS referrer_coupon_used,
			e.creation AS referee_coupon_issued, f.creation AS referrer_coupon_issued
		FROM `tabReferral` r
		LEFT JOIN `tabPOS Coupon` e ON e.name = r.referee_coupon
		LEFT JOIN `tabPOS Coupon` f ON f.name = r.referrer_coupon
		WHERE r.name >= %s AND r.name < %s
		ORDER BY r.name""",
		(f"{PREFIX}R-{start:08d}", f"{PREFIX}R-{stop:08d}"),
		as_dict=True,
	)


def insert_rows(doctype: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
	"""One multi-row INSERT IGNORE (a row whose name is there already is skipped)."""
	import frappe

	if not rows:
		return
	one = "(" + ",".join(["%s"] * len(columns)) + ")"
	names = ",".join(f"`{c}`" for c in columns)
	# table and column names are this module's constants
	frappe.db.sql(  # nosemgrep
		f"INSERT IGNORE INTO `tab{doctype}` ({names}) VALUES {','.join([one] * len(rows))}",
		[value for row in rows for value in row],
	)


def count_prefixed(doctype: str, prefix: str) -> int:
	import frappe

	# a constant doctype; the prefix is a parameter
	return frappe.db.sql(  # nosemgrep
		f"SELECT COUNT(*) FROM `tab{doctype}` WHERE name LIKE %s",
		(prefix + "%",),
	)[0][0]


def _std(stamp: datetime) -> tuple:
	return (stamp, stamp, "Administrator", "Administrator", 0, 0)


class Plan:
	"""The shape of the data set for N referrals (the same on every run with the same N)."""

	def __init__(self, referrals: int, today: date, current_period: dict):
		self.n = referrals
		self.referrers = max(1, referrals // 10)
		self.today = today
		self.current = current_period
		self.group = shop.leaf("Customer Group", "All Customer Groups")
		self.territory = shop.leaf("Territory", "All Territories")
		self.cashiers = [f"sc.cashier{k:02d}@bench.example.com" for k in range(CASHIERS)]
		# four quarters before the shop's running period (and the year before it)
		start = min(current_period["from_date"], today)
		edges = [start - timedelta(days=366 - 91 * q) for q in range(5)]
		edges[-1] = start
		self.periods = [
			{"name": f"{PREFIX}RP-{q + 1}", "from": edges[q], "to": edges[q + 1] - timedelta(days=1)}
			for q in range(4)
		]

	@staticmethod
	def referrer(j: int) -> str:
		return f"{PREFIX}C-R{j:07d}"

	@staticmethod
	def code(j: int) -> str:
		return f"{PREFIX}K-{j:07d}"

	def period_of(self, day: date) -> str:
		if day >= self.current["from_date"]:
			return self.current["name"]
		for period in self.periods:
			if period["from"] <= day <= period["to"]:
				return period["name"]
		return self.periods[0]["name"]

	def referrer_rows(self, start: int, stop: int):
		rng = random.Random(f"referrers-{start}")
		customers, codes = [], []
		for j in range(start, stop):
			stamp = datetime.combine(
				self.today - timedelta(days=400 + rng.randrange(365)), datetime.min.time()
			)
			stamp += timedelta(seconds=rng.randrange(86400))
			name, label = self.referrer(j), f"Scale Referrer {j}"
			mobile, email = f"+1888{j:07d}", f"referrer.{j}@scale.example.com"
			customers.append(
				(
					name,
					label,
					"Individual",
					self.group,
					self.territory,
					mobile,
					email,
					0,
					self.code(j),
					None,
					None,
					*_std(stamp),
				)
			)
			codes.append(
				(
					self.code(j),
					self.code(j),
					f"SCK{j:07d}",
					name,
					label,
					mobile,
					email,
					shop.COMPANY,
					shop.REFEREE_OFFER,
					0,
					*_std(stamp),
				)
			)
		return customers, codes

	def referral_rows(self, start: int, stop: int):
		rng = random.Random(f"referrals-{start}")
		customers, referrals, coupons = [], [], []
		for i in range(start, stop):
			j = int(self.referrers * rng.random() ** 2)  # a few referrers bring many referees
			if i % INFLUENCER_SHARE == 0:
				j = INFLUENCER  # one referrer brings a tenth of all referees
			enrolled = self.today - timedelta(days=rng.randrange(365))
			stamp = datetime.combine(enrolled, datetime.min.time()) + timedelta(seconds=rng.randrange(86400))
			referee, referral = f"{PREFIX}C-E{i:08d}", f"{PREFIX}R-{i:08d}"
			label, referrer_label = f"Scale Referee {i}", f"Scale Referrer {j}"
			mobile, email = f"+177{i:08d}", f"referee.{i}@scale.example.com"
			u = rng.random()
			status = next(s for s, share in STATUSES if u < share)
			reason = qualified_on = reversed_on = period = reward = None
			decided_by = decided_on = None
			if status == "Rejected":
				reason = rng.choice(REJECTED_AT_ENROLMENT if rng.random() < 0.5 else REJECTED_LATER)
			elif status == "Under Review":
				reason = rng.choice(REVIEW_REASONS)
			elif status == "Expired":
				reason = "QUALIFY_WINDOW_EXPIRED"
			# what would happen after today has not happened yet: no day is moved onto today (that
			# would pile a month's qualifications and sales onto one day)
			if status in ("Qualified", "Reversed"):
				qualified_on = enrolled + timedelta(days=rng.randrange(30))
				v = rng.random()
				if qualified_on > self.today:  # the first purchase is still to come
					status, qualified_on = "Pending", None
				else:
					period = self.period_of(qualified_on)
					reward = next(s for s, share in REWARD_STATUSES if v < share)
			if status == "Reversed":
				reason = rng.choice(REVERSAL_REASONS)
				reversed_on = qualified_on + timedelta(days=rng.randrange(10))
				if reversed_on > self.today:  # the sale is not cancelled or returned yet
					status, reason, reversed_on = "Qualified", None, None
				else:
					reward = "Withdrawn"
			if status == "Rejected" and reason == "MANUALLY_REJECTED":
				decided_by = rng.choice(self.cashiers)
				decided_on = stamp + timedelta(days=1)
			referee_coupon = referrer_coupon = None
			issued = stamp
			if not (status == "Rejected" and reason in REJECTED_AT_ENROLMENT):
				referee_coupon = f"{PREFIX}P-{i:08d}-E"
				used = 1 if qualified_on and rng.random() < 0.6 else 0
				coupons.append(
					self._coupon(referee_coupon, referee, label, j, referral, "Referee", issued, used, 0)
				)
			if reward and reward != "Held":
				referrer_coupon = f"{PREFIX}P-{i:08d}-R"
				issued = datetime.combine(qualified_on, datetime.min.time()) + timedelta(
					seconds=rng.randrange(86400)
				)
				coupons.append(
					self._coupon(
						referrer_coupon,
						self.referrer(j),
						referrer_label,
						j,
						referral,
						"Referrer",
						issued,
						1 if reward == "Redeemed" else 0,
						1 if reward == "Withdrawn" else 0,
					)
				)
				if rng.random() < BONUS_SHARE / 0.38:
					coupons.append(
						self._coupon(
							f"{PREFIX}P-{i:08d}-B",
							self.referrer(j),
							referrer_label,
							j,
							referral,
							"Bonus",
							issued,
							1 if rng.random() < 0.3 else 0,
							0,
						)
					)
			customers.append(
				(
					referee,
					label,
					"Individual",
					self.group,
					self.territory,
					mobile,
					email,
					0,
					None,
					referral,
					self.referrer(j),
					*_std(stamp),
				)
			)
			referrals.append(
				(
					referral,
					referee,
					label,
					self.code(j),
					self.referrer(j),
					referrer_label,
					shop.COMPANY,
					status,
					reason,
					enrolled,
					"POS",
					shop.PROFILE,
					self.cashiers[i % CASHIERS],
					mobile[-9:],
					email,
					self.period_of(enrolled),
					enrolled + timedelta(days=30),
					shop.MIN_PURCHASE,
					period,
					qualified_on,
					reversed_on,
					referee_coupon,
					referrer_coupon,
					reward,
					decided_by,
					decided_on,
					*_std(stamp),
				)
			)
		return customers, referrals, coupons

	def _coupon(self, name, customer, label, j, referral, side, issued, used, withdrawn) -> tuple:
		offer = shop.REFEREE_OFFER if side == "Referee" else shop.REFERRER_OFFER
		return (
			name,
			name,
			name.replace("-", ""),
			"Promotional",
			customer,
			label,
			shop.COMPANY,
			offer,
			issued.date(),
			issued.date() + timedelta(days=90),
			1,
			used,
			1,
			self.code(j),
			referral,
			side,
			withdrawn,
			*_std(issued),
		)


def _progress(what: str, done: int, total: int, rows: int, started: float) -> None:
	elapsed = time.monotonic() - started
	print(
		f"  {what}: {done:,}/{total:,} ({rows:,} rows in {elapsed:.0f}s, {rows / elapsed if elapsed else 0:,.0f} rows/s)",
		file=sys.stderr,
		flush=True,
	)


def load(referrals: int) -> dict:
	"""Load the data set for ``referrals`` referrals, going on from what is there; returns what was
	added and how long it took."""
	import frappe
	from frappe.utils import getdate, today

	from referral_loyalty.services.periods import forget_periods, period_on

	started = time.monotonic()
	current = period_on(shop.COMPANY, today())
	if not current:
		sys.exit(f"no Referral Period runs today for {shop.COMPANY}: run benchmarks/setup.py first")
	plan = Plan(referrals, getdate(today()), {"name": current.name, "from_date": getdate(current.from_date)})
	_ensure_cashiers(plan.cashiers)
	# a server variable: no query-builder form
	pool = int(frappe.db.sql("SELECT @@innodb_buffer_pool_size")[0][0])  # nosemgrep
	if pool < 2 * 1024**3 and referrals >= 200_000:
		log(
			f"innodb_buffer_pool_size is {pool / 1024**2:,.0f} MB: the indexes of a large ledger do not fit and"
			" the load slows down to hours (as root: SET GLOBAL innodb_buffer_pool_size = 4294967296)"
		)
	# the rows are unique by construction: let InnoDB buffer its unique secondary-index checks
	frappe.db.sql("SET SESSION unique_checks = 0")  # nosemgrep
	insert_rows(
		"Referral Period",
		PERIOD_COLUMNS,
		[
			(
				p["name"],
				f"Scale Quarter {p['name'][-1]} ({p['from']} – {p['to']})",
				shop.COMPANY,
				1,
				p["from"],
				p["to"],
				"Double-sided",
				shop.REFEREE_OFFER,
				shop.REFERRER_OFFER,
				"On first purchase",
				shop.MIN_PURCHASE,
				30,
				*_std(datetime.combine(p["from"], datetime.min.time())),
			)
			for p in plan.periods
		],
	)
	# a command-line loader owns its transactions
	frappe.db.commit()  # nosemgrep
	forget_periods()  # written in bulk, behind the documents' back

	added = {"referrers": 0, "referrals": 0, "coupons": 0}
	have = count_prefixed("Referral Code", f"{PREFIX}K-")
	if have < plan.referrers:
		log(f"loading {plan.referrers - have:,} referrers (customer + code) from {have:,}")
		t0, rows = time.monotonic(), 0
		for start in range(have, plan.referrers, BATCH):
			stop = min(start + BATCH, plan.referrers)
			customers, codes = plan.referrer_rows(start, stop)
			insert_rows("Customer", CUSTOMER_COLUMNS, customers)
			insert_rows("Referral Code", CODE_COLUMNS, codes)
			frappe.db.commit()  # nosemgrep
			rows += len(customers) + len(codes)
			added["referrers"] += stop - start
			if (stop // BATCH) % 10 == 0 or stop == plan.referrers:
				_progress("referrers", stop, plan.referrers, rows, t0)

	have = count_prefixed("Referral", f"{PREFIX}R-")
	if have < plan.n:
		start_at = have - have % BATCH  # a batch is committed whole; INSERT IGNORE skips its rows
		log(f"loading {plan.n - have:,} referrals (referee, referral, coupons) from {start_at:,}")
		t0, rows = time.monotonic(), 0
		for start in range(start_at, plan.n, BATCH):
			stop = min(start + BATCH, plan.n)
			customers, referral_rows, coupons = plan.referral_rows(start, stop)
			insert_rows("Customer", CUSTOMER_COLUMNS, customers)
			insert_rows("Referral", REFERRAL_COLUMNS, referral_rows)
			for k in range(0, len(coupons), BATCH):
				insert_rows("POS Coupon", COUPON_COLUMNS, coupons[k : k + BATCH])
			frappe.db.commit()  # nosemgrep
			rows += len(customers) + len(referral_rows) + len(coupons)
			added["referrals"] += stop - start
			added["coupons"] += len(coupons)
			if (stop // BATCH) % 25 == 0 or stop == plan.n:
				_progress("referrals", stop, plan.n, rows, t0)
	added["sales"] = 0
	done = count_prefixed("Sales Invoice", f"{PREFIX}S-")
	# the sales go in batch by batch of referrals, after them; the last batch that has sales tells
	# where a stopped load left off (a batch is committed whole)
	last = frappe.db.sql(  # nosemgrep
		"SELECT MAX(name) FROM `tabSales Invoice` WHERE name LIKE %s", (f"{PREFIX}S-%",)
	)[0][0]
	sales_from = int(last[len(f"{PREFIX}S-") :].split("-")[0]) if last else 0
	sales_from -= sales_from % BATCH
	if sales_from < plan.n - BATCH or not done:
		log(f"loading the referees' and referrers' sales from referral {sales_from:,} ({done:,} there)")
		t0, rows = time.monotonic(), 0
		for start in range(sales_from, plan.n, BATCH):
			stop = min(start + BATCH, plan.n)
			sales, items, applied, entries = sale_rows(referrals_for_sales(start, stop))
			insert_rows("Sales Invoice", SALE_COLUMNS, sales)
			insert_rows("Sales Invoice Item", SALE_ITEM_COLUMNS, items)
			insert_rows("POS Coupon Detail", APPLIED_COUPON_COLUMNS, applied)
			insert_rows("Referral Sale Entry", ENTRY_COLUMNS, entries)
			frappe.db.commit()  # nosemgrep
			rows += len(sales) + len(items) + len(applied) + len(entries)
			added["sales"] += len(sales)
			if (stop // BATCH) % 25 == 0 or stop == plan.n:
				_progress("sales", stop, plan.n, rows, t0)
	# the session's unique checks back on (a server variable: no query-builder form)
	frappe.db.sql("SET SESSION unique_checks = 1")  # nosemgrep
	# What the site's daily job has done by now: a referral still Pending past its 30-day window
	# is Expired (the app's own job, batch by batch; idempotent).
	from referral_loyalty.services import expiry

	expired = expiry.expire_pending_referrals(commit=frappe.db.commit)
	if expired:
		log(f"the daily expiry job moved {expired:,} referrals past their window to Expired")
		added["expired"] = expired
	if added["referrers"] or added["referrals"] or added["sales"] or expired:
		log("ANALYZE TABLE (fresh index statistics for the planner)")
		for table in (
			"tabCustomer",
			"tabReferral Code",
			"tabReferral",
			"tabPOS Coupon",
			"tabSales Invoice",
			"tabSales Invoice Item",
			"tabPOS Coupon Detail",
			"tabReferral Sale Entry",
		):
			# constant names
			frappe.db.sql(f"ANALYZE TABLE `{table}`")  # nosemgrep
	seconds = time.monotonic() - started
	totals = {
		"referrals": count_prefixed("Referral", f"{PREFIX}R-"),
		"referral_codes": count_prefixed("Referral Code", f"{PREFIX}K-"),
		"coupons": count_prefixed("POS Coupon", f"{PREFIX}P-"),
		"sales": count_prefixed("Sales Invoice", f"{PREFIX}S-"),
		"sale_entries": count_prefixed("Referral Sale Entry", f"{PREFIX}S-"),
		"customers": frappe.db.count("Customer"),
		"referral_rows": frappe.db.count("Referral"),
		"coupon_rows": frappe.db.count("POS Coupon"),
	}
	log(f"data set ready in {seconds:.0f}s: added {added}; {totals}")
	return {"added": added, "seconds": seconds, "totals": totals}


def _ensure_cashiers(emails: list[str]) -> None:
	import frappe

	for email in emails:
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": "Scale Cashier " + email.split("@")[0][-2:],
					"send_welcome_email": 0,
					"user_type": "System User",
				}
			).insert(ignore_permissions=True)


# --- measuring ------------------------------------------------------------------------------


def timed(fn, runs: int = 3, budget_s: float = 60.0) -> dict:
	"""``fn()`` ``runs`` times (fewer when one run takes longer than ``budget_s``), the first with
	its statements captured: median time, statements and their EXPLAIN plans."""
	import frappe

	times, failures, statements, out = [], [], [], None
	for n in range(runs):
		try:
			with shop.QueryCounter(attribute=(n == 0)) as counter, shop.stopwatch() as clock:
				out = fn()
			times.append(clock["ms"])
			if n == 0:
				statements = [q for q, _ours in counter.statements]
		except Exception as e:
			failures.append(f"{type(e).__name__}: {str(e)[:300]}")
		frappe.db.rollback()
		if times and times[-1] > budget_s * 1000:
			break
	explained = plans.explain_all(statements)
	return {
		"ms": median(times),
		"runs": len(times),
		"failed": len(failures),
		"errors": failures[:3],
		"statements": len(statements),
		"result_rows": _size(out),
		"plans": explained,
		"full_scans": sorted({t for p in explained for t in p["full_scans"]}),
	}


def _size(out) -> int | None:
	if isinstance(out, dict) and "result" in out:
		return len(out["result"] or [])
	return None


def measure_reports() -> list[dict]:
	import frappe
	from frappe.desk.query_report import run
	from frappe.utils import add_days, today

	names = frappe.get_all(
		"Report", {"module": MODULE, "report_type": "Script Report"}, pluck="name", order_by="name"
	)
	ranges = {"30 days": add_days(today(), -30), "year": add_days(today(), -365)}
	out = []
	for name in names:
		row = {"report": name}
		for label, from_date in ranges.items():
			filters = {"company": shop.COMPANY, "from_date": from_date, "to_date": today()}
			log(f"report {name}, {label}")
			row[label] = timed(
				lambda name=name, filters=filters: run(name, filters, ignore_prepared_report=True)
			)
		out.append(row)
	return out


def measure_cards() -> list[dict]:
	import frappe

	cards = frappe.get_all(
		"Number Card", {"module": MODULE, "type": "Custom"}, ["name", "method"], order_by="name"
	)
	out = []
	for card in cards:
		method = frappe.get_attr(card.method)
		row = {"card": card.name, "method": card.method}
		for label, filters in (("no filter", "{}"), ("company", json.dumps({"company": shop.COMPANY}))):
			log(f"number card {card.name}, {label}")
			row[label] = timed(lambda method=method, filters=filters: method(filters=filters), runs=5)
		out.append(row)
	return out


TILL_PATHS = {
	"create_customer": "create a referred customer",
	"get_active_gift_coupons": "coupon auto-fetch",
	"submit_referee": "a referee's first sale, the crediting after the commit included",
	"submit_referee_daily": "the same sale where ERPNext's Selling Settings update the company's"
	" month sales daily (*Sales Update Frequency*: Daily, set on both sites for this row)",
}
TILL_TARGET = 1.10  # at scale / at 20,000 customers
# ERPNext's Selling Settings field that decides whether every submit sums the month's sales
SALES_UPDATE = "sales_update_frequency"


TILL_WARM_UP = 5  # calls per site before the timed ones (caches, the buffer pool's pages)


def measure_lists() -> list[dict]:
	"""The Desk's list view of each large table, as it asks for them: the first 20 rows of its list
	fields in its sort order (``frappe.desk.reportview.get``), then the count, capped at 1,001."""
	import frappe
	from frappe.desk import reportview

	out = []
	for doctype in LIST_DOCTYPES:
		meta = frappe.get_meta(doctype)
		table = f"`tab{doctype}`"
		standard = ("name", "owner", "creation", "modified", "modified_by", "_user_tags", "_comments")
		standard += ("_assign", "_liked_by", "docstatus", "idx")
		listed = [df.fieldname for df in meta.fields if df.in_list_view]
		if meta.title_field:
			listed.append(meta.title_field)
		fields = [f"{table}.`{field}`" for field in dict.fromkeys(standard + tuple(listed))]
		sort = f"{table}.`{meta.sort_field or 'creation'}` {meta.sort_order or 'DESC'}"

		def first_page(doctype=doctype, fields=fields, sort=sort):
			frappe.local.form_dict = frappe._dict(
				doctype=doctype,
				fields=json.dumps(fields),
				filters="[]",
				order_by=sort,
				start=0,
				page_length=20,
				view="List",
				with_comment_count=1,
			)
			return reportview.get()

		def count(doctype=doctype):
			frappe.local.form_dict = frappe._dict(doctype=doctype, filters="[]", limit=1001, distinct="false")
			return reportview.get_count()

		log(f"list view {doctype}")
		out.append(
			{
				"doctype": doctype,
				"sort": sort,
				"first page": timed(first_page, runs=5),
				"count": timed(count, runs=5),
			}
		)
	return out


def code_sizes(near: int = 10) -> dict | None:
	"""The influencer's code and a code of the long tail with about ``near`` referees (of 200 codes
	where a code has about that many), each with its typed code and its count of referees: what
	creating a referred customer costs against the size of the code (the duplicate mobile and
	e-mail check looks up the code's earlier referees)."""
	import frappe
	from frappe.query_builder import DocType
	from frappe.query_builder.functions import Count

	referral = DocType("Referral")

	def counts(names: list[str]) -> dict[str, int]:
		rows = (
			frappe.qb.from_(referral)
			.select(referral.referral_code, Count("*"))
			.where(referral.referral_code.isin(names))
			.groupby(referral.referral_code)
			.run()
		)
		return dict(rows)

	busy = Plan.code(INFLUENCER)
	referrers = count_prefixed("Referral Code", f"{PREFIX}K-")
	if not referrers:
		return None
	# a code's expected referees fall as 1/sqrt(its index): about ten around a fifth of the codes
	tail = [Plan.code(j) for j in range(referrers // 5, min(referrers, referrers // 5 + 200))]
	sizes = counts([busy, *tail])
	usual = min(tail, key=lambda c: (abs(sizes.get(c, 0) - near), c))

	def entry(name: str) -> dict:
		return {
			"code": name,
			"typed": frappe.db.get_value("Referral Code", name, "referral_code"),
			"referees": sizes.get(name, 0),
		}

	return {"busy": entry(busy), "usual": entry(usual)}


def measure_code_size(worker, sizes: dict, runs: int) -> dict:
	"""create_customer with the influencer's code and with one of about ten referees, alternately on
	the scale site: the paired ratio, and the EXPLAIN of what the app sends with the large one."""
	keys = ["busy", "usual"]

	def call(key, i):
		return worker.call("create_customer", referral_code=sizes[key]["typed"])

	alternate(keys, TILL_WARM_UP, call)
	samples = alternate(keys, runs, call)
	detail = worker.call("create_customer", attribute=True, referral_code=sizes["busy"]["typed"])
	plans = worker.call("explain", queries=detail.get("from_app") or [])
	return {
		**sizes,
		"ms": {k: v.median("ms") for k, v in samples.items()},
		"queries": {k: v.median("queries") for k, v in samples.items()},
		"failed": {k: v.failed for k, v in samples.items()},
		"errors": {k: v.errors[:3] for k, v in samples.items() if v.errors},
		"outcomes": sorted({str((r or {}).get("outcome")) for v in samples.values() for r in v.runs}),
		"ratio": paired_ratio(samples["busy"], samples["usual"], "ms"),
		"ratio_ci": paired_interval(samples["busy"], samples["usual"], "ms"),
		"plans": plans,
		"full_scans": sorted({t for p in plans for t in p["full_scans"]}),
	}


def measure_till(scale_site: str, runs: int = 26, sizes: dict | None = None) -> dict:
	"""The till's create_customer, coupon auto-fetch and a referee's first sale (submitted and
	committed: the crediting included) in-process (worker.py) on the scale site and on the
	20,000-customer benchmark site when it exists, alternating between them."""
	logs = Path(shop.sites_path()).parent / "logs"
	sites = [scale_site] + ([TILL_SITE] if (Path(shop.sites_path()) / TILL_SITE).is_dir() else [])
	workers = {}
	try:
		for site in sites:
			workers[site] = Worker(site, logs / "bench-worker.log")
		info = {site: w.call("info") for site, w in workers.items()}
		out = {"sites": sites, "runs": runs}
		calls = {  # the path: the worker's call, its arguments on a site, the sales update setting
			"create_customer": (
				"create_customer",
				lambda s: {"referral_code": info[s]["referral_code"]},
				None,
			),
			"get_active_gift_coupons": ("get_active_gift_coupons", lambda s: {}, None),
			"submit_referee": ("submit", lambda s: {"kind": "referee"}, None),
			"submit_referee_daily": ("submit", lambda s: {"kind": "referee"}, "Daily"),
		}
		sales = sum(1 for op, _kwargs, _setting in calls.values() if op == "submit") * (
			runs + TILL_WARM_UP + 1
		)
		log(f"till: preparing {sales} first sales of new referees per site")
		for worker in workers.values():
			worker.call("prepare_sales", kind="referee", count=sales)
		for path, (op, kwargs, setting) in calls.items():
			log(f"till path {path} on {', '.join(sites)}")

			def call(s, i, op=op, kwargs=kwargs):
				return workers[s].call(op, **kwargs(s))

			before = {s: w.call(SALES_UPDATE, value=setting)["before"] for s, w in workers.items()}
			try:
				alternate(sites, TILL_WARM_UP, call)
				samples = alternate(sites, runs, call)
				detail = workers[scale_site].call(op, attribute="all", **kwargs(scale_site))
			finally:
				for s, w in workers.items():
					w.call(SALES_UPDATE, value=before[s])
			out.setdefault(SALES_UPDATE, before)
			app = {s: _app_part(v) for s, v in samples.items()} if op == "submit" else {}
			statements = detail.get("all") or (
				(detail.get("from_app") or []) + (detail.get("from_app_after_commit") or [])
			)
			out[path] = {
				"ms": {s: v.median("ms") for s, v in samples.items()},
				"queries": {s: v.median("queries") for s, v in samples.items()},
				"failed": {s: v.failed for s, v in samples.items()},
				# a sale: the app's part (its invoice hook, then the sale's commit with the crediting
				# after it); the rest is ERPNext's and POS Awesome's own submit
				"app_ms": {s: v.median("app_ms") for s, v in app.items()},
				# the runs made back to back on the two sites, in blocks of two (runners.paired_ratio)
				**_paired_ratios(samples, sites, "ratio"),
				**(_paired_ratios(app, sites, "app_ratio") if app else {}),
				"errors": {s: v.errors[:3] for s, v in samples.items() if v.errors},
				"plans": workers[scale_site].call("explain", queries=statements),
			}
			out[path]["full_scans"] = sorted({t for p in out[path]["plans"] for t in p["full_scans"]})
		if sizes:
			log(
				f"till: create_customer with the code of {sizes['busy']['referees']:,} referees and with"
				f" one of {sizes['usual']['referees']:,}"
			)
			out["code_size"] = measure_code_size(workers[scale_site], sizes, runs)
		log("till: ERPNext's sum of the company's month sales, as a submit runs it")
		out["month_sales"] = {site: w.call("month_sales") for site, w in workers.items()}
		log("till: the app's indexes on Sales Invoice on writing a sale, in two copies of its table")
		out["index_cost"] = index_cost(workers[scale_site])
		return out
	finally:
		for worker in workers.values():
			worker.close()


def _app_part(samples: Samples) -> Samples:
	"""A sale's own part of the app: its invoice hook, then the commit with the crediting."""
	return Samples(
		runs=[None if v is None else {"app_ms": v["hook_ms"] + v["commit_ms"]} for v in samples.runs],
		errors=samples.errors,
	)


def _paired_ratios(samples: dict[str, Samples], sites: list[str], field: str) -> dict:
	"""At scale over the 20,000-customer site: the median over blocks of two back-to-back runs (one
	with each site first) of their ratios of sums, and its 95 % interval (runners.paired_ratio /
	paired_interval), when both sites were measured."""
	if len(sites) < 2:
		return {}
	key = "app_ms" if field.startswith("app") else "ms"
	scale, other = samples[sites[0]], samples[sites[1]]
	return {field: paired_ratio(scale, other, key), f"{field}_ci": paired_interval(scale, other, key)}


def measure_workspace(site: str, runs: int = 5) -> dict:
	"""The "Referrals" workspace in Debian's chromium (workspace.mjs), served as a production bench
	serves it: gunicorn with four workers, the Desk's assets beside it (nginx's part)."""
	node = shutil.which("node")
	chromium = os.environ.get("CHROMIUM") or shutil.which("chromium")
	missing = [what for what, ok in (("node", node), ("chromium", chromium)) if not ok]
	if not (HERE.parent / "browser-tests" / "node_modules" / "playwright-core").is_dir():
		missing.append("playwright-core (npm ci in browser-tests)")
	if missing:
		log(f"workspace: not measured, missing {', '.join(missing)}")
		return {"skipped": f"missing {', '.join(missing)}"}
	logs = Path(shop.sites_path()).parent / "logs"
	with Gunicorn(PORT, GUNICORN_WORKERS, logs / "bench-gunicorn.log", statics=True) as server:
		server.wait_ready([site])
		log(f"workspace in chromium: {runs} page loads and {runs} openings from the Desk")
		done = subprocess.run(
			[node, str(HERE / "workspace.mjs"), f"http://{site}:{PORT}", str(runs), *REFERENCE_WORKSPACES],
			capture_output=True,
			text=True,
			timeout=900,
		)
	lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
	if done.returncode or not lines:
		return {"failed": runs, "errors": [done.stderr[-500:]]}
	return json.loads(lines[-1])


# --- the table ------------------------------------------------------------------------------


def _ms(v) -> str:
	return "—" if v is None or v != v else f"{v:,.0f} ms" if v >= 100 else f"{v:,.1f} ms"


def _cell(m: dict) -> str:
	extra = [f"{m['statements']} statements"]
	if m["runs"] != 3 and m["runs"] != 5:
		extra.append(f"{m['runs']} runs")
	if m["failed"]:
		extra.append(f"{m['failed']} failed")
	return f"{_ms(m['ms'])} ({', '.join(extra)})"


def _scans(*measures) -> str:
	tables = sorted({t for m in measures for t in m["full_scans"]})
	return ", ".join(f"`{t}`" for t in tables) or "none"


def _pair_table(columns: tuple[str, str], rows: list[tuple]) -> list[str]:
	"""A table of measures taken two ways each: (label, (measure, target ms), (measure, target ms),
	the target in words) per row."""
	lines = [
		"",
		f"| Measure | {columns[0]} | {columns[1]} | Target | Full scans | Met? |",
		"|---|---|---|---|---|---|",
	]
	for label, (first, first_ms), (second, second_ms), target in rows:
		ok = _within(first, first_ms) and _within(second, second_ms)
		lines.append(
			f"| {label} | {_cell(first)} | {_cell(second)} | {target}, no full scan"
			f" | {_scans(first, second)} | {_met(ok)} |"
		)
	return lines


def _within(measure: dict, target_ms: float) -> bool:
	"""A measure met its time target with no full scan and no failed run."""
	return measure["ms"] <= target_ms and not measure["full_scans"] and not measure["failed"]


def _met(ok: bool) -> str:
	return "yes" if ok else "**no**"


def render(
	meta: dict,
	reports: list,
	cards: list,
	till: dict | None,
	workspace: dict | None = None,
	lists: list | None = None,
) -> str:
	m = shop.machine()
	load = meta["load"]
	totals = load["totals"]
	lines = [
		f"Run {meta['started']} on {m['nproc']} cores ({m['cpu']}), {m['ram_gb']} GB RAM, MariaDB on the same machine.",
		f"Site `{meta['site']}`: {totals['referral_rows']:,} referrals, {totals['coupon_rows']:,} POS coupons,"
		f" {totals['referral_codes']:,} scale referral codes, {totals['customers']:,} customers,"
		f" {totals.get('sales', 0):,} sales of referees and referrers. {_loaded(load)}",
	]
	report_target = f"≤ {REPORT_TARGETS_MS['30 days']} ms / ≤ {REPORT_TARGETS_MS['year'] / 1000:.0f} s"
	lines += _pair_table(
		("30 days", "Year"),
		[
			(
				f"Report {r['report']} (company, from/to date), median of 3",
				(r["30 days"], REPORT_TARGETS_MS["30 days"]),
				(r["year"], REPORT_TARGETS_MS["year"]),
				report_target,
			)
			for r in reports
		],
	)
	lines += _pair_table(
		("filters `{}`", "company"),
		[
			(
				f"Number card {c['card']} (`{c['method'].rsplit('.', 1)[-1]}`), median of 5",
				(c["no filter"], CARD_TARGET_MS),
				(c["company"], CARD_TARGET_MS),
				f"≤ {CARD_TARGET_MS} ms",
			)
			for c in cards
		],
	)
	if lists:
		lines += _pair_table(
			("first page", "count"),
			[
				(
					f"List view {v['doctype']} (20 rows by {v['sort'].split('.')[-1].replace('`', '')}; count up to 1,001),"
					" median of 5",
					(v["first page"], LIST_TARGET_MS),
					(v["count"], LIST_TARGET_MS),
					f"≤ {LIST_TARGET_MS} ms",
				)
				for v in lists
			],
		)
	if till:
		lines += ["", *_till_lines(till)]
	if workspace:
		lines += ["", *_workspace_lines(workspace)]
	scans = []
	for r in reports:
		for label in REPORT_TARGETS_MS:
			scans += [(f"{r['report']} ({label})", p) for p in r[label]["plans"] if p["full_scans"]]
	for c in cards:
		for label in ("no filter", "company"):
			scans += [(f"{c['card']} ({label})", p) for p in c[label]["plans"] if p["full_scans"]]
	for v in lists or []:
		for label in ("first page", "count"):
			scans += [(f"{v['doctype']} list ({label})", p) for p in v[label]["plans"] if p["full_scans"]]
	lines += [
		"",
		f"Statements the planner expects to read {HEAVY_ROWS:,} rows or more of a watched table:",
		"",
	]
	lines += heavy_statements(reports, cards, lists) or ["- none"]
	lines += ["", "Statements that read a whole watched table (EXPLAIN type ALL):", ""]
	seen = set()
	for where, p in scans:
		if p["shape"] in seen:
			continue
		seen.add(p["shape"])
		rows = ", ".join(
			f"{s['table']} {int(s['rows']):,} rows"
			for s in p["plan"]
			if s.get("type") == "ALL" and s.get("table") in plans.WATCHED_TABLES and s.get("rows")
		)
		lines.append(f"- {where}: {', '.join(p['full_scans'])} ({rows}): `{p['shape'][:400]}`")
	if not seen:
		lines.append("- none")
	return "\n".join(lines)


def _till_lines(till: dict) -> list[str]:
	sites = till["sites"]
	other = sites[1] if len(sites) > 1 else None
	setting = ", ".join(f"`{s}`: {v}" for s, v in (till.get(SALES_UPDATE) or {}).items())
	lines = [
		f"| Till path, in-process, median of {till.get('runs', 7)} | at scale (`{sites[0]}`) | `{other or '—'}`"
		" | Ratio (runs back to back, in blocks of two, 95 % interval) | Target | Full scans at scale | Met? |",
		"|---|---|---|---|---|---|---|",
	]

	def row(label, ratio, scale_cell, other_cell, failed=0, scans=None):
		"""``ratio``: {"ratio": …, "ratio_ci": …}; ``scans``: the full scans at scale, or None where
		the row has no statements of its own."""
		ok = ratio["ratio"] is not None and ratio["ratio"] <= TILL_TARGET and not failed and not scans
		scans_cell = "—" if scans is None else ", ".join(scans) or "none"
		return (
			f"| {label} | {scale_cell} | {other_cell} | {fmt_ratio(ratio, 'ratio')}"
			f" | ≤ {TILL_TARGET:.2f}× | {scans_cell} | {_met(ok)} |"
		)

	def ratio_of(t, field, scale_ms, other_ms) -> dict:
		"""The paired ratio (runs back to back); a results file from before it: the medians'."""
		if field in t:
			return {"ratio": t[field], "ratio_ci": t.get(f"{field}_ci")}
		return {"ratio": scale_ms / other_ms if other_ms else None}

	for op, label in TILL_PATHS.items():
		if op not in till:
			continue
		t = till[op]
		scale_ms, other_ms = t["ms"][sites[0]], t["ms"].get(other) if other else None
		failed = sum(t["failed"].values())
		failures = ", ".join(f"{s}: {n} failed" for s, n in t["failed"].items() if n)
		other_cell = f"{_ms(other_ms)} ({t['queries'][other]:.0f} queries)" if other else "—"
		lines.append(
			row(
				f"`{op}`: {label}",
				ratio_of(t, "ratio", scale_ms, other_ms),
				f"{_ms(scale_ms)} ({t['queries'][sites[0]]:.0f} queries)",
				other_cell + (f"; {failures}" if failures else ""),
				failed,
				t["full_scans"],
			)
		)
		if t.get("app_ms"):
			app_scale, app_other = t["app_ms"][sites[0]], t["app_ms"].get(other) if other else None
			lines.append(
				row(
					f"`{op}` … of which the app's: its invoice hook, then the commit with the crediting",
					ratio_of(t, "app_ratio", app_scale, app_other),
					_ms(app_scale),
					_ms(app_other) if other else "—",
					failed,
				)
			)
	if till.get("code_size"):
		lines += ["", *_code_size_lines(till["code_size"], till.get("runs", 25))]
	if setting:
		lines += [
			"",
			f"ERPNext's *Sales Update Frequency* of the sites otherwise (restored after the run): {setting}.",
		]
	if till.get("month_sales"):
		lines += ["", *_month_sales_lines(till["month_sales"])]
		if month_end := _month_end_line(till):
			lines += ["", month_end]
	if till.get("index_cost") and "submit_referee" in till:
		sale_ms = till["submit_referee"]["ms"][sites[0]]
		lines += ["", index_cost_line(till["index_cost"], sale_ms, "the referee's first sale at scale")]
	return lines


def _code_size_lines(c: dict, runs: int) -> list[str]:
	"""create_customer with the influencer's code against one of about ten referees (one site)."""
	busy, usual = c["busy"], c["usual"]
	failed = sum(c["failed"].values())
	failures = "; ".join(f"{k}: {n} failed" for k, n in c["failed"].items() if n)
	ok = c["ratio"] is not None and c["ratio"] <= TILL_TARGET and not failed and not c["full_scans"]
	return [
		f"| `create_customer` by the size of the code, at scale, in-process, median of {runs}"
		f" | The influencer's code (`{busy['code']}`, {busy['referees']:,} referees)"
		f" | A code of {usual['referees']:,} referees (`{usual['code']}`) | Ratio (runs back to back,"
		" in blocks of two, 95 % interval) | Target | Full scans | Met? |",
		"|---|---|---|---|---|---|---|",
		f"| A referred customer created at the till (outcomes: {', '.join(c['outcomes'])}"
		f"{f'; {failures}' if failures else ''}) | {_ms(c['ms']['busy'])} ({c['queries']['busy']:.0f} queries)"
		f" | {_ms(c['ms']['usual'])} ({c['queries']['usual']:.0f} queries) | {fmt_ratio(c, 'ratio')}"
		f" | ≤ {TILL_TARGET:.2f}× | {', '.join(c['full_scans']) or 'none'} | {_met(ok)} |",
	]


def _loaded(load: dict) -> str:
	added = load["added"]
	if not added["referrals"]:
		return "An earlier run loaded them (this one added none)."
	return (
		f"This run loaded {added['referrals']:,} referrals, {added['referrers']:,} referrers and"
		f" {added['coupons']:,} coupons in {load['seconds'] / 60:.1f} min."
	)


def _plan_step(step: dict) -> str:
	index = f" on `{step['key']}`" if step.get("key") else ""
	return f"{step['type']}{index}, {int(step.get('rows') or 0):,} rows"


def _month_sales_lines(by_site: dict) -> list[str]:
	"""What ERPNext's ``update_company_current_month_sales`` (every submit, at "Each Transaction")
	costs on each site, and how MariaDB reads the month's sales for it."""
	lines = [
		'ERPNext\'s `update_company_current_month_sales`, which each submit runs at "Each Transaction"'
		" (median of 3, rolled back):"
	]
	for site, m in by_site.items():
		lines.append(
			f"- `{site}`: {_ms(m['ms'])}; the company's month has {m['month_sales']:,} of its"
			f" {m['sales']:,} submitted sales; EXPLAIN of its sum: {_steps(m)}"
		)
		if stock := m.get("without_app_index"):
			lines.append(f"  - {_WITHOUT_APP_INDEX}: {_ms(stock['ms'])}; EXPLAIN: {_steps(stock)}")
		if last := m.get("last_month"):
			lines.append(
				f"  - the clock at noon of {last['day']}, the last day of the month before:"
				f" {_ms(last['ms'])}; that month has {last['month_sales']:,} sales; EXPLAIN: {_steps(last)}"
			)
			if stock := last.get("without_app_index"):
				lines.append(f"    - {_WITHOUT_APP_INDEX}: {_ms(stock['ms'])}; EXPLAIN: {_steps(stock)}")
	return lines


_WITHOUT_APP_INDEX = (
	"the same statement with ERPNext's own indexes only (`IGNORE INDEX` of the app's"
	" `rl_month_sales_index`), as on a site without the app"
)


def _steps(m: dict) -> str:
	return "; ".join(_plan_step(step) for step in (m.get("plan") or {}).get("plan") or []) or "—"


def _month_end_line(till: dict) -> str | None:
	"""The referee's first sale at scale as it would be on the last day of a month, from the sale
	timed today with ERPNext's month sum of today taken out and that of the month before's last
	day put in: derived from three measures, not timed as one."""
	sites = till["sites"]
	sale, months = till.get("submit_referee"), till.get("month_sales") or {}
	if len(sites) < 2 or not sale or "last_month" not in months.get(sites[0], {}):
		return None
	scale, other = sites
	now, last = months[scale], months[scale]["last_month"]
	derived = sale["ms"][scale] - now["ms"] + last["ms"]
	ratio = derived / sale["ms"][other]
	return (
		f"A referee's first sale at scale on the last day of a month, derived (not timed as one):"
		f" {_ms(sale['ms'][scale])} today, less ERPNext's sum of today's month ({_ms(now['ms'])},"
		f" {now['month_sales']:,} sales), plus its sum on {last['day']} ({_ms(last['ms'])},"
		f" {last['month_sales']:,} sales): {_ms(derived)}, {ratio:.2f}× the same sale on `{other}`"
		f" ({_ms(sale['ms'][other])}); target ≤ {TILL_TARGET:.2f}×: {_met(ratio <= TILL_TARGET)}."
		+ _month_end_stock(last, derived, sale["ms"][other])
	)


def _month_end_stock(last: dict, derived: float, other_ms: float) -> str:
	"""The same derived sale with ERPNext's sum read through its own indexes only."""
	stock = last.get("without_app_index")
	if not stock:
		return ""
	sale = derived - last["ms"] + stock["ms"]
	return (
		f" With ERPNext's own indexes only, that sum takes {_ms(stock['ms'])} and the sale"
		f" {_ms(sale)} ({sale / other_ms:.2f}×)."
	)


def _workspace_lines(w: dict) -> list[str]:
	if w.get("skipped"):
		return [f"Workspace in chromium: not measured ({w['skipped']})."]
	warm, failed = w.get("median_ms"), w.get("failed", 0)
	ok = warm is not None and warm <= WORKSPACE_TARGET_MS and not failed

	def runs(values) -> str:
		return ", ".join(f"{v:,.0f}" for v in values or []) + " ms" if values else "—"

	lines = [
		f"| Workspace in chromium, gunicorn ({GUNICORN_WORKERS} workers) serving the assets, median of"
		f" {len(w.get('warm_ms', []))} | Every number card shows its number | The Desk shows the first widget"
		" | The Desk has the page's data | Runs | Target | Met? |",
		"|---|---|---|---|---|---|---|",
		f"| `/app/referrals`, {w.get('cards', 0)} cards: page load from its address (browser cache warm)"
		f"{f'; {failed} failed' if failed else ''} | {_ms(warm)} | {_ms(w.get('first_widget_median_ms'))}"
		f" | {_ms(w.get('page_data_median_ms'))} | {runs(w.get('warm_ms'))}; first load {_ms(w.get('cold_ms'))}"
		f" | ≤ {WORKSPACE_TARGET_MS:,} ms | {_met(ok)} |",
		f"| `/app/referrals` opened from another Desk page (no page load) | {_ms(w.get('in_desk_median_ms'))}"
		f" | — | — | {runs(w.get('in_desk_ms'))} | — | — |",
	]
	for path, ref in (w.get("references") or {}).items():
		note = f"; {ref['failed']} failed" if ref.get("failed") else ""
		lines.append(
			f"| ERPNext's `{path}`, page load (reference){note} | {_ms(ref.get('cards_median_ms'))}"
			f" | {_ms(ref.get('first_widget_median_ms'))} | {_ms(ref.get('page_data_median_ms'))}"
			f" | {runs(ref.get('first_widget_ms'))} | — | — |"
		)
	if w.get("calls"):
		calls = ", ".join(f"`{name}`" + (f" ×{n}" if n > 1 else "") for name, n in sorted(w["calls"].items()))
		lines += ["", f"Server methods the last page load of `/app/referrals` called: {calls}."]
	return lines


HEAVY_ROWS = 10_000


def heavy_statements(reports: list, cards: list, lists: list | None = None) -> list[str]:
	"""One line per statement (by shape) whose plan reads many rows of a watched table, however it
	reads them (an index range or ref over most of the table is no better than a scan)."""
	found = []
	sources = [(f"{r['report']} ({label})", r[label]) for r in reports for label in REPORT_TARGETS_MS]
	sources += [(f"{c['card']} ({label})", c[label]) for c in cards for label in ("no filter", "company")]
	sources += [
		(f"{v['doctype']} list ({label})", v[label]) for v in lists or [] for label in ("first page", "count")
	]
	for where, measure in sources:
		for p in measure["plans"]:
			steps = [
				s
				for s in p["plan"]
				if s.get("table") in plans.WATCHED_TABLES and int(s.get("rows") or 0) >= HEAVY_ROWS
			]
			if steps:
				found.append((where, p, steps))
	lines, seen = [], set()
	for where, p, steps in found:
		key = (p["shape"], tuple((s["table"], s["type"], s["key"]) for s in steps))
		if key in seen:
			continue
		seen.add(key)
		reads = "; ".join(
			f"{s['table']}: {s['type']} on `{s['key'] or '-'}`, {int(s['rows']):,} rows" for s in steps
		)
		lines.append(f"- {where} — {reads}: `{p['shape'][:300]}`")
	return lines


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--referrals", type=int, default=0)
	parser.add_argument("--no-till", action="store_true", help="skip the till paths")
	parser.add_argument("--no-browser", action="store_true", help="skip the workspace in chromium")
	parser.add_argument("--render", metavar="JSON", help="print the table of an earlier run's results file")
	args = parser.parse_args()
	if args.render:
		saved = json.loads(Path(args.render).read_text())
		print(
			render(
				saved,
				saved["reports"],
				saved["cards"],
				saved.get("till"),
				saved.get("workspace"),
				saved.get("lists"),
			)
		)
		return
	if args.site in ("test_referral.localhost", "referral.localhost", TILL_SITE, "rl_bench_native.localhost"):
		sys.exit(f"{args.site} is not the scale benchmark site")

	import frappe

	started = datetime.now().astimezone()
	shop.connect(args.site)
	try:
		if not shop.is_ours():
			sys.exit(f"{args.site} must have referral_loyalty installed")
		meta = {"site": args.site, "referrals": args.referrals, "started": f"{started:%Y-%m-%d %H:%M %Z}"}
		meta["load"] = load(args.referrals)
		reports = measure_reports()
		cards = measure_cards()
		lists = measure_lists()
		sizes = None if args.no_till else code_sizes()
	finally:
		frappe.destroy()
	till = None if args.no_till else measure_till(args.site, sizes=sizes)
	workspace = None if args.no_browser else measure_workspace(args.site)
	logs = Path(shop.sites_path()).parent / "logs"
	details = logs / f"bench-scale-{started:%Y%m%d-%H%M%S}.json"
	details.write_text(
		json.dumps(
			{
				**meta,
				"reports": reports,
				"cards": cards,
				"lists": lists,
				"till": till,
				"workspace": workspace,
			},
			default=str,
			indent=1,
		)
	)
	log(f"every figure and the EXPLAIN plans: {details}")
	print(render(meta, reports, cards, till, workspace, lists))


if __name__ == "__main__":
	main()
