"""Sample applications that use the testbed the way a fintech would: over HTTP only."""
