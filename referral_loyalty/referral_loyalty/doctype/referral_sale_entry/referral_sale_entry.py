# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document

from referral_loyalty.exceptions import refuse_unless_service

REFEREE_SALE = "Referee Sale"
REWARD_DISCOUNT = "Reward Discount"

# The reports' covering indexes, by what they read (reporting.py names them): a range of one of
# them answers a report's query without reading the rows.
INDEXES = {
	# Referral ROI: referee sales and reward discounts of the referrals enrolled in a date range,
	# a referral's rows together (its sales are counted once per referral)
	"enrolled": "rl_enrolled_index",
	# Reward Cost: discounts of the reward coupons issued in a date range, by side and offer
	"issued": "rl_issued_index",
	# a referral period's reward cost (Reward Cost for a period, the workspace card)
	"period": "rl_period_index",
}
INDEX_COLUMNS = {
	"rl_enrolled_index": [
		"entry_type",
		"company",
		"enrolled_on",
		"referral",
		"referral_period",
		"referral_code",
		"days_after_enrolment",
		"net_sales",
		"gross_profit",
		"discount",
	],
	"rl_issued_index": ["entry_type", "company", "issued_on", "side", "pos_offer", "sale_count", "discount"],
	"rl_period_index": [
		"referral_period",
		"entry_type",
		"company",
		"issued_on",
		"side",
		"pos_offer",
		"sale_count",
		"discount",
	],
	# a referral's rows (they follow it to the period it is credited to)
	"rl_referral_index": ["referral"],
	# a cancelled sale's rows
	"rl_invoice_index": ["invoice", "invoice_type"],
}


class ReferralSaleEntry(Document):
	"""A row of the sales ledger: written by ``services/sales.py`` only, as sales are submitted."""

	def validate(self):
		refuse_unless_service(self, _("The referral sales ledger is kept by the referral programme itself."))

	def on_trash(self):
		refuse_unless_service(self, _("A referral sales ledger row is removed only with its cancelled sale."))


def on_doctype_update():
	from referral_loyalty.install import ensure_sort_index

	for index_name, columns in INDEX_COLUMNS.items():
		frappe.db.add_index("Referral Sale Entry", columns, index_name)
	ensure_sort_index("Referral Sale Entry")  # the Desk's list of it, newest first
