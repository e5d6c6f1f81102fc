"""The sales ledger (Referral Sale Entry) for the sales submitted before it existed: referees'
sales and returns, and the sales reward coupons were applied on."""

import frappe

from referral_loyalty.services import sales


def execute():
	frappe.reload_doc("referral_loyalty", "doctype", "referral_sale_entry")
	sales.backfill()
