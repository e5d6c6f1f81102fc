"""Desk action: backfill referral codes for all customers of a company, in the background."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils.background_jobs import is_job_enqueued

from referral_loyalty.services import backfill

JOB_TIMEOUT = 3600


@frappe.whitelist(methods=["POST"])
def start_backfill(company: str) -> dict:
	"""Queue the backfill (after this request commits); only one runs per company at a time."""
	frappe.only_for("System Manager")
	if not isinstance(company, str) or not frappe.db.exists("Company", company):
		frappe.throw(_("Company {0} does not exist.").format(frappe.bold(str(company)[:140])))
	if not frappe.has_permission("Company", "read", doc=company):
		frappe.throw(_("Not permitted for company {0}.").format(company), frappe.PermissionError)
	job_id = backfill.job_id(company)
	if is_job_enqueued(job_id):
		return {"queued": False, "message": _("A backfill for {0} is already running.").format(company)}
	missing = backfill.count_missing(company)
	if not missing:
		return {
			"queued": False,
			"message": _("Every customer already has a referral code for {0}.").format(company),
		}
	frappe.enqueue(
		"referral_loyalty.services.backfill.run_backfill",
		queue="long",
		timeout=JOB_TIMEOUT,
		job_id=job_id,
		deduplicate=True,
		enqueue_after_commit=True,
		company=company,
	)
	return {
		"queued": True,
		"missing": missing,
		"message": _("Creating referral codes for {0} customers of {1} in the background.").format(
			missing, company
		),
	}
