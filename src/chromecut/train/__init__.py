"""chromecut.train."""
