"""Benchmark of the referral-code backfill on many customers.

Creates N customers (one INSERT … SELECT over MariaDB's sequence engine, names prefixed with a
random tag) and a throwaway company row, runs the backfill exactly as the background job does (a
commit per batch), prints codes per second, re-runs it (it must create nothing), then deletes
everything it created. Run from the bench directory as the bench user:

	env/bin/python apps/referral_loyalty/benchmarks/backfill.py --site test_referral.localhost --customers 100000

The company is a bare Company row (no accounts): a backfill only needs the name to exist, and a
full ERPNext company would take longer to create and to remove than the benchmark itself. The
site's own customers get a code for that company too during the run (and lose it at clean-up).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import shop


def default_sites_path() -> str:
	bench = Path(sys.executable).parents[2]  # <bench>/env/bin/python
	return str(bench / "sites") if (bench / "sites").is_dir() else "sites"


def main() -> None:
	parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
	parser.add_argument("--site", required=True)
	parser.add_argument("--customers", type=int, default=100_000)
	parser.add_argument("--batch-size", type=int, default=1000)
	parser.add_argument("--sites-path", default=default_sites_path())
	args = parser.parse_args()

	import os

	import frappe

	os.chdir(args.sites_path)  # as bench runs commands: logs go to ../logs
	frappe.init(site=args.site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	tag = f"RLBENCH{frappe.generate_hash(length=6).upper()}"
	company = f"RL Bench {tag}"
	try:
		make_company(company, tag)
		started = time.monotonic()
		make_customers(tag, args.customers)
		print(f"{args.customers} customers inserted in {time.monotonic() - started:.1f}s")
		run(company, args.batch_size)
	finally:
		clean_up(company, tag)
		frappe.destroy()


def make_company(company: str, tag: str) -> None:
	import frappe
	from frappe.utils import now

	stamp = now()
	frappe.db.bulk_insert(
		"Company",
		fields=[
			"name",
			"company_name",
			"abbr",
			"default_currency",
			"country",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"docstatus",
		],
		values=[
			(
				company,
				company,
				tag[-6:],
				"USD",
				"United States",
				stamp,
				stamp,
				"Administrator",
				"Administrator",
				0,
			)
		],
	)
	# A standalone script owns its transactions.
	frappe.db.commit()  # nosemgrep


CUSTOMER_FIELDS = (
	"name",
	"customer_name",
	"customer_type",
	"customer_group",
	"territory",
	"mobile_no",
	"email_id",
	"disabled",
	"creation",
	"modified",
	"owner",
	"modified_by",
	"docstatus",
)


def _group_and_territory() -> tuple[str, str]:
	"""A leaf customer group and territory of the site, for bare customers."""
	return shop.leaf("Customer Group", "All Customer Groups"), shop.leaf("Territory", "All Territories")


def insert_customers(rows, chunk_size: int = 10_000) -> None:
	"""Bulk-insert bare customers from (name, customer_name, mobile_no, email_id) tuples."""
	import frappe
	from frappe.utils import now

	stamp = now()
	group, territory = _group_and_territory()
	values = (
		(
			name,
			label,
			"Individual",
			group,
			territory,
			mobile,
			email,
			0,
			stamp,
			stamp,
			"Administrator",
			"Administrator",
			0,
		)
		for name, label, mobile, email in rows
	)
	frappe.db.bulk_insert(
		"Customer", fields=CUSTOMER_FIELDS, values=values, chunk_size=chunk_size, ignore_duplicates=True
	)


def make_customers(tag: str, count: int) -> None:
	"""``count`` bare customers ``<tag>-0000000`` … with a mobile number and an e-mail each, in one
	INSERT … SELECT over MariaDB's sequence engine (the server builds the rows: seconds faster per
	round than sending them)."""
	import frappe
	from frappe.utils import now

	if count < 1:
		return
	stamp = now()
	group, territory = _group_and_territory()
	columns = ", ".join(f"`{field}`" for field in CUSTOMER_FIELDS)
	# the module's constant columns and the sequence table's bound; the values are parameters
	frappe.db.sql(  # nosemgrep
		f"""INSERT INTO `tabCustomer` ({columns})
		SELECT CONCAT(%(tag)s, '-', LPAD(seq, 7, '0')), CONCAT('Bench Customer ', seq), 'Individual',
			%(group)s, %(territory)s, CONCAT('+1555', LPAD(seq, 7, '0')),
			CONCAT('bench.', seq, '@', %(domain)s), 0, %(stamp)s, %(stamp)s, 'Administrator',
			'Administrator', 0
		FROM seq_0_to_{int(count) - 1}""",
		{
			"tag": tag,
			"group": group,
			"territory": territory,
			"domain": f"{tag.lower()}.example.com",
			"stamp": stamp,
		},
	)
	# A standalone script owns its transactions.
	frappe.db.commit()  # nosemgrep


def run(company: str, batch_size: int) -> None:
	import frappe

	from referral_loyalty.rules.codes import is_valid_canonical
	from referral_loyalty.services.backfill import backfill_codes, count_missing

	missing = count_missing(company)
	started = time.monotonic()
	created = backfill_codes(company, batch_size=batch_size, commit=True)
	elapsed = time.monotonic() - started
	print(
		f"backfill: {created} codes for {missing} customers in {elapsed:.2f}s = {created / elapsed:,.0f} codes/s"
	)

	started = time.monotonic()
	again = backfill_codes(company, batch_size=batch_size, commit=True)
	print(f"re-run: {again} codes in {time.monotonic() - started:.2f}s")

	code = frappe.qb.DocType("Referral Code")
	rows = (
		frappe.qb.from_(code).select(code.customer, code.referral_code).where(code.company == company).run()
	)
	customers = {customer for customer, _code in rows}
	print(
		"check:",
		f"{len(rows)} codes, {len(customers)} customers, {len({c for _customer, c in rows})} distinct codes,",
		f"{sum(1 for _customer, c in rows if is_valid_canonical(c))} valid, {count_missing(company)} still missing",
	)


def clean_up(company: str, tag: str) -> None:
	import frappe

	frappe.db.rollback()
	customer, code = frappe.qb.DocType("Customer"), frappe.qb.DocType("Referral Code")
	(
		frappe.qb.update(customer)
		.join(code)
		.on(code.name == customer.rl_referral_code)
		.set(customer.rl_referral_code, None)
		.where(code.company == company)
	).run()
	frappe.db.delete("Referral Code", {"company": company})
	frappe.db.delete("Customer", {"name": ("like", f"{tag}-%")})
	frappe.db.delete("Company", {"name": company})
	# A standalone script owns its transactions.
	frappe.db.commit()  # nosemgrep
	print("cleaned up")


if __name__ == "__main__":
	main()
