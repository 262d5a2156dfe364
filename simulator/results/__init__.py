"""Results: the store (the only code that speaks SQL), the reviewer's reports, exports and demo data."""
