"""Printing, showing and sharing a customer's own referral code: the one place that composes the
message a customer passes on (Jinja helpers for print formats, the till's card, the e-mail)."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import frappe
from frappe import _
from frappe.utils import strip_html, today

from referral_loyalty.rules.codes import display
from referral_loyalty.services.codes import code_of_customer, used_count
from referral_loyalty.services.periods import copy_for, period_on

MESSAGE_LIMIT = 280  # characters: short enough for a QR a phone reads from a receipt
_SENTENCE_END = re.compile(r"[.!?…。؟]$")


def referral_code_for(customer: str, company: str | None = None) -> str:
	"""The customer's code as printed (``7KQ4-M2XD-9``), or "" when they have none."""
	row = code_of_customer(customer, company)
	return display(row.referral_code) if row else ""


def referral_qr_svg(text: str, scale: int = 3, error: str = "H") -> str:
	"""An inline SVG QR code of ``text`` (safe to embed in a print format); ``error``: its error
	correction level (L, M, Q, H: the lower, the less dense a long text's code)."""
	if not text:
		return ""
	import pyqrcode

	text = str(text)[:MESSAGE_LIMIT]
	try:  # ISO 8859-1, what every QR reader assumes; other scripts (Arabic…) as UTF-8
		text.encode("iso-8859-1")
		encoding = None
	except UnicodeEncodeError:
		encoding = "utf-8"
	buffer = io.BytesIO()
	pyqrcode.create(text, error=error, encoding=encoding).svg(
		buffer, scale=scale, omithw=False, xmldecl=False, svgns=True
	)
	return buffer.getvalue().decode()


def share_message(customer: str, company: str | None = None, language: str | None = None) -> dict | None:
	"""The message a customer sends to friends, ready to pass on: the running period's copy and
	their code as printed, e.g. "Spring deal: 10% off your first order. Use my code 7KQ4-M2XD-9 at
	Shop." — as ``{text, whatsapp_url, qr_svg, language}``; None when the customer has no code.

	The copy is the running period's (``period_on`` today) in ``language`` (default: the
	customer's, else the site's), falling back as ``copy_for`` does; the rest of the message is
	written in the copy's language, so the message never mixes two. Without a running period or
	copy: a translated default in ``language``. A long description is left out rather than let
	the message outgrow MESSAGE_LIMIT. ``company``: the code's company (default: the customer's
	first code, whatever its company)."""
	row = code_of_customer(customer, company)
	if not row:
		return None
	language = (
		language
		or frappe.db.get_value("Customer", customer, "language")
		or frappe.db.get_default("lang")
		or "en"
	)
	period = period_on(row.company, today())
	copy = copy_for(period.name, language) if period else None
	if copy:
		language = copy.language
	shop = frappe.get_cached_value("Company", row.company, "company_name") or row.company
	text = in_language(language, _compose, copy, display(row.referral_code), shop)
	return {
		"text": text,
		"whatsapp_url": "https://wa.me/?text=" + quote(text, safe=""),
		"qr_svg": referral_qr_svg(text, error="M"),
		"language": language,
	}


def referral_share_message(customer: str, company: str | None = None, language: str | None = None):
	"""``share_message`` for print formats (a Jinja method)."""
	return share_message(customer, company, language)


def in_language(language: str, function, *args):
	"""Run ``function`` with ``_()`` translating into ``language``."""
	previous = frappe.local.lang
	frappe.local.lang = language
	try:
		return function(*args)
	finally:
		frappe.local.lang = previous


def _compose(copy, code: str, shop: str) -> str:
	ending = _("Use my code {0} at {1}.").format(code, shop)
	title = " ".join(strip_html(copy.title or "").split()) if copy else ""
	description = " ".join(strip_html(copy.description or "").split()) if copy else ""
	if description and not _SENTENCE_END.search(description):
		description += "."
	if title and not _SENTENCE_END.search(title) and not title.endswith(":"):
		title += ":"
	for parts in ((title, description), (title,), (description,)):
		opening = " ".join(p for p in parts if p)
		if opening and len(opening) + 1 + len(ending) <= MESSAGE_LIMIT:
			return f"{opening} {ending}"
	default = _("Join me at {1} with my referral code {0}.").format(code, shop)
	return default if len(default) <= MESSAGE_LIMIT else code


def referral_summary(customer: str, company: str | None = None, companies: list[str] | None = None) -> dict:
	"""What the till and the Customer form show about a customer's own code and referral: for
	``company``, else for any of ``companies`` (None: any company)."""
	row = code_of_customer(customer, company, companies)
	out = {"customer": customer, "code": None}
	if row:
		used = used_count(row.name)
		limit = row.rl_usage_limit or 0
		out.update(
			code=display(row.referral_code),
			code_name=row.name,
			company=row.company,
			used=used,
			usage_limit=limit,
			usage_label=_("{0} of {1} used").format(used, limit) if limit else _("{0} used").format(used),
			qr_svg=referral_qr_svg(row.referral_code),
		)
	referral = frappe.db.get_value(
		"Referral",
		{"referee": customer},
		["name", "status", "reason", "referrer", "referee_coupon", "company"],
		as_dict=True,
	)
	allowed = [company] if company else companies
	if referral and (allowed is None or referral.company in allowed):
		out["referred_by"] = frappe.db.get_value("Customer", referral.referrer, "customer_name")
		out["referral_status"] = referral.status
		out["referral_reason"] = referral.reason
	return out
