"""Independent read statements of one report, run side by side on several connections.

A report over a year of a large ledger sends a few statements that each read hundreds of thousands
of index entries, and MariaDB runs each statement on one core. Run one after the other they add
up; run on ``lanes`` connections at once they take about as long as the longest lane. Each lane is
a connection of its own: the request's own connection (``frappe.db``) and ``lanes - 1`` more,
opened for the call with the site's settings and closed after it, each in a thread that waits on
its socket (the work is the database's). When the server refuses one, the statements run on the
connections there are.

Other connections do not see what the current transaction wrote and did not commit yet, so with
writes pending (``frappe.db.transaction_writes``) the statements run on the request's connection
alone, one after the other. So do they when the site sets ``referral_report_lanes`` to 1.
Each statement still reads one consistent snapshot of its own; statements of different lanes may
see commits made between them, as statements of separate requests would.

The statements of the extra connections do not pass through ``frappe.db.sql``: a caller that counts
or explains what a request sends (the benchmark) sets ``frappe.local.rl_side_lane_log`` to a list,
and each of them is appended to it.
"""

from __future__ import annotations

import threading
from collections import deque

import frappe
from frappe.utils import cint

DEFAULT_LANES = 2


def lanes() -> int:
	"""How many connections a report's statements may use at once (site config
	``referral_report_lanes``; at least 1)."""
	configured = frappe.conf.get("referral_report_lanes")
	return max(1, cint(configured) if configured not in (None, "") else DEFAULT_LANES)


def run_together(statements: list[str]) -> list[list[frappe._dict]]:
	"""The rows of each of ``statements`` (complete SQL, values inlined), in their order, as
	``frappe.db.sql(..., as_dict=True)`` gives them. Longest first is the caller's order: each lane
	takes the next statement when it is free."""
	width = min(lanes(), len(statements))
	if width <= 1 or frappe.db.transaction_writes:
		return [_on_site_connection(sql) for sql in statements]

	queue = deque(enumerate(statements))
	results: list = [None] * len(statements)
	errors: list[BaseException] = []
	guard = threading.Lock()

	def work(run) -> None:
		while True:
			with guard:
				if errors or not queue:
					return
				index, sql = queue.popleft()
			try:
				results[index] = run(sql)
			except BaseException as error:
				with guard:
					errors.append(error)
				return

	log = getattr(frappe.local, "rl_side_lane_log", None)  # read here: the threads see no frappe.local
	# the request's statement time limit (frappe's, when the site enables one) holds on every lane;
	# a session variable has no query-builder form
	limit = frappe.db.sql("SELECT @@SESSION.max_statement_time")[0][0]  # nosemgrep
	connections = _open_lanes(width - 1, limit)
	if not connections:
		return [_on_site_connection(sql) for sql in statements]
	threads = [
		threading.Thread(target=work, args=(_runner(connection, log),), daemon=True)
		for connection in connections
	]
	try:
		for thread in threads:
			thread.start()
		work(_on_site_connection)
	finally:
		for thread in threads:
			thread.join()
		for connection in connections:
			connection.close()
	if errors:
		raise errors[0]
	return results


def _on_site_connection(sql: str) -> list[frappe._dict]:
	# the statements are the query builder's, built by the caller with their values escaped
	return frappe.db.sql(sql, as_dict=True)  # nosemgrep


def _open_lanes(count: int, limit: float) -> list:
	"""Up to ``count`` extra connections: as many as the server gives. A report never fails for
	want of one (the server at its connection limit, say): it runs on those it has, or on the
	request's connection alone, and the refusal is logged."""
	connections = []
	for _lane in range(count):
		try:
			connections.append(_open(limit))
		except Exception as error:
			frappe.logger("referral_loyalty").warning(f"a report ran on fewer connections: {error!r}")
			break
	return connections


def _open(limit: float = 0):
	"""A new connection to the site's database, as frappe opens its own (settings, conversions),
	with the request connection's statement time limit (seconds, 0 for none)."""
	connection = frappe.db.create_connection()
	if limit:
		with connection.cursor() as cursor:
			cursor.execute("SET SESSION max_statement_time = %s", (float(limit),))
	return connection


def _runner(connection, log: list | None = None):
	def run(sql: str) -> list[frappe._dict]:
		if log is not None:
			log.append(sql)
		with connection.cursor() as cursor:
			cursor.execute(sql)
			columns = [column[0] for column in cursor.description or ()]
			return [frappe._dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]

	return run
