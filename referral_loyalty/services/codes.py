"""Referral Code look-up and issue: the one place that turns typed text into a code row."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import cint

from referral_loyalty.exceptions import DuplicateReferralCode, InvalidReferralCode, ReferralCodeTypo
from referral_loyalty.rules import codes
from referral_loyalty.rules.eligibility import QUALIFIED

CODE_FIELDS = (
	"name",
	"referral_code",
	"customer",
	"company",
	"campaign",
	"customer_offer",
	"primary_offer",
	"disabled",
	"rl_usage_limit",
	"rl_own_offers",
	"rl_first_referral_on",
)


LOCK_WAIT_SECONDS = 10  # default of the site config key ``referral_lock_wait_seconds``


def lock_code(code_name: str, fields=("name",)):
	"""Serialise everything that counts against one code (enrolments, crediting, reversal): the
	first statement of such a unit of work. Lock order everywhere: code, then the referrer
	(``lock_customer``), then the referral. Returns the locked row's ``fields`` (None if gone)."""
	rows = _lock("Referral Code", code_name, fields)
	return rows[0] if rows else None


def lock_customer(customer: str) -> None:
	"""Serialise crediting per referrer: a referrer's cap is counted over all their codes."""
	_lock("Customer", customer, ("name",))


def _lock(doctype: str, name: str, fields) -> list:
	"""SELECT … FOR UPDATE of one row, waiting at most ``referral_lock_wait_seconds`` for it (a
	till never waits long behind another; the conflict is retried or left to the sweep)."""
	seconds = cint(frappe.conf.get("referral_lock_wait_seconds")) or LOCK_WAIT_SECONDS
	columns = ", ".join(f"`{field}`" for field in fields)  # field names are this module's constants
	# SET STATEMENT (a per-statement lock wait) has no query-builder form; values are parameters
	return frappe.db.sql(  # nosemgrep
		f"SET STATEMENT innodb_lock_wait_timeout={seconds} FOR "
		f"SELECT {columns} FROM `tab{doctype}` WHERE `name` = %s FOR UPDATE",
		(name,),
		as_dict=True,
	)


def record_first_referral(code_name: str, day) -> None:
	"""The day a code first brought a new customer (kept once; the referrer share rate counts the
	codes that have one). The code's row is locked by the enrolment already."""
	code = frappe.qb.DocType("Referral Code")
	frappe.qb.update(code).set(code.rl_first_referral_on, day).where(
		(code.name == code_name) & code.rl_first_referral_on.isnull()
	).run()


def new_unique_code(attempts: int = 20) -> str:
	for _attempt in range(attempts):
		code = codes.generate_code()
		if not frappe.db.exists("Referral Code", {"referral_code": code}):
			return code
	frappe.throw(_("Could not generate a unique referral code; please try again."))


def find_code(raw: str | None):
	"""The Referral Code row for what was typed, or None. Raises only for a check-symbol typo or
	text that can never be a code."""
	parsed = codes.parse(raw)
	if parsed.kind == codes.CodeKind.NEW:
		return frappe.db.get_value(
			"Referral Code", {"referral_code": parsed.canonical}, CODE_FIELDS, as_dict=True
		)
	if parsed.kind == codes.CodeKind.LEGACY:
		return frappe.db.get_value(
			"Referral Code", {"referral_code": parsed.canonical}, CODE_FIELDS, as_dict=True
		) or frappe.db.get_value("Referral Code", {"name": str(raw).strip()}, CODE_FIELDS, as_dict=True)
	if parsed.problem == "check_symbol":
		# A legacy code typed by hand may look like a new one: try it as stored before calling it a typo.
		row = frappe.db.get_value(
			"Referral Code", {"referral_code": str(raw).strip()}, CODE_FIELDS, as_dict=True
		)
		if row:
			return row
		frappe.throw(
			_("Referral code {0} has a typo: please check each symbol.").format(frappe.bold(_clip(raw))),
			exc=ReferralCodeTypo,
			title=_("Invalid Referral Code"),
		)
	if parsed.problem == "empty":
		return None
	frappe.throw(
		_("{0} is not a referral code.").format(frappe.bold(_clip(raw))),
		exc=InvalidReferralCode,
		title=_("Invalid Referral Code"),
	)


