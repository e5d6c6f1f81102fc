"""Read-side measures of the referral programme, shared by the reports and the workspace cards.

Every measure is defined once here, as a query on the Referral ledger and the rewards it paid:

- funnel stages of a referral (enrolled → pending → qualified → rewarded → redeemed);
- per-referrer and per-cashier counts;
- rewards held, issued, withdrawn and redeemed per reward and side, and what they cost;
- the return on the programme: the referees' sales and gross profit after enrolment against the
  whole reward cost, beside the company's other new customers.

Rewards are the reward coupons (POS Coupon with ``rl_referral``) and reward loyalty points (Loyalty
Point Entry with ``rl_referral``; a take-back is a negative entry of the same referral and side,
ERPNext's own redemptions are negative entries ``redeem_against`` it without one).

What reward coupons gave off, and what referees bought, are read from the sales ledger
(Referral Sale Entry, ``services/sales.py``), written as each sale is submitted and removed with
it when it is cancelled: a row per referee sale (net sales, gross profit, days after enrolment)
and per reward coupon applied on a sale (the discount it gave, as ``rules/sales.py`` reckons it).
Loyalty-point offers give no discount. Points cost their money value (the program's conversion
factor) when issued, less what was taken back. Discounts are not netted off by returns; referees'
returns count with their negative amounts. Amounts are in company currency; gross profit is
ERPNext's (the lines' net amount less their valuation, ``incoming_rate`` x stock quantity).

Every query is answered from indexes (see ``install.INDEXES`` and the Referral's
``on_doctype_update``): grouped first by what the index holds, then joined to names and campaigns.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import Case, Criterion, DocType, Order
from frappe.query_builder.functions import Coalesce, Count, Max, Sum
from frappe.utils import add_days, flt, getdate
from pypika.terms import CustomFunction, ExistsCriterion, LiteralValue, PseudoColumn

from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.referral_loyalty.doctype.referral_sale_entry.referral_sale_entry import (
	INDEXES as ENTRY_INDEXES,
)
from referral_loyalty.referral_loyalty.doctype.referral_sale_entry.referral_sale_entry import (
	REFEREE_SALE,
	REWARD_DISCOUNT,
)
from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.rules import sales as sale_rules
from referral_loyalty.services import concurrent_reads

FUNNEL_STAGES = ("enrolled", "pending", "qualified", "rewarded", "redeemed")
# room for the groups of a year of referrals in memory (see _grouped)
GROUPING_MEMORY = 256 * 1024 * 1024
# codes with a campaign of their own grouped one by one; beyond this, every code is a group
MAX_CAMPAIGN_CODES = 1000
# the covering indexes the referral counts read (see the Referral's on_doctype_update); named,
# as the planner would otherwise prefer the shorter company prefix of another and read the rows
ENROLLED_INDEX = "rl_report_enrolled_index"
CASHIER_INDEX = "rl_report_cashier_index"
REWARD_INDEX = "rl_reward_offer_index"
HELD_INDEX = "rl_report_held_index"
CODE_INDEX = "rl_report_code_index"
# referrals of a company in a status (the workspace's status cards): one range of this index, where
# the planner would otherwise intersect the status index with it (3-5 times slower at a million)
COMPANY_STATUS_INDEX = "rl_company_status_index"
SALE_ENTRY = "Referral Sale Entry"  # the sales ledger: services/sales.py
NEW_CUSTOMERS_INDEX = "rl_new_customers_index"  # Customer (creation, rl_referral): install.INDEXES
# a date range this short is read from the enrolment index; a longer one code by code
SHORT_RANGE_DAYS = 120
ROI_DAYS = 90
Crc32 = CustomFunction("CRC32", ["value"])


@dataclass(frozen=True)
class Scope:
	"""What a report or a card looks at. Dates bound the enrolment date (referrals) or the issue
	date (rewards); the campaign is the referral period's, else the referral code's. ``companies``:
	several companies at once (the workspace cards of a user who reads several)."""

	company: str | None = None
	from_date: str | None = None
	to_date: str | None = None
	referral_period: str | None = None
	campaign: str | None = None
	companies: tuple[str, ...] = ()

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

	def days(self) -> int | None:
		"""How many days the dates span (None without both)."""
		if not (self.from_date and self.to_date):
			return None
		return (getdate(self.to_date) - getdate(self.from_date)).days + 1

	def is_short(self) -> bool:
		"""A few weeks of dates (``SHORT_RANGE_DAYS`` at most): read as a range of a date index."""
		days = self.days()
		return days is not None and days <= SHORT_RANGE_DAYS

	def company_criterion(self, field) -> Criterion:
		if self.company:
			return field == self.company
		if self.companies:
			return field.isin(self.companies)
		return Criterion.all([])

	def date_criteria(self, field, *, datetime: bool = False) -> list:
		"""Bounds on a date column, or on a datetime column as a range (sargable: no DATE())."""
		conditions = []
		if self.from_date:
			conditions.append(field >= self.from_date)
		if self.to_date:
			conditions.append(field < str(add_days(self.to_date, 1)) if datetime else field <= self.to_date)
		return conditions


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


# --- referrals, grouped by period and code, then by period and campaign ------------------------


def _referral_criteria(referral, scope: Scope) -> Criterion:
	conditions = [scope.company_criterion(referral.company), *scope.date_criteria(referral.enrolled_on)]
	if scope.referral_period:
		conditions.append(referral.referral_period == scope.referral_period)
	return Criterion.all(conditions)


def _count_if(condition):
	"""The rows where ``condition`` holds (an integer count: cheaper per group than a SUM, which
	MariaDB adds up as a decimal)."""
	return Count(Case().when(condition, 1))


def _grouped(query) -> list:
	"""Run a GROUP BY of many groups with room for them in memory (MariaDB's default 16 MB
	temporary table spills a group-by over a year of referrals to disk)."""
	# the query builder's statement with a SET STATEMENT prefix (see _grouping_sql)
	return frappe.db.sql(_grouping_sql(query), as_dict=True)  # nosemgrep


def _grouping_sql(query) -> str:
	"""The statement of ``query`` with room for its groups in memory (see ``_grouped``)."""
	# SET STATEMENT (per-statement server variables) has no query-builder form; the statement
	# itself is the query builder's, with its values escaped
	return (
		f"SET STATEMENT tmp_table_size={GROUPING_MEMORY}, max_heap_table_size={GROUPING_MEMORY} "
		f"FOR {query.get_sql()}"
	)


def _period_rows(periods) -> dict:
	"""Title and campaign of each of these periods."""
	if not periods:
		return {}
	period = DocType("Referral Period")
	return {
		row.name: row
		for row in frappe.qb.from_(period)
		.select(period.name, period.title, period.campaign)
		.where(period.name.isin(list(periods)))
		.run(as_dict=True)
	}


def _code_campaigns() -> dict:
	"""The campaign of every code that has one (few: influencers' codes; from the campaign index)."""
	code = DocType("Referral Code")
	return dict(frappe.qb.from_(code).select(code.name, code.campaign).where(code.campaign > "").run())


def _campaign_code(referral, code_campaigns: dict):
	"""What referrals are grouped by besides their period: the code when it has a campaign of its
	own (its referrals may belong to that campaign), else nothing — a handful of groups, not one
	per code. (With very many such codes, simply the code.)"""
	if len(code_campaigns) > MAX_CAMPAIGN_CODES:
		return referral.referral_code
	if not code_campaigns:
		return None
	return Case().when(referral.referral_code.isin(list(code_campaigns)), referral.referral_code).else_(None)


def _group_terms(referral, code_campaigns: dict) -> list:
	code = _campaign_code(referral, code_campaigns)
	return [referral.referral_period, *([code] if code is not None else [])]


def _select_groups(query, referral, code_campaigns: dict, *, by_day: bool = False):
	"""``query`` selecting and grouped by the referral's period and campaign code. ``by_day``: by
	the enrolment day first, the order of the report indexes (company, enrolled_on, …), so the
	database groups as it reads the index, with no temporary table (the caller sums the days)."""
	terms = _group_terms(referral, code_campaigns)
	selected = [terms[0], *(term.as_("referral_code") for term in terms[1:])]
	if by_day:
		terms = [referral.enrolled_on, *terms]
	return query.select(*selected).groupby(*terms)


def _campaign_criterion(referral, scope: Scope, code_campaigns: dict) -> Criterion:
	"""Referrals of the scope's campaign: their period's, or, for a period without one, their
	code's."""
	if not scope.campaign:
		return Criterion.all([])
	period = DocType("Referral Period")
	periods = frappe.qb.from_(period).select(period.name, period.campaign)
	if scope.company:
		periods = periods.where(period.company == scope.company)
	periods = periods.run(as_dict=True)
	of_campaign = [row.name for row in periods if row.campaign == scope.campaign]
	without = [row.name for row in periods if not row.campaign]
	codes = [name for name, campaign in code_campaigns.items() if campaign == scope.campaign]
	conditions = []
	if of_campaign:
		conditions.append(referral.referral_period.isin(of_campaign))
	if codes:
		no_period_campaign = referral.referral_period.isnull()
		if without:
			no_period_campaign = no_period_campaign | referral.referral_period.isin(without)
		conditions.append(no_period_campaign & referral.referral_code.isin(codes))
	if not conditions:
		return referral.name.isnull()  # nothing belongs to it
	return Criterion.any(conditions)


def _by_period_and_campaign(
	scope: Scope, parts: list[list[dict]], numbers, code_campaigns: dict
) -> list[frappe._dict]:
	"""Rows grouped by (referral_period, campaign code) → rows per (period, campaign), summed;
	the campaign is the period's, else the code's. The campaign filter applies here."""
	period_rows = _period_rows({row.referral_period for part in parts for row in part if row.referral_period})
	grouped: dict[tuple, frappe._dict] = {}
	for part in parts:
		for row in part:
			period = period_rows.get(row.referral_period) or frappe._dict()
			campaign = period.campaign or code_campaigns.get(row.get("referral_code"))
			if scope.campaign and campaign != scope.campaign:
				continue
			key = (row.referral_period, campaign)
			out = grouped.get(key)
			if out is None:
				out = grouped[key] = frappe._dict(
					referral_period=row.referral_period,
					period_title=period.title,
					campaign=campaign,
					**dict.fromkeys(numbers, 0),
				)
			for field in numbers:
				if row.get(field) is not None:
					out[field] += row[field]
	return sorted(grouped.values(), key=lambda r: (r.referral_period or "", r.campaign or ""))


def _stage_counts(referral) -> dict:
	"""A referral counts in every stage it reached, whatever happened to it afterwards.

	- enrolled: a customer was created with a valid code (every Referral);
	- pending: it passed the enrolment checks (not rejected at enrolment);
	- qualified: it was credited (``qualified_on`` is kept when it is later reversed);
	- rewarded: the referrer's reward was paid (Issued or Redeemed here; a Withdrawn one is counted
	  by ``_withdrawn_paid``, as a held reward withdrawn before it was paid is Withdrawn too);
	- redeemed: the referrer used it (a coupon on a sale, points spent: see services/redemption.py).
	"""
	rejected_at_enrolment = (
		(referral.status == eligibility.REJECTED)
		& referral.reason.isin(eligibility.ENROLMENT_REASONS)
		& (Coalesce(referral.qualifying_invoice_type, "") == "")
	)
	return {
		"enrolled": Count("*"),
		"pending": _count_if(rejected_at_enrolment.negate()),
		"qualified": _count_if(referral.qualified_on.isnotnull()),
		"rewarded": _count_if(referral.referrer_reward_status.isin((rewards.ISSUED, rewards.REDEEMED))),
		"redeemed": _count_if(referral.referrer_reward_status == rewards.REDEEMED),
	}


def _withdrawn_paid(scope: Scope, group, extra: Criterion | None = None) -> list:
	"""Per group: referrer rewards paid and withdrawn later (only Withdrawn referrals are read)."""
	return _withdrawn_paid_query(scope, group, extra).run(as_dict=True)


def _withdrawn_paid_query(scope: Scope, group, extra: Criterion | None = None):
	referral = DocType("Referral")
	paid = (Coalesce(referral.referrer_coupon, "") != "") | (
		Coalesce(referral.referrer_points_entry, "") != ""
	)
	query = (
		frappe.qb.from_(referral)
		.select(_count_if(paid).as_("rewarded"))
		.where(_referral_criteria(referral, scope))
		.where(referral.referrer_reward_status == rewards.WITHDRAWN)
	)
	if extra is not None:
		query = query.where(extra)
	return group(query, referral)


def funnel(scope: Scope) -> list[dict]:
	"""Funnel counts grouped by the period a referral is credited to and its campaign."""
	referral = DocType("Referral")
	code_campaigns = _code_campaigns()
	stages = _stage_counts(referral)
	query = (
		frappe.qb.from_(referral)
		.force_index(ENROLLED_INDEX)
		.select(*(expr.as_(name) for name, expr in stages.items()))
		.where(_referral_criteria(referral, scope))
		.where(_campaign_criterion(referral, scope, code_campaigns))
	)
	withdrawn = _withdrawn_paid_query(
		scope,
		lambda q, r: _select_groups(q.force_index(ENROLLED_INDEX), r, code_campaigns, by_day=True),
		_campaign_criterion(referral, scope, code_campaigns),
	)
	counts, withdrawn = concurrent_reads.run_together(
		[_grouping_sql(_select_groups(query, referral, code_campaigns, by_day=True)), withdrawn.get_sql()]
	)
	rows = _by_period_and_campaign(scope, [counts, withdrawn], FUNNEL_STAGES, code_campaigns)
	return [_ints(row, FUNNEL_STAGES) for row in rows]


def top_referrers(scope: Scope, top: int = 0) -> list[dict]:
	"""Per referral code (one per referrer and company): referrals by outcome and rewards, the
	most qualified first (then the most enrolled, then the code); ``top``: only that many (0 =
	all). Ranked by the database, names read for the codes shown only.

	With ``top``, the ranking is a query of its own that counts only what it sorts by (enrolled
	and qualified, per code); the full counts are then read for the codes shown, from the code
	index. Fewer sums per group make the ranking's grouping of every code of the range cheaper."""
	referral = DocType("Referral")
	code_campaigns = _code_campaigns()
	qualified = _count_if(referral.status == eligibility.QUALIFIED)
	enrolled = Count("*")

	def in_scope(query):
		return query.where(_referral_criteria(referral, scope)).where(
			_campaign_criterion(referral, scope, code_campaigns)
		)

	ranked = None
	if top:
		ranking = _ranked_codes(
			in_scope(
				frappe.qb.from_(referral).select(
					referral.referral_code, enrolled.as_("enrolled"), qualified.as_("qualified")
				)
			),
			scope,
			referral,
		)
		ranked = [row.referral_code for row in _grouped(ranking.limit(top))]
		if not ranked:
			return []
	query = in_scope(
		frappe.qb.from_(referral).select(
			referral.referral_code,
			enrolled.as_("enrolled"),
			_count_if(referral.status == eligibility.PENDING).as_("pending"),
			qualified.as_("qualified"),
			_count_if(referral.status == eligibility.REJECTED).as_("rejected"),
			_count_if(referral.referrer_reward_status.isin((rewards.ISSUED, rewards.REDEEMED))).as_(
				"rewards_issued"
			),
			_count_if(referral.referrer_reward_status == rewards.REDEEMED).as_("rewards_redeemed"),
		)
	)
	if ranked is None:
		query = _ranked_codes(query, scope, referral)
	else:  # the codes shown: a few ranges of the code index
		query = (
			query.where(referral.referral_code.isin(ranked))
			.force_index(CODE_INDEX)
			.groupby(referral.referral_code)
		)
	numbers = ("enrolled", "pending", "qualified", "rejected", "rewards_issued", "rewards_redeemed")
	rows = [_ints(row, numbers) for row in _grouped(query)]
	if ranked is not None:
		order = {code: n for n, code in enumerate(ranked)}
		rows.sort(key=lambda row: order[row.referral_code])
	if rows:
		shown = [row.referral_code for row in rows]

		def by_code(query, r):
			query = query.select(r.referral_code).groupby(r.referral_code)
			# the codes shown: their ranges of the code index, not every withdrawn reward
			return query.force_index(CODE_INDEX) if top else query

		withdrawn = {
			row.referral_code: int(row.rewarded or 0)
			for row in _withdrawn_paid(scope, by_code, referral.referral_code.isin(shown) if top else None)
		}
		for row in rows:
			row.rewards_issued += withdrawn.get(row.referral_code, 0)
	_add_referrers(rows)
	return rows


def _ranked_codes(query, scope: Scope, referral):
	"""``query`` (selecting ``enrolled`` and ``qualified`` per code) grouped by code and ranked."""
	if scope.is_short():
		# a few weeks: the range of the enrolment index, codes grouped by their bytes (unique
		# names: a cheaper comparison than the collation's)
		query = query.force_index(ENROLLED_INDEX).groupby(PseudoColumn("`referral_code` COLLATE utf8mb4_bin"))
	else:
		# longer: the company's referrals code by code, grouped as the code index is read
		query = query.force_index(CODE_INDEX).groupby(referral.referral_code)
	return (
		query.orderby(PseudoColumn("`qualified`"), order=Order.desc)
		.orderby(PseudoColumn("`enrolled`"), order=Order.desc)
		.orderby(referral.referral_code)
	)


def _add_referrers(rows: list) -> None:
	"""The referrer, their name and the code as typed, for the rows shown."""
	if not rows:
		return
	code, customer = DocType("Referral Code"), DocType("Customer")
	names = {
		row.name: row
		for row in frappe.qb.from_(code)
		.left_join(customer)
		.on(customer.name == code.customer)
		.select(code.name, code.customer, code.referral_code, customer.customer_name)
		.where(code.name.isin([row.referral_code for row in rows]))
		.run(as_dict=True)
	}
	for row in rows:
		found = names.get(row.referral_code) or frappe._dict()
		row.update(referrer=found.customer, referrer_name=found.customer_name, code=found.referral_code)


def by_cashier(scope: Scope) -> list[dict]:
	"""Per user who enrolled the referee and POS Profile: enrolments and what became of them."""
	referral = DocType("Referral")
	query = (
		frappe.qb.from_(referral)
		.force_index(CASHIER_INDEX)
		.select(
			referral.enrolled_by,
			referral.pos_profile,
			Count("*").as_("enrolled"),
			_count_if(referral.status == eligibility.REJECTED).as_("rejected"),
			_count_if(referral.status == eligibility.UNDER_REVIEW).as_("under_review"),
			_count_if(referral.qualified_on.isnotnull()).as_("qualified"),
		)
		.where(_referral_criteria(referral, scope))
		.where(_campaign_criterion(referral, scope, _code_campaigns()))
		# by day first: grouped in the index's order (see _select_groups), summed here
		.groupby(referral.enrolled_on, referral.enrolled_by, referral.pos_profile)
	)
	numbers = ("enrolled", "rejected", "under_review", "qualified")
	totals: dict[tuple, frappe._dict] = {}
	for row in query.run(as_dict=True):
		key = (row.enrolled_by, row.pos_profile)
		total = totals.setdefault(
			key, frappe._dict(enrolled_by=key[0], pos_profile=key[1], **dict.fromkeys(numbers, 0))
		)
		for field in numbers:
			total[field] += int(row[field] or 0)
	rows = list(totals.values())
	rows.sort(key=lambda r: (-r.enrolled, r.enrolled_by or "", r.pos_profile or ""))
	return rows


# --- rewards: coupons and points -------------------------------------------------------------


def _coupon_scope(coupon, scope: Scope) -> Criterion:
	"""Reward coupons of the scope's company issued in its dates: by side (only reward coupons
	have one) and offer, so each (side, offer) is one range of the reward index."""
	offer = DocType("POS Offer")
	offers = frappe.qb.from_(offer).select(offer.name).run(pluck=True) or [""]
	return Criterion.all(
		[
			scope.company_criterion(coupon.company),
			coupon.rl_side.isin(rewards.REWARD_SIDES),
			coupon.pos_offer.isin(offers),
			*scope.date_criteria(coupon.creation, datetime=True),
		]
	)


def _period_criteria(referral, scope: Scope) -> list:
	return [referral.referral_period == scope.referral_period] if scope.referral_period else []


def reward_cost(scope: Scope) -> list[dict]:
	"""Per reward (a coupon's offer, or loyalty points) and side: rewards held, issued, redeemed and
	withdrawn, the discount the coupons gave, the points and their money value, the whole cost.
	Dates bound the day a reward was issued (or, for one still held, the day it was earned)."""
	rows: dict[tuple, frappe._dict] = {}

	def row_for(reward_type: str, offer: str | None, side: str) -> frappe._dict:
		key = (reward_type, offer or "", side)
		if key not in rows:
			rows[key] = frappe._dict(
				reward_type=reward_type,
				pos_offer=offer,
				side=side,
				held=0,
				issued=0,
				redeemed=0,
				withdrawn=0,
				invoices=0,
				discount=0.0,
				points=0,
				points_value=0.0,
			)
		return rows[key]

	coupon_counts, discounts, point_rewards = concurrent_reads.run_together(
		[
			_coupon_counts_query(scope).get_sql(),
			_discounts_query(scope, ("pos_offer", "side")).get_sql(),
			_point_rewards_query(scope).get_sql(),
		]
	)
	for part in coupon_counts:
		row = row_for(rewards.COUPON, part.pos_offer, part.side)
		row.update(_ints(part, ("issued", "redeemed", "withdrawn")))
	for part in discounts:
		row = row_for(rewards.COUPON, part.pos_offer, part.side)
		row.discount += flt(part.discount)
		row.invoices += int(part.invoices or 0)
	for part in point_rewards:
		row = row_for(rewards.POINTS, None, part.side)
		row.update(_ints(part, ("issued", "redeemed", "withdrawn", "points")))
		row.points_value = flt(part.points_value)
	for part in _held_rewards(scope):
		row_for(part.reward_type, part.pos_offer, part.side).held += int(part.held)
	for row in rows.values():
		row.cost = flt(row.discount) + flt(row.points_value)
	side_order = {side: i for i, side in enumerate(rewards.REWARD_SIDES)}
	return sorted(rows.values(), key=lambda r: (side_order.get(r.side, 9), r.reward_type, r.pos_offer or ""))


def _coupon_counts_query(scope: Scope):
	coupon = DocType("POS Coupon")
	query = frappe.qb.from_(coupon).force_index(REWARD_INDEX)
	if scope.referral_period or scope.campaign:
		query = _join_referral_scope(query, coupon.rl_referral, scope)
	return (
		query.select(
			coupon.pos_offer,
			coupon.rl_side.as_("side"),
			Count("*").as_("issued"),
			_count_if(Coalesce(coupon.used, 0) > 0).as_("redeemed"),
			_count_if(coupon.rl_withdrawn == 1).as_("withdrawn"),
		)
		.where(_coupon_scope(coupon, scope))
		.groupby(coupon.rl_side, coupon.pos_offer)  # the index's order: grouped as it is read
	)


def _join_referral_scope(query, referral_field, scope: Scope):
	"""Restrict rewards to referrals of the scope's period and campaign."""
	referral, period, code = DocType("Referral"), DocType("Referral Period"), DocType("Referral Code")
	query = query.join(referral).on(referral.name == referral_field)
	for condition in _period_criteria(referral, scope):
		query = query.where(condition)
	if scope.campaign:
		query = (
			query.left_join(period)
			.on(period.name == referral.referral_period)
			.left_join(code)
			.on(code.name == referral.referral_code)
			.where(Coalesce(period.campaign, code.campaign) == scope.campaign)
		)
	return query


def _point_rewards(scope: Scope) -> list:
	return _point_rewards_query(scope).run(as_dict=True)


def _point_rewards_query(scope: Scope):
	"""Per side: reward point entries issued in the dates, those partly or wholly spent
	(redeemed), those taken back unspent (withdrawn), and the points kept with their money value."""
	lpe, program = DocType("Loyalty Point Entry"), DocType("Loyalty Program")
	back = DocType("Loyalty Point Entry").as_("back")  # the entries against a reward entry
	taken_back = (
		frappe.qb.from_(back)
		.select(Coalesce(Sum(back.loyalty_points), 0))
		.where((back.redeem_against == lpe.name) & (back.rl_side == lpe.rl_side))
	)
	spent = (
		frappe.qb.from_(back)
		.select(back.name)
		.where((back.redeem_against == lpe.name) & (Coalesce(back.rl_side, "") == ""))
		.where(back.loyalty_points < 0)
	)
	kept = lpe.loyalty_points + taken_back
	query = frappe.qb.from_(lpe).left_join(program).on(program.name == lpe.loyalty_program)
	if scope.referral_period or scope.campaign:
		query = _join_referral_scope(query, lpe.rl_referral, scope)
	return (
		query.select(
			lpe.rl_side.as_("side"),
			Count("*").as_("issued"),
			_count_if(ExistsCriterion(spent)).as_("redeemed"),
			_count_if(ExistsCriterion(spent).negate() & (taken_back < 0)).as_("withdrawn"),
			Sum(kept).as_("points"),
			Sum(kept * Coalesce(program.conversion_factor, 0)).as_("points_value"),
		)
		.where(scope.company_criterion(lpe.company))
		.where(lpe.rl_side.isin(rewards.REWARD_SIDES))
		.where(Criterion.all(scope.date_criteria(lpe.posting_date)))
		.where(lpe.loyalty_points > 0)
		.groupby(lpe.rl_side)
	)


def _held_rewards(scope: Scope) -> list:
	"""Referrer rewards and milestone bonuses still held through the return window, by what they
	will pay (dates bound the day they were earned). Held referrals are counted from an index by
	period (and by code for the few codes whose own offers replace the period's), then priced."""
	referral, code = DocType("Referral"), DocType("Referral Code")
	own_codes = dict(
		frappe.qb.from_(code)
		.select(code.name, code.primary_offer)
		.where((code.rl_own_offers == 1) & (code.primary_offer > ""))
		.run()
	)
	code_campaigns = _code_campaigns()
	group = [referral.referral_period]
	if own_codes:
		group.append(
			Case().when(referral.referral_code.isin(list(own_codes)), referral.referral_code).else_(None)
		)
	query = (
		frappe.qb.from_(referral)
		.force_index(HELD_INDEX)
		.select(group[0], *(term.as_("referral_code") for term in group[1:]), Count("*").as_("held"))
		.where(referral.referrer_reward_status == rewards.HELD)
		.where(scope.company_criterion(referral.company))
		.where(Criterion.all(scope.date_criteria(referral.qualified_on)))
		.where(Criterion.all(_period_criteria(referral, scope)))
		.where(_campaign_criterion(referral, scope, code_campaigns))
		.groupby(*group)
	)
	counts = query.run(as_dict=True)
	period, periods = (
		DocType("Referral Period"),
		{row.referral_period for row in counts if row.referral_period},
	)
	pricing = {}
	if periods:
		pricing = {
			row.name: row
			for row in frappe.qb.from_(period)
			.select(period.name, period.referrer_reward_type, period.referrer_offer)
			.where(period.name.isin(list(periods)))
			.run(as_dict=True)
		}
	totals: dict[tuple, int] = {}
	for row in counts:
		priced = pricing.get(row.referral_period) or frappe._dict()
		reward_type = priced.referrer_reward_type or rewards.COUPON
		offer = None
		if reward_type == rewards.COUPON:
			offer = own_codes.get(row.get("referral_code")) or priced.referrer_offer
		totals[(reward_type, offer)] = totals.get((reward_type, offer), 0) + int(row.held)
	rows = [
		frappe._dict(reward_type=reward_type, pos_offer=offer, held=held, side=rewards.REFERRER)
		for (reward_type, offer), held in totals.items()
	]

	bonus, step = DocType("Referral Bonus"), DocType("Referral Period Milestone")
	query = (
		frappe.qb.from_(bonus)
		.left_join(step)
		.on(
			(step.parent == bonus.referral_period)
			& (step.parenttype == "Referral Period")
			& (step.qualified_referrals == bonus.milestone)
		)
		.select(
			bonus.reward_type,
			Case().when(bonus.reward_type == rewards.POINTS, None).else_(step.offer).as_("pos_offer"),
			Count("*").as_("held"),
		)
		.where(bonus.status == rewards.HELD)
		.where(scope.company_criterion(bonus.company))
		.where(Criterion.all(scope.date_criteria(bonus.creation, datetime=True)))
		.groupby(bonus.reward_type, step.offer)
	)
	if scope.referral_period:
		query = query.where(bonus.referral_period == scope.referral_period)
	if scope.campaign:
		period_of_bonus = DocType("Referral Period")
		query = (
			query.left_join(period_of_bonus)
			.on(period_of_bonus.name == bonus.referral_period)
			.where(period_of_bonus.campaign == scope.campaign)
		)
	rows += [frappe._dict(row, side=rewards.BONUS) for row in query.run(as_dict=True)]
	return rows


def total_discount(scope: Scope) -> float:
	return sum(flt(part.discount) for part in _discounts_query(scope, ("pos_offer",)).run(as_dict=True))


def reward_cost_total(scope: Scope) -> float:
	"""The whole reward cost of the scope: coupon discounts and the money value of points."""
	return total_discount(scope) + sum(flt(part.points_value) for part in _point_rewards(scope))


# --- what the reward coupons gave off on the sales they were applied on --------------------------


def invoice_doctypes() -> tuple[str, ...]:
	"""The sales doctypes this site has any rows of: a shop that never made a POS Invoice is not
	asked about them (one row read per doctype)."""
	return tuple(
		doctype for doctype in sale_rules.INVOICE_DOCTYPES if frappe.db.get_value(doctype, {}, "name")
	)


def _discounts_query(scope: Scope, group_by: tuple[str, ...]):
	"""Discounts of the reward coupons issued in the scope's dates (the sales ledger's rows), with
	the sales they were used on, per ``group_by`` (coupon columns: ``pos_offer``, ``side``), from a
	covering index of the ledger (``ENTRY_INDEXES``)."""
	entry = DocType(SALE_ENTRY)
	index = ENTRY_INDEXES["period" if scope.referral_period else "issued"]
	query = (
		frappe.qb.from_(entry)
		.force_index(index)
		.where(entry.entry_type == REWARD_DISCOUNT)
		.where(
			Criterion.all(
				[
					scope.company_criterion(entry.company),
					*scope.date_criteria(entry.issued_on),
					*_period_criteria(entry, scope),
				]
			)
		)
	)
	if scope.campaign:
		query = query.where(_campaign_criterion(entry, scope, _code_campaigns()))
	terms = [entry[field] for field in group_by]
	return query.select(
		*terms, Sum(entry.discount).as_("discount"), Sum(entry.sale_count).as_("invoices")
	).groupby(*terms)


def _referral_discounts_query(scope: Scope, code_campaigns: dict):
	"""Discounts of the reward coupons of the referrals enrolled in the scope's dates (whatever day
	the coupons were issued), per period and campaign code, from the ledger's enrolment index."""
	entry = DocType(SALE_ENTRY)
	terms = _group_terms(entry, code_campaigns)
	columns = [terms[0], *(term.as_("referral_code") for term in terms[1:])]
	return (
		frappe.qb.from_(entry)
		.force_index(ENTRY_INDEXES["enrolled"])
		.where(entry.entry_type == REWARD_DISCOUNT)
		.where(_referral_criteria(entry, scope))
		.where(_campaign_criterion(entry, scope, code_campaigns))
		.select(*columns, Sum(entry.discount).as_("discount"))
		.groupby(*terms)
	)


# --- return on the programme -----------------------------------------------------------------


ROI_NUMBERS = (
	"enrolled",
	"qualified",
	"buyers",
	"net_sales",
	"gross_profit",
	"discount",
	"points_value",
	"reward_cost",
)


def roi(scope: Scope, days: int = ROI_DAYS) -> tuple[list[dict], frappe._dict]:
	"""Per period and campaign: referees enrolled in the dates and qualified, the referees' net
	sales and gross profit in the ``days`` after their enrolment (the day itself included), the
	whole cost of the rewards of those referrals (coupon discounts, points at money value,
	milestone bonuses reached by them), the net return and the ROI; and beside them the company's
	other new customers (``_walk_in_queries``). The statements run side by side
	(``concurrent_reads``)."""
	referral = DocType("Referral")
	code_campaigns = _code_campaigns()
	checksums = len(code_campaigns) <= MAX_CAMPAIGN_CODES
	stages = _stage_counts(referral)
	stage_query = (
		frappe.qb.from_(referral)
		.force_index(ENROLLED_INDEX)
		.select(stages["enrolled"].as_("enrolled"), stages["qualified"].as_("qualified"))
		.where(_referral_criteria(referral, scope))
		.where(_campaign_criterion(referral, scope, code_campaigns))
	)
	# the longest first: a lane takes the next statement when it is free
	sales, stage_rows, discounts, points, *walk_in_rows = concurrent_reads.run_together(
		[
			_grouping_sql(
				_referee_sales_query(DocType(SALE_ENTRY), scope, days, code_campaigns, checksums=checksums)
			),
			_grouping_sql(_select_groups(stage_query, referral, code_campaigns, by_day=True)),
			_referral_discounts_query(scope, code_campaigns).get_sql(),
			_referral_points_query(scope, code_campaigns).get_sql(),
			*(query.get_sql() for query in _walk_in_queries(scope, days)),
		]
	)
	if checksums:
		sales = _referee_sales_named(sales, scope, days, code_campaigns)
	parts = [stage_rows, sales, discounts, points]
	rows = _by_period_and_campaign(scope, parts, ROI_NUMBERS, code_campaigns)
	for row in rows:
		row.reward_cost = flt(row.discount) + flt(row.points_value)
		set_returns(row)
	return rows, _walk_in_total(walk_in_rows)


def set_returns(row) -> None:
	"""Net return (gross profit less reward cost), ROI % (none without a cost) and per-buyer
	sales and gross profit of a row of ``roi``, or of its other new customers."""
	row.net_return = flt(row.gross_profit) - flt(row.reward_cost)
	row.roi = round(100.0 * row.net_return / row.reward_cost, 1) if row.reward_cost else None
	buyers = int(row.buyers or 0)
	row.sales_per_buyer = flt(row.net_sales) / buyers if buyers else 0.0
	row.profit_per_buyer = flt(row.gross_profit) / buyers if buyers else 0.0


def _sales_columns(invoice, item):
	return (
		Count(invoice.customer).distinct().as_("buyers"),
		Sum(item.base_net_amount).as_("net_sales"),
		Sum(item.base_net_amount - Coalesce(item.incoming_rate, 0) * item.stock_qty).as_("gross_profit"),
	)


def _sold(query, doctype: str, invoice, scope: Scope, days: int):
	"""Submitted sales of the scope's company with their lines, posted between the scope's first
	day and ``days`` after its last (a range on the posting date index, so the database may start
	from the sales when there are fewer of them than customers)."""
	item = DocType(f"{doctype} Item")
	query = (
		query.join(item)
		.on((item.parent == invoice.name) & (item.parenttype == doctype))
		.where((invoice.docstatus == 1) & (invoice.company == scope.company))
	)
	if scope.from_date:
		query = query.where(invoice.posting_date >= scope.from_date)
	if scope.to_date:
		query = query.where(invoice.posting_date < str(add_days(scope.to_date, days)))
	if doctype == "Sales Invoice":
		query = query.where(invoice.is_consolidated == 0)
	return query, item


def _referee_sales_named(rows: list, scope: Scope, days: int, code_campaigns: dict) -> list:
	"""Referees' sales in the ``days`` after enrolment (the sales ledger's rows), per period and
	campaign code, from the rows of ``_referee_sales_query`` by checksum: their checksums read
	back into names, or, should two names share one, the sums grouped by the names instead.

	A referee counts once as a buyer, whatever the sales and their kinds: the rows are summed per
	referral first, in the covering index's order (a referral's rows lie together under its
	enrolment day), so no referral is looked up twice, then per period and campaign.

	Each referral's sums carry its period and campaign code as CRC32 checksums (``_checksums``):
	the database holds a referral's sums in a temporary table before it groups them again, and
	there a name takes its whole declared width (140 characters) on each of a year's hundreds of
	thousands of rows, a checksum 4 bytes. The checksums are read back into names from the periods
	and the codes themselves."""
	# read after the sums: the period of every row summed exists by then (a Link)
	period = DocType("Referral Period")
	periods = _checksums(frappe.qb.from_(period).select(period.name).run(pluck=True))
	named = _from_checksums(rows, periods, _checksums(code_campaigns))
	if named is not None:
		return named
	entry = DocType(SALE_ENTRY)
	return _grouped(_referee_sales_query(entry, scope, days, code_campaigns, checksums=False))


def _referee_sales_query(entry, scope: Scope, days: int, code_campaigns: dict, *, checksums: bool):
	terms = _group_terms(entry, code_campaigns)
	if checksums:
		terms = [Crc32(term) for term in terms]
	per_referral = (
		frappe.qb.from_(entry)
		.force_index(ENTRY_INDEXES["enrolled"])
		.select(
			Max(terms[0]).as_("referral_period"),
			*(Max(term).as_("referral_code") for term in terms[1:]),
			Sum(entry.net_sales).as_("net_sales"),
			Sum(entry.gross_profit).as_("gross_profit"),
		)
		.where(entry.entry_type == REFEREE_SALE)
		.where(_referral_criteria(entry, scope))
		.where(_campaign_criterion(entry, scope, code_campaigns))
		.where(entry.days_after_enrolment < int(days))
		.groupby(entry.enrolled_on, entry.referral)
	).as_("per_referral")
	groups = [per_referral.referral_period, *([per_referral.referral_code] if len(terms) > 1 else [])]
	return (
		frappe.qb.from_(per_referral)
		.select(
			*groups,
			Count("*").as_("buyers"),
			Sum(per_referral.net_sales).as_("net_sales"),
			Sum(per_referral.gross_profit).as_("gross_profit"),
		)
		.groupby(*groups)
	)


def _checksums(names) -> dict | None:
	"""``names`` by their CRC32, as MariaDB's ``CRC32()`` reckons it over the UTF-8 bytes; None
	when two of them share one."""
	out = {zlib.crc32(name.encode()): name for name in names}
	return out if len(out) == len(set(names)) else None


def _from_checksums(rows: list, periods: dict | None, codes: dict | None) -> list | None:
	"""``rows`` of ``_referee_sales_query`` with their checksums read back into the period and code
	names; None when that cannot be done exactly (two names of one checksum, or one unknown)."""
	if periods is None or codes is None:
		return None
	for row in rows:
		for field, names in (("referral_period", periods), ("referral_code", codes)):
			key = row.get(field)
			if key is None:
				continue
			if int(key) not in names:
				return None
			row[field] = names[int(key)]
	return rows


def _days_after(date_field, days: int):
	return CustomFunction("DATE_ADD", ["date", "interval"])(
		date_field, LiteralValue(f"INTERVAL {int(days)} DAY")
	)


def _referral_points_query(scope: Scope, code_campaigns: dict):
	"""The money value of the points rewards of the referrals enrolled in the scope's dates (kept:
	issued less taken back), per period and campaign code."""
	referral, lpe, program = DocType("Referral"), DocType("Loyalty Point Entry"), DocType("Loyalty Program")
	query = (
		frappe.qb.from_(referral)
		.join(lpe)
		.on(lpe.rl_referral == referral.name)
		.left_join(program)
		.on(program.name == lpe.loyalty_program)
		.select(Sum(lpe.loyalty_points * Coalesce(program.conversion_factor, 0)).as_("points_value"))
		.where(_referral_criteria(referral, scope))
		.where(_campaign_criterion(referral, scope, code_campaigns))
		.where(scope.company_criterion(lpe.company) & lpe.rl_side.isin(rewards.REWARD_SIDES))
	)
	if scope.from_date:  # paid after the enrolment: lets the database start from the entries
		query = query.where(lpe.posting_date >= scope.from_date)
	return _select_groups(query, referral, code_campaigns)


def _walk_in_queries(scope: Scope, days: int) -> list:
	"""The company's other new customers: created in the scope's dates without a referral, with a
	sale of the company in the ``days`` after their creation; their sales and gross profit (one
	query per sales doctype)."""
	customer = DocType("Customer")
	queries = []
	for doctype in invoice_doctypes():
		invoice = DocType(doctype)
		query = (
			frappe.qb.from_(customer)
			# the customers created in the dates first (the new-customers index), then their sales
			.force_index(NEW_CUSTOMERS_INDEX)
			.join(invoice)
			.on(
				(invoice.customer == customer.name)
				& (invoice.posting_date >= _date_of(customer.creation))
				& (invoice.posting_date < _days_after(_date_of(customer.creation), days))
			)
			.where(Coalesce(customer.rl_referral, "") == "")
			.where(Criterion.all(scope.date_criteria(customer.creation, datetime=True)))
		)
		query, item = _sold(query, doctype, invoice, scope, days)
		queries.append(query.select(*_sales_columns(invoice, item)))
	return queries


def _walk_in_total(results: list[list]) -> frappe._dict:
	"""The sums of ``_walk_in_queries``' rows (one per sales doctype)."""
	total = frappe._dict(customers=0, net_sales=0.0, gross_profit=0.0)
	for rows in results:
		row = rows[0]
		total.customers += int(row.buyers or 0)
		total.net_sales += flt(row.net_sales)
		total.gross_profit += flt(row.gross_profit)
	return total


def _date_of(datetime_field):
	return CustomFunction("DATE", ["value"])(datetime_field)


def _ints(row, fields) -> frappe._dict:
	row = frappe._dict(row)
	for field in fields:
		row[field] = int(row.get(field) or 0)
	return row
