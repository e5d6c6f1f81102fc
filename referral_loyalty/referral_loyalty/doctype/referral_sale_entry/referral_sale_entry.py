# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from referral_loyalty.exceptions import LedgerLocked

REFEREE_SALE = "Referee Sale"
REWARD_DISCOUNT = "Reward Discount"

# (columns, index name): what the reports read as ranges, and the sale's own rows
INDEXES = (
	# Referral ROI: referee sales and reward discounts of the referrals enrolled in a date range
	(["entry_type", "company", "enrolled_on"], "rl_enrolled_index"),
	# Reward Cost: discounts of the reward coupons issued in a date range, by side and offer
	(["entry_type", "company", "issued_on", "side", "pos_offer"], "rl_issued_index"),
	# a referral period's reward cost (the workspace card)
	(["referral_period", "entry_type"], "rl_period_index"),
	# a referral's rows (they follow it to the period it is credited to)
	(["referral"], "rl_referral_index"),
	# a cancelled sale's rows
	(["invoice", "invoice_type"], "rl_invoice_index"),
)


class ReferralSaleEntry(Document):
	"""A row of the sales ledger: written by ``services/sales.py`` only, as sales are submitted."""

	def validate(self):
		if not self.flags.rl_service:
			frappe.throw(
				_("The referral sales ledger is kept by the referral programme itself."),
				exc=LedgerLocked,
				title=_("Not Allowed"),
			)

	def on_trash(self):
		if not self.flags.rl_service:
			frappe.throw(
				_("A referral sales ledger row is removed only with its cancelled sale."),
				exc=LedgerLocked,
				title=_("Not Allowed"),
			)


def on_doctype_update():
	for columns, index_name in INDEXES:
		frappe.db.add_index("Referral Sale Entry", columns, index_name)
