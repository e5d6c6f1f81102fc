# Copyright (c) 2026, referral_loyalty contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import getdate

from referral_loyalty.exceptions import InvalidPeriodDates, PeriodOverlap
from referral_loyalty.rules import rewards
from referral_loyalty.rules.periods import first_overlap
from referral_loyalty.services import points
from referral_loyalty.services.offers import validate_reward_offer
from referral_loyalty.services.periods import PERIOD_FIELDS, periods_changed, span_of


class ReferralPeriod(Document):
	def on_change(self):
		periods_changed()  # any write of a period: insert, save, db_set

	def on_trash(self):
		periods_changed()

	def validate(self):
		self.validate_dates()
		self.validate_numbers()
		self.validate_offers()
		self.validate_points()
		self.validate_milestones()
		self.validate_copy()
		self.validate_overlap()

	def validate_dates(self):
		if getdate(self.to_date) < getdate(self.from_date):
			frappe.throw(
				_("To Date {0} is before From Date {1}.").format(
					frappe.format(self.to_date, "Date"), frappe.format(self.from_date, "Date")
				),
				exc=InvalidPeriodDates,
				title=_("Invalid Dates"),
			)

	def validate_numbers(self):
		for fieldname in (
			"referrer_cap",
			"referee_reward_limit",
			"qualify_within_days",
			"min_purchase_amount",
			"referee_points",
			"referrer_points",
			"reward_hold_days",
			"review_enrolments_per_day",
			"link_within_days",
		):
			if (self.get(fieldname) or 0) < 0:
				frappe.throw(_("{0} cannot be negative.").format(_(self.meta.get_label(fieldname))))

	def validate_offers(self):
		if self.qualification == rewards.ON_ENROLMENT:
			self.min_purchase_amount = 0
			self.qualify_within_days = 0
		needed = rewards.required_offers(
			self.reward_mode,
			self.referee_reward_type or rewards.COUPON,
			self.referrer_reward_type or rewards.COUPON,
		)
		for fieldname in ("referee_offer", "referrer_offer"):
			label = _(self.meta.get_label(fieldname))
			if fieldname not in needed:
				self.set(fieldname, None)
				continue
			if not self.get(fieldname):
				frappe.throw(
					_("{0} is required for reward mode {1}.").format(label, _(self.reward_mode)),
					title=_("Missing Offer"),
				)
			validate_reward_offer(self.get(fieldname), self.company, label)

	def validate_points(self):
		"""A side paid in points needs its points and the period's loyalty program (same company)."""
		paid_in_points = []
		side_names = {rewards.REFEREE: _("new customer"), rewards.REFERRER: _("referrer")}
		for side, type_field, points_field in (
			(rewards.REFEREE, "referee_reward_type", "referee_points"),
			(rewards.REFERRER, "referrer_reward_type", "referrer_points"),
		):
			if side in rewards.rewarded_sides(self.reward_mode) and self.get(type_field) == rewards.POINTS:
				if not self.get(points_field):
					frappe.throw(
						_("{0} is required when the {1} is rewarded in loyalty points.").format(
							_(self.meta.get_label(points_field)), side_names[side]
						),
						title=_("Missing Points"),
					)
				paid_in_points.append(side)
			else:
				self.set(points_field, 0)
		if any(m.reward_type == rewards.POINTS for m in self.milestones):
			paid_in_points.append(rewards.BONUS)
		if paid_in_points and not self.loyalty_program:
			frappe.throw(
				_("Choose the Loyalty Program the points are given in."), title=_("Missing Loyalty Program")
			)
		if self.loyalty_program:
			points.validate_program(
				self.loyalty_program, self.company, _(self.meta.get_label("loyalty_program"))
			)

	def validate_milestones(self):
		seen = set()
		for row in self.milestones:
			if (row.qualified_referrals or 0) <= 0:
				frappe.throw(
					_("Milestone row {0}: the number of qualified referrals must be above 0.").format(row.idx)
				)
			if row.qualified_referrals in seen:
				frappe.throw(
					_("Milestone row {0}: {1} qualified referrals is a milestone already.").format(
						row.idx, row.qualified_referrals
					)
				)
			seen.add(row.qualified_referrals)
			if (row.reward_type or rewards.COUPON) == rewards.COUPON:
				if not row.offer:
					frappe.throw(
						_("Milestone row {0}: choose the offer of the bonus coupon.").format(row.idx)
					)
				validate_reward_offer(row.offer, self.company, _("Milestone row {0}").format(row.idx))
				row.points = 0
			else:
				if not row.points:
					frappe.throw(_("Milestone row {0}: enter the bonus points.").format(row.idx))
				row.offer = None

	def validate_copy(self):
		seen = set()
		for row in self.copy:
			if row.language in seen:
				frappe.throw(
					_("Row {0}: copy for language {1} is entered twice.").format(row.idx, row.language)
				)
			seen.add(row.language)

	def validate_overlap(self):
		if not self.enabled:
			return
		others = frappe.get_all(
			"Referral Period",
			filters={
				"company": self.company,
				"enabled": 1,
				"name": ("!=", self.name or ""),
				"from_date": ("<=", self.to_date),
				"to_date": (">=", self.from_date),
			},
			fields=PERIOD_FIELDS,
		)
		clash = first_overlap(span_of(self), [span_of(o) for o in others])
		if clash:
			other = next(o for o in others if o.name == clash.name)
			frappe.throw(
				_(
					"This period overlaps {0} ({1} to {2}) of company {3}; enabled periods of one company cannot overlap."
				).format(
					frappe.bold(other.title or other.name),
					frappe.format(other.from_date, "Date"),
					frappe.format(other.to_date, "Date"),
					self.company,
				),
				exc=PeriodOverlap,
				title=_("Overlapping Periods"),
			)


def on_doctype_update():
	from referral_loyalty.install import ensure_sort_index

	ensure_sort_index("Referral Period")  # the Desk's list of it, newest first
