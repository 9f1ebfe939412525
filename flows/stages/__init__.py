"""Pure stage functions over DataFrames: no Prefect, no SQLAlchemy, no environment."""
