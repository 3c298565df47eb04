"""chromecut.serving."""
