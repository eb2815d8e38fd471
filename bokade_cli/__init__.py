"""bokade: a diagnostic tool for the 1177 service "Bokade tider"."""

__version__ = "0.1.0"
