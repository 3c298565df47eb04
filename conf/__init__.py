"""Hydra configuration of chromecut-train, installed as the package ``chromecut.conf``."""
