"""The site set-up the app's tests need, run by ``bench run-tests`` through the ``before_tests``
hook (not a test module): on a fresh erpnext + posawesome site, ERPNext's setup wizard is
completed the way ``erpnext.setup.utils.before_tests`` does it, so the tests run on any new site
without a hand-made step first. Idempotent: a site already set up is left as it is, and no
existing data is deleted."""

import frappe
from frappe.utils import now_datetime


def before_tests() -> None:
	frappe.clear_cache()
	if not frappe.db.a_row_exists("Company"):
		from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

		year = now_datetime().year
		setup_complete(
			{
				"currency": "USD",
				"full_name": "Test User",
				"company_name": "Wind Power LLC",
				"timezone": "America/New_York",
				"company_abbr": "WP",
				"industry": "Manufacturing",
				"country": "United States",
				"fy_start_date": f"{year}-01-01",
				"fy_end_date": f"{year}-12-31",
				"language": "english",
				"company_tagline": "Testing",
				"email": "test@erpnext.com",
				"password": "test",
				"chart_of_accounts": "Standard",
			}
		)
	_enable_all_roles_for_admin()
	from erpnext.setup.utils import set_defaults_for_tests

	set_defaults_for_tests()  # root customer group and territory as defaults, no automatic item prices
	frappe.db.commit()  # nosemgrep
	frappe.clear_cache()


def _enable_all_roles_for_admin() -> None:
	from frappe.desk.page.setup_wizard.setup_wizard import add_all_roles_to

	roles = set(frappe.get_all("Role", pluck="name"))
	has = set(frappe.get_all("Has Role", {"parent": "Administrator"}, pluck="role"))
	if roles - has:
		add_all_roles_to("Administrator")
