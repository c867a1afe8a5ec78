"""Reconciliation (消込): provider settlements and bank / eL-QR-style payment files matched to expected payments."""
