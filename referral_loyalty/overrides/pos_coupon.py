"""POS Awesome's POS Coupon, with its immediate double-coupon referral path switched off and the
reward coupons this app issues kept as issued.

Referral rewards are issued by ``referral_loyalty.services.coupons`` once the referral rules allow
them; POS Awesome's ``create_coupon_from_referral`` (called from its Customer ``after_insert``
hook) would hand out both coupons at once, with no period, cap or fraud check.
"""

import frappe
from frappe import _
from posawesome.posawesome.doctype.pos_coupon.pos_coupon import POSCoupon as POSAwesomePOSCoupon

from referral_loyalty.exceptions import LedgerLocked

# what makes a reward coupon someone's reward; ``used`` still moves (POS Awesome counts it on submit)
REWARD_FIELDS = ("customer", "pos_offer", "company", "coupon_type", "rl_referral", "rl_side", "rl_withdrawn")


class POSCoupon(POSAwesomePOSCoupon):
	def create_coupon_from_referral(self):
		return None

	def validate(self):
		super().validate()
		if self.flags.rl_service:
			return
		if self.is_new():
			if self.rl_referral or self.rl_side or self.rl_withdrawn:
				frappe.throw(
					_("Referral reward coupons are issued by the referral programme only."),
					exc=LedgerLocked,
					title=_("Not Allowed"),
				)
			return
		before = self.get_doc_before_save()
		if before and before.rl_referral:
			changed = [_(self.meta.get_label(f)) for f in REWARD_FIELDS if self.has_value_changed(f)]
			if changed:
				frappe.throw(
					_("{0} of a referral reward coupon cannot be changed.").format(", ".join(changed)),
					exc=LedgerLocked,
					title=_("Not Allowed"),
				)

	def on_trash(self):
		if self.rl_referral and not self.flags.rl_service:
			frappe.throw(
				_(
					"A referral reward coupon cannot be deleted; it is withdrawn when its referral is reversed."
				),
				exc=LedgerLocked,
				title=_("Not Allowed"),
			)
