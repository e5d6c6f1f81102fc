"""Bench commands of referral_loyalty (found by frappe through this module's ``commands`` list)."""

import click
from frappe.commands import get_site, pass_context


@click.command("referral-backfill")
@click.option("--company", required=True, help="Company the codes are for")
@click.option("--batch-size", default=1000, show_default=True, type=int, help="Customers per batch")
@pass_context
def referral_backfill(context, company: str, batch_size: int):
	"""Give every enabled customer without a referral code for COMPANY one (safe to re-run)."""
	import time

	import frappe

	from referral_loyalty.services.backfill import run_backfill

	site = get_site(context)
	frappe.init(site=site)
	frappe.connect()
	try:
		frappe.set_user("Administrator")
		started = time.monotonic()

		def report(created: int, total: int) -> None:
			click.echo(f"{created}/{total} customers", err=True)

		try:
			created = run_backfill(company, batch_size=batch_size, on_progress=report)
		except frappe.ValidationError as e:
			click.secho(str(e), fg="red", err=True)
			raise SystemExit(1)
		elapsed = time.monotonic() - started
		click.echo(f"Created {created} referral codes for {company} in {elapsed:.1f}s")
	finally:
		frappe.destroy()


commands = [referral_backfill]
