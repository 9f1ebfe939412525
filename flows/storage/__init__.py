"""The storage layer: the only package that talks SQL."""
