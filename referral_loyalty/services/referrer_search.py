"""Finding a referrer by mobile number or name at the till (a referral without a code). Reads only.

What a name matches: the start of the customer's name ("mar" → "Maria Lopez Garcia"), the start
of what follows its first word ("lop", "lopez gar") or the start of its last word ("gar"),
ignoring case and accents (the database's collation). Each of these is an index range (ERPNext's
index on ``customer_name``, and the app's indexed virtual columns ``rl_name_rest`` and
``rl_name_last``, see install.SEARCH_KEYS); a word in the middle of a longer name is not matched,
and nothing is searched with a leading wildcard; a prefix shared by more than CANDIDATES
customers is searched among the first of them in name order (type more of the name). A mobile
number matches a customer whose mobile is the same number however it was written
(``rl_mobile_key``, then compared as E.164).

Only enabled customers with an enabled code for the company are found.
"""

from __future__ import annotations

import frappe
from frappe.query_builder import DocType

from referral_loyalty.rules import referrer_search as rules
from referral_loyalty.rules.codes import display
from referral_loyalty.rules.eligibility import normalise_mobile

NAME_COLUMNS = ("customer_name", "rl_name_rest", "rl_name_last")
CANDIDATES = 500  # customers read per name column, in name order, before looking at their codes
MOBILE_CANDIDATES = 50  # customers sharing a number's last digits read before comparing numbers


def find_referrers(query: rules.ReferrerQuery, company: str, region: str | None = None) -> list[dict]:
	"""Up to MAX_RESULTS customers for a read query: ``{code, label, hint}`` each, exact mobile
	matches first, then name matches by where the name matched (its start first) and name."""
	if query.kind == rules.MOBILE:
		rows = [
			row
			for row in _rows(company, "rl_mobile_key", query.mobile_key, MOBILE_CANDIDATES)
			if normalise_mobile(row.mobile_no, region) == query.mobile
		]
		rows = rules.merge(sorted(rows, key=lambda r: (r.customer_name or "", r.name)), key=_name_of)
	elif query.kind == rules.NAME:
		rows = []
		for column in NAME_COLUMNS:
			rows = rules.merge(rows, _rows(company, column, _like_prefix(query.name)), key=_name_of)
			if len(rows) == rules.MAX_RESULTS:
				break
	else:
		rows = []
	return [
		{
			"code": display(r.referral_code),
			"label": rules.label(r.customer_name),
			"hint": rules.hint(r.mobile_no),
		}
		for r in rows
	]


def _rows(company: str, column: str, pattern: str, limit: int = rules.MAX_RESULTS) -> list:
	"""Customers whose ``column`` starts with ``pattern`` (a LIKE prefix) and who have an enabled
	code for the company, in the column's order, at most ``limit``.

	The customers are read first, on the column's index and at most CANDIDATES of them, then
	joined to their codes: every search costs at most a few hundred index reads, however common
	the prefix and however few codes the company has (letting the optimizer choose, "mar" took
	1.3 s on 200,000 customers, and 3.8 s for a company with few codes when forced to read
	customers first). A prefix shared by more customers is searched among the first CANDIDATES
	of them in name order; a longer prefix finds the rest."""
	customer, code = DocType("Customer"), DocType("Referral Code")
	candidates = (
		frappe.qb.from_(customer)
		.select(customer.name, customer.customer_name, customer.mobile_no, customer[column].as_("sort_key"))
		.where((customer[column].like(f"{pattern}%")) & (customer.disabled == 0))
		.orderby(customer[column])
		.orderby(customer.name)
		.limit(CANDIDATES)
	)
	return (
		frappe.qb.from_(candidates)
		.join(code)
		.on((code.customer == candidates.name) & (code.company == company) & (code.disabled == 0))
		.select(candidates.name, candidates.customer_name, candidates.mobile_no, code.referral_code)
		.orderby(candidates.sort_key)
		.orderby(candidates.name)
		.limit(limit)
		.run(as_dict=True)
	)


def _like_prefix(text: str) -> str:
	"""``text`` with LIKE's wildcards taken literally."""
	return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_of(row) -> str:
	return row.name
