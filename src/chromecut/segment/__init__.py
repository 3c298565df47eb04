"""chromecut.segment."""
