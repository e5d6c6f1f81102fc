"""A demo shop to try the whole referral flow at once, and the shop-building helpers the site
tests use too. ``setup_demo`` is idempotent (run by scripts/setup.sh)."""

from __future__ import annotations

import frappe
from frappe.utils import add_days, getdate, today

DEMO_COMPANY = "Demo Shop"
DEMO_ABBR = "DS"
DEMO_ITEM = "Demo Coffee Beans"
DEMO_PROFILE = "Demo Till"
DEMO_REFEREE_OFFER = "Demo Welcome 10%"
DEMO_REFERRER_OFFER = "Demo Thank-you 15%"


def complete_setup_wizard(company: str, abbr: str) -> None:
	"""A fresh site has no company yet: finish ERPNext's setup wizard with this one."""
	if frappe.db.a_row_exists("Company"):
		return
	from frappe.desk.page.setup_wizard.setup_wizard import setup_complete

	year = getdate(today()).year
	setup_complete(
		{
			"currency": "USD",
			"full_name": "Shop Owner",
			"company_name": company,
			"timezone": "America/New_York",
			"company_abbr": abbr,
			"industry": "Retail",
			"country": "United States",
			"fy_start_date": f"{year}-01-01",
			"fy_end_date": f"{year}-12-31",
			"language": "english",
			"company_tagline": "",
			"email": "owner@example.com",
			"password": "admin",
			"chart_of_accounts": "Standard",
		}
	)


def ensure_fiscal_years(*years: int) -> None:
	for year in years:
		if frappe.db.exists("Fiscal Year", {"year_start_date": f"{year}-01-01"}):
			continue
		frappe.get_doc(
			{
				"doctype": "Fiscal Year",
				"year": str(year),
				"year_start_date": f"{year}-01-01",
				"year_end_date": f"{year}-12-31",
			}
		).insert(ignore_permissions=True)


def ensure_company(name: str, abbr: str) -> str:
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": abbr,
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


def ensure_item(item_code: str, price: float | None = None) -> str:
	"""A non-stock sales item; with ``price``, also its Standard Selling price when missing."""
	if not frappe.db.exists("Item", item_code):
		group = frappe.db.get_value("Item Group", {"is_group": 0}, "name") or "All Item Groups"
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": item_code,
				"item_name": item_code,
				"item_group": group,
				"stock_uom": "Nos",
				"is_stock_item": 0,
				"is_sales_item": 1,
			}
		).insert(ignore_permissions=True)
	if price is not None and not frappe.db.exists(
		"Item Price", {"item_code": item_code, "price_list": "Standard Selling"}
	):
		frappe.get_doc(
			{
				"doctype": "Item Price",
				"item_code": item_code,
				"price_list": "Standard Selling",
				"price_list_rate": price,
			}
		).insert(ignore_permissions=True)
	return item_code


def ensure_offer(title: str, company: str, percent: float = 10, coupon_based: int = 1) -> str:
	if not frappe.db.exists("POS Offer", title):
		frappe.get_doc(
			{
				"doctype": "POS Offer",
				"title": title,
				"company": company,
				"apply_on": "Transaction",
				"offer": "Grand Total",
				"discount_type": "Discount Percentage",
				"discount_percentage": percent,
				"coupon_based": coupon_based,
				# applied by itself once its coupon is on the sale (POS Awesome's "auto")
				"auto": 1,
				"valid_from": "2024-01-01",
				"description": title,
			}
		).insert(ignore_permissions=True)
	return title


def ensure_pos_profile(name: str, company: str, users: tuple[str, ...] = ("Administrator",)) -> str:
	if frappe.db.exists("POS Profile", name):
		return name
	cash_account = frappe.db.get_value("Account", {"company": company, "account_type": "Cash", "is_group": 0})
	if not frappe.db.exists("Mode of Payment Account", {"parent": "Cash", "company": company}):
		mop = frappe.get_doc("Mode of Payment", "Cash")
		mop.append("accounts", {"company": company, "default_account": cash_account})
		mop.save(ignore_permissions=True)
	defaults = frappe.get_cached_doc("Company", company)
	frappe.get_doc(
		{
			"doctype": "POS Profile",
			"__newname": name,
			"company": company,
			"warehouse": frappe.db.get_value("Warehouse", {"company": company, "is_group": 0}),
			"cost_center": defaults.cost_center,
			"write_off_account": defaults.write_off_account
			or frappe.db.get_value(
				"Account", {"company": company, "account_type": "Round Off", "is_group": 0}
			),
			"write_off_cost_center": defaults.cost_center,
			"currency": defaults.default_currency,
			"selling_price_list": "Standard Selling",
			"payments": [{"mode_of_payment": "Cash", "default": 1}],
			"applicable_for_users": [{"user": user, "default": 1} for user in users],
			"posa_fetch_coupon": 1,
			"posa_block_sale_beyond_available_qty": 0,
			"rl_auto_create_referral_code": 1,
		}
	).insert(ignore_permissions=True)
	return name


