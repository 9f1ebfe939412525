"""Great Expectations at work: the suite runner (one GX context per suite and process), reading GX
results as findings, the custom expectations, and the offline Data Docs."""
