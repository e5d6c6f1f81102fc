# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

from frappe.model.document import Document


class ReferralPeriodMilestone(Document):
	pass
