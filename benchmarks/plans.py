"""EXPLAIN of the SQL statements a measured call sent, and whether a plan reads a whole table.

Used in-process (worker.py, scale.py) on a connected site.
"""

from __future__ import annotations

import re

# A full scan of one of these tables is what the app must not do at the till nor in its reports.
WATCHED_TABLES = (
	"tabReferral",
	"tabReferral Code",
	"tabPOS Coupon",
	"tabPOS Coupon Detail",
	"tabReferral Sale Entry",
)
_EXPLAINABLE = re.compile(r"^\s*(\(\s*)*(select|update|delete|with)\b", re.IGNORECASE)


def explainable(query: str) -> bool:
	"""A statement EXPLAIN takes (reads, and the updates and deletes MariaDB explains without
	running them)."""
	return bool(_EXPLAINABLE.match(statement(query)))


def shape(query: str) -> str:
	"""The statement with its literals replaced by ``?`` (to group the same statement sent twice)."""
	text = re.sub(r"'(?:[^'\\]|\\.)*'", "?", query)
	text = re.sub(r"\b\d+(\.\d+)?\b", "?", text)
	text = re.sub(r"\(\?(, ?\?)*\)", "(?…)", text)
	return " ".join(text.split())


_SET_STATEMENT = re.compile(
	r"^\s*SET\s+STATEMENT\s+.*?\s+FOR\s+(?=\(?\s*(select|update|delete|with)\b)", re.I | re.S
)


def statement(query: str) -> str:
	"""The statement itself, without a ``SET STATEMENT … FOR`` prefix (per-statement variables)."""
	return _SET_STATEMENT.sub("", query, count=1)


def explain(query: str) -> dict:
	"""The plan of ``query``: one row a table it reads, with ``full_scan`` set where it reads the
	whole of a watched table."""
	import frappe

	query = statement(query)

	try:
		# a statement the site sent
		rows = frappe.db.sql(f"EXPLAIN {query}", as_dict=True)  # nosemgrep
	except Exception as e:
		return {"query": query, "error": f"{type(e).__name__}: {str(e)[:300]}", "plan": [], "full_scans": []}
	plan = [
		{
			"table": r.get("table"),
			"type": r.get("type"),
			"possible_keys": r.get("possible_keys"),
			"key": r.get("key"),
			"rows": r.get("rows"),
			"extra": r.get("Extra"),
		}
		for r in rows
	]
	return {"query": query, "plan": plan, "full_scans": full_scans(plan)}


def full_scans(plan: list[dict]) -> list[str]:
	"""The watched tables a plan reads in full (access type ALL)."""
	return sorted(
		{
			str(step["table"])
			for step in plan
			if step.get("type") == "ALL" and step.get("table") in WATCHED_TABLES
		}
	)


def explain_all(queries) -> list[dict]:
	"""EXPLAIN each explainable statement of ``queries`` once per shape, with how often it was sent."""
	seen: dict[str, dict] = {}
	for query in queries:
		if not explainable(query):
			continue
		key = shape(query)
		if key in seen:
			seen[key]["sent"] += 1
			continue
		seen[key] = {**explain(query), "shape": key, "sent": 1}
	return list(seen.values())
