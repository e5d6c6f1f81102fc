"""The referral programme's sales ledger (Referral Sale Entry), written in the sale's own
transaction as a sale or return is submitted, and removed with it when it is cancelled:

- a referee's sale (or return) of the referral's company, on or after the enrolment day: its net
  sales and gross profit, and how many days after the enrolment it came;
- each reward coupon applied on a sale: the discount it gave (``rules/sales.py``).

Referral ROI and Reward Cost read these rows, one per sale, from their own indexes, instead of
every sale's lines. Consolidated Sales Invoices are left out (their POS Invoices were recorded).
"""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe.query_builder import DocType
from frappe.utils import flt, getdate, now_datetime

from referral_loyalty.referral_loyalty.doctype.referral_sale_entry.referral_sale_entry import (
	REFEREE_SALE,
	REWARD_DISCOUNT,
)
from referral_loyalty.rules import rewards
from referral_loyalty.rules import sales as rules
from referral_loyalty.services import coupons as reward_coupons
from referral_loyalty.services import ledger

DOCTYPE = "Referral Sale Entry"
COLUMNS = (
	"entry_type",
	"company",
	"invoice_type",
	"invoice",
	"posting_date",
	"customer",
	"referral",
	"referral_period",
	"referral_code",
	"enrolled_on",
	"days_after_enrolment",
	"net_sales",
	"gross_profit",
	"coupon",
	"pos_offer",
	"side",
	"issued_on",
	"discount",
	"sale_count",
)
# what a row says of its referral (the referee's, or the one the coupon rewarded)
REFERRAL_COLUMNS = ("referral", "referral_period", "referral_code", "enrolled_on")
NUMBERS = ("days_after_enrolment", "net_sales", "gross_profit", "discount", "sale_count")


def record(invoice) -> None:
	"""A sale or return just submitted: its rows of the ledger (none for most sales)."""
	entries = []
	referral = ledger.referral_of_sale(invoice)
	if referral and referral.company == invoice.company and referral.enrolled_on:
		days = (getdate(invoice.posting_date) - getdate(referral.enrolled_on)).days
		if days >= 0:
			totals = rules.sale_totals(lines_of(invoice))
			entries.append(
				_entry(
					invoice,
					{"referral": referral.name, **{f: referral.get(f) for f in REFERRAL_COLUMNS[1:]}},
					entry_type=REFEREE_SALE,
					company=invoice.company,
					days_after_enrolment=days,
					net_sales=totals.net_sales,
					gross_profit=totals.gross_profit,
				)
			)
	if not invoice.get("is_return"):
		entries += _reward_discounts(invoice)
	if entries:
		_insert(entries)


def forget_reads(invoice) -> None:
	"""What the sale's hooks read once for all of them (its referral, its reward coupons), as it
	was at this submission or cancellation only."""
	invoice.flags.pop(ledger.REFERRAL_FLAG, None)
	invoice.flags.pop(reward_coupons.REWARDS_FLAG, None)


def follow_period(referral: str, period: str) -> None:
	"""A referral credited to another period than the one it was enrolled in: the rows of its sales
	(and of its reward coupons) follow it, as the reports group them by the referral's period."""
	entry = DocType(DOCTYPE)
	frappe.qb.update(entry).set(entry.referral_period, period).where(
		(entry.referral == referral) & ((entry.referral_period != period) | entry.referral_period.isnull())
	).run()


def forget(invoice) -> None:
	"""A sale or return cancelled: it says nothing to the ledger any more."""
	entry = DocType(DOCTYPE)
	frappe.qb.from_(entry).delete().where(
		(entry.invoice == invoice.name) & (entry.invoice_type == invoice.doctype)
	).run()


def backfill(commit=None) -> int:
	"""The ledger's rows of the sales submitted before it existed: every submitted sale or return
	of a referee and every sale with a reward coupon applied, recorded as the hook would have
	(a sale recorded already is left alone: runs twice, records once). ``commit``: called after
	each sale. How many sales were recorded."""
	recorded = 0
	for invoice_type in rules.INVOICE_DOCTYPES:
		for name in _unrecorded_sales(invoice_type):
			invoice = frappe.get_doc(invoice_type, name)
			record(invoice)
			forget_reads(invoice)
			recorded += 1
			if commit:
				commit()
	return recorded


