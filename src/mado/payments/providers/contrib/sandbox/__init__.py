"""The sandbox acquirer: a faithful in-process simulator of a card/QR/e-money/Pay-easy provider."""
