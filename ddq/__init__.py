"""ddq: the Data-Driven Quality community dashboard."""
