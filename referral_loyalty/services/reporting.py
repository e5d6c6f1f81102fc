"""Read-side measures of the referral programme, shared by the reports and the workspace cards.

Every measure is defined once here, as a query on the Referral ledger and the reward coupons:

- funnel stages of a referral (enrolled → pending → qualified → rewarded → redeemed);
- per-referrer counts;
- reward coupons issued / redeemed per offer and side, and the discount they gave.

The discount a reward coupon gave is read from the submitted invoices it was applied on (POS
Awesome's ``posa_coupons`` rows, POS Coupon Detail, with ``applied`` set): for an offer of type
"Grand Total" it is the invoice's additional discount (``base_discount_amount``), which is what
POS Awesome sets from such an offer; for an item offer ("Item Price", "Give Product") it is the
item discount, ``(base_price_list_rate - base_rate) * qty``, on the invoice lines that POS Awesome
tagged with the offer (``posa_offers`` of the line, or the given item's line). Loyalty-point
offers give no discount. Returns are not netted off; cancelled invoices and consolidated Sales
Invoices (whose POS Invoices are counted themselves) are left out. Amounts are in company currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import Case, Criterion, DocType
from frappe.query_builder.functions import Coalesce, Concat, Count, Date, Sum
from frappe.utils import flt, getdate

from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.rules import eligibility

INVOICE_DOCTYPES = ("Sales Invoice", "POS Invoice")
GRAND_TOTAL_OFFER = "Grand Total"
ITEM_OFFERS = ("Item Price", "Give Product")
FUNNEL_STAGES = ("enrolled", "pending", "qualified", "rewarded", "redeemed")


@dataclass(frozen=True)
class Scope:
	"""What a report or a card looks at. Dates bound the enrolment date (referrals) or the issue
	date (coupons); the campaign is the referral period's, else the referral code's."""

	company: str | None = None
	from_date: str | None = None
	to_date: str | None = None
	referral_period: str | None = None
	campaign: str | None = None

	@classmethod
	def of(cls, filters) -> Scope:
		filters = frappe._dict(filters or {})
		return cls(
			company=filters.company or None,
			from_date=str(getdate(filters.from_date)) if filters.from_date else None,
			to_date=str(getdate(filters.to_date)) if filters.to_date else None,
			referral_period=filters.referral_period or None,
			campaign=filters.campaign or None,
		)


class _Tables:
	def __init__(self):
		self.referral = DocType("Referral")
		self.period = DocType("Referral Period")
		self.code = DocType("Referral Code")
		self.coupon = DocType("POS Coupon")
		self.campaign = Coalesce(self.period.campaign, self.code.campaign)


def require_read(doctype: str, company: str | None = None) -> None:
	"""Read access to ``doctype``, and to ``company`` when the user is restricted to some companies
	by User Permissions (the reports and cards aggregate with plain queries)."""
	if frappe.session.user == "Guest" or not frappe.has_permission(doctype, "read"):
		frappe.throw(_("Not permitted to read {0}.").format(_(doctype)), exc=ReferralNotAllowed)
	if company:
		from frappe.core.doctype.user_permission.user_permission import get_user_permissions

		allowed = get_user_permissions().get("Company")
		if allowed and company not in {permission.get("doc") for permission in allowed}:
			frappe.throw(_("Not permitted for company {0}.").format(company), exc=ReferralNotAllowed)


def report_scope(filters, doctype: str) -> Scope:
	"""The scope of a report run: a company is required, and read access to what the report shows."""
	scope = Scope.of(filters)
	if not scope.company:
		frappe.throw(_("Please select a Company."), title=_("Company Required"))
	require_read(doctype, scope.company)
	if scope.from_date and scope.to_date and scope.from_date > scope.to_date:
		frappe.throw(_("From Date {0} is after To Date {1}.").format(scope.from_date, scope.to_date))
	return scope


def _referral_criteria(t: _Tables, scope: Scope, date_field) -> Criterion:
	conditions = []
	if scope.company:
		conditions.append(t.referral.company == scope.company)
	if scope.from_date:
		conditions.append(date_field >= scope.from_date)
	if scope.to_date:
		conditions.append(date_field <= scope.to_date)
	if scope.referral_period:
		conditions.append(t.referral.referral_period == scope.referral_period)
	if scope.campaign:
		conditions.append(t.campaign == scope.campaign)
	return Criterion.all(conditions)


def _referrals(t: _Tables):
	"""Referrals with their period, code and referrer coupon joined."""
	return (
		frappe.qb.from_(t.referral)
		.left_join(t.period)
		.on(t.period.name == t.referral.referral_period)
		.left_join(t.code)
		.on(t.code.name == t.referral.referral_code)
		.left_join(t.coupon)
		.on(t.coupon.name == t.referral.referrer_coupon)
	)


def _count_if(condition):
	return Sum(Case().when(condition, 1).else_(0))


def _stage_counts(t: _Tables) -> dict:
	"""A referral counts in every stage it reached, whatever happened to it afterwards.

	- enrolled: a customer was created with a valid code (every Referral);
	- pending: it passed the enrolment checks (not rejected at enrolment);
	- qualified: it was credited (``qualified_on`` is kept when it is later reversed);
	- rewarded: the referrer's coupon was issued;
	- redeemed: that coupon was used on a sale.
	"""
	referral = t.referral
	rejected_at_enrolment = (
		(referral.status == eligibility.REJECTED)
		& referral.reason.isin(eligibility.ENROLMENT_REASONS)
		& (Coalesce(referral.qualifying_invoice, "") == "")
	)
	return {
		"enrolled": Count("*"),
		"pending": _count_if(rejected_at_enrolment.negate()),
		"qualified": _count_if(referral.qualified_on.isnotnull()),
		"rewarded": _count_if(Coalesce(referral.referrer_coupon, "") != ""),
		"redeemed": _count_if(Coalesce(t.coupon.used, 0) > 0),
	}


def funnel(scope: Scope) -> list[dict]:
	"""Funnel counts grouped by the period a referral is credited to and its campaign."""
	t = _Tables()
	stages = _stage_counts(t)
	query = (
		_referrals(t)
		.select(
			t.referral.referral_period,
			t.period.title.as_("period_title"),
			t.campaign.as_("campaign"),
			*(expr.as_(name) for name, expr in stages.items()),
		)
		.where(_referral_criteria(t, scope, t.referral.enrolled_on))
		.groupby(t.referral.referral_period, t.period.title, t.campaign)
		.orderby(t.referral.referral_period)
	)
	return [_ints(row, FUNNEL_STAGES) for row in query.run(as_dict=True)]


def top_referrers(scope: Scope) -> list[dict]:
	"""Per referral code (one per referrer and company): referrals by outcome and rewards."""
	t = _Tables()
	referral, customer = t.referral, DocType("Customer")
	query = (
		_referrals(t)
		.left_join(customer)
		.on(customer.name == referral.referrer)
		.select(
			referral.referrer,
			customer.customer_name.as_("referrer_name"),
			referral.referral_code,
			t.code.referral_code.as_("code"),
			Count("*").as_("enrolled"),
			_count_if(referral.status == eligibility.PENDING).as_("pending"),
			_count_if(referral.status == eligibility.QUALIFIED).as_("qualified"),
			_count_if(referral.status == eligibility.REJECTED).as_("rejected"),
			_count_if(Coalesce(referral.referrer_coupon, "") != "").as_("rewards_issued"),
			_count_if(Coalesce(t.coupon.used, 0) > 0).as_("rewards_redeemed"),
		)
		.where(_referral_criteria(t, scope, referral.enrolled_on))
		.groupby(referral.referral_code, referral.referrer, customer.customer_name, t.code.referral_code)
	)
	numbers = ("enrolled", "pending", "qualified", "rejected", "rewards_issued", "rewards_redeemed")
	rows = [_ints(row, numbers) for row in query.run(as_dict=True)]
	rows.sort(key=lambda r: (-r.qualified, -r.enrolled, r.referrer_name or r.referrer or ""))
	return rows


def _coupon_scope(t: _Tables, scope: Scope) -> Criterion:
	conditions = [Coalesce(t.coupon.rl_referral, "") != ""]
	if scope.company:
		conditions.append(t.coupon.company == scope.company)
	if scope.from_date:
		conditions.append(Date(t.coupon.creation) >= scope.from_date)
	if scope.to_date:
		conditions.append(Date(t.coupon.creation) <= scope.to_date)
	if scope.referral_period:
		conditions.append(t.referral.referral_period == scope.referral_period)
	if scope.campaign:
		conditions.append(t.campaign == scope.campaign)
	return Criterion.all(conditions)


def _coupons(t: _Tables):
	"""Reward coupons with their referral, period and code joined."""
	return (
		frappe.qb.from_(t.coupon)
		.join(t.referral)
		.on(t.referral.name == t.coupon.rl_referral)
		.left_join(t.period)
		.on(t.period.name == t.referral.referral_period)
		.left_join(t.code)
		.on(t.code.name == t.referral.referral_code)
	)


def reward_cost(scope: Scope) -> list[dict]:
	"""Per offer and side: reward coupons issued, redeemed, withdrawn, and the discount they gave."""
	t = _Tables()
	query = (
		_coupons(t)
		.select(
			t.coupon.pos_offer,
			t.coupon.rl_side.as_("side"),
			Count("*").as_("issued"),
			_count_if(Coalesce(t.coupon.used, 0) > 0).as_("redeemed"),
			_count_if(t.coupon.rl_withdrawn == 1).as_("withdrawn"),
		)
		.where(_coupon_scope(t, scope))
		.groupby(t.coupon.pos_offer, t.coupon.rl_side)
		.orderby(t.coupon.pos_offer)
		.orderby(t.coupon.rl_side)
	)
	rows = {
		(r.pos_offer, r.side): _ints(r, ("issued", "redeemed", "withdrawn")) for r in query.run(as_dict=True)
	}
	for row in rows.values():
		row.update(discount=0.0, invoices=0)
	for part in _discounts(scope):
		row = rows.get((part.pos_offer, part.side))
		if row:
			row.discount += flt(part.discount)
			row.invoices += int(part.invoices or 0)
	return list(rows.values())


def total_discount(scope: Scope) -> float:
	return sum(flt(part.discount) for part in _discounts(scope))


def _discounts(scope: Scope) -> list:
	parts = []
	for doctype in INVOICE_DOCTYPES:
		parts += _grand_total_discounts(doctype, scope)
		parts += _item_discounts(doctype, scope)
	return parts


def _redeeming_invoices(t: _Tables, doctype: str, scope: Scope):
	"""Submitted sales of ``doctype`` on which a reward coupon in scope was applied."""
	invoice = DocType(doctype)
	applied = DocType("POS Coupon Detail")
	offer = DocType("POS Offer")
	query = (
		_coupons(t)
		.join(applied)
		.on(
			(applied.coupon == t.coupon.name)
			& (applied.parenttype == doctype)
			& (applied.parentfield == "posa_coupons")
		)
		.join(invoice)
		.on(invoice.name == applied.parent)
		.join(offer)
		.on(offer.name == t.coupon.pos_offer)
		.where(_coupon_scope(t, scope))
		.where((applied.applied == 1) & (invoice.docstatus == 1) & (invoice.is_return == 0))
	)
	if doctype == "Sales Invoice":
		query = query.where(invoice.is_consolidated == 0)
	return query, invoice, offer


def _grand_total_discounts(doctype: str, scope: Scope) -> list:
	t = _Tables()
	query, invoice, offer = _redeeming_invoices(t, doctype, scope)
	return (
		query.select(
			t.coupon.pos_offer,
			t.coupon.rl_side.as_("side"),
			Sum(invoice.base_discount_amount).as_("discount"),
			Count(invoice.name).distinct().as_("invoices"),
		)
		.where(offer.offer == GRAND_TOTAL_OFFER)
		.groupby(t.coupon.pos_offer, t.coupon.rl_side)
		.run(as_dict=True)
	)


def _item_discounts(doctype: str, scope: Scope) -> list:
	t = _Tables()
	query, invoice, offer = _redeeming_invoices(t, doctype, scope)
	applied_offer = DocType("POS Offer Detail")
	item = DocType(f"{doctype} Item")
	line_of_offer = (item.posa_offers.like(Concat("%", '"', applied_offer.row_id, '"', "%"))) | (
		(Coalesce(applied_offer.give_item_row_id, "") != "")
		& (item.posa_row_id == applied_offer.give_item_row_id)
	)
	line_discount = (
		Case()
		.when(
			item.base_price_list_rate > item.base_rate,
			(item.base_price_list_rate - item.base_rate) * item.qty,
		)
		.else_(0)
	)
	return (
		query.join(applied_offer)
		.on(
			(applied_offer.parent == invoice.name)
			& (applied_offer.parenttype == doctype)
			& (applied_offer.parentfield == "posa_offers")
			& (applied_offer.coupon == t.coupon.name)
		)
		.join(item)
		.on((item.parent == invoice.name) & (item.parenttype == doctype) & line_of_offer)
		.select(
			t.coupon.pos_offer,
			t.coupon.rl_side.as_("side"),
			Sum(line_discount).as_("discount"),
			Count(invoice.name).distinct().as_("invoices"),
		)
		.where(offer.offer.isin(ITEM_OFFERS))
		.groupby(t.coupon.pos_offer, t.coupon.rl_side)
		.run(as_dict=True)
	)


def _ints(row, fields) -> frappe._dict:
	row = frappe._dict(row)
	for field in fields:
		row[field] = int(row.get(field) or 0)
	return row
