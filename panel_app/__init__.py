"""The Panel dashboard (see issue: five tabs over every run)."""
