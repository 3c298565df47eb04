"""chromecut.datasets."""
