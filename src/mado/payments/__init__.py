"""Payments (手数料・収納): fees, the payment provider port, counter register, reconciliation (消込), payment slips."""
