"""Translated labels of the stable reason codes."""

from frappe import _

from referral_loyalty.rules import eligibility as e


def reason_label(reason: str | None) -> str:
	labels = {
		e.SELF_REFERRAL: _("a customer cannot use their own referral code"),
		e.DUPLICATE_IDENTITY: _("the same mobile number or email is already linked to this code"),
		e.ALREADY_REFERRED: _("this customer was already referred"),
		e.EXISTING_CUSTOMER: _("this customer has bought before; referrals are for new customers"),
		e.CODE_USAGE_LIMIT_REACHED: _("this referral code has reached its usage limit"),
		e.NO_ACTIVE_PERIOD: _("no referral promotion is running today"),
		e.REFERRER_CAP_REACHED: _("the referrer has reached the cap of this promotion"),
		e.QUALIFY_WINDOW_EXPIRED: _("the first purchase came after the qualifying window"),
		e.MANUALLY_REJECTED: _("rejected by a manager"),
		e.INVOICE_CANCELLED: _("the qualifying invoice was cancelled"),
		e.RETURNED_BELOW_MINIMUM: _("a return took the purchase under the minimum"),
		e.VELOCITY: _("unusually many enrolments on this code today"),
		e.EMPLOYEE_REFERRAL: _("the referrer or the new customer is a member of staff"),
		e.SAME_CASHIER: _(
			"the referrer's customer record was created by the same cashier in the last 24 hours"
		),
	}
	return labels.get(reason, reason or "")
