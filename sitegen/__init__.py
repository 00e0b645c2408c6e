"""sitegen: a static site generator for researchers' publication portfolios."""

__version__ = "0.1.0"
