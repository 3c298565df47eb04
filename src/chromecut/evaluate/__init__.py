"""chromecut.evaluate."""
