"""Back office: department case inboxes, automatic review, approval routes, decisions, exports."""
