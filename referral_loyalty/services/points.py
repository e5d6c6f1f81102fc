"""Loyalty points as referral rewards: ERPNext Loyalty Point Entries that ERPNext counts in a
customer's balance and POS Awesome lets the cashier redeem.

An entry is written as ERPNext's own would be, with what a reward needs:
- in the customer's loyalty program: a customer with none is enrolled in the period's program; a
  customer in another program of the same company gets the same money value in their own
  program's points (rounded down), so they redeem where they already collect; a customer in a
  program of another company gets the points in the period's program (their own is left alone);
- the customer's current tier, ``purchase_amount`` 0 (a reward never lifts the tier);
- ``expiry_date`` always set: the program's expiry duration after the day of issue, or, for a
  program without one, 31 December 2099 (ERPNext's balance leaves out entries without a date);
- ``invoice_type``: the invoice the shop redeems on (POS Invoice when the company's POS Profiles
  create POS Invoices, else Sales Invoice; ERPNext redeems an entry only on its own doctype), no
  invoice (a reward belongs to no sale, and ERPNext's cancel of a sale must not touch it).
Taking points back writes a negative entry against the reward's (same expiry): the unspent points
only, so a balance is never driven negative; spent points are recorded as redeemed. A reward entry
and its take-back carry the referral and side they belong to (``rl_referral``, ``rl_side``), which
the reports read.
"""

from __future__ import annotations

import datetime as dt

import frappe
from frappe.query_builder import Case, DocType
from frappe.query_builder.functions import Coalesce, Sum
from frappe.utils import add_days, flt, getdate, today

from referral_loyalty.rules import rewards

NO_EXPIRY = dt.date(2099, 12, 31)
POS_INVOICE_FLAG = "create_pos_invoice_instead_of_sales_invoice"  # POS Awesome's POS Profile field


def award(
	customer: str,
	company: str,
	program: str,
	points: int,
	pos_profile: str | None = None,
	*,
	referral: str | None = None,
	side: str | None = None,
) -> str:
	"""Give ``customer`` ``points`` of ``program`` (see the module docstring); returns the entry,
	marked with the ``referral`` and ``side`` it rewards (as reward coupons are)."""
	program_row = _program(program)
	target, target_points = program, points
	current = frappe.db.get_value("Customer", customer, "loyalty_program")
	if not current:
		frappe.db.set_value("Customer", customer, "loyalty_program", program, update_modified=False)
	elif current != program:
		current_row = _program(current)
		if current_row and current_row.company == company:
			target = current
			target_points = rewards.points_for_program(
				points, flt(program_row.conversion_factor), flt(current_row.conversion_factor)
			)
	target_row = _program(target)
	posting_date = getdate(today())
	entry = frappe.get_doc(
		{
			"doctype": "Loyalty Point Entry",
			"company": company,
			"loyalty_program": target,
			"loyalty_program_tier": _tier(customer, target, company),
			"customer": customer,
			"invoice_type": redeem_doctype(company, pos_profile),
			"loyalty_points": target_points,
			"purchase_amount": 0,
			"expiry_date": add_days(posting_date, target_row.expiry_duration)
			if target_row.expiry_duration
			else NO_EXPIRY,
			"posting_date": posting_date,
			"rl_referral": referral,
			"rl_side": side,
		}
	)
	entry.flags.ignore_permissions = True
	entry.flags.ignore_links = True  # program, customer and company were read just above
	entry.insert()
	return entry.name


