"""POS Awesome's POS Coupon with its immediate double-coupon referral path switched off.

Referral rewards are issued by ``referral_loyalty.services.coupons`` once the referral rules allow
them; POS Awesome's ``create_coupon_from_referral`` (called from its Customer ``after_insert``
hook) would hand out both coupons at once, with no period, cap or fraud check.
"""

from posawesome.posawesome.doctype.pos_coupon.pos_coupon import POSCoupon as POSAwesomePOSCoupon


class POSCoupon(POSAwesomePOSCoupon):
	def create_coupon_from_referral(self):
		return None
