"""Shipment analytics for staff: figures aggregated in SQL, charts drawn as server-side SVG."""
