def get_context(context):
	"""The message uses only the Referral itself."""
