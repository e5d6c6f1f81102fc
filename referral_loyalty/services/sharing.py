"""Printing and showing a customer's own referral code (Jinja helpers for print formats)."""

from __future__ import annotations

import io

import frappe
from frappe import _

from referral_loyalty.rules.codes import display
from referral_loyalty.services.codes import code_of_customer, used_count


def referral_code_for(customer: str, company: str | None = None) -> str:
	"""The customer's code as printed (``7KQ4-M2XD-9``), or "" when they have none."""
	row = code_of_customer(customer, company)
	return display(row.referral_code) if row else ""


def referral_qr_svg(text: str, scale: int = 3) -> str:
	"""An inline SVG QR code of ``text`` (safe to embed in a print format)."""
	if not text:
		return ""
	import pyqrcode

	buffer = io.BytesIO()
	pyqrcode.create(str(text)[:200]).svg(buffer, scale=scale, omithw=False, xmldecl=False, svgns=True)
	return buffer.getvalue().decode()


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
