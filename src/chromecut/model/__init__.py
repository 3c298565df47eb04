"""chromecut.model."""
