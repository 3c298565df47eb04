"""chromecut.features."""
