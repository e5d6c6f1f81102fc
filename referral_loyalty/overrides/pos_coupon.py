"""POS Awesome's POS Coupon, with its immediate double-coupon referral path switched off and the
reward coupons this app issues kept as issued.

Referral rewards are issued by ``referral_loyalty.services.coupons`` once the referral rules allow
them; POS Awesome's ``create_coupon_from_referral`` (called from its Customer ``after_insert``
hook) would hand out both coupons at once, with no period, cap or fraud check.
"""

import frappe
from frappe import _
from frappe.utils import getdate
from posawesome.posawesome.doctype.pos_coupon.pos_coupon import POSCoupon as POSAwesomePOSCoupon

from referral_loyalty.exceptions import LedgerLocked

# what makes a reward coupon someone's reward; ``used`` still moves (POS Awesome counts it on submit)
REWARD_FIELDS = ("customer", "pos_offer", "company", "coupon_type", "rl_referral", "rl_side", "rl_withdrawn")


class POSCoupon(POSAwesomePOSCoupon):
	def create_coupon_from_referral(self):
		return None

	def validate(self):
		if self.flags.rl_service:
			self._validate_reward()
			return
		super().validate()
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

	def _validate_reward(self):
		"""POS Awesome's checks of a coupon and its offer (its ``validate``, same messages), for a
		reward coupon the programme issues, against the cached offer: a reward is issued at every
		enrolment and qualifying sale, and the offer is read once per request, not once per coupon
		(a change of the offer through its document, ``db_set`` or ``set_value`` drops the cache)."""
		if self.coupon_type == "Gift Card":
			self.maximum_use = 1
			if not self.customer:
				frappe.throw(_("Please select the customer."))
		offer = frappe.get_cached_doc("POS Offer", self.pos_offer)
		if self.company != offer.company:
			frappe.throw(_("Please select the correct POS Offer with the same company."))
		if not offer.coupon_based:
			frappe.throw(_("Please select Coupon Code Based POS Offer."))
		if offer.disable:
			frappe.throw(_("POS Offer is disable."))
		offer_from, offer_upto = _date(offer.valid_from), _date(offer.valid_upto)
		valid_from, valid_upto = _date(self.valid_from), _date(self.valid_upto)
		if offer_from and (not valid_from or offer_from > valid_from):
			self.valid_from = offer_from
		if offer_upto and (not valid_upto or offer_upto < valid_upto):
			self.valid_upto = offer_upto

	def on_trash(self):
		if self.rl_referral and not self.flags.rl_service:
			frappe.throw(
				_(
					"A referral reward coupon cannot be deleted; it is withdrawn when its referral is reversed."
				),
				exc=LedgerLocked,
				title=_("Not Allowed"),
			)


def _date(value):
	return getdate(value) if value else None
