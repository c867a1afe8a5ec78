"""The counter register (POS-like): certificate fees rung up at the counter, cash and cashless, daily sheet."""
