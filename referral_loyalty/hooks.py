app_name = "referral_loyalty"
app_title = "Referral Loyalty"
app_publisher = "referral_loyalty contributors"
app_description = "Customer referral program for ERPNext and POS Awesome"
app_email = "dev@referral-loyalty.invalid"
app_license = "gpl-3.0"

required_apps = ["erpnext", "posawesome"]

export_python_type_annotations = True

after_install = "referral_loyalty.install.after_install"
after_migrate = "referral_loyalty.install.after_migrate"
before_uninstall = "referral_loyalty.install.before_uninstall"
before_tests = "referral_loyalty.tests.setup.before_tests"

# POS Awesome owns these DocTypes and overrides neither; POS Invoice is left alone (POS Awesome
# overrides it), invoices are reached through doc_events instead.
override_doctype_class = {
	"Referral Code": "referral_loyalty.overrides.referral_code.ReferralCode",
	"POS Coupon": "referral_loyalty.overrides.pos_coupon.POSCoupon",
}

doc_events = {
	"Customer": {
		"before_validate": "referral_loyalty.events.customer.before_validate",
		"after_insert": "referral_loyalty.events.customer.after_insert",
		"on_update": "referral_loyalty.events.customer.on_update",
	},
	"Sales Invoice": {
		"validate": "referral_loyalty.events.invoice.validate",
		"on_submit": "referral_loyalty.events.invoice.on_submit",
		"before_cancel": "referral_loyalty.events.invoice.before_cancel",
		"on_cancel": "referral_loyalty.events.invoice.on_cancel",
	},
	# staff contacts for the review queue's employee signal are cached; a change clears them
	"Employee": {"on_update": "referral_loyalty.services.review.clear_staff_contacts"},
	"User": {"on_update": "referral_loyalty.services.review.clear_staff_contacts"},
	# the app's number cards go to the Desk with the boot; a change of one clears the cached boots
	"Number Card": {
		"on_update": "referral_loyalty.api.dashboard.clear_boot_cards",
		"on_trash": "referral_loyalty.api.dashboard.clear_boot_cards",
	},
	# whether reward e-mails can be sent is cached; a change of the accounts clears it
	"Email Account": {
		"on_update": "referral_loyalty.services.notifications.clear_outgoing_cache",
		"on_trash": "referral_loyalty.services.notifications.clear_outgoing_cache",
	},
	"POS Invoice": {
		"validate": "referral_loyalty.events.invoice.validate",
		"on_submit": "referral_loyalty.events.invoice.on_submit",
		"before_cancel": "referral_loyalty.events.invoice.before_cancel",
		"on_cancel": "referral_loyalty.events.invoice.on_cancel",
	},
}

override_whitelisted_methods = {
	"posawesome.posawesome.api.customers.create_customer": "referral_loyalty.integrations.posawesome.create_customer",
	"posawesome.posawesome.api.customer.create_customer": "referral_loyalty.integrations.posawesome.create_customer",
	"posawesome.posawesome.api.offers.get_active_gift_coupons": "referral_loyalty.integrations.posawesome.get_active_gift_coupons",
	"posawesome.posawesome.api.offers.get_pos_coupon": "referral_loyalty.integrations.posawesome.get_pos_coupon",
}

scheduler_events = {
	"daily": [
		"referral_loyalty.services.expiry.daily",
		"referral_loyalty.services.release.daily",
		"referral_loyalty.services.redemption.daily",
	],
	# finishes crediting that did not run right after a sale's commit (crash, failure, lock conflict)
	"cron": {"*/5 * * * *": ["referral_loyalty.services.outbox.sweep"]},
}

# the workspace cards name the company they count (public/js/referral_cards.js)
app_include_js = "/assets/referral_loyalty/js/referral_cards.js"
boot_session = "referral_loyalty.api.dashboard.add_cards_to_boot"

page_js = {"posapp": "public/js/posapp_referrals.js"}

doctype_js = {
	"Customer": "public/js/customer.js",
	"Referral Code": "public/js/referral_code.js",
	"POS Profile": "public/js/pos_profile.js",
}

jinja = {
	"methods": [
		"referral_loyalty.services.sharing.referral_code_for",
		"referral_loyalty.services.sharing.referral_qr_svg",
		"referral_loyalty.services.sharing.referral_share_message",
	],
}

override_doctype_dashboards = {
	"Referral Code": "referral_loyalty.overrides.dashboards.referral_code",
	"Customer": "referral_loyalty.overrides.dashboards.customer",
}

doctype_list_js = {"Referral Code": "public/js/referral_code_list.js"}