def _unrecorded_sales(invoice_type: str) -> list[str]:
	invoice, referral = DocType(invoice_type), DocType("Referral")
	applied, coupon, entry = DocType("POS Coupon Detail"), DocType("POS Coupon"), DocType(DOCTYPE)
	submitted = invoice.docstatus == 1
	if invoice_type == "Sales Invoice":
		submitted = submitted & (invoice.is_consolidated == 0)
	of_referees = (
		frappe.qb.from_(invoice)
		.join(referral)
		.on((referral.referee == invoice.customer) & (referral.company == invoice.company))
		.select(invoice.name)
		.where(submitted & (invoice.posting_date >= referral.enrolled_on))
		.run(pluck=True)
	)
	with_rewards = (
		frappe.qb.from_(applied)
		.join(coupon)
		.on(coupon.name == applied.coupon)
		.join(invoice)
		.on(invoice.name == applied.parent)
		.select(invoice.name)
		.where(
			(applied.parenttype == invoice_type)
			& (applied.parentfield == "posa_coupons")
			& (applied.applied == 1)
			& coupon.rl_side.isin(rewards.REWARD_SIDES)
			& submitted
			& (invoice.is_return == 0)
		)
		.run(pluck=True)
	)
	recorded = set(
		frappe.qb.from_(entry)
		.select(entry.invoice)
		.distinct()
		.where(entry.invoice_type == invoice_type)
		.run(pluck=True)
	)
	return sorted((set(of_referees) | set(with_rewards)) - recorded)


def lines_of(invoice) -> list[rules.Line]:
	return [
		rules.Line(
			row_id=item.get("posa_row_id") or "",
			offer_rows=rules.offer_rows_of(item.get("posa_offers")),
			price_list_rate=_decimal(item.base_price_list_rate),
			rate=_decimal(item.base_rate),
			qty=_decimal(item.qty),
			net_amount=_decimal(item.base_net_amount),
			incoming_rate=_decimal(item.get("incoming_rate")),
			stock_qty=_decimal(item.stock_qty),
		)
		for item in invoice.get("items") or []
	]


def _reward_discounts(invoice) -> list[dict]:
	coupons = reward_coupons.rewards_on(invoice)
	if not coupons:
		return []
	lines = lines_of(invoice)
	offers = [
		rules.AppliedOffer(
			row_id=row.get("row_id") or "",
			coupon=row.get("coupon") or "",
			give_item_row_id=row.get("give_item_row_id") or "",
			kind=row.get("offer") or "",
		)
		for row in invoice.get("posa_offers") or []
	]
	entries, counted = [], set()
	for row in coupons:
		reward = (row.pos_offer, row.rl_side)
		entries.append(
			_entry(
				invoice,
				{f: row.get(f) for f in REFERRAL_COLUMNS},
				entry_type=REWARD_DISCOUNT,
				company=row.company,
				coupon=row.name,
				pos_offer=row.pos_offer,
				side=row.rl_side,
				issued_on=getdate(row.creation),
				discount=rules.coupon_discount(
					row.offer_kind or "",
					row.name,
					lines,
					offers,
					_decimal(invoice.get("base_discount_amount")),
				),
				sale_count=0 if reward in counted else 1,  # the sale counts once per offer and side
			)
		)
		counted.add(reward)
	return entries


def _entry(invoice, of_referral: dict, **values) -> dict:
	return {
		"invoice_type": invoice.doctype,
		"invoice": invoice.name,
		"posting_date": invoice.posting_date,
		"customer": invoice.customer,
		**of_referral,
		**values,
	}


def _insert(entries: list[dict]) -> None:
	"""One statement for the sale's rows (they are the sale's own: no document hooks to run)."""
	now, user = now_datetime(), frappe.session.user
	fields = ["name", "creation", "modified", "owner", "modified_by", "docstatus", *COLUMNS]
	values = [
		(
			frappe.generate_hash(length=10),
			now,
			now,
			user,
			user,
			0,
			*(_value(entry.get(column), column in NUMBERS) for column in COLUMNS),
		)
		for entry in entries
	]
	frappe.db.bulk_insert(DOCTYPE, fields, values)


def _value(value, number: bool):
	if isinstance(value, Decimal):
		return flt(value, 9)
	if value is None and number:
		return 0
	return value


def _decimal(value) -> Decimal:
	return Decimal(str(flt(value)))