def resolve_code(raw: str | None, company: str | None = None, found=None):
	"""The usable Referral Code row for what was typed, or a clear error (nothing is saved).
	``found``: the row ``find_code`` already returned for the same text in this request."""
	row = found or find_code(raw)
	if not row:
		frappe.throw(
			_("Referral code {0} does not exist.").format(frappe.bold(_clip(raw))),
			exc=InvalidReferralCode,
			title=_("Invalid Referral Code"),
		)
	if row.disabled:
		frappe.throw(
			_("Referral code {0} is disabled.").format(frappe.bold(codes.display(row.referral_code))),
			exc=InvalidReferralCode,
			title=_("Invalid Referral Code"),
		)
	if company and row.company != company:
		frappe.throw(
			_("Referral code {0} belongs to another company.").format(
				frappe.bold(codes.display(row.referral_code))
			),
			exc=InvalidReferralCode,
			title=_("Invalid Referral Code"),
		)
	return row


def used_count(code_name: str, locking: bool = False) -> int:
	"""Qualified referrals of a code: derived from the Referral ledger, never stored."""
	return count_referrals(locking=locking, referral_code=code_name, status=QUALIFIED)


# the columns counts are taken over (each filter is one of these, compared for equality)
COUNTABLE = ("referral_code", "referrer", "referral_period", "status")


def count_referrals(locking: bool = False, **filters) -> int:
	"""Count Referral rows. ``locking``: a locking read (LOCK IN SHARE MODE), which sees every
	commit whatever the transaction's snapshot — for counting against a cap under the code and
	referrer locks, where only the holder of those locks changes the rows counted."""
	if not locking:
		return frappe.db.count("Referral", filters)
	unknown = set(filters) - set(COUNTABLE)
	if unknown:
		raise ValueError(f"not a countable column: {unknown}")
	where = " AND ".join(f"`{column}` = %({column})s" for column in filters)
	# LOCK IN SHARE MODE has no query-builder form; columns are the constants above
	return frappe.db.sql(  # nosemgrep
		f"SELECT COUNT(*) FROM `tabReferral` WHERE {where} LOCK IN SHARE MODE", filters
	)[0][0]


def code_of_customer(customer: str, company: str | None = None, companies: list[str] | None = None):
	"""The customer's enabled code for ``company`` (else for one of ``companies``; else any)."""
	filters = {"customer": customer, "disabled": 0}
	if company:
		filters["company"] = company
	elif companies is not None:
		filters["company"] = ("in", companies or [""])
	rows = frappe.get_all(
		"Referral Code", filters=filters, fields=CODE_FIELDS, order_by="creation asc", limit=1
	)
	return rows[0] if rows else None


def new_code_name(customer: str) -> str:
	"""A name for a customer's new Referral Code, in POS Awesome's form (customer-XXXXX)."""
	return f"{customer.strip()}-{frappe.generate_hash(length=5).upper()}"


def issue_code(
	customer: str, company: str, campaign: str | None = None, holder=None, name: str | None = None
) -> str:
	"""The customer's code for the company, created when missing (safe to call again, and from
	parallel requests: the database holds one enabled code per customer and company).
	``holder``: the customer's document when the caller has it (its name and contacts are copied
	onto the code instead of being fetched). ``name``: the code's name, which the customer was
	just inserted with (``rl_referral_code``) in this transaction: it has no code yet, so none is
	looked for, and the customer shows this one already."""
	filters = {"customer": customer, "company": company, "disabled": 0}
	if not name:
		existing = frappe.db.get_value("Referral Code", filters)
		if existing:
			return existing
	for _attempt in range(3):
		doc = frappe.new_doc("Referral Code")
		doc.referral_name = name  # None: POS Awesome names it
		doc.flags.rl_customer_shows_it = bool(name)
		doc.customer = customer
		doc.company = company
		doc.campaign = campaign
		# a fresh random code: the table's unique key on it answers for a (very rare) collision
		doc.referral_code = codes.generate_code()
		doc.flags.rl_checked_no_other_code = True  # just above; the unique key catches a parallel insert
		if holder is not None:
			for field in ("customer_name", "mobile_no", "email_id"):
				doc.set(field, holder.get(field))
			doc.flags.ignore_links = True  # customer and company were read by the caller
		frappe.db.savepoint("rl_issue_code")
		try:
			doc.insert(ignore_permissions=True)
			return doc.name
		except DuplicateReferralCode:
			# another request created it meanwhile: a locking read sees its committed row
			frappe.db.rollback(save_point="rl_issue_code")
			frappe.clear_messages()
			return frappe.db.get_value("Referral Code", filters, for_update=True)
		except frappe.UniqueValidationError:
			frappe.db.rollback(save_point="rl_issue_code")  # the random code was taken: another one
			frappe.clear_messages()
	frappe.throw(_("Could not generate a unique referral code; please try again."))


def _clip(raw) -> str:
	text = str(raw or "")
	return text if len(text) <= 40 else text[:40] + "…"
