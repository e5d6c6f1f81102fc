from frappe import _


def get_data():
	"""The Referral Period form lists the referrals credited to the period."""
	return {
		"fieldname": "referral_period",
		"transactions": [{"label": _("Referrals"), "items": ["Referral"]}],
	}
