"""Fill the referee's identity keys (normalised mobile and e-mail) on referrals enrolled before they
were stored, from the referee's current contact data."""

import frappe
from frappe.query_builder import DocType

from referral_loyalty.rules.eligibility import Identity

BATCH = 1000


def execute():
	referral, customer = DocType("Referral"), DocType("Customer")
	after = ""
	while True:
		rows = (
			frappe.qb.from_(referral)
			.join(customer)
			.on(customer.name == referral.referee)
			.select(referral.name, customer.mobile_no, customer.email_id)
			.where(
				(referral.name > after)
				& referral.referee_mobile_key.isnull()
				& referral.referee_email_key.isnull()
			)
			.orderby(referral.name)
			.limit(BATCH)
			.run(as_dict=True)
		)
		if not rows:
			return
		after = rows[-1].name
		updates = {}
		for row in rows:
			identity = Identity.of(row.mobile_no, row.email_id)
			if identity.mobile or identity.email:
				updates[row.name] = {
					"referee_mobile_key": identity.mobile or None,
					"referee_email_key": identity.email or None,
				}
		if updates:
			frappe.db.bulk_update("Referral", updates, update_modified=False)
