"""Returns and size exchanges (issue 21): what became of each item of an order, the parcel on its
way back to the shop, customers' return and exchange requests, the replacement orders, refunds,
and what the returns teach the shop (``analytics``)."""
