"""chromecut.io."""
