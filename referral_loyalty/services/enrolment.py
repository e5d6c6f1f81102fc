"""A new customer with a referral code → one Referral (and the referee's coupon)."""

from __future__ import annotations

from dataclasses import dataclass

import frappe
from frappe import _
from frappe.query_builder import DocType
from frappe.query_builder.functions import Count
from frappe.utils import add_to_date, flt, get_datetime, getdate, now_datetime, today

from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.rules import sales as sale_rules
from referral_loyalty.rules.codes import display
from referral_loyalty.rules.eligibility import EnrolmentFacts, Identity
from referral_loyalty.rules.periods import qualify_by
from referral_loyalty.services import ledger, outbox, payouts, qualification, review
from referral_loyalty.services.codes import lock_code, record_first_referral, resolve_code, used_count
from referral_loyalty.services.periods import period_on
from referral_loyalty.services.reasons import reason_label


@dataclass
class EnrolmentResult:
	referral: str
	status: str
	reason: str | None
	referee_coupon: str | None
	message: str

	def as_dict(self):
		return dict(self.__dict__)


def current_source() -> str:
	if frappe.flags.rl_source:
		return frappe.flags.rl_source
	if frappe.flags.in_import or frappe.flags.in_data_import:
		return "Import"
	request = getattr(frappe.local, "request", None)
	if request and request.path.startswith("/api/resource"):
		return "API"
	return "Desk"


def _earlier_referee_identities(code_name: str, referee: str, identity: Identity) -> tuple[Identity, ...]:
	"""Identities (as enrolled) of earlier referees of the code with the same mobile or e-mail: one
	look-up on each of the (code, mobile key) and (code, e-mail key) indexes, in one round trip,
	so a code with 100,000 referees costs what one with 10 does."""
	parts, values = [], []
	for column, key in (("referee_mobile_key", identity.mobile), ("referee_email_key", identity.email)):
		if key:
			parts.append(
				"(SELECT `referee_mobile_key`, `referee_email_key` FROM `tabReferral` "
				f"WHERE `referral_code` = %s AND `{column}` = %s AND `referee` != %s LIMIT 1)"
			)
			values += [code_name, key, referee]
	if not parts:
		return ()
	# a UNION ALL of two index look-ups in one round trip (columns are the constants above)
	rows = frappe.db.sql(" UNION ALL ".join(parts), values, as_dict=True)  # nosemgrep
	return tuple(Identity(r.referee_mobile_key or "", r.referee_email_key or "") for r in rows)


def region_of(company: str) -> str | None:
	"""The shop's country (ISO 3166 alpha-2), for reading mobile numbers typed without a +code."""
	country = frappe.get_cached_value("Company", company, "country")
	return (frappe.get_cached_value("Country", country, "code") or None) if country else None


def _has_submitted_invoices(customer: str) -> bool:
	return any(
		frappe.db.exists(doctype, {"customer": customer, "docstatus": 1})
		for doctype in ("Sales Invoice", "POS Invoice")
	)


