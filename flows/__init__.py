"""Sales-data pipeline: ingest, validate (Great Expectations), route, transform, analyse, audit."""
