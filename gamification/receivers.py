"""Handlers of other apps' domain signals, connected in AppConfig.ready()."""
