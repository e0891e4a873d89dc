"""What a run did: every link's outcome, the run report (JSON, catalog row, summary, exit code)
and the site-drift warnings."""
