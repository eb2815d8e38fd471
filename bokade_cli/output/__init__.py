"""The one way out (SPEC §7): every byte bokade writes leaves through this package."""
