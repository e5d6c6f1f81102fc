"""Telling customers about their referral rewards."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.email.doctype.email_account.email_account import EmailAccount
from frappe.utils import escape_html

from referral_loyalty.rules import eligibility
from referral_loyalty.rules.codes import display
from referral_loyalty.services.periods import copy_for
from referral_loyalty.services.sharing import in_language, share_message

OUTGOING_CACHE_SECONDS = 300
OUTGOING_CACHE_KEY = "referral_loyalty:outgoing_email"
# the event of the Notifications sent when a referral qualifies (Notification event "Method";
# the standard "Referral Qualified" tells the Sales Managers); also a doc event other apps may hook
QUALIFIED_METHOD = "on_referral_qualified"


def _can_send() -> bool:
	"""An outgoing e-mail account exists (asked of the database at most every few minutes, and
	again whenever an Email Account is saved or deleted: the crediting after each qualifying sale
	calls this)."""
	known = frappe.cache.get_value(OUTGOING_CACHE_KEY)
	if known is None:
		known = bool(EmailAccount.find_outgoing(match_by_doctype="Referral"))
		frappe.cache.set_value(OUTGOING_CACHE_KEY, known, expires_in_sec=OUTGOING_CACHE_SECONDS)
	return known


def clear_outgoing_cache(doc=None, method=None) -> None:
	"""doc_events of Email Account."""
	frappe.cache.delete_value(OUTGOING_CACHE_KEY)


def referrer_rewarded(referral) -> None:
	"""Email the referrer that their reward (a coupon, or loyalty points) was issued, in the
	customer's language.

	The email is queued (an Email Queue row in this transaction, sent by the scheduler once it is
	committed), so a rolled-back sale sends nothing. Subject and text come from the credited
	period's copy in the customer's language (``Customer.language``, else the site's), with a
	translated default; the coupon code (or the points) is always in the text. A referrer without an email, or a
	site without an outgoing email account, gets nothing; a mail problem never fails the sale.
	The email ends with the referrer's own share message (services/sharing.py), to pass on."""
	if not (referral.referrer_coupon or referral.get("referrer_points_entry")) or not _can_send():
		return
	customer = frappe.db.get_value(
		"Customer", referral.referrer, ["email_id", "customer_name", "language"], as_dict=True
	)
	if not customer or not customer.email_id:
		return
	language = customer.language or frappe.db.get_default("lang") or "en"
	if referral.referrer_coupon:
		reward = display(frappe.db.get_value("POS Coupon", referral.referrer_coupon, "coupon_code") or "")
		points = 0
	else:
		reward = ""
		points = frappe.db.get_value("Loyalty Point Entry", referral.referrer_points_entry, "loyalty_points")
	try:
		subject, message = in_language(language, _compose, referral, customer, reward, language, points)
		message += _share_ending(referral, language)
		frappe.sendmail(
			recipients=[customer.email_id],
			subject=subject,
			message=message,
			reference_doctype="Referral",
			reference_name=referral.name,
			now=False,
		)
	except Exception:
		frappe.log_error(title=_("Referral reward email not queued for {0}").format(referral.name))


def _compose(referral, customer, coupon_code: str, language: str, points: int = 0) -> tuple[str, str]:
	copy = copy_for(referral.referral_period, language) if referral.referral_period else None
	greeting = _("Hello {0},").format(escape_html(customer.customer_name or ""))
	if points:
		reward = _(
			"Thank you for recommending us: a friend you referred has joined. {0} loyalty points were added to your balance; use them on your next purchase."
		).format(f"<b>{int(points)}</b>")
	else:
		reward = _(
			"Thank you for recommending us: a friend you referred has joined. Your reward coupon is {0}; use it on your next purchase."
		).format(f"<b>{escape_html(coupon_code)}</b>")
	parts = [f"<p>{greeting}</p>"]
	if copy and copy.description:
		parts.append(f"<p>{escape_html(copy.description)}</p>")
	parts.append(f"<p>{reward}</p>")
	if copy and copy.terms:
		parts.append(f"<p><small>{escape_html(copy.terms)}</small></p>")
	if copy and copy.title:
		subject = copy.title
	elif points:
		subject = _("Your referral reward: {0} loyalty points").format(int(points))
	else:
		subject = _("Your referral reward: coupon {0}").format(coupon_code)
	return subject, "\n".join(parts)


def _share_ending(referral, language: str) -> str:
	"""The referrer's share message with its WhatsApp link, in the language it was written in."""
	share = share_message(referral.referrer, referral.company, language)
	return in_language(share["language"], _share_html, share) if share else ""


def _share_html(share: dict) -> str:
	invite = _("Pass it on: send this to a friend.")
	return (
		f"\n<hr><p>{escape_html(invite)}</p>"
		f'\n<p class="referral-share-message">{escape_html(share["text"])}</p>'
		f'\n<p><a href="{escape_html(share["whatsapp_url"])}">{escape_html(_("Share on WhatsApp"))}</a></p>'
	)


def referral_qualified(referral) -> None:
	"""Once the crediting that qualified ``referral`` commits, run its ``on_referral_qualified``
	Notifications in a background job (as Frappe makes its own notification logs): the till does
	not wait for them. A crediting undone to its savepoint (``forget_qualified``) or rolled back
	announces nothing; site tests, which never commit, run them at once."""
	if frappe.flags.in_test:
		run_qualified(referral.name)
		return
	if not frappe.flags.rl_qualified:
		frappe.flags.rl_qualified = []
		frappe.db.after_commit.add(_enqueue_qualified)
		frappe.db.after_rollback.add(forget_qualified)
	frappe.flags.rl_qualified.append(referral.name)


def forget_qualified() -> None:
	"""The unit that qualified them was undone."""
	frappe.flags.rl_qualified = None


def _enqueue_qualified() -> None:
	names, frappe.flags.rl_qualified = frappe.flags.rl_qualified or (), None
	for name in names:
		# once per referral: it qualifies once (a crediting that finds it credited does nothing), so
		# no look-up for an earlier job first
		frappe.enqueue(
			"referral_loyalty.services.notifications.run_qualified",
			queue="short",
			referral=name,
			job_id=f"referral_qualified::{name}",
		)


def run_qualified(referral: str) -> None:
	"""The background job: the referral's ``on_referral_qualified`` Notifications and doc events,
	while it is still Qualified (a reversal may have come first)."""
	doc = frappe.get_doc("Referral", referral)
	if doc.status == eligibility.QUALIFIED:
		doc.run_method(QUALIFIED_METHOD)
