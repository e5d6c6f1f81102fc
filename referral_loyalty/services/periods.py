"""Loading Referral Periods for the rules core."""

from __future__ import annotations

import time
from contextlib import suppress

import frappe
import redis
from frappe.query_builder import DocType
from frappe.utils import getdate

from referral_loyalty.rules.periods import PeriodSpan, active_period

PERIOD_FIELDS = (
	"name",
	"title",
	"company",
	"enabled",
	"from_date",
	"to_date",
	"campaign",
	"reward_mode",
	"qualification",
	"min_purchase_amount",
	"qualify_within_days",
	"referee_offer",
	"referrer_offer",
	"referrer_cap",
	"referee_reward_limit",
	"referee_reward_type",
	"referrer_reward_type",
	"referee_points",
	"referrer_points",
	"loyalty_program",
	"reward_hold_days",
	"review_enrolments_per_day",
	"employee_referrals",
	"link_within_days",
)


def span_of(row) -> PeriodSpan:
	return PeriodSpan(row.name, row.company, getdate(row.from_date), getdate(row.to_date), bool(row.enabled))


PERIOD_ON_CACHE = "referral_loyalty:period_on"
PERIOD_ON_CACHE_SECONDS = 600


def period_on(company: str, day):
	"""The enabled period of the company active on ``day`` (a row with PERIOD_FIELDS), or None.

	Every enrolment and every crediting asks this, so the answer per (company, day) is kept in the
	site's cache for every process; any write of a period drops it (``periods_changed``), and it
	lasts at most ``PERIOD_ON_CACHE_SECONDS`` in any case (each answer carries its own deadline: the
	hash's expiry, renewed by every new answer, only clears it away). A transaction that wrote a
	period reads the database itself until it ends (what it sees is not committed yet)."""
	day = getdate(day)
	if frappe.flags.rl_periods_written:
		return _period_on(company, day)
	key = f"{company}|{day.isoformat()}"
	now = time.time()
	cached = frappe.cache.hget(PERIOD_ON_CACHE, key)
	if not isinstance(cached, tuple) or cached[0] <= now:
		cached = (now + PERIOD_ON_CACHE_SECONDS, _period_on(company, day) or {})
		frappe.cache.hset(PERIOD_ON_CACHE, key, cached)
		with suppress(redis.exceptions.ConnectionError):  # as frappe.cache's own calls: no cache, no error
			frappe.cache.expire(frappe.cache.make_key(PERIOD_ON_CACHE), PERIOD_ON_CACHE_SECONDS)
	found = cached[1]
	return frappe._dict(found) if found else None


def forget_periods() -> None:
	"""Drop what the site's cache holds of the periods (also after a write behind their back)."""
	frappe.cache.delete_value(PERIOD_ON_CACHE)


def periods_changed() -> None:
	"""A period was written: drop the cached answers now and again when this transaction commits or
	rolls back, so that no process keeps what it read in between."""
	frappe.flags.rl_periods_written = True
	forget_periods()
	frappe.db.after_commit.add(_transaction_ended)
	frappe.db.after_rollback.add(_transaction_ended)


def _transaction_ended() -> None:
	frappe.flags.rl_periods_written = False
	forget_periods()


def _period_on(company: str, day):
	period = DocType("Referral Period")
	rows = (  # a system read on the (company, from_date) index, without get_all's permission layer
		frappe.qb.from_(period)
		.select(*PERIOD_FIELDS)
		.where(
			(period.company == company)
			& (period.enabled == 1)
			& (period.from_date <= day)
			& (period.to_date >= day)
		)
		.run(as_dict=True)
	)
	found = active_period([span_of(r) for r in rows], company, day)
	return next((r for r in rows if found and r.name == found.name), None)


def get_period(name: str | None):
	if not name:
		return None
	return frappe.db.get_value("Referral Period", name, PERIOD_FIELDS, as_dict=True)


def copy_for(period: str, language: str | None = None):
	"""The period's copy in ``language``, else its base language (``es`` for ``es-MX``), else English,
	else the first row."""
	rows = frappe.get_all(
		"Referral Period Copy",
		filters={"parent": period, "parenttype": "Referral Period"},
		fields=["language", "title", "description", "terms", "image_url"],
		order_by="idx asc",
	)
	if not rows:
		return None
	language = language or frappe.local.lang or "en"
	by_language = {r.language: r for r in rows}
	for candidate in (language, language.split("-")[0], "en"):
		if candidate in by_language:
			return by_language[candidate]
	return rows[0]
