"""Submissions (申請・届出): one object for an application from any channel."""