def enrol(
	customer,
	raw_code: str,
	source: str | None = None,
	pos_profile: str | None = None,
	code=None,
	new_customer: bool = False,
	linked: bool = False,
	name: str | None = None,
) -> EnrolmentResult:
	"""Enrol ``customer`` (a Customer document) with the code it brought. Safe to call again:
	the referee already having a Referral returns that one.

	``code``: the Referral Code row the customer's validation resolved for ``raw_code`` in this
	request (not looked up again). ``new_customer``: called right after the customer's insert, so
	it has no invoice and no reward yet (those two checks are skipped). ``linked``: a manager links
	the customer to a referrer after the fact (their purchases since they were created count for
	the referral instead of making them an existing customer). ``name``: the referral's name, which
	the new customer was written with (``rl_referral``, ``rl_referred_by``) in its own insert."""
	if not code or code.referral_code != raw_code:
		code = resolve_code(raw_code, customer.get("posa_referral_company") or None)
	lock_code(code.name)

	existing = (
		None  # a customer inserted in this request has no referral yet
		if new_customer
		else frappe.db.get_value(
			"Referral",
			{"referee": customer.name},
			["name", "status", "reason", "referee_coupon", "referee_points_entry", "referral_code"],
			as_dict=True,
		)
	)
	if existing:
		if existing.referral_code == code.name:  # a replay: the same enrolment again
			return _result(
				existing.name,
				existing.status,
				existing.reason,
				existing.referee_coupon,
				points_entry=existing.referee_points_entry,
			)
		return EnrolmentResult(
			existing.name,
			existing.status,
			eligibility.ALREADY_REFERRED,
			None,
			reason_label(eligibility.ALREADY_REFERRED),
		)

	enrolled_on = getdate(today())
	period = period_on(code.company, enrolled_on)
	referrer = (
		frappe.db.get_value(
			"Customer",
			code.customer,
			["customer_name", "mobile_no", "email_id", "owner", "creation"],
			as_dict=True,
		)
		or frappe._dict()
	)
	region = region_of(code.company)
	referee_identity = Identity.of(customer.get("mobile_no"), customer.get("email_id"), region)
	facts = EnrolmentFacts(
		referee=customer.name,
		referrer=code.customer,
		referee_identity=referee_identity,
		referrer_identity=Identity.of(referrer.get("mobile_no"), referrer.get("email_id"), region),
		earlier_referee_identities=_earlier_referee_identities(code.name, customer.name, referee_identity),
		already_referred=False,
		has_submitted_invoices=False if new_customer or linked else _has_submitted_invoices(customer.name),
		code_usage_limit=code.rl_usage_limit or 0,
		# advisory here (qualification re-checks under the lock); only counted when there is a limit
		code_used=used_count(code.name) if code.rl_usage_limit else 0,
		has_active_period=bool(period),
		code_has_own_offers=bool(code.customer_offer or code.primary_offer),
	)
	reason = eligibility.enrolment_reason(facts)
	status = eligibility.REJECTED if reason else eligibility.PENDING
	if not reason:
		status, reason = eligibility.review_outcome(
			review.review_facts(code, period, referee_identity, referrer, region)
		)
		status = status or eligibility.PENDING

	referral = frappe.new_doc("Referral")
	referral.update(
		{
			"referee": customer.name,
			"referee_name": customer.get("customer_name"),
			"referral_code": code.name,
			"referrer": code.customer,
			"referrer_name": referrer.get("customer_name"),
			"company": code.company,
			"status": status,
			"reason": reason,
			"enrolled_on": enrolled_on,
			"source": source or current_source(),
			"pos_profile": pos_profile,
			"enrolled_by": frappe.session.user,
			"referee_mobile_key": referee_identity.mobile or None,
			"referee_email_key": referee_identity.email or None,
			"enrolment_period": period.name if period else None,
			"referral_period": period.name if period else None,
		}
	)
	if period and (period.qualification == rewards.ON_FIRST_PURCHASE):
		referral.qualify_by = qualify_by(enrolled_on, period.qualify_within_days or 0)
		referral.min_purchase_amount = flt(period.min_purchase_amount)
	# named now, so the referee's reward links to it and the referral is written once, with it
	referral.name = name or new_referral_name()
	referral.flags.name_set = True
	coupon = None
	if status != eligibility.REJECTED:
		# the customer is at the till: the referee's reward comes now, also while under review
		referee = qualification.reward_plan_for(code, period).referee
		if referee.kind and (
			referee.kind == rewards.POINTS or new_customer or _referee_may_be_rewarded(period, customer.name)
		):
			paid = payouts.pay(
				referral,
				rewards.REFEREE,
				referee,
				customer.name,
				program=period.loyalty_program if period else None,
				campaign=code.campaign,
				valid_upto=referral.qualify_by,
				holder=customer,
				fresh=True,
			)
			coupon = paid.coupon
			referral.referee_coupon = coupon.name if coupon else None
			referral.referee_points_entry = paid.points_entry
	# every link was just read from the database (customer, code, referrer, period, reward; the POS
	# Profile by POS Awesome's create_customer): no need to read each one again to validate it
	referral.flags.ignore_links = True
	ledger.insert(referral)
	if not name:
		frappe.db.set_value(
			"Customer",
			customer.name,
			{"rl_referral": referral.name, "rl_referred_by": code.customer},
			update_modified=False,
		)
	if status != eligibility.REJECTED and not code.get("rl_first_referral_on"):
		record_first_referral(code.name, enrolled_on)  # once per code: not on the till's every enrolment
	if status != eligibility.REJECTED and period and period.qualification == rewards.ON_ENROLMENT:
		outbox.record(referral.name, code.name)  # credited right after the commit
	return _result(
		referral.name,
		referral.status,
		referral.reason,
		referral.referee_coupon,
		coupon_code=coupon.coupon_code if coupon else None,
		points_entry=referral.get("referee_points_entry"),
	)


