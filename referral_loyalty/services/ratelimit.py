"""Per-user rate limits for look-ups at the till (tills behind one NAT share an IP address, so
frappe's IP-based limit would make them throttle each other)."""

from __future__ import annotations

from functools import wraps

import frappe
from frappe import _


def per_user(limit: int, seconds: int):
	"""Allow each user ``limit`` calls of the decorated function per ``seconds``."""

	def decorator(fn):
		action = f"{fn.__module__}.{fn.__qualname__}"

		@wraps(fn)
		def wrapper(*args, **kwargs):
			hit(action, limit, seconds)
			return fn(*args, **kwargs)

		return wrapper

	return decorator


def hit(action: str, limit: int, seconds: int) -> None:
	key = _key(action)
	count = frappe.cache.incrby(key, 1)
	if count == 1:
		frappe.cache.expire(key, seconds)
	if count > limit:
		frappe.throw(
			_("Too many look-ups; please wait a minute and try again."),
			exc=frappe.RateLimitExceededError,
			title=_("Slow Down"),
		)


def reset(action: str, user: str | None = None) -> None:
	frappe.cache.delete(_key(action, user))


def _key(action: str, user: str | None = None) -> str:
	return frappe.cache.make_key(f"referral_loyalty:rate:{action}:{user or frappe.session.user}")
