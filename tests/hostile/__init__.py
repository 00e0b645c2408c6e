"""Hostile input and no data loss: the suite that proves sitegen survives both."""