def setup_demo() -> None:
	"""Company, till, offers, an active referral period with copy in three languages, and a few
	customers with codes: enough to try enrolment and a first sale at /app/posapp."""
	complete_setup_wizard(DEMO_COMPANY, DEMO_ABBR)
	year = getdate(today()).year
	ensure_fiscal_years(year, year + 1)
	ensure_company(DEMO_COMPANY, DEMO_ABBR)
	ensure_item(DEMO_ITEM, price=20)
	ensure_offer(DEMO_REFEREE_OFFER, DEMO_COMPANY, 10)
	ensure_offer(DEMO_REFERRER_OFFER, DEMO_COMPANY, 15)
	ensure_pos_profile(DEMO_PROFILE, DEMO_COMPANY)
	if not frappe.db.exists("Referral Period", {"company": DEMO_COMPANY, "title": "Bring a friend"}):
		frappe.get_doc(
			{
				"doctype": "Referral Period",
				"title": "Bring a friend",
				"company": DEMO_COMPANY,
				"from_date": today(),
				"to_date": add_days(today(), 90),
				"reward_mode": "Double-sided",
				"qualification": "On first purchase",
				"min_purchase_amount": 20,
				"qualify_within_days": 30,
				"referee_offer": DEMO_REFEREE_OFFER,
				"referrer_offer": DEMO_REFERRER_OFFER,
				"referrer_cap": 10,
				"reward_hold_days": 0,
				"milestones": [
					{"qualified_referrals": 3, "reward_type": "Coupon", "offer": DEMO_REFERRER_OFFER},
				],
				"copy": [
					{
						"language": "en",
						"title": "10% off your first order",
						"description": "Your friend gets 15% off too.",
						"terms": "First purchase of 20 or more within 30 days.",
					},
					{
						"language": "es",
						"title": "10% de descuento en tu primera compra",
						"description": "Tu amigo también recibe un 15%.",
						"terms": "Primera compra de 20 o más en 30 días.",
					},
					{
						"language": "ar",
						"title": "خصم 10% على طلبك الأول",
						"description": "ويحصل صديقك على خصم 15% أيضًا.",
						"terms": "أول عملية شراء بقيمة 20 أو أكثر خلال 30 يومًا.",
					},
				],
			}
		).insert(ignore_permissions=True)
	from referral_loyalty.services.codes import issue_code

	group = frappe.db.get_value("Customer Group", {"is_group": 0}, "name") or "All Customer Groups"
	territory = frappe.db.get_value("Territory", {"is_group": 0}, "name") or "All Territories"
	for name, mobile in (
		("Ada Lovelace", "5550100001"),
		("Grace Hopper", "5550100002"),
		("Alan Turing", "5550100003"),
	):
		customer = frappe.db.get_value("Customer", {"customer_name": name})
		if not customer:
			customer = (
				frappe.get_doc(
					{
						"doctype": "Customer",
						"customer_name": name,
						"mobile_no": mobile,
						"customer_group": group,
						"territory": territory,
					}
				)
				.insert(ignore_permissions=True)
				.name
			)
		issue_code(customer, DEMO_COMPANY)
	# run from the command line by the set-up script
	frappe.db.commit()  # nosemgrep
	print(f"Demo shop ready: company {DEMO_COMPANY}, POS Profile {DEMO_PROFILE}, period 'Bring a friend'.")
	for row in frappe.get_all("Referral Code", {"company": DEMO_COMPANY}, ["customer_name", "referral_code"]):
		from referral_loyalty.rules.codes import display

		print(f"  {row.customer_name}: {display(row.referral_code)}")
