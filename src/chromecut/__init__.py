"""chromecut: learned line-level boilerplate removal."""

__version__ = "0.1.0"
