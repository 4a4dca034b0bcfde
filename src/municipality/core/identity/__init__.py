"""Who people are: TaxisNet login, the profile fields, in-person verification."""
