"""The dashboard screens: the main view, a session, settings, methodology and help."""
