"""chromecut.bench."""
