"""One module per command (or command family); loaded lazily by ``tui.cli``."""
