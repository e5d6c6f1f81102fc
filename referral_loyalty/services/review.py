"""The review queue: signals that hold a referral for a manager at enrolment, and a manager's
decisions (approve, reject), each recorded with who, when and why."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, getdate, now_datetime, strip_html, today

from referral_loyalty.exceptions import ReferralNotAllowed
from referral_loyalty.rules import eligibility, rewards
from referral_loyalty.rules.eligibility import Identity, ReviewFacts
from referral_loyalty.services import codes, ledger, payouts

NOTE_MAX = 1000
STAFF_CACHE_KEY = "referral_loyalty:staff_contacts"
STAFF_CACHE_SECONDS = 300
DEFAULT_ENROLMENTS_PER_DAY = 5


def review_facts(code, period, referee_identity: Identity, referrer, region: str | None) -> ReviewFacts:
	"""The review signals of an enrolment that passed the eligibility checks. ``referrer``: the
	referrer's Customer row (mobile_no, email_id, owner, creation)."""
	limit = period.review_enrolments_per_day if period else DEFAULT_ENROLMENTS_PER_DAY
	policy = (period.employee_referrals if period else None) or eligibility.REVIEW
	enrolments_today = (
		frappe.db.count("Referral", {"referral_code": code.name, "enrolled_on": getdate(today())})
		if limit
		else 0
	)
	staff = False
	if policy != eligibility.ALLOW:
		contacts = staff_contacts(region)
		referrer_identity = Identity.of(referrer.get("mobile_no"), referrer.get("email_id"), region)
		staff = any(
			key and key in contacts
			for key in (
				referee_identity.mobile,
				referee_identity.email,
				referrer_identity.mobile,
				referrer_identity.email,
			)
		)
	user = frappe.session.user
	same_cashier = bool(
		user not in ("Administrator", "Guest")
		and referrer.get("owner") == user
		and referrer.get("creation")
		and get_datetime(referrer.creation) >= add_to_date(now_datetime(), hours=-24)
	)
	return ReviewFacts(
		enrolments_today=enrolments_today,
		enrolments_per_day=limit or 0,
		staff_involved=staff,
		employee_policy=policy,
		same_cashier=same_cashier,
	)


def staff_contacts(region: str | None) -> set[str]:
	"""Normalised mobiles and e-mails of active employees and enabled Desk users (cached for a few
	minutes, cleared when an Employee or a User is saved)."""
	raw = frappe.cache.get_value(STAFF_CACHE_KEY)
	if raw is None:
		employees = frappe.get_all(
			"Employee",
			filters={"status": "Active"},
			fields=["cell_number", "personal_email", "company_email", "prefered_email"],
		)
		users = frappe.get_all(
			"User",
			filters={
				"enabled": 1,
				"user_type": "System User",
				"name": ("not in", ("Administrator", "Guest")),
			},
			fields=["email", "mobile_no", "phone"],
		)
		raw = {
			"mobiles": sorted(
				{v for e in employees for v in (e.cell_number,) if v}
				| {v for u in users for v in (u.mobile_no, u.phone) if v}
			),
			"emails": sorted(
				{v for e in employees for v in (e.personal_email, e.company_email, e.prefered_email) if v}
				| {u.email for u in users if u.email}
			),
		}
		frappe.cache.set_value(STAFF_CACHE_KEY, raw, expires_in_sec=STAFF_CACHE_SECONDS)
	keys = {eligibility.normalise_mobile(m, region) for m in raw["mobiles"]}
	keys |= {eligibility.normalise_email(e) for e in raw["emails"]}
	keys.discard("")
	return keys


def clear_staff_contacts(doc=None, method=None) -> None:
	"""doc_events of Employee and User: the next enrolment reads staff contacts afresh."""
	frappe.cache.delete_value(STAFF_CACHE_KEY)


def approve(referral_name: str, note: str | None = None) -> None:
	"""A manager approves a referral held for review: it continues as Pending, and is credited
	right after the approval commits when its qualifying sale already happened (or when its period
	qualifies on enrolment) — through the outbox, as a sale's credit is."""
	from referral_loyalty.services import outbox
	from referral_loyalty.services.periods import get_period

	_require_manager(referral_name, _("approve"))
	code, referral = _lock(referral_name)
	if referral.status != eligibility.UNDER_REVIEW:
		frappe.throw(
			_("Only referrals under review can be approved; this one is {0}.").format(_(referral.status)),
			title=_("Cannot Approve"),
		)
	sale = (referral.qualifying_invoice_type, referral.qualifying_invoice)
	referral.status = eligibility.PENDING
	referral.reason = None
	referral.qualifying_invoice_type = referral.qualifying_invoice = None
	_record_decision(referral, note)
	ledger.save(referral)
	period = get_period(referral.enrolment_period)
	if period and period.qualification == rewards.ON_ENROLMENT:
		# credited on its enrolment, as it would have been without the review: a sale it made
		# meanwhile is not its qualifying sale (cancelling that sale later reverses nothing)
		outbox.record(referral.name, code.name)
	elif sale[1]:
		outbox.record(referral.name, code.name, *sale, reopen=True)


def reject(referral_name: str, note: str | None = None) -> None:
	"""Reject a referral that has not been credited (Pending or Under Review): ``Rejected`` /
	``MANUALLY_REJECTED``; the referee's unused reward is withdrawn."""
	_require_manager(referral_name, _("reject"))
	_code, referral = _lock(referral_name)
	if referral.status not in (eligibility.PENDING, eligibility.UNDER_REVIEW):
		frappe.throw(
			_("Only pending referrals or referrals under review can be rejected; this one is {0}.").format(
				_(referral.status)
			),
			title=_("Cannot Reject"),
		)
	referral.status = eligibility.REJECTED
	referral.reason = eligibility.MANUALLY_REJECTED
	_record_decision(referral, note)
	if referral.referee_coupon or referral.referee_points_entry:
		payouts.take_back(referral.referee_coupon, referral.referee_points_entry)
	ledger.save(referral)


def _require_manager(referral_name: str, action: str) -> None:
	if not frappe.db.exists("Referral", referral_name):
		frappe.throw(_("Referral {0} does not exist.").format(referral_name), exc=frappe.DoesNotExistError)
	if not frappe.has_permission("Referral", "write", doc=referral_name):
		frappe.throw(_("Not permitted to {0} referrals.").format(action), exc=ReferralNotAllowed)


def _lock(referral_name: str, code_fields=("name", "customer")):
	"""The referral under the code and referrer locks (the order every writer takes them in)."""
	code_name = frappe.db.get_value("Referral", referral_name, "referral_code")
	code = codes.lock_code(code_name, code_fields)
	codes.lock_customer(code.customer)
	return code, ledger.locked(referral_name)


def _record_decision(referral, note: str | None) -> None:
	referral.decided_by = frappe.session.user
	referral.decided_on = now_datetime()
	referral.decision_note = strip_html(str(note or ""))[:NOTE_MAX] or None