def new_referral_name() -> str:
	return frappe.generate_hash(length=10)


def _referee_may_be_rewarded(period, referee: str) -> bool:
	"""The period's referee reward limit (times one referee can be rewarded in it; 0 = no limit)."""
	if not period or not period.referee_reward_limit:
		return True
	coupon, referral = DocType("POS Coupon"), DocType("Referral")
	rewarded = (
		frappe.qb.from_(coupon)
		.join(referral)
		.on(referral.name == coupon.rl_referral)
		.select(Count("*"))
		.where(
			(coupon.customer == referee)
			& (coupon.rl_side == rewards.REFEREE)
			& (referral.enrolment_period == period.name)
		)
		.run()[0][0]
	)
	return rewarded < period.referee_reward_limit


def _result(
	name, status, reason, referee_coupon, coupon_code: str | None = None, points_entry: str | None = None
) -> EnrolmentResult:
	"""The outcome in the cashier's words."""
	if status == eligibility.REJECTED:
		return EnrolmentResult(
			name, status, reason, referee_coupon, _("Referral not accepted: {0}").format(reason_label(reason))
		)
	parts = [_("Referral accepted.")]
	if referee_coupon:
		code = coupon_code or frappe.db.get_value("POS Coupon", referee_coupon, "coupon_code")
		parts.append(_("Welcome coupon {0} issued.").format(display(code or "")))
	elif points_entry:
		points = frappe.db.get_value("Loyalty Point Entry", points_entry, "loyalty_points")
		parts.append(_("{0} welcome points added.").format(points))
	if status == eligibility.UNDER_REVIEW:
		parts.append(_("A manager will review it ({0}).").format(reason_label(reason)))
	elif status == eligibility.QUALIFIED:
		parts.append(_("It is qualified."))
	else:
		parts.append(_("The referrer is rewarded after the first qualifying purchase."))
	return EnrolmentResult(name, status, reason, referee_coupon, " ".join(parts))


def link_referrer(customer_name: str, raw_code: str, note: str | None = None) -> EnrolmentResult:
	"""A manager links a customer to the referrer they name after the fact (they forgot the code at
	the till), within the period's ``link_within_days`` of the customer's creation. The usual
	enrolment rules apply (source ``Linked``); a qualifying sale made since the customer was
	created qualifies the referral at once."""
	from referral_loyalty.services import review

	customer = frappe.get_doc("Customer", customer_name)
	code = resolve_code(raw_code)
	if frappe.db.exists("Referral", {"referee": customer.name}):
		frappe.throw(
			_("Customer {0} was already referred.").format(frappe.bold(customer.customer_name)),
			title=_("Already Referred"),
		)
	period = period_on(code.company, today())
	days = period.link_within_days if period and period.link_within_days is not None else DEFAULT_LINK_DAYS
	if now_datetime() > add_to_date(get_datetime(customer.creation), days=days):
		frappe.throw(
			_(
				"A referrer can be linked within {0} days of the customer's creation; {1} was created on {2}."
			).format(days, frappe.bold(customer.customer_name), frappe.format(customer.creation, "Date")),
			title=_("Too Late to Link"),
		)
	result = enrol(customer, code.referral_code, source="Linked", code=code, linked=True)
	frappe.db.set_value(
		"Customer",
		customer.name,
		{"posa_referral_code": code.referral_code, "posa_referral_company": code.company},
		update_modified=False,
	)
	referral = ledger.locked(result.referral)
	review._record_decision(referral, note)
	ledger.save(referral)
	if eligibility.may_still_qualify(referral.status, referral.reason):
		for sale in _sales_since(customer.name, code.company, customer.creation):
			outbox.record(referral.name, code.name, sale.doctype, sale.name)
	return result


DEFAULT_LINK_DAYS = 14


def _sales_since(customer: str, company: str, since) -> list:
	"""The customer's submitted sales (not returns) of the company since ``since``, oldest first."""
	sales = []
	for doctype in sale_rules.INVOICE_DOCTYPES:
		rows = frappe.get_all(
			doctype,
			filters={
				"customer": customer,
				"company": company,
				"docstatus": 1,
				"is_return": 0,
				"posting_date": (">=", getdate(since)),
				**({"is_consolidated": 0} if doctype == "Sales Invoice" else {}),
			},
			fields=["name", "posting_date", "creation"],
		)
		sales += [frappe._dict(row, doctype=doctype) for row in rows]
	return sorted(sales, key=lambda row: (row.posting_date, row.creation))
