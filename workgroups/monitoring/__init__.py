"""Monitoring (پایش) of the projects of accepted coded lists while their fiscal year is executed:
quarters, the units' reports, review, indicators, dashboards and the quarter's export
(docs/monitoring.md)."""