def take_back(entry: str) -> str:
	"""Withdraw the unspent points of a reward entry; ``Withdrawn`` when none are spent, else
	``Redeemed`` (the spent part stays spent). Safe to run again: only what is unspent and not
	taken back yet is offset (points given back by a cancelled spend since, for instance)."""
	row = frappe.db.get_value(
		"Loyalty Point Entry",
		entry,
		[
			"loyalty_points",
			"customer",
			"company",
			"loyalty_program",
			"loyalty_program_tier",
			"expiry_date",
			"invoice_type",
			"rl_referral",
			"rl_side",
		],
		as_dict=True,
	)
	if not row:
		return rewards.WITHDRAWN
	lpe = DocType("Loyalty Point Entry")
	spent, taken = (
		-flt(value)
		for value in frappe.qb.from_(lpe)
		.select(
			Sum(Case().when(Coalesce(lpe.rl_side, "") == "", lpe.loyalty_points).else_(0)),
			Sum(Case().when(Coalesce(lpe.rl_side, "") != "", lpe.loyalty_points).else_(0)),
		)
		.where((lpe.redeem_against == entry) & (lpe.loyalty_points < 0))
		.run()[0]
	)
	# what the customer spent (redemptions) and what was taken back before (this function's own
	# rows, which carry the side): a spend cancelled since gives its points back to the balance,
	# and taking back again offsets them too
	unspent = int(row.loyalty_points - spent - taken)
	if unspent > 0:
		offset = frappe.get_doc(
			{
				"doctype": "Loyalty Point Entry",
				"company": row.company,
				"loyalty_program": row.loyalty_program,
				"loyalty_program_tier": row.loyalty_program_tier,
				"customer": row.customer,
				"invoice_type": row.invoice_type,
				"redeem_against": entry,
				"loyalty_points": -unspent,
				"purchase_amount": 0,
				"expiry_date": row.expiry_date,
				"posting_date": today(),
				"rl_referral": row.rl_referral,
				"rl_side": row.rl_side,
			}
		)
		offset.flags.ignore_permissions = True
		offset.flags.ignore_links = True
		offset.insert()
	return rewards.WITHDRAWN if spent <= 0 else rewards.REDEEMED


def balance(customer: str, company: str) -> int:
	"""The customer's loyalty points balance as ERPNext counts it today (0 without a program)."""
	from erpnext.accounts.doctype.loyalty_program.loyalty_program import get_loyalty_details

	program = frappe.db.get_value("Customer", customer, "loyalty_program")
	if not program:
		return 0
	return int(get_loyalty_details(customer, program, company=company).get("loyalty_points") or 0)


def redeem_doctype(company: str, pos_profile: str | None = None) -> str:
	"""The invoice doctype points are redeemed on at this shop's tills."""
	if not frappe.get_meta("POS Profile").has_field(POS_INVOICE_FLAG):
		return "Sales Invoice"
	if pos_profile:
		flags = [frappe.get_cached_value("POS Profile", pos_profile, POS_INVOICE_FLAG)]
	else:
		flags = frappe.get_all(
			"POS Profile", filters={"company": company, "disabled": 0}, pluck=POS_INVOICE_FLAG
		)
	return "POS Invoice" if flags and all(flags) else "Sales Invoice"


def validate_program(program: str, company: str, label: str) -> None:
	"""A period's loyalty program: it exists and belongs to the period's company."""
	from frappe import _

	from referral_loyalty.exceptions import InvalidPeriodOffer

	row = _program(program)
	if not row:
		frappe.throw(
			_("{0}: Loyalty Program {1} does not exist.").format(label, frappe.bold(program)),
			exc=InvalidPeriodOffer,
		)
	if row.company != company:
		frappe.throw(
			_("{0}: Loyalty Program {1} belongs to company {2}, not {3}.").format(
				label, frappe.bold(program), row.company, company
			),
			exc=InvalidPeriodOffer,
		)


def money_value(points: int, program: str) -> float:
	row = _program(program)
	return flt(points) * flt(row.conversion_factor) if row else 0.0


def _program(name: str | None):
	if not name:
		return None
	return frappe.db.get_value(
		"Loyalty Program", name, ["name", "company", "expiry_duration", "conversion_factor"], as_dict=True
	)


def _tier(customer: str, program: str, company: str) -> str | None:
	from erpnext.accounts.doctype.loyalty_program.loyalty_program import (
		get_loyalty_program_details_with_points,
	)

	details = get_loyalty_program_details_with_points(
		customer, program, company=company, silent=True, include_expired_entry=True
	)
	return details.get("tier_name")
