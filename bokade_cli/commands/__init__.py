"""The CLI's command groups, one module each; each exposes `register(app)`."""
