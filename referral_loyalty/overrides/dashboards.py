"""Connections shown on forms this app does not own (``override_doctype_dashboards`` hook)."""

from frappe import _


def referral_code(data):
	"""Referral Code form: the referrals made with the code and the reward coupons they issued."""
	data.fieldname = data.get("fieldname") or "referral_code"
	_add_group(data, _("Referrals"), ["Referral", "POS Coupon"])
	return data


def customer(data):
	"""Customer form: the referrals this customer made (as referrer), their codes and coupons."""
	data.setdefault("non_standard_fieldnames", {})["Referral"] = "referrer"
	_add_group(data, _("Referrals"), ["Referral", "Referral Code", "POS Coupon"])
	return data


def _add_group(data, label: str, items: list[str]) -> None:
	transactions = data.setdefault("transactions", [])
	shown = {item for group in transactions for item in group.get("items", [])}
	missing = [item for item in items if item not in shown]
	if missing:
		transactions.append({"label": label, "items": missing})
